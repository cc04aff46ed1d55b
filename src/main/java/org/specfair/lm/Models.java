package org.specfair.lm;

import org.specfair.checkpoint.Checkpoint;
import org.specfair.checkpoint.CheckpointException;
import org.specfair.checkpoint.ModelConfig;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.nio.file.Path;
import java.util.Locale;

/** Builds the architecture a config names, on a device and dtype, from a checkpoint or random weights. */
public final class Models {
    private Models() {}

    /** Loads a Hugging Face checkpoint folder. {@code device}: cpu, gpu, gpu:N; {@code dtype}: float32, float16, bfloat16, auto. */
    public static CausalLM load(Path dir, String device, String dtype) {
        Checkpoint ckpt = Checkpoint.open(dir);
        return build(ckpt.config(), WeightSource.of(ckpt), device, dtype);
    }

    /** A randomly initialised model of {@code config} (benchmarks, tests, the demo's tiny models). */
    public static CausalLM random(ModelConfig config, long seed, String device, String dtype) {
        return random(config, seed, 0.02, device, dtype);
    }

    /** As above with a chosen init scale (tests use a large one to get peaked, model-specific distributions). */
    public static CausalLM random(ModelConfig config, long seed, double std, String device, String dtype) {
        return build(config, new RandomWeights(seed, std), device, dtype);
    }

    /** A model of {@code config} from any weight source (e.g. {@link DerivedWeights}). */
    public static CausalLM build(ModelConfig config, WeightSource source, String device, String dtype) {
        Device dev = parseDevice(device);
        return build(config, source, dev, parseDtype(dtype, dev, config.torchDtype()));
    }

    /**
     * A copy of {@code model}'s weights in another dtype on the same device: the half-precision working copy that
     * mixed-precision finetuning runs forward and backward on (float16 on CPU too: slow there, but it is how the
     * numerics are tested without a GPU).
     */
    public static CausalLM copyAs(CausalLM model, DataType dtype) {
        return build(model.config(), new DerivedWeights(model, Integer.MAX_VALUE, 0, 0), model.manager().getDevice(), dtype);
    }

    private static CausalLM build(ModelConfig config, WeightSource source, Device dev, DataType dt) {
        NDManager manager = NDManager.newBaseManager(dev, "PyTorch");
        try {
            Weights w = new Weights(source, manager, dt);
            return switch (config.modelType()) {
                case "gpt2" -> new Gpt2(config, w, manager, dt);
                case "gpt_neo" -> new GptNeo(config, w, manager, dt);
                case "llama" -> new Llama(config, w, manager, dt);
                default -> throw new CheckpointException(source.describe() + ": unknown model_type '" + config.modelType() + "'");
            };
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public static Device parseDevice(String device) {
        String d = device == null ? "cpu" : device.trim().toLowerCase(Locale.ROOT);
        if (d.equals("cpu")) {
            return Device.cpu();
        }
        if (d.startsWith("gpu") || d.startsWith("cuda")) {
            int colon = d.indexOf(':');
            int id = colon < 0 ? 0 : Integer.parseInt(d.substring(colon + 1));
            if (Engine.getEngine("PyTorch").getGpuCount() <= id) {
                throw new IllegalArgumentException("device " + device + " requested but PyTorch sees "
                        + Engine.getEngine("PyTorch").getGpuCount() + " GPU(s) (is a CUDA libtorch installed? see docs/gpu.md)");
            }
            return Device.gpu(id);
        }
        throw new IllegalArgumentException("unknown device '" + device + "' (cpu, gpu, gpu:N)");
    }

    /**
     * The dtype to compute in. "auto" follows the checkpoint's {@code torch_dtype}, as transformers'
     * {@code torch_dtype="auto"} does, with one substitution: a checkpoint saved in bfloat16 computes in float16 on
     * GPU, because DJL 0.36's PyTorch bindings have no bfloat16 type (its JNI dtype table stops at complex64 and
     * throws without an exception object for anything else, so creating or casting to bfloat16 ends the JVM with
     * {@code std::terminate}, on CPU and GPU alike). float16 has bfloat16's two bytes but less range; pass
     * {@code --dtype float32} for a model whose activations overflow it. On CPU "auto" is always float32.
     */
    public static DataType parseDtype(String dtype, Device device, String torchDtype) {
        String d = dtype == null ? "auto" : dtype.trim().toLowerCase(Locale.ROOT);
        if (d.equals("auto")) {
            String saved = torchDtype == null ? "float32" : torchDtype.trim().toLowerCase(Locale.ROOT);
            d = !device.isGpu() ? "float32" : switch (saved) {
                case "float16", "bfloat16" -> "float16";
                default -> "float32";
            };
        }
        DataType dt = switch (d) {
            case "float32", "fp32", "f32" -> DataType.FLOAT32;
            case "float16", "fp16", "f16", "half" -> DataType.FLOAT16;
            case "bfloat16", "bf16" -> throw new IllegalArgumentException("dtype " + d + " is not available: DJL 0.36's"
                    + " PyTorch bindings have no bfloat16 type (it would end the JVM); use float16 or float32");
            default -> throw new IllegalArgumentException("unknown dtype '" + dtype + "' (float32, float16, auto)");
        };
        if (dt != DataType.FLOAT32 && !device.isGpu()) {
            // CPU half matmuls are slow (emulated), and the golden tests pin float32 on CPU.
            throw new IllegalArgumentException("dtype " + d + " is only supported on GPU; use float32 on CPU");
        }
        return dt;
    }
}
