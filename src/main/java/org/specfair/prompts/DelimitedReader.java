package org.specfair.prompts;

import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams the records of a CSV or TSV file, one at a time, with RFC 4180 quoting: a field that starts
 * with {@code "} runs to the matching closing quote and may hold delimiters, {@code ""} (a literal
 * quote) and line breaks. Records end at LF or CRLF. A quote inside an unquoted field is kept as a
 * literal character (as spreadsheets write {@code 5'11"}). Blank lines are skipped: they hold no
 * record. A UTF-8 byte order mark at the start is dropped (spreadsheet exports start with one).
 *
 * <p>Every record remembers the line it starts on, because with quoted line breaks the row and the
 * line number differ and the user needs the line to find it in an editor.
 */
final class DelimitedReader implements Closeable {
    private static final int EOF = -1;
    private static final int NONE = -2;

    private final Reader in;
    private final char delimiter;
    private final String file;
    private int line = 1;
    private int recordLine;
    private int pushedBack = NONE; // one character of look-ahead after a CR
    private boolean started;

    DelimitedReader(Reader in, char delimiter, String file) {
        this.in = in;
        this.delimiter = delimiter;
        this.file = file;
    }

    /** The line (1-based) where the last record returned by {@link #next()} starts. */
    int recordLine() {
        return recordLine;
    }

    /** The next record's fields, or null at the end of the file. */
    List<String> next() throws IOException {
        int c = read();
        if (!started) {
            started = true;
            if (c == '\uFEFF') {
                c = read();
            }
        }
        while (c == '\n' || c == '\r') { // blank lines
            lineBreak(c);
            c = read();
        }
        if (c == EOF) {
            return null;
        }
        recordLine = line;
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        while (true) {
            if (c == '"' && field.isEmpty()) {
                c = quoted(field, fields.size() + 1);
            } else {
                while (c != delimiter && c != '\n' && c != '\r' && c != EOF) {
                    field.append((char) c);
                    c = read();
                }
            }
            fields.add(field.toString());
            field.setLength(0);
            if (c == delimiter) {
                c = read();
                continue;
            }
            if (c != EOF) {
                lineBreak(c);
            }
            return fields;
        }
    }

    /** Reads a quoted field (the opening quote already consumed); returns the character after it. */
    private int quoted(StringBuilder field, int column) throws IOException {
        int startLine = line;
        while (true) {
            int c = read();
            if (c == EOF) {
                throw new PromptFileException(file + " line " + startLine + ", field " + column
                        + ": quoted field is never closed (a missing \" before the end of the file)");
            }
            if (c == '"') {
                int after = read();
                if (after != '"') {
                    if (after != delimiter && after != '\n' && after != '\r' && after != EOF) {
                        throw new PromptFileException(file + " line " + line + ", field " + column
                                + ": unexpected '" + (char) after + "' after a closing quote (write a quote inside a quoted field as \"\")");
                    }
                    return after;
                }
            } else if (c == '\n') {
                line++;
            }
            field.append((char) c);
        }
    }

    /** Finishes a line break that started with c (LF, CRLF or a lone CR). */
    private void lineBreak(int c) throws IOException {
        if (c == '\r') {
            int next = read();
            if (next != '\n') {
                pushedBack = next;
            }
        }
        line++;
    }

    private int read() throws IOException {
        if (pushedBack != NONE) {
            int c = pushedBack;
            pushedBack = NONE;
            return c;
        }
        return in.read();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
