package org.specfair.cli;

import org.specfair.checkpoint.Checkpoint;
import org.specfair.checkpoint.ConfigPresets;
import org.specfair.checkpoint.ModelConfig;
import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;
import org.specfair.lm.NoisyTruncatedCopy;
import org.specfair.lm.SafetensorsWriter;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.Callable;

/**
 * {@code specfair make-checkpoint}: a seeded random Hugging Face checkpoint of a preset or config.json
 * architecture, or an assistant derived from a main checkpoint (first layers plus noise). Prints one
 * JSON line describing what was written. Same arguments, byte-identical files.
 */
@Command(name = "make-checkpoint",
        description = {"Write a seeded random checkpoint (--preset or --config), or a noisy truncated copy of one"
                + " (--noisy-copy-of) to use as a well-matched assistant.",
                "Full-size presets are built in memory as float32 first (tulu-7b: about 27 GB); --layers N makes"
                        + " a shallower stand-in."})
public final class MakeCheckpointCommand implements Callable<Integer> {
    @Option(names = "--preset", completionCandidates = PresetNames.class,
            description = "architecture: ${COMPLETION-CANDIDATES}")
    String preset;

    @Option(names = "--config", paramLabel = "FILE", description = "a Hugging Face config.json (or its folder)")
    Path config;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "checkpoint folder to write")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--dtype", defaultValue = "float32", description = "float32, float16 or bfloat16 (default ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = "--layers", paramLabel = "N", description = "override the preset's / config's layer count")
    Integer layers;

    @Option(names = "--noisy-copy-of", paramLabel = "DIR", description = "main checkpoint to derive an assistant from")
    Path noisyCopyOf;

    @Option(names = "--keep-layers", paramLabel = "N", description = "with --noisy-copy-of: blocks to keep (default: all)")
    Integer keepLayers;

    @Option(names = "--noise", paramLabel = "STD", defaultValue = "0",
            description = "with --noisy-copy-of: Gaussian noise std added to every kept value (default ${DEFAULT-VALUE})")
    double noise;

    @Override
    public Integer call() {
        SafetensorsWriter.Dtype storage = SafetensorsWriter.Dtype.parse(dtype);
        if (noisyCopyOf != null) {
            if (preset != null || config != null || layers != null) {
                throw new IllegalArgumentException("--noisy-copy-of takes its architecture from the main checkpoint;"
                        + " drop --preset/--config/--layers (use --keep-layers)");
            }
            int keep = keepLayers != null ? keepLayers : Checkpoint.open(noisyCopyOf).config().numLayers();
            NoisyTruncatedCopy.write(noisyCopyOf, keep, noise, seed, out, storage);
        } else {
            if (keepLayers != null) {
                throw new IllegalArgumentException("--keep-layers needs --noisy-copy-of (for random checkpoints use --layers)");
            }
            ModelConfig c = architecture();
            try (CausalLM model = Models.random(c, seed, "cpu", "float32")) {
                SafetensorsWriter.save(model, out, storage);
            }
        }
        Checkpoint written = Checkpoint.open(out);
        ModelConfig c = written.config();
        System.out.println("{\"out\": \"" + jsonEscape(out.toAbsolutePath().toString()) + "\", \"model_type\": \""
                + c.modelType() + "\", \"layers\": " + c.numLayers() + ", \"hidden_size\": " + c.hiddenSize()
                + ", \"vocab_size\": " + c.vocabSize() + ", \"dtype\": \"" + storage.torchName
                + "\", \"fingerprint\": \"" + written.fingerprint() + "\"}");
        return 0;
    }

    private ModelConfig architecture() {
        if ((preset == null) == (config == null)) {
            throw new IllegalArgumentException("give exactly one of --preset NAME, --config FILE or --noisy-copy-of DIR");
        }
        ModelConfig c;
        if (preset != null) {
            c = ConfigPresets.get(preset);
        } else {
            c = ModelConfig.read(Files.isDirectory(config) ? config.resolve("config.json") : config);
        }
        return layers == null ? c : ConfigPresets.withLayers(c, layers);
    }

    private static String jsonEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** Preset names for --help and shell completion. */
    static final class PresetNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return ConfigPresets.names().iterator();
        }
    }
}
