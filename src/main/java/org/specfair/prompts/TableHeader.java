package org.specfair.prompts;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A table's column names and their positions, so columns are found by name, never by position. */
final class TableHeader {
    private final String file;
    private final Map<String, Integer> positions = new LinkedHashMap<>();

    /** Names are trimmed ("id, text" headers are common); a name appearing twice is an error. */
    TableHeader(String file, List<String> names) {
        this.file = file;
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i).trim();
            if (positions.putIfAbsent(name, i) != null) {
                throw new PromptFileException(file + " header: column '" + name + "' appears twice");
            }
        }
    }

    int size() {
        return positions.size();
    }

    /** Fails naming the first missing column and listing those found. */
    void require(Collection<String> columns) {
        for (String c : columns) {
            if (!positions.containsKey(c)) {
                throw new PromptFileException(file + ": missing column '" + c + "' (columns found: " + found() + ")");
            }
        }
    }

    /** The value of a column in a record of this table; null when the table has no such column. */
    String value(List<String> record, String column) {
        Integer i = column == null ? null : positions.get(column);
        return i == null ? null : record.get(i);
    }

    String found() {
        return String.join(", ", positions.keySet());
    }
}
