package org.specfair.report;

import org.specfair.aggregate.AggregateInputs;
import org.specfair.aggregate.Distributions;
import org.specfair.aggregate.Transitions;
import org.specfair.tables.NamedQuery;
import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.knowm.xchart.internal.chartpart.Chart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

import static org.apache.spark.sql.functions.col;

/**
 * {@code jobs/report --root ROOT --out DIR}: one offline HTML page ({@code DIR/index.html}) with PNG charts of the
 * aggregate tables: ratio by group and stage with CIs, toxic counts, transition matrices, KL histograms by group
 * and transition class, {@code p_i - q_i} for accepted vs rejected drafts, milestone KL curves, judge agreement
 * and the significance tests. Sections whose tables are absent are replaced by a sentence saying so.
 */
public final class ReportJob {
    private static final Logger LOG = LogManager.getLogger(ReportJob.class);

    /** What a run wrote. */
    public record Summary(Path page, int charts, List<String> omitted) {}

    private ReportJob() {}

    /** spark-submit entry point: arguments as for {@code jobs/report}. */
    public static void main(String[] args) {
        org.specfair.cli.SpecFair.exitWith("report", args);
    }

    public static Summary run(SparkSession spark, String root, String outDir) {
        System.setProperty("java.awt.headless", "true");
        if (!TableStore.exists(spark, root, Tables.GROUP_METRICS)) {
            throw new IllegalArgumentException(TableStore.path(root, Tables.GROUP_METRICS) + ": no aggregates; run jobs/aggregate --root " + root + " first");
        }
        Path out = Path.of(outDir);
        try {
            Files.createDirectories(out);
            // Charts of an earlier run that this one would not write must not linger next to the new page.
            try (var old = Files.list(out)) {
                for (Path p : old.filter(p -> p.getFileName().toString().endsWith(".png")).toList()) {
                    Files.delete(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": " + e.getMessage(), e);
        }
        ReportJob.Page page = new ReportJob.Page(spark, root, out);
        page.write();
        Path index = out.resolve("index.html");
        LOG.info("report: {} charts -> {}", page.charts, index);
        return new Summary(index, page.charts, page.omitted);
    }

    /** One report being written: the tables it reads, the page and the charts so far. */
    private static final class Page {
        final SparkSession spark;
        final String root;
        final Path out;
        final Html html = new Html("SpecFair report");
        final List<String> omitted = new ArrayList<>();
        int charts;
        final List<Row> metrics;
        final Optional<List<Row>> transitions;
        final Optional<List<Row>> distributions;
        final Optional<List<Row>> significance;
        final Optional<List<Row>> milestones;
        final Optional<List<Row>> agreement;

        Page(SparkSession spark, String root, Path out) {
            this.spark = spark;
            this.root = root;
            this.out = out;
            metrics = TableStore.read(spark, root, Tables.GROUP_METRICS).orderBy("experiment", "stage", "category").collectAsList();
            transitions = rows(Tables.TRANSITIONS);
            distributions = rows(Tables.DISTRIBUTIONS);
            significance = rows(Tables.SIGNIFICANCE);
            milestones = rows(AggregateInputs.MILESTONES);
            agreement = rows(Tables.JUDGE_AGREEMENT);
        }

        Optional<List<Row>> rows(String table) {
            return TableStore.readIfExists(spark, root, table).map(Dataset::collectAsList);
        }

        void write() {
            html.p("Tables under " + root + ". Charts are PNG files beside this page; every number is also in the Parquet tables "
                    + "(see docs/tables.md for formulas). Ratio = n_matches / max_new_tokens; KL in nats, summed over the vocabulary.");
            for (String experiment : new TreeSet<>(metrics.stream().map(r -> r.<String>getAs("experiment")).toList())) {
                experiment(experiment);
            }
            try {
                Files.writeString(out.resolve("index.html"), html.end());
            } catch (IOException e) {
                throw new UncheckedIOException(out + ": " + e.getMessage(), e);
            }
        }

        void experiment(String e) {
            List<Row> m = metrics.stream().filter(r -> e.equals(r.getAs("experiment"))).toList();
            Map<String, String> parents = new TreeMap<>();
            own(transitions, e).forEach(r -> parents.put(r.getAs("stage_after"), r.getAs("stage_before")));
            List<String> stages = stageOrder(m, parents);
            List<String> groups = distinct(m, "category");
            List<String> judges = distinct(m.stream().filter(r -> r.getAs("judge") != null).toList(), "judge");
            html.h2("Experiment " + e);
            html.summary(summary(m, stages, parents, judges));
            ratioSection(e, m, stages, groups);
            toxicitySection(e, m, stages, groups, judges);
            transitionSection(e, groups);
            klSection(e, stages, groups);
            transitionKlSection(e, groups);
            draftSection(e, stages);
            milestoneSection(e, stages);
            agreementSection(e, stages, judges);
            significanceSection(e);
        }

        // --- summary -----------------------------------------------------------------------------------------

        /** Largest disparity; per later stage, the disparity and toxic rates against its parent stage (else the first stage). */
        List<String> summary(List<Row> m, List<String> stages, Map<String, String> parents, List<String> judges) {
            List<String> lines = new ArrayList<>();
            Map<String, Row> perStage = new LinkedHashMap<>();
            for (String s : stages) {
                m.stream().filter(r -> s.equals(r.getAs("stage")) && r.getAs("ratio_disparity") != null).findFirst().ifPresent(r -> perStage.put(s, r));
            }
            perStage.values().stream().max(java.util.Comparator.comparingDouble(r -> r.<Double>getAs("ratio_disparity"))).ifPresent(r -> {
                String stage = r.getAs("stage");
                Row low = ratioRow(m, stage, r.getAs("disparity_low_category"));
                Row high = ratioRow(m, stage, r.getAs("disparity_high_category"));
                lines.add(String.format("Largest match-ratio disparity: stage %s, %s between %s (%s, 95%% CI %s) and %s (%s, 95%% CI %s); permutation p = %s.",
                        stage, Html.num(r.getAs("ratio_disparity")), r.getAs("disparity_low_category"), Html.num(low.getAs("mean_ratio")), ci(low),
                        r.getAs("disparity_high_category"), Html.num(high.getAs("mean_ratio")), ci(high), Html.num(r.getAs("disparity_p_value"))));
            });
            for (String s : stages.subList(Math.min(1, stages.size()), stages.size())) {
                String first = parents.getOrDefault(s, stages.get(0));
                Row before = perStage.get(first);
                Row after = perStage.get(s);
                if (before != null && after != null) {
                    double change = after.<Double>getAs("ratio_disparity") - before.<Double>getAs("ratio_disparity");
                    lines.add(String.format("After stage %s (vs %s): disparity %s -> %s (%s%s); widest gap now %s vs %s.", s, first,
                            Html.num(before.getAs("ratio_disparity")), Html.num(after.getAs("ratio_disparity")), change >= 0 ? "+" : "", Html.num(change),
                            after.getAs("disparity_low_category"), after.getAs("disparity_high_category")));
                }
                for (String j : judges) {
                    List<String> rose = new ArrayList<>();
                    for (Row a : m.stream().filter(r -> s.equals(r.getAs("stage")) && j.equals(r.getAs("judge"))).toList()) {
                        Row b = m.stream().filter(r -> Objects.equals(first, r.getAs("stage")) && j.equals(r.getAs("judge"))
                                && Objects.equals(r.getAs("category"), a.getAs("category"))).findFirst().orElse(null);
                        if (b != null && a.getAs("toxic_rate") != null && b.getAs("toxic_rate") != null && a.<Double>getAs("toxic_rate") > b.<Double>getAs("toxic_rate")) {
                            boolean separated = a.getAs("toxic_ci_low") != null && b.getAs("toxic_ci_high") != null
                                    && a.<Double>getAs("toxic_ci_low") > b.<Double>getAs("toxic_ci_high");
                            rose.add(a.getAs("category") + (separated ? " (CIs apart)" : ""));
                        }
                    }
                    lines.add("After stage " + s + ", judge " + j + ": toxic rate rose for " + (rose.isEmpty() ? "no group" : String.join(", ", rose)) + ".");
                }
            }
            if (lines.isEmpty()) {
                lines.add("One stage and one group only: nothing to compare.");
            }
            return lines;
        }

        Row ratioRow(List<Row> m, String stage, String category) {
            return m.stream().filter(r -> stage.equals(r.getAs("stage")) && Objects.equals(category, r.getAs("category"))).findFirst().orElseThrow();
        }

        // --- sections ----------------------------------------------------------------------------------------

        void ratioSection(String e, List<Row> m, List<String> stages, List<String> groups) {
            html.h3("Match ratio by group and stage");
            List<Charts.Bars> bars = new ArrayList<>();
            List<List<Object>> table = new ArrayList<>();
            for (String s : stages) {
                List<Double> values = new ArrayList<>();
                List<Double> lows = new ArrayList<>();
                List<Double> highs = new ArrayList<>();
                long n = 0;
                for (String g : groups) {
                    Row r = first(m, x -> s.equals(x.getAs("stage")) && Objects.equals(g, x.getAs("category")));
                    values.add(r == null ? null : r.getAs("mean_ratio"));
                    lows.add(r == null ? null : r.getAs("ratio_ci_low"));
                    highs.add(r == null ? null : r.getAs("ratio_ci_high"));
                    if (r != null) {
                        n += r.<Long>getAs("samples");
                        table.add(java.util.Arrays.asList(s, g, r.<Long>getAs("prompts"), r.<Long>getAs("samples"), nz(r.getAs("mean_ratio")), ci(r),
                                nz(r.getAs("mean_acceptance_rate")), nz(r.getAs("mean_kl_main_assistant")), nz(r.getAs("kl_main_assistant_p99"))));
                    }
                }
                bars.add(new Charts.Bars(s + " (n=" + n + ")", values, lows, highs));
            }
            chart(Charts.groupedBars(e + ": mean match ratio by group, per stage", "group", "mean ratio (n_matches / max_new_tokens)", groups, bars),
                    e + "-ratio", "Mean match ratio per group and stage; whiskers span the bootstrap 95% CI from its low to its high bound "
                            + "(resampling prompts; not symmetric around the mean). n = samples per stage.");
            html.table(List.of("stage", "group", "prompts", "samples", "mean ratio", "95% CI", "acceptance", "mean KL(P||Q)", "KL p99"), table);
        }

        void toxicitySection(String e, List<Row> m, List<String> stages, List<String> groups, List<String> judges) {
            html.h3("Toxic completions by group and stage");
            if (judges.isEmpty()) {
                omit(e + ": no judgments table: toxicity, transitions and judge agreement are omitted (run the judge job, then jobs/aggregate).");
                return;
            }
            for (String j : judges) {
                List<Charts.Bars> bars = new ArrayList<>();
                List<List<Object>> table = new ArrayList<>();
                for (String s : stages) {
                    List<Double> counts = new ArrayList<>();
                    List<Double> lows = new ArrayList<>();
                    List<Double> highs = new ArrayList<>();
                    long n = 0;
                    for (String g : groups) {
                        Row r = first(m, x -> s.equals(x.getAs("stage")) && j.equals(x.getAs("judge")) && Objects.equals(g, x.getAs("category")));
                        counts.add(r == null || r.getAs("toxic_count") == null ? null : r.<Long>getAs("toxic_count").doubleValue());
                        // The Wilson interval of the rate, scaled by the judged samples: an interval for the count.
                        boolean wilson = r != null && r.getAs("toxic_ci_low") != null && r.getAs("judged") != null;
                        lows.add(wilson ? r.<Double>getAs("toxic_ci_low") * r.<Long>getAs("judged") : null);
                        highs.add(wilson ? r.<Double>getAs("toxic_ci_high") * r.<Long>getAs("judged") : null);
                        if (r != null) {
                            n += r.getAs("judged") == null ? 0 : r.<Long>getAs("judged");
                            table.add(java.util.Arrays.asList(s, g, nz(r.getAs("judged")), nz(r.getAs("toxic_count")), nz(r.getAs("toxic_rate")),
                                    wilson(r), nz(r.getAs("unparsed_count")), nz(r.getAs("judge_errors"))));
                        }
                    }
                    bars.add(new Charts.Bars(s + " (judged n=" + n + ")", counts, lows, highs));
                }
                chart(Charts.groupedBars(e + ": toxic completions by group (judge " + j + ")", "group", "toxic completions (count)", groups, bars),
                        e + "-toxic-" + j, "Toxic completions per group and stage, judge " + j + "; whiskers span the Wilson 95% interval of the toxic "
                                + "rate times the judged samples. Unparsed answers and judge errors are not counted as either label (see table). "
                                + "n = judged samples per stage.");
                html.table(List.of("stage", "group", "judged", "toxic", "toxic rate", "Wilson 95% CI", "unparsed", "judge errors"), table);
            }
        }

        void transitionSection(String e, List<String> groups) {
            html.h3("Transitions between stages");
            List<Row> t = own(transitions, e);
            if (t.isEmpty()) {
                omit(e + ": no transitions (one stage only, or no judgments).");
                return;
            }
            for (List<String> key : keys(t, "stage_before", "stage_after", "judge")) {
                List<Row> rows = t.stream().filter(r -> key.equals(List.of(r.getAs("stage_before"), r.getAs("stage_after"), r.getAs("judge")))).toList();
                List<String> present = groups.stream().filter(g -> rows.stream().anyMatch(r -> Objects.equals(g, r.getAs("category")))).toList();
                long[][] counts = new long[present.size()][Transitions.CLASSES.size()];
                long matched = 0;
                long left = 0;
                for (Row r : rows) {
                    int gi = present.indexOf(r.<String>getAs("category"));
                    int ci = Transitions.CLASSES.indexOf(r.<String>getAs("transition"));
                    counts[gi][ci] = r.getAs("samples");
                    matched += r.<Long>getAs("samples");
                    if (ci == 0) {
                        left += r.<Long>getAs("missing_before") + r.<Long>getAs("missing_after") + r.<Long>getAs("unparsed");
                    }
                }
                String label = key.get(0) + " -> " + key.get(1) + ", judge " + key.get(2);
                chart(Charts.heatmap(e + ": label transitions " + label + " (n=" + matched + " matched samples)", "transition", "group",
                                Transitions.CLASSES, present, counts),
                        e + "-transitions-" + key.get(0) + "-" + key.get(1) + "-" + key.get(2),
                        "Samples (same prompt and sample index in both stages) by how their label moved, " + label + ". " + left
                                + " samples left out: missing in one stage or unparsed in either.");
            }
        }

        void klSection(String e, List<String> stages, List<String> groups) {
            html.h3("Per-token KL(main || assistant) by group, per stage");
            List<Row> d = own(distributions, e).stream().filter(r -> "kl_main_assistant".equals(r.getAs("figure")) && "all".equals(r.getAs("transition"))).toList();
            if (d.isEmpty()) {
                omit(e + ": no per-token KL distributions (generated with --no-score, or no tokens table).");
                return;
            }
            for (String g : groups) {
                List<Charts.Line> lines = new ArrayList<>();
                for (String s : stages) {
                    List<Row> bins = d.stream().filter(r -> s.equals(r.getAs("stage")) && Objects.equals(g, r.getAs("category"))).toList();
                    if (!bins.isEmpty()) {
                        lines.add(histogramLine(s + " (n=" + total(bins) + " tokens)", bins, false));
                    }
                }
                chart(Charts.lines(e + ": KL(P||Q) per token, group " + g, "KL(main || assistant) per token (nats)", "share of tokens", lines, true),
                        e + "-kl-" + g, "Histogram (40 shared bins up to the 99.9th percentile; the last bin holds the tail) of per-token KL for group " + g + ", one line per stage.");
            }
        }

        void transitionKlSection(String e, List<String> groups) {
            html.h3("KL by transition class (samples whose label moved, or stayed)");
            List<Row> d = own(distributions, e).stream().filter(r -> "kl_main_assistant".equals(r.getAs("figure")) && r.getAs("stage_pair") != null).toList();
            if (d.isEmpty()) {
                omit(e + ": no transition-class KL distributions (needs judgments, two stages and tokens).");
                return;
            }
            for (List<String> key : keys(d, "stage_pair", "judge", "transition")) {
                List<Row> rows = d.stream().filter(r -> key.equals(List.of(r.getAs("stage_pair"), r.getAs("judge"), r.getAs("transition")))).toList();
                String[] pair = key.get(0).split("->", 2);
                List<Charts.Line> lines = new ArrayList<>();
                for (int gi = 0; gi < groups.size(); gi++) {
                    String g = groups.get(gi);
                    for (int side = 0; side < 2; side++) {
                        String stage = pair[side];
                        List<Row> bins = rows.stream().filter(r -> stage.equals(r.getAs("stage")) && Objects.equals(g, r.getAs("category"))).toList();
                        if (!bins.isEmpty()) {
                            Charts.Line l = histogramLine(g + ", " + stage + " (n=" + total(bins) + ")", bins, side == 0);
                            lines.add(new Charts.Line(l.name(), l.x(), l.y(), l.dashed(), Charts.PALETTE[gi % Charts.PALETTE.length]));
                        }
                    }
                }
                chart(Charts.lines(e + ": KL(P||Q), samples " + key.get(2) + " (" + key.get(0) + ", judge " + key.get(1) + ")",
                                "KL(main || assistant) per token (nats)", "share of tokens", lines, true),
                        e + "-kl-" + key.get(0) + "-" + key.get(1) + "-" + key.get(2),
                        "Per-token KL of the samples that went " + key.get(2) + " between " + key.get(0).replace("->", " and ") + " (judge " + key.get(1)
                                + "), per group: dashed = before, solid = after. n = tokens.");
            }
        }

        void draftSection(String e, List<String> stages) {
            html.h3("p_i - q_i of draft tokens, accepted vs rejected");
            List<Row> d = own(distributions, e).stream().filter(r -> "p_minus_q".equals(r.getAs("figure")) && "all".equals(r.getAs("transition"))).toList();
            if (d.isEmpty()) {
                omit(e + ": no draft distributions (no drafts table).");
                return;
            }
            for (String s : stages) {
                List<Charts.Line> lines = new ArrayList<>();
                for (String draft : List.of("accepted", "rejected")) {
                    List<Row> bins = d.stream().filter(r -> s.equals(r.getAs("stage")) && draft.equals(r.getAs("draft"))).toList();
                    if (!bins.isEmpty()) {
                        lines.add(histogramLine(draft + " (n=" + total(bins) + " drafts)", sumOverGroups(bins), false));
                    }
                }
                if (!lines.isEmpty()) {
                    chart(Charts.lines(e + ": p_i - q_i of draft tokens, stage " + s, "p_i - q_i (main minus assistant probability)", "share of draft tokens", lines, true),
                            e + "-pq-" + s, "Draft tokens of stage " + s + " (all groups), accepted vs rejected by the verifier. Per-group histograms are in the distributions table.");
                }
            }
        }

        void milestoneSection(String e, List<String> stages) {
            html.h3("Finetuning milestones: probe KL to the partner model");
            List<Row> ms = own(milestones, e);
            if (ms.isEmpty()) {
                omit(e + ": no milestones table (written by the finetuning job).");
                return;
            }
            List<List<String>> keys = keys(ms, "stage", "role");
            keys.sort(java.util.Comparator.comparingInt((List<String> k) -> stages.indexOf(k.get(0)) < 0 ? Integer.MAX_VALUE : stages.indexOf(k.get(0))));
            for (List<String> key : keys) {
                List<Row> rows = ms.stream().filter(r -> key.equals(List.of(r.getAs("stage"), r.getAs("role")))).toList();
                List<Charts.Line> lines = new ArrayList<>();
                for (String c : distinct(rows, "category")) {
                    List<Row> points = rows.stream().filter(r -> c.equals(r.getAs("category"))).sorted(java.util.Comparator.comparingLong(r -> r.<Number>getAs("step").longValue())).toList();
                    lines.add(new Charts.Line(c, points.stream().mapToDouble(r -> r.<Number>getAs("step").doubleValue()).toArray(),
                            points.stream().mapToDouble(r -> r.getAs("kl_model_partner") == null ? 0 : r.<Double>getAs("kl_model_partner")).toArray(), !"all".equals(c)));
                }
                chart(Charts.lines(e + ": probe KL, stage " + key.get(0) + ", " + key.get(1) + " model (n=" + rows.size() + " points)", "training step",
                                "KL(model || partner) on the probe prompts (nats)", lines, false),
                        e + "-milestones-" + key.get(0) + "-" + key.get(1),
                        "Probe KL between the " + key.get(1) + " model being finetuned in stage " + key.get(0) + " and its partner; solid = all probe prompts, dashed = per group.");
            }
        }

        /**
         * From the {@code judge_agreement} table that {@code jobs/judge reliability} writes (with kappa's CI); only when
         * it has no rows for this experiment, computed here with conf/sql/judge_agreement.sql, and the page says so.
         */
        void agreementSection(String e, List<String> stages, List<String> judges) {
            html.h3("Judge agreement");
            if (judges.size() < 2) {
                omit(e + ": fewer than two judges: no agreement to report.");
                return;
            }
            List<Row> written = own(agreement, e).stream().sorted(java.util.Comparator.comparingInt((Row r) -> stages.indexOf(r.<String>getAs("stage")))
                    .thenComparing(r -> r.<String>getAs("judge_a")).thenComparing(r -> r.<String>getAs("judge_b"))).toList();
            List<List<Object>> table = new ArrayList<>();
            if (!written.isEmpty()) {
                for (Row r : written) {
                    Double kappa = r.getAs("kappa");
                    Double low = r.getAs("kappa_ci_low");
                    Double high = r.getAs("kappa_ci_high");
                    table.add(java.util.Arrays.asList(r.getAs("stage"), r.getAs("judge_a"), r.getAs("judge_b"), r.<Long>getAs("n"),
                            nz(r.<Double>getAs("observed_agreement")), kappa == null ? "–" : Html.num(kappa),
                            low == null || high == null ? "–" : "[" + Html.num(low) + ", " + Html.num(high) + "]"));
                }
                html.p("From the judge_agreement table (jobs/judge reliability): samples both judges labelled toxic or non_toxic; "
                        + "Cohen's kappa corrects the observed agreement for chance, with its large-sample 95% CI (docs/tables.md).");
                html.table(List.of("stage", "judge A", "judge B", "samples", "agreement", "Cohen's kappa", "kappa 95% CI"), table);
                return;
            }
            org.specfair.tables.TableViews.register(spark, root);
            for (Row r : spark.sql(NamedQuery.load("judge_agreement", null).bind(Map.of())).filter(col("experiment").equalTo(e)).collectAsList()) {
                table.add(java.util.Arrays.asList(r.getAs("stage"), r.getAs("judge_a"), r.getAs("judge_b"), r.<Long>getAs("samples"),
                        nz(((Number) r.getAs("agreement")).doubleValue()), r.getAs("kappa") == null ? "–" : Html.num(((Number) r.getAs("kappa")).doubleValue())));
            }
            html.p("No judge_agreement table for this experiment (run jobs/judge reliability for it, which adds kappa's CI): computed "
                    + "here from judgments with conf/sql/judge_agreement.sql. Samples both judges labelled toxic or non_toxic; "
                    + "Cohen's kappa corrects the observed agreement for chance.");
            html.table(List.of("stage", "judge A", "judge B", "samples", "agreement", "Cohen's kappa"), table);
        }

        void significanceSection(String e) {
            html.h3("Significance tests");
            List<Row> s = own(significance, e);
            if (s.isEmpty()) {
                omit(e + ": no significance table.");
                return;
            }
            List<List<Object>> table = new ArrayList<>();
            for (Row r : s) {
                table.add(java.util.Arrays.asList(r.getAs("test"), r.getAs("stage_before"), r.getAs("stage"), r.getAs("category"), r.getAs("judge"),
                        nz(r.getAs("statistic")), r.getAs("df"), r.getAs("n1"), r.getAs("n2"), nz(r.getAs("p_value")), nz(r.getAs("p_holm")), r.getAs("note")));
            }
            html.p("Holm-corrected p-values control the family-wise error within each test kind of this experiment.");
            html.table(List.of("test", "before", "stage", "group", "judge", "statistic", "df", "n1", "n2", "p", "p (Holm)", "note"), table);
        }

        // --- helpers -------------------------------------------------------------------------------------------

        void chart(Chart<?, ?> chart, String name, String caption) {
            String file = name.replace("->", "-to-").replaceAll("[^A-Za-z0-9._-]+", "_") + ".png";
            Charts.save(chart, out.resolve(file));
            html.figure(file, caption);
            charts++;
        }

        void omit(String sentence) {
            omitted.add(sentence);
            html.note(sentence);
        }

        List<Row> own(Optional<List<Row>> rows, String e) {
            return rows.map(l -> l.stream().filter(r -> e.equals(r.getAs("experiment"))).toList()).orElse(List.of());
        }

        /** All bins of the shared edges, empty ones at 0 (the table keeps only bins with values; a line must not bridge gaps). */
        static Charts.Line histogramLine(String name, List<Row> bins, boolean dashed) {
            Row any = bins.get(0);
            double width = any.<Double>getAs("bin_high") - any.<Double>getAs("bin_low");
            double lo = any.<Double>getAs("bin_low") - any.<Integer>getAs("bin") * width;
            double[] x = new double[Distributions.BINS];
            double[] y = new double[Distributions.BINS];
            for (int b = 0; b < x.length; b++) {
                x[b] = lo + (b + 0.5) * width;
            }
            for (Row r : bins) {
                y[r.<Integer>getAs("bin")] = r.getAs("share");
            }
            return new Charts.Line(name, x, y, dashed);
        }

        /** Bins of several histograms with the same edges merged into one (counts summed, shares recomputed). */
        List<Row> sumOverGroups(List<Row> bins) {
            Map<Integer, long[]> counts = new TreeMap<>();
            Map<Integer, double[]> edges = new TreeMap<>();
            for (Row r : bins) {
                counts.computeIfAbsent(r.getAs("bin"), b -> new long[1])[0] += r.<Long>getAs("count");
                edges.put(r.getAs("bin"), new double[] {r.getAs("bin_low"), r.getAs("bin_high")});
            }
            long total = total(bins);
            org.apache.spark.sql.types.StructType schema = bins.get(0).schema();
            List<Row> merged = new ArrayList<>();
            counts.forEach((bin, c) -> {
                Object[] v = new Object[schema.size()];
                v[schema.fieldIndex("bin")] = bin;
                v[schema.fieldIndex("bin_low")] = edges.get(bin)[0];
                v[schema.fieldIndex("bin_high")] = edges.get(bin)[1];
                v[schema.fieldIndex("count")] = c[0];
                v[schema.fieldIndex("share")] = (double) c[0] / total;
                merged.add(new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(v, schema));
            });
            return merged;
        }

        static long total(List<Row> bins) {
            return bins.stream().mapToLong(r -> r.<Long>getAs("count")).sum();
        }

        static Row first(List<Row> rows, Predicate<Row> p) {
            return rows.stream().filter(p).findFirst().orElse(null);
        }

        static List<String> distinct(List<Row> rows, String column) {
            return new ArrayList<>(new TreeSet<>(rows.stream().map(r -> r.<String>getAs(column)).filter(Objects::nonNull).toList()));
        }

        static List<List<String>> keys(List<Row> rows, String... columns) {
            TreeSet<List<String>> keys = new TreeSet<>((a, b) -> String.join("\u0000", a).compareTo(String.join("\u0000", b)));
            for (Row r : rows) {
                List<String> k = new ArrayList<>();
                for (String c : columns) {
                    k.add(Objects.toString(r.getAs(c), ""));
                }
                keys.add(k);
            }
            return new ArrayList<>(keys);
        }

        /**
         * The order every chart uses: by finetuning depth (parents from the transitions' stage pairs, which follow the
         * checkpoints' lineage), the root stage (base) first, then by name.
         */
        static List<String> stageOrder(List<Row> m, Map<String, String> parents) {
            List<String> stages = distinct(m, "stage");
            Map<String, Integer> depth = new java.util.HashMap<>();
            for (String s : stages) {
                int d = 0;
                for (String p = parents.get(s); p != null && d < stages.size(); p = parents.get(p)) {
                    d++;
                }
                depth.put(s, d);
            }
            stages.sort(java.util.Comparator.<String>comparingInt(depth::get)
                    .thenComparing(s -> !s.equals(org.specfair.aggregate.StagePair.ROOT_STAGE))
                    .thenComparing(s -> s));
            return stages;
        }

        static String ci(Row r) {
            return r.getAs("ratio_ci_low") == null ? "–" : "[" + Html.num(r.getAs("ratio_ci_low")) + ", " + Html.num(r.getAs("ratio_ci_high")) + "]";
        }

        static String wilson(Row r) {
            return r.getAs("toxic_ci_low") == null ? "–" : "[" + Html.num(r.getAs("toxic_ci_low")) + ", " + Html.num(r.getAs("toxic_ci_high")) + "]";
        }

        static Object nz(Object v) {
            return v == null ? "–" : v;
        }
    }
}
