package org.specfair.finetune;

import org.specfair.prompts.Prompt;
import org.specfair.prompts.PromptColumns;
import org.specfair.prompts.PromptSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finetuning stages for a (main, assistant) pair: each stage names, per model, the datasets it is finetuned
 * on in order, starting from its parent stage's checkpoints (default: the stage before; the first stage starts
 * from the base pair), so task order and sharing can be varied: e.g. {@code s1: main [sst2], assistant [wikitext]},
 * then {@code s2: main [imdb], assistant [imdb]}. A model with no datasets in a stage keeps its parent's checkpoint.
 *
 * @param train  hyper-parameters of every stage; a stage's {@code train} settings override them
 * @param probe  prompts (with groups) for the milestone KL between the pair; may be empty
 */
public record StagePlan(String experiment, String main, String assistant, Map<String, DatasetSpec> datasets,
                        TrainConfig train, List<Stage> stages, List<Prompt> probe, String device) {
    /** One stage: datasets per role in order, and hyper-parameter overrides ({@code key -> value}). */
    public record Stage(String name, String parent, List<String> main, List<String> assistant, Map<String, String> train) {
        public Stage {
            main = main == null ? List.of() : List.copyOf(main);
            assistant = assistant == null ? List.of() : List.copyOf(assistant);
            train = train == null ? Map.of() : Map.copyOf(train);
        }

        public List<String> datasets(String role) {
            return role.equals("main") ? main : assistant;
        }
    }

    public static final List<String> ROLES = List.of("main", "assistant");

    public StagePlan {
        probe = probe == null ? List.of() : List.copyOf(probe);
        device = device == null ? "auto" : device;
        validate(experiment, main, assistant, datasets, stages);
    }

    /** The stage a stage starts from: its parent, else the one before it, else null (the base pair). */
    public String parentOf(Stage s) {
        if (s.parent() != null) {
            return s.parent();
        }
        int i = stages.indexOf(s);
        return i <= 0 ? null : stages.get(i - 1).name();
    }

    /** Every problem a plan can have, found before anything runs, as one line naming the stage and field. */
    private static void validate(String experiment, String main, String assistant, Map<String, DatasetSpec> datasets,
                                 List<Stage> stages) {
        if (experiment == null || experiment.isBlank()) {
            throw new IllegalArgumentException("stage plan: no experiment name");
        }
        if (main == null || assistant == null) {
            throw new IllegalArgumentException("stage plan: give both the main and the assistant base checkpoint");
        }
        if (stages == null || stages.isEmpty()) {
            throw new IllegalArgumentException("stage plan: no stages");
        }
        Set<String> seen = new HashSet<>();
        for (Stage s : stages) {
            if (s.name() == null || s.name().isBlank()) {
                throw new IllegalArgumentException("stage plan: a stage without a name");
            }
            if (s.parent() != null && !seen.contains(s.parent())) {
                throw new IllegalArgumentException("stage '" + s.name() + "': parent '" + s.parent() + "' is not an earlier stage");
            }
            if (!seen.add(s.name())) {
                throw new IllegalArgumentException("stage '" + s.name() + "' is defined twice");
            }
            for (String role : ROLES) {
                for (String d : s.datasets(role)) {
                    if (!datasets.containsKey(d)) {
                        throw new IllegalArgumentException("stage '" + s.name() + "': " + role + " dataset '" + d
                                + "' is not defined (datasets: " + String.join(", ", datasets.keySet()) + ")");
                    }
                }
            }
            TrainConfig.DEFAULTS.withAll(s.train()); // unknown keys and bad numbers fail here, not mid-plan
        }
    }

    /**
     * Reads a JSON plan:
     * <pre>{"experiment": "e", "main": "DIR", "assistant": "DIR", "device": "cpu",
     *  "datasets": {"sst2": {"path": "...", "format": "parquet", "column": "sentence"}, ...},
     *  "train": {"max_steps": 100, "learning_rate": 5e-5, ...},
     *  "probe": {"file": "data/sample_prompts.tsv", "format": "tsv", "text_column": "prompt", "group_column": "category"},
     *  "stages": [{"name": "s1", "main": ["sst2"], "assistant": ["wikitext"]},
     *             {"name": "s2", "parent": "s1", "main": ["imdb"], "assistant": ["imdb"], "train": {"max_steps": 50}}]}</pre>
     */
    public static StagePlan read(Path file, SparkSession spark) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        try {
            Map<String, DatasetSpec> datasets = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path("datasets").fields(); it.hasNext(); ) {
                var e = it.next();
                datasets.put(e.getKey(), new DatasetSpec(e.getKey(), text(e.getValue(), "path"), text(e.getValue(), "format"),
                        text(e.getValue(), "column")));
            }
            List<Stage> stages = new ArrayList<>();
            for (JsonNode s : root.path("stages")) {
                stages.add(new Stage(text(s, "name"), text(s, "parent"), strings(s.path("main")), strings(s.path("assistant")),
                        settings(s.path("train"))));
            }
            List<Prompt> probe = List.of();
            JsonNode p = root.path("probe");
            if (!p.isMissingNode()) {
                Path f = file.toAbsolutePath().getParent().resolve(text(p, "file"));
                String format = text(p, "format") == null ? "tsv" : text(p, "format");
                PromptColumns cols = PromptColumns.of(orElse(text(p, "text_column"), "prompt"), orElse(text(p, "group_column"), "category"));
                probe = PromptSource.load(List.of(f), format, cols, "all", spark);
            }
            return new StagePlan(text(root, "experiment"), text(root, "main"), text(root, "assistant"), datasets,
                    TrainConfig.DEFAULTS.withAll(settings(root.path("train"))), stages, probe, text(root, "device"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String orElse(String v, String fallback) {
        return v == null ? fallback : v;
    }

    private static List<String> strings(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(x -> out.add(x.asText()));
        return out;
    }

    private static Map<String, String> settings(JsonNode obj) {
        Map<String, String> out = new LinkedHashMap<>();
        obj.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }
}
