package org.specfair.experiment;

import java.nio.file.Path;
import java.util.Map;

/**
 * An experiment file read and checked: its config (dates filled in), its text as written (recorded
 * verbatim with the results), and the line of every key (for messages about it).
 */
public record ExperimentFile(Path file, String text, ExperimentConfig config, Map<String, Integer> lines) {

    /** {@code FILE:LINE: key: problem}, with the line of the key or of its nearest written parent. */
    public ExperimentFileException error(String key, String problem) {
        return new ExperimentFileException(file + ":" + lineOf(key) + ": " + key + ": " + problem);
    }

    int lineOf(String key) {
        for (String k = key; !k.isEmpty(); k = parentOf(k)) {
            Integer line = lines.get(k);
            if (line != null) {
                return line;
            }
        }
        return 1;
    }

    private static String parentOf(String key) {
        int cut = Math.max(key.lastIndexOf('.'), key.lastIndexOf('['));
        return cut <= 0 ? "" : key.substring(0, cut);
    }
}
