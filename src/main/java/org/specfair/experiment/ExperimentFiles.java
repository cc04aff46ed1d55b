package org.specfair.experiment;

import org.specfair.decode.DecodeConfig;
import org.specfair.decode.Mode;
import org.specfair.decode.Schedule;
import org.specfair.finetune.TrainConfig;
import org.specfair.prompts.PromptFormat;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads an experiment file strictly, before any work starts: an unknown key, a value of the wrong type, a
 * missing model folder or a stage naming an unknown dataset is an {@link ExperimentFileException} naming the
 * file, the line and the key path ({@code demo.yaml:14: stages[1].main: unknown dataset 'corpsu' (known: ...)}).
 *
 * <p>Relative paths in the file are relative to the working directory (run from the repository root).
 */
public final class ExperimentFiles {
    /** Placeholder replaced by the run's UTC date in experiment and stage names (nightly reruns). */
    public static final String DATE = "{date}";

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    static final Pattern JUDGE = Pattern.compile("([A-Za-z0-9][A-Za-z0-9._-]*)=(llm|llama-guard|honest|classifier)(:.*)?");
    static final Set<String> DATASET_FORMATS = Set.of("text", "csv", "tsv", "jsonl", "parquet");

    private static final ObjectMapper YAML = strictMapper();

    private ExperimentFiles() {}

    static ObjectMapper strictMapper() {
        ObjectMapper m = new ObjectMapper(new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION))
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
        // "steps: 2.5" is not an integer, and "seed: '7'" or "score: 1" are not what they look like: no coercion.
        m.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Array, CoercionAction.Fail);
        return m;
    }

    /** Reads and checks {@code file}; {@code {date}} becomes {@code date}. */
    public static ExperimentFile read(Path file, LocalDate date) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ExperimentFileException(file + ": cannot read the experiment file: " + e.getMessage());
        }
        return parse(file, text, date);
    }

    /** As {@link #read}, from text already read ({@code file} names it in messages). */
    public static ExperimentFile parse(Path file, String text, LocalDate date) {
        if (text.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#"))) {
            throw new ExperimentFileException(file + ":1: the experiment file is empty");
        }
        Map<String, Integer> lines = keyLines(file, text);
        ExperimentConfig raw;
        try {
            raw = YAML.readValue(text, ExperimentConfig.class);
        } catch (JsonMappingException e) {
            throw mappingError(file, e, lines);
        } catch (JsonProcessingException e) {
            throw syntaxError(file, e);
        }
        if (raw == null) {
            throw new ExperimentFileException(file + ":1: the experiment file is empty");
        }
        ExperimentFile parsed = new ExperimentFile(file, text, withDate(raw, date), lines);
        validate(parsed);
        return parsed;
    }

    private static ExperimentConfig withDate(ExperimentConfig c, LocalDate date) {
        String d = date.toString();
        List<ExperimentConfig.Stage> stages = c.stages().stream()
                .map(s -> new ExperimentConfig.Stage(s.name() == null ? null : s.name().replace(DATE, d),
                        s.parent() == null ? null : s.parent().replace(DATE, d), s.main(), s.assistant(), s.finetune()))
                .toList();
        return new ExperimentConfig(c.experiment() == null ? null : c.experiment().replace(DATE, d), c.seed(), c.models(),
                c.prompts(), c.decoding(), c.datasets(), stages, c.finetune(), c.judges(), c.aggregate(), c.report());
    }

    // ---- line numbers

    /** The line of every key and list item, by dotted path ({@code stages[1].main}). */
    static Map<String, Integer> keyLines(Path file, String text) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = new YAMLFactory().createParser(text)) {
            for (JsonToken t; (t = p.nextToken()) != null; ) {
                JsonStreamContext ctx = p.getParsingContext();
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    ctx = ctx.getParent();  // the container's own position is in its parent
                }
                if (ctx != null && (t == JsonToken.FIELD_NAME || ctx.inArray())) {
                    lines.putIfAbsent(dotted(ctx), p.currentTokenLocation().getLineNr());
                }
            }
        } catch (JsonProcessingException e) {
            throw syntaxError(file, e);
        } catch (IOException e) {
            throw new ExperimentFileException(file + ": " + e.getMessage());
        }
        return lines;
    }

    private static String dotted(JsonStreamContext ctx) {
        List<String> parts = new ArrayList<>();
        for (JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.add(0, "[" + c.getCurrentIndex() + "]");
            } else if (c.getCurrentName() != null) {
                parts.add(0, "." + c.getCurrentName());
            }
        }
        String s = String.join("", parts);
        return s.startsWith(".") ? s.substring(1) : s;
    }

    private static String dotted(List<JsonMappingException.Reference> path) {
        StringBuilder s = new StringBuilder();
        for (JsonMappingException.Reference r : path) {
            if (r.getFieldName() != null) {
                s.append(s.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                s.append('[').append(r.getIndex()).append(']');
            }
        }
        return s.toString();
    }

    private static ExperimentFileException syntaxError(Path file, JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String line = at == null ? "1" : String.valueOf(at.getLineNr());
        return new ExperimentFileException(file + ":" + line + ": not valid YAML: " + e.getOriginalMessage().lines()
                .filter(l -> !l.isBlank() && !l.startsWith(" ") && !l.startsWith("\t")).collect(Collectors.joining("; ")));
    }

    private static ExperimentFileException mappingError(Path file, JsonMappingException e, Map<String, Integer> lines) {
        String key = dotted(e.getPath());
        // Records are built once all their keys are read, so Jackson's own location can be past the key: the index knows.
        int line = lines.getOrDefault(key, e.getLocation() == null ? 1 : e.getLocation().getLineNr());
        String problem;
        if (e instanceof UnrecognizedPropertyException u) {
            List<String> known = u.getKnownPropertyIds().stream().map(Object::toString).sorted().toList();
            problem = "unknown key '" + u.getPropertyName() + "' (known: " + String.join(", ", known) + ")";
        } else if (e instanceof InvalidFormatException f) {
            problem = "expected " + typeName(f.getTargetType()) + ", got '" + f.getValue() + "'";
        } else if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            problem = "expected " + typeName(m.getTargetType()) + currentValue(m);
        } else {
            problem = e.getOriginalMessage().lines().findFirst().orElse("invalid value");
        }
        return new ExperimentFileException(file + ":" + line + ": " + (key.isEmpty() ? "" : key + ": ") + problem);
    }

    /** {@code , got 'eight'} when the parser still stands on the offending scalar. */
    private static String currentValue(MismatchedInputException e) {
        try {
            if (e.getProcessor() instanceof JsonParser p && p.currentToken() != null && p.currentToken().isScalarValue()) {
                return ", got '" + p.getText() + "'";
            }
        } catch (IOException ignored) {
            // no value to quote
        }
        return " here";
    }

    private static String typeName(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number";
        } else if (type == Double.class || type == double.class) {
            return "a number";
        } else if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        } else if (type == String.class) {
            return "a text value";
        } else if (List.class.isAssignableFrom(type)) {
            return "a list";
        } else if (Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "a mapping (key: value lines)";
        }
        return type.getSimpleName();
    }

    // ---- checks beyond types

    static void validate(ExperimentFile f) {
        ExperimentConfig c = f.config();
        if (c.experiment() == null || c.experiment().isBlank()) {
            throw f.error("experiment", "required: the experiment's name");
        }
        requireName(f, "experiment", c.experiment());
        validateModels(f, c.models());
        validatePrompts(f, c.prompts());
        validateDecoding(f, c.decoding());
        validateDatasets(f, c.datasets());
        validateStages(f, c);
        validateFinetune(f, "finetune", c.finetune());
        validateJudges(f, c.judges());
    }

    private static void requireName(ExperimentFile f, String key, String name) {
        if (!NAME.matcher(name).matches()) {
            throw f.error(key, "'" + name + "' is not a usable name (letters, digits, '.', '_', '-'; first a letter or digit)");
        }
    }

    private static void validateModels(ExperimentFile f, ExperimentConfig.Models m) {
        if (m == null) {
            throw f.error("models", "required: models.main (and usually models.assistant) checkpoint folders");
        }
        if (m.main() == null || m.main().isBlank()) {
            throw f.error("models.main", "required: the main model's checkpoint folder");
        }
        if (m.make() != null) {
            if (!m.make().equals("demo")) {
                throw f.error("models.make", "unknown value '" + m.make() + "' (demo, or leave it out)");
            }
            if (m.assistant() == null) {
                throw f.error("models.assistant", "required with make: demo (the demo makes a pair)");
            }
            return;  // the folders are made by the run
        }
        requireCheckpoint(f, "models.main", m.main());
        if (m.assistant() != null) {
            requireCheckpoint(f, "models.assistant", m.assistant());
        }
        if (!Set.of("auto", "cpu", "gpu").contains(m.device())) {
            throw f.error("models.device", "unknown device '" + m.device() + "' (auto, cpu, gpu)");
        }
    }

    /** Local folders are checked now; Hadoop URIs (hdfs://, s3a://) when the job copies them. */
    private static void requireCheckpoint(ExperimentFile f, String key, String dir) {
        if (isRemote(dir)) {
            return;
        }
        Path p = Path.of(dir.replaceFirst("^file:(//)?", ""));
        if (!Files.isDirectory(p)) {
            throw f.error(key, "checkpoint folder " + dir + " does not exist");
        }
        if (!Files.isRegularFile(p.resolve("config.json"))) {
            throw f.error(key, dir + " has no config.json (a Hugging Face checkpoint folder is expected)");
        }
    }

    static boolean isRemote(String path) {
        return path.contains("://") && !path.startsWith("file:");
    }

    private static void validatePrompts(ExperimentFile f, ExperimentConfig.Prompts p) {
        if (p == null || p.files().isEmpty()) {
            throw f.error("prompts.files", "required: at least one prompt file");
        }
        for (int i = 0; i < p.files().size(); i++) {
            String file = p.files().get(i);
            if (!isRemote(file) && !Files.exists(Path.of(file))) {
                throw f.error("prompts.files[" + i + "]", "prompt file " + file + " does not exist");
            }
        }
        try {
            PromptFormat format = p.format() != null ? PromptFormat.parse(p.format()) : PromptFormat.ofFileName(p.files().get(0));
            if (format == PromptFormat.HONEST && !Set.of("binary", "queer_nonqueer", "all").contains(p.honestSet())) {
                throw f.error("prompts.honest_set", "unknown set '" + p.honestSet() + "' (binary, queer_nonqueer, all)");
            }
        } catch (ExperimentFileException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw f.error(p.format() != null ? "prompts.format" : "prompts.files[0]", e.getMessage());
        }
    }

    private static void validateDecoding(ExperimentFile f, ExperimentConfig.Decoding d) {
        try {
            Mode.parse(d.mode());
        } catch (IllegalArgumentException e) {
            throw f.error("decoding.mode", e.getMessage());
        }
        try {
            Schedule.parse(d.schedule());
        } catch (IllegalArgumentException e) {
            throw f.error("decoding.schedule", e.getMessage());
        }
        positive(f, "decoding.num_samples", d.numSamples());
        positive(f, "decoding.batch_size", d.batchSize());
        if (d.partitions() < 0) {
            throw f.error("decoding.partitions", "must be >= 0 (0 = the cluster's default parallelism)");
        }
        try {
            toDecodeConfig(d, 0);
        } catch (IllegalArgumentException e) {
            throw f.error("decoding", e.getMessage());
        }
    }

    /** The generation job's decoding config for these settings. */
    static DecodeConfig toDecodeConfig(ExperimentConfig.Decoding d, long seed) {
        return new DecodeConfig(Mode.parse(d.mode()), d.temperature(), d.topK(), d.topP(), Schedule.parse(d.schedule()),
                d.numAssistantTokens(), d.maxNewTokens(), seed, d.scoreTemperature(), true);
    }

    private static void validateDatasets(ExperimentFile f, Map<String, ExperimentConfig.Dataset> datasets) {
        for (Map.Entry<String, ExperimentConfig.Dataset> e : datasets.entrySet()) {
            String key = "datasets." + e.getKey();
            requireName(f, key, e.getKey());
            ExperimentConfig.Dataset d = e.getValue();
            if (d == null) {
                throw f.error(key, "empty: give path (a file) or counterfactual_of (another dataset)");
            }
            if ((d.path() == null) == (d.counterfactualOf() == null)) {
                throw f.error(key, "give exactly one of path (a file) or counterfactual_of (another dataset)");
            }
            if (d.path() != null) {
                if (!isRemote(d.path()) && !Files.exists(Path.of(d.path()))) {
                    throw f.error(key + ".path", "dataset file " + d.path() + " does not exist");
                }
                if (d.format() != null && !DATASET_FORMATS.contains(d.format())) {
                    throw f.error(key + ".format", "unknown format '" + d.format() + "' (" + sorted(DATASET_FORMATS) + ")");
                }
            } else {
                ExperimentConfig.Dataset source = datasets.get(d.counterfactualOf());
                if (source == null) {
                    throw f.error(key + ".counterfactual_of", "unknown dataset '" + d.counterfactualOf() + "' (known: "
                            + String.join(", ", datasets.keySet()) + ")");
                }
                if (source.path() == null) {
                    throw f.error(key + ".counterfactual_of", "'" + d.counterfactualOf() + "' is itself a counterfactual copy; name a file dataset");
                }
                if (d.format() != null) {
                    throw f.error(key + ".format", "a counterfactual copy has its source's format");
                }
            }
        }
    }

    private static void validateStages(ExperimentFile f, ExperimentConfig c) {
        if (c.stages().isEmpty()) {
            throw f.error("stages", "at least one stage is needed");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < c.stages().size(); i++) {
            ExperimentConfig.Stage s = c.stages().get(i);
            String key = "stages[" + i + "]";
            if (s.name() == null) {
                throw f.error(key + ".name", "required: the stage's name");
            }
            requireName(f, key + ".name", s.name());
            if (s.parent() != null && !seen.contains(s.parent())) {
                throw f.error(key + ".parent", "'" + s.parent() + "' is not an earlier stage (earlier: " + String.join(", ", seen) + ")");
            }
            if (!seen.add(s.name())) {
                throw f.error(key + ".name", "stage '" + s.name() + "' appears twice");
            }
            for (String role : List.of("main", "assistant")) {
                List<String> names = role.equals("main") ? s.main() : s.assistant();
                for (int j = 0; j < names.size(); j++) {
                    if (!c.datasets().containsKey(names.get(j))) {
                        throw f.error(key + "." + role + "[" + j + "]", "unknown dataset '" + names.get(j) + "' (known: "
                                + (c.datasets().isEmpty() ? "none; add it under datasets" : String.join(", ", c.datasets().keySet())) + ")");
                    }
                }
            }
            if (!s.assistant().isEmpty() && c.models().assistant() == null) {
                throw f.error(key + ".assistant", "there is no assistant model to finetune (models.assistant)");
            }
            validateFinetune(f, key + ".finetune", s.finetune());
            try {
                trainConfig(c, s);
            } catch (IllegalArgumentException e) {
                throw f.error(key, e.getMessage());
            }
        }
        ExperimentConfig.Stage first = c.stages().get(0);
        if ("demo".equals(c.models().make()) && (first.main().isEmpty() || first.assistant().isEmpty())) {
            throw f.error("stages[0]", "with models.make: demo the pair starts untrained: the first stage must finetune main and assistant");
        }
    }

    /** Finetuning keys are the finetune job's hyper-parameters, each checked by it ({@link TrainConfig#with}). */
    private static void validateFinetune(ExperimentFile f, String key, Map<String, Object> settings) {
        TrainConfig c = TrainConfig.DEFAULTS;
        for (Map.Entry<String, Object> e : settings.entrySet()) {
            String k = key + "." + e.getKey();
            if (!TrainConfig.KEYS.contains(e.getKey())) {
                throw f.error(k, "unknown key '" + e.getKey() + "' (known: " + String.join(", ", TrainConfig.KEYS.stream().sorted().toList()) + ")");
            }
            if (!(e.getValue() instanceof Number || e.getValue() instanceof String)) {
                throw f.error(k, "expected a number or a word, got " + e.getValue());
            }
            try {
                c = c.with(e.getKey(), String.valueOf(e.getValue()));
            } catch (IllegalArgumentException bad) {
                throw f.error(k, bad.getMessage());
            }
        }
    }

    /** A stage's hyper-parameters: the experiment's, then the stage's own over them, on the finetune job's defaults. */
    static TrainConfig trainConfig(ExperimentConfig c, ExperimentConfig.Stage s) {
        Map<String, String> all = new LinkedHashMap<>();
        c.finetune().forEach((k, v) -> all.put(k, String.valueOf(v)));
        s.finetune().forEach((k, v) -> all.put(k, String.valueOf(v)));
        return TrainConfig.DEFAULTS.withAll(all);
    }

    private static void validateJudges(ExperimentFile f, List<String> judges) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < judges.size(); i++) {
            String spec = judges.get(i);
            var m = spec == null ? null : JUDGE.matcher(spec.strip());
            if (m == null || !m.matches()) {
                throw f.error("judges[" + i + "]", "'" + spec + "' is not a judge spec NAME=KIND[:key=value,...]"
                        + " with KIND llm, llama-guard, honest or classifier");
            }
            if (!names.add(m.group(1))) {
                throw f.error("judges[" + i + "]", "judge name '" + m.group(1) + "' appears twice");
            }
        }
    }

    private static void positive(ExperimentFile f, String key, Integer value) {
        if (value != null && value < 1) {
            throw f.error(key, "must be >= 1, got " + value);
        }
    }

    private static String sorted(Set<String> s) {
        return s.stream().sorted().collect(Collectors.joining(", "));
    }

    /** Every dataset name a stage trains on, in first-use order (term counts are made for these). */
    static List<String> datasetsInUse(ExperimentConfig c) {
        Map<String, Boolean> used = new LinkedHashMap<>();
        for (ExperimentConfig.Stage s : c.stages()) {
            s.main().forEach(d -> used.put(d, true));
            s.assistant().forEach(d -> used.put(d, true));
        }
        return List.copyOf(used.keySet());
    }
}
