"""Writes the notebooks from the cells below (edit here, then run: python3 notebooks/make_notebooks.py)."""
import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETUP = """import sys, os
sys.path.insert(0, os.path.abspath('.'))  # nbconvert and Jupyter run from notebooks/
import matplotlib.pyplot as plt
import numpy as np
import specfair_tables as st
print('root:', st.ROOT, '- tables:', ', '.join(st.tables()))"""

GROUP_METRICS = [
    new_markdown_cell("# Group metrics by stage\nMean match ratio per group before and after finetuning with bootstrap 95% CIs, "
                      "the disparity per stage, and toxic completions per judge (the tables `group_metrics` and `significance`, "
                      "written by `jobs/aggregate`; formulas in docs/tables.md)."),
    new_code_cell(SETUP),
    new_code_cell("""gm = st.load('group_metrics')
assert gm is not None, 'no group_metrics under the root: run jobs/aggregate first'
ratio = gm.drop_duplicates(['experiment', 'stage', 'category'])
ratio[['experiment', 'stage', 'category', 'samples', 'mean_ratio', 'ratio_ci_low', 'ratio_ci_high', 'ratio_disparity', 'disparity_p_value']]"""),
    new_code_cell("""for exp, d in ratio.groupby('experiment'):
    stages = st.stage_order(d['stage'])
    groups = sorted(d['category'].unique())
    width = 0.8 / len(stages)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for i, s in enumerate(stages):
        r = d[d['stage'] == s].set_index('category').reindex(groups)
        err = np.vstack([r['mean_ratio'] - r['ratio_ci_low'], r['ratio_ci_high'] - r['mean_ratio']])
        ax.bar(np.arange(len(groups)) + i * width, r['mean_ratio'], width, yerr=err, capsize=3,
               label=f"{s} (n={int(r['samples'].sum())})")
    ax.set_xticks(np.arange(len(groups)) + width * (len(stages) - 1) / 2, groups)
    ax.set_xlabel('group'); ax.set_ylabel('mean ratio (n_matches / max_new_tokens)')
    ax.set_title(f'{exp}: mean match ratio by group and stage (bootstrap 95% CI)')
    ax.legend(title='stage', loc='upper left', bbox_to_anchor=(1.01, 1)); plt.tight_layout(); plt.show()"""),
    new_code_cell("""tox = gm[gm['judge'].notna()]
if tox.empty:
    print('no judgments: toxicity omitted (run the judge job, then jobs/aggregate)')
for (exp, judge), d in tox.groupby(['experiment', 'judge']):
    pivot = d.pivot_table(index='category', columns='stage', values='toxic_count', aggfunc='sum')[st.stage_order(d['stage'])]
    ax = pivot.plot.bar(figsize=(10, 4.5), rot=0)
    ax.set_xlabel('group'); ax.set_ylabel('toxic completions (count)')
    ax.set_title(f"{exp}: toxic completions by group, judge {judge} (judged n={int(d['judged'].sum())})")
    plt.tight_layout(); plt.show()"""),
    new_code_cell("""sig = st.load('significance')
sig[['experiment', 'test', 'stage_before', 'stage', 'category', 'judge', 'statistic', 'p_value', 'p_holm', 'note']] if sig is not None else 'no significance table'"""),
]

DISTRIBUTIONS = [
    new_markdown_cell("# Distributions\nPer-token KL(main || assistant) by group and stage, the same for samples by transition class "
                      "(toxic -> non_toxic, ...), `p_i - q_i` of accepted vs rejected drafts, and the finetuning milestones' probe KL "
                      "(tables `distributions`, `transitions`, `milestones`)."),
    new_code_cell(SETUP),
    new_code_cell("""dist = st.load('distributions')
assert dist is not None, 'no distributions under the root: run jobs/aggregate first'
dist['mid'] = (dist['bin_low'] + dist['bin_high']) / 2
kl = dist[(dist['figure'] == 'kl_main_assistant') & (dist['transition'] == 'all')]
for (exp, group), d in kl.groupby(['experiment', 'category']):
    fig, ax = plt.subplots(figsize=(9, 3.5))
    for s in st.stage_order(d['stage']):
        h = d[d['stage'] == s].sort_values('bin')
        ax.plot(h['mid'], h['share'], label=f"{s} (n={int(h['count'].sum())} tokens)")
    ax.set_xlabel('KL(main || assistant) per token (nats)'); ax.set_ylabel('share of tokens')
    ax.set_title(f'{exp}: per-token KL, group {group}'); ax.legend(); plt.tight_layout(); plt.show()"""),
    new_code_cell("""classed = dist[(dist['figure'] == 'kl_main_assistant') & dist['stage_pair'].notna()]
if classed.empty:
    print('no transition classes (needs judgments and two stages)')
for (exp, pair, judge, cls), d in classed.groupby(['experiment', 'stage_pair', 'judge', 'transition']):
    before, after = pair.split('->', 1)
    fig, ax = plt.subplots(figsize=(9, 3.5))
    for group, g in d.groupby('category'):
        for stage, style in ((before, '--'), (after, '-')):
            h = g[g['stage'] == stage].sort_values('bin')
            if not h.empty:
                ax.plot(h['mid'], h['share'], style, label=f"{group}, {stage} (n={int(h['count'].sum())})")
    ax.set_xlabel('KL(main || assistant) per token (nats)'); ax.set_ylabel('share of tokens')
    ax.set_title(f'{exp}: samples {cls}, {pair}, judge {judge}'); ax.legend(fontsize=7); plt.tight_layout(); plt.show()"""),
    new_code_cell("""pq = dist[(dist['figure'] == 'p_minus_q') & (dist['transition'] == 'all')]
for (exp, stage), d in pq.groupby(['experiment', 'stage']):
    fig, ax = plt.subplots(figsize=(9, 3.5))
    for draft, g in d.groupby('draft'):
        h = g.groupby('mid', as_index=False)['count'].sum()
        ax.plot(h['mid'], h['count'] / h['count'].sum(), label=f"{draft} (n={int(h['count'].sum())})")
    ax.set_xlabel('p_i - q_i'); ax.set_ylabel('share of draft tokens')
    ax.set_title(f'{exp}: p_i - q_i of draft tokens, stage {stage}'); ax.legend(); plt.tight_layout(); plt.show()"""),
    new_code_cell("""ms = st.load('milestones')
if ms is None:
    print('no milestones table (written by the finetuning job)')
else:
    for (exp, stage, role), d in ms.groupby(['experiment', 'stage', 'role']):
        fig, ax = plt.subplots(figsize=(9, 3.5))
        for cat, g in d.groupby('category'):
            g = g.sort_values('step')
            ax.plot(g['step'], g['kl_model_partner'], '-' if cat == 'all' else '--', label=cat)
        ax.set_xlabel('training step'); ax.set_ylabel('probe KL(model || partner) (nats)')
        ax.set_title(f'{exp}: probe KL, stage {stage}, {role} model (n={len(d)} points)'); ax.legend(); plt.tight_layout(); plt.show()"""),
]

for name, cells in (("group_metrics", GROUP_METRICS), ("distributions", DISTRIBUTIONS)):
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, HERE / f"{name}.ipynb")
    print(HERE / f"{name}.ipynb")
