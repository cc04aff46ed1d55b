package org.specfair.judge;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One judge configuration as the user writes it: {@code NAME=KIND[:key=value,key=value...]}, e.g.
 * {@code tulu=llm:model=/models/tulu-7b,format=tulu,variant=code,include_prompt=true,max_answer_tokens=48}.
 * The CLI ({@code --judge}) and experiment files parse the same string here, so a typo is reported
 * the same way everywhere: one line naming the judge and the key.
 *
 * @param name    what the user calls it; the {@code judge} partition of the judgments table
 * @param kind    llm | llama-guard | honest | classifier
 * @param options key -> value, in the order given
 */
public record JudgeSpec(String name, String kind, Map<String, String> options) implements Serializable {
    public static final String LLM = "llm";
    public static final String LLAMA_GUARD = "llama-guard";
    public static final String HONEST = "honest";
    public static final String CLASSIFIER = "classifier";

    /** The keys each kind understands (anything else is a typo and an error). */
    static final Map<String, Set<String>> KEYS = Map.of(
            LLM, Set.of("model", "format", "variant", "include_prompt", "max_answer_tokens", "mode", "batch_size", "dtype", "device"),
            LLAMA_GUARD, Set.of("model", "version", "include_prompt", "max_answer_tokens", "batch_size", "dtype", "device"),
            HONEST, Set.of("lexicon", "level"),
            CLASSIFIER, Set.of("model", "threshold"));

    public JudgeSpec {
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** Parses {@code NAME=KIND[:k=v,...]}; throws IllegalArgumentException with a one-line reason. */
    public static JudgeSpec parse(String text) {
        String s = text == null ? "" : text.strip();
        int eq = s.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("judge '" + s + "': expected NAME=KIND[:key=value,...] with KIND one of " + kinds());
        }
        String name = s.substring(0, eq).strip();
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("judge name '" + name + "': use letters, digits, '_', '-', '.' (it becomes a partition folder)");
        }
        String rest = s.substring(eq + 1);
        int colon = rest.indexOf(':');
        String kind = (colon < 0 ? rest : rest.substring(0, colon)).strip();
        if (!KEYS.containsKey(kind)) {
            throw new IllegalArgumentException("judge " + name + ": unknown kind '" + kind + "' (expected one of " + kinds() + ")");
        }
        Map<String, String> options = new LinkedHashMap<>();
        if (colon >= 0 && !rest.substring(colon + 1).isBlank()) {
            for (String pair : rest.substring(colon + 1).split(",")) {
                int e = pair.indexOf('=');
                if (e <= 0) {
                    throw new IllegalArgumentException("judge " + name + ": option '" + pair + "' is not key=value");
                }
                String key = pair.substring(0, e).strip();
                if (!KEYS.get(kind).contains(key)) {
                    throw new IllegalArgumentException("judge " + name + ": unknown option '" + key + "' for kind " + kind
                            + " (known: " + String.join(", ", KEYS.get(kind).stream().sorted().toList()) + ")");
                }
                if (options.put(key, pair.substring(e + 1).strip()) != null) {
                    throw new IllegalArgumentException("judge " + name + ": option '" + key + "' given twice");
                }
            }
        }
        JudgeSpec spec = new JudgeSpec(name, kind, options);
        for (String required : switch (kind) {
            case HONEST -> List.of("lexicon");
            default -> List.of("model");
        }) {
            spec.require(required);
        }
        return spec;
    }

    private static String kinds() {
        return String.join(", ", List.of(LLM, LLAMA_GUARD, HONEST, CLASSIFIER));
    }

    /** The value of a required option, or a one-line error naming the judge. */
    public String require(String key) {
        String v = options.get(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("judge " + name + ": missing option " + key + "=...");
        }
        return v;
    }

    public String get(String key, String fallback) {
        return options.getOrDefault(key, fallback);
    }

    public int getInt(String key, int fallback) {
        String v = options.get(key);
        try {
            return v == null ? fallback : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("judge " + name + ": option " + key + "=" + v + " is not an integer");
        }
    }

    public double getDouble(String key, double fallback) {
        String v = options.get(key);
        try {
            return v == null ? fallback : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("judge " + name + ": option " + key + "=" + v + " is not a number");
        }
    }

    public boolean getBoolean(String key, boolean fallback) {
        String v = options.get(key);
        if (v == null) {
            return fallback;
        }
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException("judge " + name + ": option " + key + "=" + v + " is not true/false");
        };
    }

    /** The spec as written back (canonical: options in the order given). */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(name).append('=').append(kind);
        String sep = ":";
        for (Map.Entry<String, String> e : options.entrySet()) {
            b.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = ",";
        }
        return b.toString();
    }
}
