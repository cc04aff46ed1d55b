package org.specfair.finetune;

import org.specfair.checkpoint.CheckpointException;
import org.specfair.checkpoint.SafetensorsFile;
import org.specfair.lm.CausalLM;
import org.specfair.lm.SafetensorsWriter;
import org.specfair.lm.Weights;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A resumable training state: a checkpoint folder (config.json + model.safetensors, the weights so far)
 * with the AdamW moments in {@code optimizer.safetensors} (never a pickle) and where the run stood in
 * {@code trainer_state.json}. Written aside and renamed into place, so a crash while saving leaves the
 * previous state intact.
 *
 * @param runKey       what the state belongs to (base fingerprint, datasets, hyper-parameters); another run refuses it
 * @param datasetIndex which dataset of the sequence was in training
 * @param step         optimizer steps done on it
 * @param finished     results of the datasets before it
 * @param optimizerSteps AdamW updates taken (fewer than {@code step} when float16 steps were skipped)
 * @param scaler       the float16 loss scaler's state (null in float32)
 */
public record TrainState(String runKey, int datasetIndex, int step, double recentSum, int recentCount, Double lastTrainLoss,
                         List<Milestone> milestones, List<TrainResult> finished, int optimizerSteps,
                         LossScaler.State scaler) {
    static final String STATE_FILE = "trainer_state.json";
    static final String OPTIMIZER_FILE = "optimizer.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Saves {@code model}'s weights, the trainer's moments and this record under {@code dir}. */
    public void save(Path dir, CausalLM model, Trainer trainer) {
        Path tmp = null;
        try {
            Files.createDirectories(dir.toAbsolutePath().getParent());
            tmp = Files.createTempDirectory(dir.toAbsolutePath().getParent(), "." + dir.getFileName() + ".parts-");
            Path optimizer = tmp.resolve(OPTIMIZER_FILE);
            List<SafetensorsWriter.Tensor> moments = new ArrayList<>();
            List<Weights.Taken> params = model.parameters();
            for (int i = 0; i < params.size(); i++) {
                NDArray m = trainer.optimizer().moments(false)[i];
                NDArray v = trainer.optimizer().moments(true)[i];
                long[] shape = m.getShape().getShape();
                moments.add(new SafetensorsWriter.Tensor("m." + params.get(i).name(), shape, m::toFloatArray));
                moments.add(new SafetensorsWriter.Tensor("v." + params.get(i).name(), shape, v::toFloatArray));
            }
            SafetensorsWriter.writeFile(optimizer, moments, SafetensorsWriter.Dtype.F32);
            Path state = tmp.resolve(STATE_FILE);
            JSON.writerWithDefaultPrettyPrinter().writeValue(state.toFile(), this);
            SafetensorsWriter.writeCheckpoint(dir, model.config(), SafetensorsWriter.tensorsOf(model),
                    SafetensorsWriter.Dtype.F32, List.of(optimizer, state));
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot save the training state: " + e.getMessage(), e);
        } finally {
            SafetensorsWriter.deleteTree(tmp);
        }
    }

    /** The state saved under {@code dir}, or null when there is none. */
    public static TrainState read(Path dir) {
        Path f = dir.resolve(STATE_FILE);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            return JSON.readValue(f.toFile(), TrainState.class);
        } catch (IOException e) {
            throw new CheckpointException(f + ": unreadable training state (" + e.getMessage().lines().findFirst().orElse("")
                    + "); delete " + dir + " to start over", e);
        }
    }

    /** The saved moments, in the model's parameter order: [0] first moments, [1] second moments. */
    public static List<List<float[]>> moments(Path dir, CausalLM model) {
        SafetensorsFile f = SafetensorsFile.open(dir.resolve(OPTIMIZER_FILE));
        List<float[]> m = new ArrayList<>();
        List<float[]> v = new ArrayList<>();
        for (Weights.Taken t : model.parameters()) {
            m.add(floats(f, "m." + t.name()));
            v.add(floats(f, "v." + t.name()));
        }
        return List.of(m, v);
    }

    private static float[] floats(SafetensorsFile f, String name) {
        if (!f.tensors().containsKey(name)) {
            throw new CheckpointException(f.path() + ": missing optimizer tensor '" + name + "'");
        }
        ByteBuffer b = f.readFloat32(name);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }
}
