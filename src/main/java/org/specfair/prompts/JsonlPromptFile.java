package org.specfair.prompts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Streams a JSON Lines prompt table: one JSON object per line, columns are its keys. Blank lines are
 * skipped; the row number counts objects, and errors give the line too. A configured key missing
 * from an object is an error (a typo in a column name would otherwise turn every row into an error
 * row); a JSON null is an empty value.
 */
final class JsonlPromptFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonlPromptFile() {}

    static void read(Path file, PromptColumns cols, Consumer<Prompt> sink) {
        String source = PromptFiles.sourceName(file);
        long row = 0;
        int line = 0;
        try (BufferedReader in = PromptFiles.open(file)) {
            for (String text = in.readLine(); text != null; text = in.readLine()) {
                line++;
                if (line == 1 && text.startsWith("\uFEFF")) {
                    text = text.substring(1);
                }
                if (text.isBlank()) {
                    continue;
                }
                row++;
                String where = file + " row " + row + " (line " + line + ")";
                JsonNode object = parse(text, where);
                for (String key : cols.names()) {
                    if (!object.has(key)) {
                        throw new PromptFileException(where + ": missing key '" + key + "' (keys found: " + keys(object) + ")");
                    }
                }
                sink.accept(PromptRow.build(cols, key -> scalar(object, key, where), source, row));
            }
        } catch (IOException e) {
            throw PromptFiles.readFailure(file, "line " + (line + 1), e);
        }
    }

    private static JsonNode parse(String text, String where) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new PromptFileException(where + ": invalid JSON: " + e.getOriginalMessage().replaceAll("\\s+", " "));
        }
        if (node == null || !node.isObject()) {
            throw new PromptFileException(where + ": expected a JSON object {...}, found " + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase()));
        }
        return node;
    }

    /** Strings as they are, numbers and booleans as written; objects and arrays are not prompt fields. */
    private static String scalar(JsonNode object, String key, String where) {
        JsonNode v = object.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isContainerNode()) {
            throw new PromptFileException(where + ", column '" + key + "': expected a string, found a JSON "
                    + (v.isArray() ? "array" : "object"));
        }
        return v.asText();
    }

    private static String keys(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return String.join(", ", names);
    }
}
