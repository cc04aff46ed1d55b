package org.specfair.lm;

import org.specfair.checkpoint.CheckpointException;
import org.specfair.checkpoint.ModelConfig;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Writes Hugging Face checkpoint folders ({@code config.json} + {@code model.safetensors}) that this
 * engine and {@code transformers} both load: tensors sorted by name under the family's standard prefix,
 * GPT-2 Conv1D weights back in their stored {@code [in, out]} orientation, F32, F16 or BF16.
 *
 * <p>Output is a pure function of the tensors (no timestamps, fixed key order), so the same model
 * gives byte-identical files; and it appears atomically (written aside, then renamed into place).
 */
public final class SafetensorsWriter {
    /** One tensor to write: its checkpoint name, stored shape, and its row-major float32 values, produced on demand. */
    public record Tensor(String name, long[] shape, Supplier<float[]> values) {
        public long numel() {
            return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }
    }

    /** Storage dtypes: the safetensors code, the config.json {@code torch_dtype} name, bytes per element. */
    public enum Dtype {
        F32("float32", 4), F16("float16", 2), BF16("bfloat16", 2);

        public final String torchName;
        final int bytes;

        Dtype(String torchName, int bytes) {
            this.torchName = torchName;
            this.bytes = bytes;
        }

        public static Dtype parse(String name) {
            return switch (name == null ? "float32" : name.trim().toLowerCase(Locale.ROOT)) {
                case "float32", "fp32", "f32" -> F32;
                case "float16", "fp16", "f16", "half" -> F16;
                case "bfloat16", "bf16" -> BF16;
                default -> throw new IllegalArgumentException("unknown dtype '" + name + "' (float32, float16, bfloat16)");
            };
        }
    }

    /** Elements encoded per write call: bounds the staging buffer for multi-GB tensors. */
    private static final int CHUNK = 1 << 20;

    private SafetensorsWriter() {}

    /** Saves a model as a checkpoint folder (config.json's torch_dtype follows {@code dtype}). */
    public static void save(CausalLM model, Path dir, Dtype dtype) {
        writeCheckpoint(dir, model.config(), tensorsOf(model), dtype, List.of());
    }

    /**
     * A model's parameters under their Hugging Face names and stored orientation. Values are copied
     * to the host when the writer asks for them, one tensor at a time.
     */
    public static List<Tensor> tensorsOf(CausalLM model) {
        String family = model.config().modelType();
        List<Tensor> out = new ArrayList<>();
        for (Weights.Taken t : model.parameters()) {
            long[] s = t.array().getShape().getShape();
            long[] stored = t.transposed() ? new long[] {s[1], s[0]} : s;
            out.add(new Tensor(checkpointName(family, t.name()), stored, () -> hostFloats(t.array(), t.transposed())));
        }
        return out;
    }

    /** The name {@code save_pretrained} gives a canonical tensor: "transformer." or "model." prefix, bare lm_head. */
    public static String checkpointName(String modelType, String name) {
        if (name.startsWith("lm_head.")) {
            return name;
        }
        return switch (modelType) {
            case "gpt2", "gpt_neo" -> "transformer." + name;
            case "llama" -> "model." + name;
            default -> throw new IllegalArgumentException("unknown model_type '" + modelType + "'");
        };
    }

    /** Float32 row-major values, Conv1D weights transposed back to [in, out]; temporaries freed at once. */
    private static float[] hostFloats(NDArray a, boolean transposed) {
        List<NDArray> temps = new ArrayList<>(2);
        try {
            NDArray x = a;
            if (transposed) {
                x = x.transpose();
                temps.add(x);
            }
            if (x.getDataType() != DataType.FLOAT32) { // widened on its own device (BF16 never reaches the CPU engine)
                x = x.toType(DataType.FLOAT32, false);
                temps.add(x);
            }
            return x.toFloatArray();
        } finally {
            temps.forEach(NDArray::close);
        }
    }

    /**
     * Writes {@code config.json}, {@code model.safetensors} and copies of {@code companions} (tokenizer files)
     * into a hidden sibling folder, then renames it to {@code dir}. An existing checkpoint at {@code dir} is
     * replaced; any other non-empty folder is refused rather than deleted.
     */
    public static void writeCheckpoint(Path dir, ModelConfig config, List<Tensor> tensors, Dtype dtype,
                                       List<Path> companions) {
        Path target = dir.toAbsolutePath().normalize();
        refuseToClobber(target);
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(tmp);
            ObjectNode json = withTorchDtype(config, dtype).toJson();
            Files.writeString(tmp.resolve("config.json"),
                    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
            writeFile(tmp.resolve("model.safetensors"), tensors, dtype);
            for (Path f : companions) {
                Files.copy(f, tmp.resolve(f.getFileName().toString()));
            }
            swapIn(tmp, target);
        } catch (IOException e) {
            deleteTree(tmp);
            throw new CheckpointException(target + ": cannot write checkpoint: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    /** One safetensors file: 8-byte header length, JSON header padded with spaces to 8 bytes, then the data. */
    public static void writeFile(Path file, List<Tensor> tensors, Dtype dtype) throws IOException {
        List<Tensor> sorted = tensors.stream().sorted(Comparator.comparing(Tensor::name)).toList();
        Set<String> seen = new HashSet<>();
        ObjectMapper m = new ObjectMapper();
        ObjectNode header = m.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Tensor t : sorted) {
            if (!seen.add(t.name())) {
                throw new IllegalArgumentException(file + ": tensor '" + t.name() + "' given twice");
            }
            long bytes = t.numel() * dtype.bytes;
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", dtype.name());
            var shape = e.putArray("shape");
            Arrays.stream(t.shape()).forEach(shape::add);
            e.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int pad = (int) ((8 - (8 + json.length) % 8) % 8); // the data section starts 8-byte aligned
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer head = ByteBuffer.allocate(8 + json.length + pad).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(json.length + pad).put(json);
            while (head.hasRemaining()) {
                head.put((byte) ' ');
            }
            writeAll(ch, head.flip());
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : sorted) {
                float[] v = t.values().get();
                if (v.length != t.numel()) {
                    throw new IllegalStateException(file + ": tensor '" + t.name() + "' has " + v.length
                            + " values for shape " + Arrays.toString(t.shape()));
                }
                for (int from = 0; from < v.length; from += CHUNK) {
                    buf.clear();
                    encode(v, from, Math.min(v.length, from + CHUNK), dtype, buf);
                    writeAll(ch, buf.flip());
                }
            }
            ch.force(true);
        }
    }

    private static void encode(float[] v, int from, int to, Dtype dtype, ByteBuffer out) {
        switch (dtype) {
            case F32 -> {
                out.asFloatBuffer().put(v, from, to - from);
                out.position(out.position() + (to - from) * 4); // a view does not move its parent's position
            }
            case F16 -> {
                for (int i = from; i < to; i++) {
                    out.putShort(toHalf(v[i]));
                }
            }
            case BF16 -> {
                for (int i = from; i < to; i++) {
                    out.putShort(toBf16(v[i]));
                }
            }
        }
    }

    /** float32 -> bfloat16 rounding to nearest even, as torch does; NaN stays a (quiet) NaN. */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /** float32 -> IEEE 754 half rounding to nearest even (Float.floatToFloat16 arrives only in Java 20). */
    static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs > 0x7f800000) {
            return (short) (sign | 0x7e00);                     // NaN
        }
        if (abs >= 0x477ff000) {
            return (short) (sign | 0x7c00);                     // >= 65520 (and inf) rounds to inf
        }
        if (abs < 0x38800000) {                                 // below 2^-14: subnormal half (or zero)
            return (short) (sign | (int) Math.rint(Float.intBitsToFloat(abs) * 0x1p24)); // exact in double, RNE
        }
        int h = (abs - 0x38000000) >>> 13;                      // rebias exponent 127 -> 15, keep 10 mantissa bits
        int rest = abs & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (h & 1) == 1)) {
            h++;                                                // carries into the exponent correctly
        }
        return (short) (sign | h);
    }

    private static ModelConfig withTorchDtype(ModelConfig c, Dtype dtype) {
        return new ModelConfig(c.modelType(), c.vocabSize(), c.hiddenSize(), c.numLayers(), c.numHeads(), c.numKvHeads(),
                c.intermediateSize(), c.maxPositions(), c.normEps(), c.ropeTheta(), c.windowSize(), c.localLayers(),
                c.activation(), c.tieWordEmbeddings(), c.eosTokenIds(), c.bosTokenId(), dtype.torchName, c.ropeScaling());
    }

    private static void refuseToClobber(Path target) {
        if (!Files.isDirectory(target) || Files.isRegularFile(target.resolve("config.json"))) {
            return;
        }
        try (Stream<Path> s = Files.list(target)) {
            if (s.findAny().isPresent()) {
                throw new CheckpointException(target + ": folder exists and is not a checkpoint (no config.json);"
                        + " refusing to replace it");
            }
        } catch (IOException e) {
            throw new CheckpointException(target + ": cannot list folder: " + e.getMessage(), e);
        }
    }

    /** Renames tmp to target; an old target is moved aside first and deleted only after the new one is in place. */
    private static void swapIn(Path tmp, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            old = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
            move(target, old);
        }
        move(tmp, target);
        if (old != null) {
            deleteTree(old);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static void writeAll(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // best effort: a leftover hidden temp folder is harmless and named as such
        }
    }
}
