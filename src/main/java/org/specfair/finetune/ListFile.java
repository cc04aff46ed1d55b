package org.specfair.finetune;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The word lists beside this package (pairs, identity terms) or a user's file: numbered lines, {@code #} comments and blanks skipped. */
final class ListFile {
    /** One content line: where it is ("FILE line N") and its text. */
    record Line(String where, String text) {}

    private ListFile() {}

    /** A resource next to {@link ListFile} (it ships with the jar). */
    static List<Line> resource(String name) {
        try (InputStream in = ListFile.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + ": resource missing from the build");
            }
            return lines(in, name);
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": " + e.getMessage(), e);
        }
    }

    static List<Line> file(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": " + what + " not found");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return lines(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    private static List<Line> lines(InputStream in, String where) throws IOException {
        List<Line> out = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int n = 0;
        for (String line; (line = r.readLine()) != null; ) {
            n++;
            if (!line.isBlank() && !line.strip().startsWith("#")) {
                out.add(new Line(where + " line " + n, line));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(where + ": no entries");
        }
        return out;
    }
}
