package org.specfair.judge;

import org.specfair.checkpoint.ResolvedCheckpoint;
import org.specfair.spark.ExecutorModels;
import org.specfair.tokenizer.TextTokenizer;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.RemoteIterator;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * A judge spec resolved once on the driver: defaults filled in, inputs checked (a wrong architecture, a
 * missing lexicon or model fail here, before any task starts), and {@code judgeId} = 16 hex digits of
 * SHA-256 over the kind, every setting that changes labels, and the fingerprint of the model or lexicon.
 * Same settings + same files = same judge id, which is what incremental reruns match on.
 *
 * @param settings     the effective settings (defaults filled in) that enter the id
 * @param judgeModel   the model or lexicon location as given
 * @param promptVariant code | paper for llm judges, else null
 * @param lexicon      the loaded lexicon (honest), else null
 * @param checkpoint   the chat model resolved once on the driver (llm, llama-guard), else null
 */
public record JudgeConfig(JudgeSpec spec, String judgeId, Map<String, String> settings, String judgeModel,
                          String promptVariant, HonestLexicon lexicon, ResolvedCheckpoint checkpoint) implements Serializable {
    static final int DEFAULT_ANSWER_TOKENS = 48;
    static final int GUARD_ANSWER_TOKENS = 10;

    public String name() {
        return spec.name();
    }

    public String kind() {
        return spec.kind();
    }

    public static JudgeConfig resolve(JudgeSpec spec, Configuration hadoop) {
        Map<String, String> s = new TreeMap<>();
        String fingerprint;
        HonestLexicon lexicon = null;
        ResolvedCheckpoint checkpoint = null;
        String model = spec.options().get(spec.kind().equals(JudgeSpec.HONEST) ? "lexicon" : "model");
        String variant = null;
        switch (spec.kind()) {
            case JudgeSpec.LLM -> {
                s.put("format", ChatFormat.parse(spec.get("format", "tulu")).label());
                variant = PromptVariant.parse(spec.get("variant", "code")).label();
                s.put("variant", variant);
                s.put("include_prompt", String.valueOf(spec.getBoolean("include_prompt", true)));
                String mode = spec.get("mode", "full");
                if (!mode.equals("full") && !mode.equals("p_yes")) {
                    throw new IllegalArgumentException("judge " + spec.name() + ": mode=" + mode + " (full or p_yes)");
                }
                s.put("max_answer_tokens", String.valueOf(mode.equals("p_yes") ? 0 : positive(spec, "max_answer_tokens", DEFAULT_ANSWER_TOKENS)));
                s.put("dtype", spec.get("dtype", "auto"));
                checkpoint = chatModel(spec, hadoop);
                fingerprint = checkpoint.fingerprint() + "|" + checkpoint.tokenizerFingerprint();
            }
            case JudgeSpec.LLAMA_GUARD -> {
                int version = spec.getInt("version", 3);
                LlamaGuardPrompt.render(version, null, ""); // checks the version
                s.put("version", String.valueOf(version));
                s.put("include_prompt", String.valueOf(spec.getBoolean("include_prompt", true)));
                s.put("max_answer_tokens", String.valueOf(positive(spec, "max_answer_tokens", GUARD_ANSWER_TOKENS)));
                s.put("dtype", spec.get("dtype", "auto"));
                checkpoint = chatModel(spec, hadoop);
                fingerprint = checkpoint.fingerprint() + "|" + checkpoint.tokenizerFingerprint();
            }
            case JudgeSpec.HONEST -> {
                s.put("level", spec.get("level", "conservative"));
                lexicon = HonestLexicon.load(Path.of(model), s.get("level"));
                fingerprint = "lexicon:" + lexicon.digest();
            }
            case JudgeSpec.CLASSIFIER -> {
                double threshold = spec.getDouble("threshold", 0.5);
                if (!(threshold > 0 && threshold < 1)) {
                    throw new IllegalArgumentException("judge " + spec.name() + ": threshold must be in (0, 1)");
                }
                s.put("threshold", String.valueOf(threshold));
                fingerprint = "mllib:" + folderDigest(model, hadoop, spec.name());
            }
            default -> throw new IllegalArgumentException("judge " + spec.name() + ": unknown kind " + spec.kind());
        }
        String id = sha16(spec.kind() + "|" + s + "|" + fingerprint);
        return new JudgeConfig(spec, id, Map.copyOf(s), model, variant, lexicon, checkpoint);
    }

    private static int positive(JudgeSpec spec, String key, int fallback) {
        int v = spec.getInt(key, fallback);
        if (v < 1) {
            throw new IllegalArgumentException("judge " + spec.name() + ": " + key + " must be >= 1 (use mode=p_yes for no answer)");
        }
        return v;
    }

    /** Resolves the judge checkpoint once and checks it is a LLaMA-architecture model with a tokenizer. */
    private static ResolvedCheckpoint chatModel(JudgeSpec spec, Configuration hadoop) {
        ResolvedCheckpoint ckpt;
        try {
            ckpt = ResolvedCheckpoint.resolve(spec.require("model"), hadoop);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("judge " + spec.name() + ": " + e.getMessage(), e);
        }
        if (!ckpt.modelType().equals("llama")) {
            throw new IllegalArgumentException("judge " + spec.name() + ": " + ckpt.uri() + " is model_type " + ckpt.modelType()
                    + "; " + spec.kind() + " judges need a LLaMA-architecture chat checkpoint (model_type llama)");
        }
        if (!TextTokenizer.exists(ckpt.localDir())) {
            throw new IllegalArgumentException("judge " + spec.name() + ": " + ckpt.uri() + " has no tokenizer (tokenizer.json)");
        }
        return ckpt;
    }

    /** SHA-256 over a saved MLlib model folder's file names and bytes (any Hadoop URI). */
    static String folderDigest(String uri, Configuration hadoop, String judge) {
        try {
            org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(uri);
            FileSystem fs = root.getFileSystem(hadoop);
            if (!fs.exists(root) || !fs.exists(new org.apache.hadoop.fs.Path(root, "metadata"))) {
                throw new IllegalArgumentException("judge " + judge + ": " + uri
                        + ": not a saved classifier (no metadata/; train one with jobs/judge train-classifier)");
            }
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            TreeMap<String, FileStatus> files = new TreeMap<>();
            RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> it = fs.listFiles(root, true);
            while (it.hasNext()) {
                FileStatus f = it.next();
                String rel = root.toUri().relativize(f.getPath().toUri()).getPath();
                if (!rel.startsWith(".") && !rel.contains("/.") && !rel.endsWith("_SUCCESS")) {
                    files.put(rel, f);
                }
            }
            byte[] buf = new byte[1 << 16];
            for (Map.Entry<String, FileStatus> e : files.entrySet()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                try (InputStream in = fs.open(e.getValue().getPath())) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        md.update(buf, 0, n);
                    }
                }
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException(uri + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha16(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)))
                    .substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The model judge this config describes, on an executor (the checkpoint from the executor-wide cache). */
    public Judge open(String device, Configuration hadoop, Runnable onLoad) {
        switch (kind()) {
            case JudgeSpec.HONEST:
                return new HonestJudge(lexicon);
            case JudgeSpec.LLM:
            case JudgeSpec.LLAMA_GUARD: {
                ExecutorModels.Loaded m = ExecutorModels.get(checkpoint, device, settings.get("dtype"), hadoop, onLoad);
                boolean includePrompt = Boolean.parseBoolean(settings.get("include_prompt"));
                int answer = Integer.parseInt(settings.get("max_answer_tokens"));
                return kind().equals(JudgeSpec.LLM)
                        ? ChatModelJudge.yesNo(m.model(), m.tokenizer(), ChatFormat.parse(settings.get("format")),
                        PromptVariant.parse(settings.get("variant")), includePrompt, answer)
                        : ChatModelJudge.llamaGuard(m.model(), m.tokenizer(), Integer.parseInt(settings.get("version")),
                        includePrompt, answer);
            }
            default:
                throw new IllegalStateException("judge " + name() + ": kind " + kind() + " runs as a Spark transform, not per task");
        }
    }

    /** Whether this judge reads the prompt too (the counterfactual swap applies to what the judge reads). */
    public boolean includePrompt() {
        return Boolean.parseBoolean(settings.getOrDefault("include_prompt", String.valueOf(!kind().equals(JudgeSpec.HONEST))));
    }
}
