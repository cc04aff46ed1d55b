package org.specfair.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Byte-level surgery on a safetensors file for fault tests: the header as editable JSON and the data
 * section as raw bytes. Written back exactly as edited (a lying header stays a lying header).
 */
final class SafetensorsEdit {
    final ObjectNode header;
    final byte[] data;

    private SafetensorsEdit(ObjectNode header, byte[] data) {
        this.header = header;
        this.data = data;
    }

    static SafetensorsEdit read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        int len = (int) ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ObjectNode header = (ObjectNode) new ObjectMapper().readTree(new String(all, 8, len, StandardCharsets.UTF_8));
        return new SafetensorsEdit(header, Arrays.copyOfRange(all, 8 + len, all.length));
    }

    ObjectNode entry(String name) {
        return (ObjectNode) header.get(name);
    }

    byte[] bytesOf(String name) {
        JsonNode off = header.get(name).get("data_offsets");
        return Arrays.copyOfRange(data, off.get(0).asInt(), off.get(1).asInt());
    }

    void write(Path file) throws IOException {
        write(file, header, data);
    }

    /** A new file holding only {@code names}, repacked with fresh offsets (for shards). */
    void writeSubset(Path file, Collection<String> names) throws IOException {
        ObjectNode h = new ObjectMapper().createObjectNode();
        h.set("__metadata__", header.get("__metadata__"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String n : names) {
            byte[] b = bytesOf(n);
            ObjectNode e = entry(n).deepCopy();
            e.putArray("data_offsets").add(out.size()).add(out.size() + b.length);
            h.set(n, e);
            out.write(b);
        }
        write(file, h, out.toByteArray());
    }

    /** Tensor names in header order, without __metadata__. */
    List<String> tensorNames() {
        List<String> names = new ArrayList<>();
        header.fieldNames().forEachRemaining(names::add);
        names.remove("__metadata__");
        return names;
    }

    private static void write(Path file, ObjectNode header, byte[] data) throws IOException {
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(data);
        Files.write(file, out.array());
    }
}
