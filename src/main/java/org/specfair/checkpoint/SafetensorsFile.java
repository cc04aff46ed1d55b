package org.specfair.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reader for the safetensors format: an 8-byte little-endian header length, a JSON header
 * naming every tensor's dtype, shape and byte range, then the raw little-endian data.
 * Nothing is executed or deserialized beyond that JSON, which is why it is the only
 * weight format SpecFair accepts. Every inconsistency is reported with the file and tensor.
 */
public final class SafetensorsFile {
    /** Header larger than this is treated as corrupt (real headers are a few hundred KB). */
    private static final long MAX_HEADER_BYTES = 100L << 20;

    /** One tensor's entry in the header. */
    public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {
        public long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final Path path;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;

    private SafetensorsFile(Path path, long dataStart, Map<String, TensorInfo> tensors) {
        this.path = path;
        this.dataStart = dataStart;
        this.tensors = tensors;
    }

    /** Reads and validates the header: sizes, dtypes, and that every byte range fits in the file. */
    public static SafetensorsFile open(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            if (fileSize < 8) {
                throw new CheckpointException(path + ": truncated safetensors file (" + fileSize + " bytes, no header)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || headerLen > fileSize - 8) {
                throw new CheckpointException(path + ": truncated or corrupt safetensors file (header claims "
                        + headerLen + " bytes, file has " + fileSize + ")");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8);
            JsonNode header;
            try {
                header = new ObjectMapper().readTree(new String(headerBuf.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new CheckpointException(path + ": safetensors header is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
            long dataStart = 8 + headerLen;
            long dataSize = fileSize - dataStart;
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                tensors.put(e.getKey(), parseEntry(path, e.getKey(), e.getValue(), dataSize));
            }
            return new SafetensorsFile(path, dataStart, Collections.unmodifiableMap(tensors));
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot read safetensors file: " + e.getMessage(), e);
        }
    }

    private static TensorInfo parseEntry(Path path, String name, JsonNode node, long dataSize) {
        String where = path + ": tensor '" + name + "'";
        JsonNode dtype = node.get("dtype");
        JsonNode shape = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (dtype == null || shape == null || offsets == null || !shape.isArray() || offsets.size() != 2) {
            throw new CheckpointException(where + ": header entry lacks dtype, shape or data_offsets");
        }
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape.get(i).asLong();
            if (dims[i] < 0) {
                throw new CheckpointException(where + ": negative dimension in shape " + shape);
            }
        }
        TensorInfo info = new TensorInfo(name, dtype.asText(), dims, offsets.get(0).asLong(), offsets.get(1).asLong());
        long expected = info.numel() * bytesPerElement(where, info.dtype());
        if (info.end() - info.begin() != expected || info.begin() < 0) {
            throw new CheckpointException(where + ": header says " + info.dtype() + " " + Arrays.toString(dims)
                    + " (" + expected + " bytes) but its data_offsets span " + (info.end() - info.begin()) + " bytes");
        }
        if (info.end() > dataSize) {
            throw new CheckpointException(where + ": truncated file: data ends at byte " + info.end()
                    + " but the file holds only " + dataSize + " bytes of data");
        }
        return info;
    }

    static int bytesPerElement(String where, String dtype) {
        return switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            case "F64", "I64" -> 8;
            case "I32" -> 4;
            case "U8", "I8", "BOOL" -> 1;
            default -> throw new CheckpointException(where + ": unsupported dtype " + dtype);
        };
    }

    public Path path() {
        return path;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /**
     * The tensor as float32 values in a native-order direct buffer (ready for DJL).
     * BF16 is widened here by a 16-bit shift: DJL 0.36's PyTorch engine aborts the JVM on
     * BF16 arrays on CPU, so they never reach it. F16 is widened here too (exactly).
     */
    public ByteBuffer readFloat32(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new CheckpointException(path + ": no tensor '" + name + "'");
        }
        long n = info.numel();
        if (n * 4 > Integer.MAX_VALUE) {
            throw new CheckpointException(path + ": tensor '" + name + "' is larger than 2 GiB as float32");
        }
        ByteBuffer raw = readRaw(info);
        ByteBuffer out = ByteBuffer.allocateDirect((int) (n * 4)).order(ByteOrder.nativeOrder());
        switch (info.dtype()) {
            case "F32" -> out.asFloatBuffer().put(raw.asFloatBuffer());
            case "BF16" -> {
                for (long i = 0; i < n; i++) {
                    out.putFloat(Float.intBitsToFloat((raw.getShort() & 0xffff) << 16));
                }
            }
            case "F16" -> {
                for (long i = 0; i < n; i++) {
                    out.putFloat(halfToFloat(raw.getShort()));
                }
            }
            case "F64" -> {
                for (long i = 0; i < n; i++) {
                    out.putFloat((float) raw.getDouble());
                }
            }
            default -> throw new CheckpointException(path + ": tensor '" + name + "' has non-float dtype " + info.dtype());
        }
        out.rewind();
        return out;
    }

    /** IEEE 754 half to float (Float.float16ToFloat arrives only in Java 20). */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf / nan
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal: exact
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** The tensor's bytes as stored (little-endian), for formats passed through unchanged. */
    public ByteBuffer readRaw(TensorInfo info) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = info.end() - info.begin();
            ByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), size);
            return buf.order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot read tensor '" + info.name() + "': " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }
}
