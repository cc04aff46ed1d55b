package org.specfair.finetune;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import java.util.Locale;

/**
 * What finetuning computes in. Master weights and the AdamW moments are float32 whatever is chosen (so small
 * updates are not rounded away); with {@code fp16} each step's forward and backward run on a float16 copy of
 * the weights refreshed from the masters, the gradients come back as float32 before unscaling, clipping and
 * the update, and a {@link LossScaler} keeps small gradients from flushing to zero (PyTorch AMP's recipe).
 *
 * <p>{@code bf16} is refused: DJL 0.36's PyTorch bindings have no bfloat16 type (creating or casting to one
 * ends the JVM with {@code std::terminate}), on CPU and GPU alike. {@code auto}: fp16 on a GPU, fp32 on CPU.
 */
public enum Precision {
    FP32, FP16;

    /** Normalises a {@code precision} setting ({@code fp32|float32, fp16|float16, auto}); bf16 is refused with the reason. */
    static String normalise(String name) {
        String p = name == null ? "fp32" : name.trim().toLowerCase(Locale.ROOT);
        return switch (p) {
            case "fp32", "float32", "f32" -> "fp32";
            case "fp16", "float16", "f16", "half" -> "fp16";
            case "auto" -> "auto";
            case "bf16", "bfloat16" -> throw new IllegalArgumentException("precision " + name + ": DJL 0.36's PyTorch"
                    + " bindings have no bfloat16 type (a bfloat16 tensor aborts the JVM); use fp16 (loss-scaled) or fp32");
            default -> throw new IllegalArgumentException("precision must be fp32, fp16 or auto, got '" + name + "'");
        };
    }

    /** The precision a normalised setting means on {@code device} ({@code auto}: fp16 on a GPU, fp32 on CPU). */
    static Precision resolve(String setting, Device device) {
        return switch (normalise(setting)) {
            case "fp16" -> FP16;
            case "auto" -> device.isGpu() ? FP16 : FP32;
            default -> FP32;
        };
    }

    /** The dtype of the working copy forward and backward run on (null: the float32 masters themselves). */
    DataType computeType() {
        return this == FP16 ? DataType.FLOAT16 : null;
    }
}
