package org.specfair.finetune;

import org.specfair.checkpoint.Checkpoint;
import org.specfair.checkpoint.HadoopFolder;
import org.specfair.checkpoint.ModelConfig;
import org.specfair.checkpoint.ResolvedCheckpoint;
import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;
import org.specfair.lm.SafetensorsWriter;
import org.specfair.prompts.Prompt;
import org.specfair.spark.TaskDevice;
import org.specfair.spark.TorchThreads;
import org.specfair.tables.TableStore;
import org.specfair.tokenizer.TextTokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Causal-LM finetuning of one model on a sequence of datasets, written as a Hugging Face checkpoint
 * (config.json, model.safetensors, the base's tokenizer files, generation_config.json).
 *
 * <p>Everything that can be wrong with the input (checkpoint, datasets, columns, context length, too little
 * text) is checked before the first step, and the result appears atomically at the end: a failed run leaves
 * no output folder, only (with {@code save_every}) its resumable state {@code OUT.resume}, which the next run
 * with the same base, datasets and hyper-parameters continues from.
 */
public final class FinetuneJob {
    private static final Logger LOG = LogManager.getLogger(FinetuneJob.class);

    /** Tokenizer and generation files copied from the base checkpoint when present. */
    static final List<String> COMPANIONS = List.of("tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json",
            "special_tokens_map.json", "added_tokens.json", "generation_config.json");

    /** What a run produced. {@code steps}: optimizer steps over all datasets. */
    public record Summary(String out, String fingerprint, String baseModel, List<String> datasets, int steps,
                          Double finalTrainLoss, Double finalValLoss, String hyperparameters,
                          List<Milestone> milestones) implements Serializable {}

    /** A dataset tokenized and packed: training blocks, then held-out validation blocks. */
    record Packed(String name, List<int[]> train, List<int[]> val) implements Serializable {}

    private FinetuneJob() {}

    /** spark-submit entry point ({@code --class org.specfair.finetune.FinetuneJob}): arguments as for {@code jobs/finetune}. */
    public static void main(String[] args) {
        org.specfair.cli.SpecFair.exitWith("finetune", args);
    }

    public static Summary run(SparkSession spark, FinetuneOptions o) {
        return run(spark, o, null);
    }

    /** As {@link #run(SparkSession, FinetuneOptions)}; {@code hook} runs after every step (tests simulate crashes with it). */
    static Summary run(SparkSession spark, FinetuneOptions o, Trainer.StepHook hook) {
        if (!o.dtype().equalsIgnoreCase("float32")) {
            // Training half-precision weights themselves would round small updates away: the weights stay float32
            // masters and half precision is a compute choice (the precision hyper-parameter).
            throw new IllegalArgumentException("dtype " + o.dtype() + ": finetuning keeps float32 weights; for half-precision"
                    + " compute set precision=fp16");
        }
        ResolvedCheckpoint resolved = ResolvedCheckpoint.resolve(o.model(), TableStore.hadoop(spark)); // pickle-only or broken: fails here
        Path base = resolved.localDir();
        ModelConfig mc = resolved.open(TableStore.hadoop(spark)).config();
        if (o.config().contextLength() > mc.maxPositions()) {
            throw new IllegalArgumentException("context_length " + o.config().contextLength() + " exceeds the "
                    + mc.maxPositions() + " positions of " + o.model());
        }
        refuseToClobber(o.out(), TableStore.hadoop(spark));
        ResolvedCheckpoint partner = null;
        if (o.partner() != null) {
            partner = ResolvedCheckpoint.resolve(o.partner(), TableStore.hadoop(spark));
            if (partner.vocabSize() != mc.vocabSize()) {
                throw new IllegalArgumentException("partner " + o.partner() + " has vocabulary " + partner.vocabSize() + ", "
                        + o.model() + " has " + mc.vocabSize() + ": no KL between them");
            }
        }
        List<Packed> packed = new ArrayList<>();
        try (TextTokenizer tok = TextTokenizer.load(base)) {
            int eos = mc.eosTokenId() >= 0 ? mc.eosTokenId() : tok.eosTokenIds().length > 0 ? tok.eosTokenIds()[0] : -1;
            if (eos < 0) {
                throw new IllegalArgumentException(o.model() + ": no eos_token_id in config.json or the tokenizer; packing needs one between documents");
            }
            for (DatasetSpec d : o.datasets()) {
                packed.add(pack(d, TextDataset.read(spark, d), tok, eos, o.config()));
            }
        }
        String runKey = runKey(resolved.fingerprint() + " " + resolved.tokenizerFingerprint(), o);
        if (spark.sparkContext().isLocal()) {
            return train(o.onDevice(TaskDevice.resolve(o.device())), base, partner == null ? null : partner.localDir(), packed,
                    runKey, TableStore.hadoop(spark), hook);
        }
        // On a cluster: one task, so the GPU comes from the task's resources; it copies the checkpoints to
        // its own disk and writes OUT (a Hadoop URI, or a path on storage the driver sees too, e.g. a shared mount).
        SerializableConfiguration conf = new SerializableConfiguration(TableStore.hadoop(spark));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        ResolvedCheckpoint partnerOnTask = partner;
        return jsc.parallelize(List.of(0), 1).map(x -> {
            TorchThreads.forTask(org.apache.spark.TaskContext.get().cpus());
            return train(o.onDevice(TaskDevice.resolve(o.device())), resolved.open(conf.value()).dir(),
                    partnerOnTask == null ? null : partnerOnTask.open(conf.value()).dir(), packed, runKey, conf.value(), null);
        }).collect().get(0);
    }

    static Packed pack(DatasetSpec d, TextDataset.Texts texts, TextTokenizer tok, int eos, TrainConfig c) {
        List<int[]> docs = new ArrayList<>(texts.docs().size());
        for (String t : texts.docs()) {
            docs.add(tok.encode(t));
        }
        List<int[]> blocks = Packing.blocks(docs, eos, c.contextLength());
        int nVal = c.valFraction() > 0 ? Math.max(1, (int) Math.round(blocks.size() * c.valFraction())) : 0;
        if (blocks.size() - nVal < 1) {
            throw new IllegalArgumentException(TextDataset.where(d) + ": " + Packing.tokens(docs) + " tokens make "
                    + blocks.size() + " block(s) of context_length " + c.contextLength() + "; need " + (nVal + 1)
                    + " (training" + (nVal > 0 ? " + validation" : "") + "): more text or a shorter context_length");
        }
        if (texts.skipped() > 0) {
            LOG.info("{}: {} empty rows left out", TextDataset.where(d), texts.skipped());
        }
        LOG.info("{}: {} documents, {} tokens, {} training + {} validation blocks of {}", TextDataset.where(d), docs.size(),
                Packing.tokens(docs), blocks.size() - nVal, nVal, c.contextLength());
        // The last blocks are held out: contiguous text, so no validation block shares a document edge with training.
        return new Packed(d.name(), List.copyOf(blocks.subList(0, blocks.size() - nVal)),
                List.copyOf(blocks.subList(blocks.size() - nVal, blocks.size())));
    }

    /**
     * Trains (resuming from {@code OUT.resume} when it holds this run's state) and writes the checkpoint. An
     * {@code OUT} that is a Hadoop URI ({@code hdfs://}, {@code s3a://}, {@code file://} ...) is built in a local
     * staging folder and published with {@link HadoopFolder} (copied beside the target, renamed into place); its
     * resumable state is published the same way after every save and fetched back when a run starts.
     */
    static Summary train(FinetuneOptions o, Path base, Path partnerDir, List<Packed> packed, String runKey,
                         Configuration hadoop, Trainer.StepHook hook) {
        boolean remote = HadoopFolder.isUri(o.out());
        Path staging = null;
        try {
            staging = remote ? Files.createTempDirectory("specfair-finetune-") : null;
            Path out = remote ? staging.resolve(new org.apache.hadoop.fs.Path(o.out()).getName())
                    : Path.of(o.out()).toAbsolutePath().normalize();
            String remoteState = remote ? HadoopFolder.sibling(o.out(), ".resume") : null;
            if (remote && HadoopFolder.fetch(remoteState, resumeDir(out), hadoop)) {
                LOG.info("fetched the resumable state {}", remoteState);
            }
            Summary s = train(o, base, partnerDir, packed, runKey, out, hook, remote ? dir -> HadoopFolder.publish(dir, remoteState, hadoop) : null);
            if (!remote) {
                return s;
            }
            HadoopFolder.publish(out, o.out(), hadoop);
            HadoopFolder.delete(remoteState, hadoop);
            return new Summary(o.out(), s.fingerprint(), s.baseModel(), s.datasets(), s.steps(), s.finalTrainLoss(),
                    s.finalValLoss(), s.hyperparameters(), s.milestones());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a local staging folder for " + o.out() + ": " + e.getMessage(), e);
        } finally {
            SafetensorsWriter.deleteTree(staging);
        }
    }

    /** Where a saved state goes besides the local folder (a Hadoop URI's copy), or null. */
    interface StatePublisher {
        void publish(Path stateDir);
    }

    private static Summary train(FinetuneOptions o, Path base, Path partnerDir, List<Packed> packed, String runKey, Path out,
                                 Trainer.StepHook hook, StatePublisher publisher) {
        Path stateDir = resumeDir(out);
        TrainState saved = TrainState.read(stateDir);
        if (saved != null && !saved.runKey().equals(runKey)) {
            throw new IllegalArgumentException(stateDir + ": holds the state of another run (other base, datasets or"
                    + " hyper-parameters); delete it to start over");
        }
        List<TrainResult> finished = new ArrayList<>(saved == null ? List.of() : saved.finished());
        try (CausalLM model = Models.load(saved != null ? stateDir : base, o.device(), o.dtype());
             ProbeKl probe = partnerDir == null ? null : probe(partnerDir, base, o)) {
            // The thread count is an input of the result: another count splits float sums differently.
            LOG.info("training on {} (PyTorch threads: {})", o.device(), ai.djl.pytorch.jni.JniUtils.getNumThreads());
            if (saved != null) {
                LOG.info("resuming from {}: dataset {} step {}", stateDir, saved.datasetIndex(), saved.step());
            }
            for (int i = finished.size(); i < packed.size(); i++) {
                Packed p = packed.get(i);
                Trainer trainer = new Trainer(model, p.name(), p.train(), p.val(), o.config(), probe);
                try {
                    if (saved != null && saved.datasetIndex() == i && saved.step() > 0) {
                        List<List<float[]>> mv = TrainState.moments(stateDir, model);
                        trainer.resume(saved.step(), saved.optimizerSteps(), mv.get(0), mv.get(1), saved.scaler(),
                                saved.milestones(), saved.recentSum(), saved.recentCount(), saved.lastTrainLoss());
                    }
                    int index = i;
                    List<TrainResult> before = List.copyOf(finished);
                    TrainResult r = trainer.run((step, t) -> {
                        if (o.config().saveEvery() > 0 && step % o.config().saveEvery() == 0 && step < t.totalSteps()) {
                            new TrainState(runKey, index, step, t.recentSum(), t.recentCount(), t.lastTrainLoss(),
                                    t.milestones(), before, t.optimizer().steps(),
                                    t.scaler().enabled() ? t.scaler().state() : null).save(stateDir, model, t);
                            if (publisher != null) {
                                publisher.publish(stateDir);
                            }
                        }
                        if (hook != null) {
                            hook.after(step, t);
                        }
                    });
                    finished.add(r);
                } finally {
                    trainer.close();
                }
            }
            writeCheckpoint(model, base, out);
        }
        SafetensorsWriter.deleteTree(stateDir);
        List<Milestone> all = new ArrayList<>();
        int steps = 0;
        for (TrainResult r : finished) {
            all.addAll(r.milestones());
            steps += r.steps();
        }
        TrainResult last = finished.get(finished.size() - 1);
        return new Summary(out.toString(), Checkpoint.open(out).fingerprint(), o.model(),
                o.datasets().stream().map(DatasetSpec::name).toList(), steps, last.finalTrainLoss(), last.finalValLoss(),
                o.config().toJson(), all);
    }

    /** Fails before training (not after it) when the output is a file or a folder with something other than a checkpoint. */
    static void refuseToClobber(String out, Configuration hadoop) {
        if (!HadoopFolder.isUri(out)) {
            refuseToClobber(Path.of(out));
            return;
        }
        switch (HadoopFolder.find(out, hadoop)) {
            case FILE -> throw new IllegalArgumentException(out + ": is a file; give a folder for the checkpoint");
            case OTHER_FOLDER -> throw new IllegalArgumentException(out + ": folder exists and is not a checkpoint; refusing to replace it");
            default -> { }
        }
    }

    /** Fails before training (not after it) when the output is a folder with something other than a checkpoint. */
    static void refuseToClobber(Path out) {
        if (Files.isDirectory(out) && !Files.isRegularFile(out.resolve("config.json"))) {
            try (var s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new IllegalArgumentException(out + ": folder exists and is not a checkpoint; refusing to replace it");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(out + ": " + e.getMessage(), e);
            }
        } else if (Files.isRegularFile(out)) {
            throw new IllegalArgumentException(out + ": is a file; give a folder for the checkpoint");
        }
    }

    static Path resumeDir(Path out) {
        return out.resolveSibling(out.getFileName() + ".resume");
    }

    private static ProbeKl probe(Path partnerDir, Path base, FinetuneOptions o) {
        List<int[]> ids = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        try (TextTokenizer tok = TextTokenizer.load(base)) {
            for (Prompt p : o.probe()) {
                if (p.hasError()) {
                    throw new IllegalArgumentException("probe " + p.errorLine());
                }
                int[] e = tok.encode(p.text());
                if (e.length == 0) {
                    throw new IllegalArgumentException("probe " + p.where() + ": the prompt has no tokens");
                }
                ids.add(e);
                groups.add(p.group() == null ? "none" : p.group());
            }
        }
        return new ProbeKl(Models.load(partnerDir, o.device(), o.dtype()), ids, groups, 16);
    }

    /** The finished checkpoint: weights, the base's tokenizer files, and a generation_config.json. */
    static void writeCheckpoint(CausalLM model, Path base, Path out) {
        Path tmp = null;
        try {
            Files.createDirectories(out.getParent());
            tmp = Files.createTempDirectory(out.getParent(), "." + out.getFileName() + ".companions-");
            List<Path> companions = new ArrayList<>();
            for (String name : COMPANIONS) {
                if (Files.isRegularFile(base.resolve(name))) {
                    companions.add(base.resolve(name));
                }
            }
            if (!Files.isRegularFile(base.resolve("generation_config.json"))) {
                ModelConfig c = model.config();
                ObjectNode g = new ObjectMapper().createObjectNode();
                if (c.bosTokenId() >= 0) {
                    g.put("bos_token_id", c.bosTokenId());
                }
                if (c.eosTokenId() >= 0) {
                    g.put("eos_token_id", c.eosTokenId());
                }
                Path gen = tmp.resolve("generation_config.json");
                Files.writeString(gen, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(g) + "\n");
                companions.add(gen);
            }
            SafetensorsWriter.writeCheckpoint(out, model.config(), SafetensorsWriter.tensorsOf(model),
                    SafetensorsWriter.Dtype.F32, companions);
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot write the checkpoint: " + e.getMessage(), e);
        } finally {
            SafetensorsWriter.deleteTree(tmp);
        }
    }

    /** 16 hex digits identifying base weights, datasets and hyper-parameters (a resumable state must match). */
    static String runKey(String baseFingerprint, FinetuneOptions o) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            StringBuilder s = new StringBuilder(baseFingerprint).append('\n').append(o.config().toJson()).append('\n')
                    .append(o.partner()).append('\n').append(o.probe().size());
            for (DatasetSpec d : o.datasets()) {
                s.append('\n').append(d);
            }
            return HexFormat.of().formatHex(sha.digest(s.toString().getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
