package org.specfair.prompts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** Streams a CSV or TSV prompt table (header row, columns found by name) into prompts. */
final class DelimitedPromptFile {
    private DelimitedPromptFile() {}

    /** Hands each data row to {@code sink} as it is read; ids stay null unless the table has an id column. */
    static void read(Path file, char delimiter, PromptColumns cols, Consumer<Prompt> sink) {
        String source = PromptFiles.sourceName(file);
        long row = 0;
        try (DelimitedReader in = new DelimitedReader(PromptFiles.open(file), delimiter, file.toString())) {
            List<String> names = in.next();
            if (names == null) {
                throw new PromptFileException(file + ": empty file (expected a header row with columns " + cols.names() + ")");
            }
            TableHeader header = new TableHeader(file.toString(), names);
            header.require(cols.names());
            for (List<String> next = in.next(); next != null; next = in.next()) {
                List<String> fields = next;
                row++;
                if (fields.size() != header.size()) {
                    throw new PromptFileException(file + " row " + row + " (line " + in.recordLine() + "): expected "
                            + header.size() + " fields (" + header.found() + "), found " + fields.size()
                            + hint(delimiter));
                }
                sink.accept(PromptRow.build(cols, column -> header.value(fields, column), source, row));
            }
        } catch (IOException e) {
            throw PromptFiles.readFailure(file, "row " + (row + 1), e);
        }
    }

    private static String hint(char delimiter) {
        return delimiter == ',' ? " (quote fields that contain commas: \"a, b\")" : "";
    }
}
