package org.specfair.aggregate;

import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A before/after comparison of two stages of one experiment. Which pairs: every stage is compared with
 * its parent stage when the {@code checkpoints} table names one (and that stage was generated), else
 * with the experiment's root stage: {@code base} when it exists, else the alphabetically first stage.
 */
public record StagePair(String experiment, String before, String after) {
    public static final String ROOT_STAGE = "base";

    /** "before->after", the form the distributions table and the report use. */
    public String label() {
        return before + "->" + after;
    }

    /**
     * @param stages experiment -> the stages it generated
     * @param checkpoints the checkpoints table when present (one small Spark job reads its parent stages)
     */
    public static List<StagePair> of(Map<String, ? extends java.util.SortedSet<String>> stages, java.util.Optional<org.apache.spark.sql.Dataset<Row>> checkpoints) {
        Map<List<String>, String> parents = new HashMap<>();
        checkpoints.ifPresent(c -> {
            for (Row r : c.select("experiment", "stage", "parent_stage").where("parent_stage IS NOT NULL")
                    .distinct().orderBy("experiment", "stage", "parent_stage").collectAsList()) {
                parents.putIfAbsent(List.of(r.getAs("experiment"), r.getAs("stage")), r.getAs("parent_stage"));
            }
        });
        List<StagePair> pairs = new ArrayList<>();
        stages.forEach((experiment, names) -> {
            String root = names.contains(ROOT_STAGE) ? ROOT_STAGE : names.first();
            for (String stage : names) {
                String parent = parents.get(List.of(experiment, stage));
                String before = parent != null && names.contains(parent) ? parent : root;
                if (!before.equals(stage)) {
                    pairs.add(new StagePair(experiment, before, stage));
                }
            }
        });
        return pairs;
    }
}
