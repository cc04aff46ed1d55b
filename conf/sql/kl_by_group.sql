-- Per-token KL(P||Q) by group and by how the token was emitted (accepted draft / correction / bonus).
SELECT g.experiment, g.stage, g.category, t.source, count(*) AS tokens,
       avg(t.kl_main_assistant) AS mean_kl, percentile_approx(t.kl_main_assistant, 0.5) AS median_kl,
       avg(t.alpha) AS mean_alpha
FROM tokens t JOIN generations g USING (experiment, stage, run_id, prompt_id, sample_index)
GROUP BY g.experiment, g.stage, g.category, t.source
ORDER BY g.experiment, g.stage, g.category, t.source
