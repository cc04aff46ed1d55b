package org.specfair.prompts;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** RFC 4180 records: quotes, doubled quotes, line breaks inside fields, CRLF, BOM, blank lines. */
class DelimitedReaderTest {
    @Test
    void quotedFieldsHoldDelimitersQuotesAndLineBreaks() throws IOException {
        String csv = "\uFEFFid,text\r\n"
                + "1,\"a, b\"\r\n"
                + "2,\"she said \"\"hi\"\"\"\r\n"
                + "\r\n"
                + "3,\"two\nlines\"\n"
                + "4,5'11\" tall\n"
                + "5,\n"
                + "\"\",last";
        List<List<String>> records = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        try (DelimitedReader in = new DelimitedReader(new StringReader(csv), ',', "t.csv")) {
            for (List<String> r = in.next(); r != null; r = in.next()) {
                records.add(r);
                lines.add(in.recordLine());
            }
        }
        assertEquals(List.of(List.of("id", "text"), List.of("1", "a, b"), List.of("2", "she said \"hi\""),
                List.of("3", "two\nlines"), List.of("4", "5'11\" tall"), List.of("5", ""), List.of("", "last")), records);
        assertEquals(List.of(1, 2, 3, 5, 7, 8, 9), lines); // line 4 is blank; record 3 spans lines 5-6
    }

    @Test
    void tabDelimiterAndLoneCr() throws IOException {
        try (DelimitedReader in = new DelimitedReader(new StringReader("a\tb\rc\t\"d\te\""), '\t', "t.tsv")) {
            assertEquals(List.of("a", "b"), in.next());
            assertEquals(List.of("c", "d\te"), in.next());
            assertEquals(null, in.next());
        }
    }

    @Test
    void unclosedQuoteNamesFileLineAndField() {
        PromptFileException e = assertThrows(PromptFileException.class, () -> readAll("id,text\n1,\"never closed\n2,x\n"));
        assertEquals("t.csv line 2, field 2: quoted field is never closed (a missing \" before the end of the file)", e.getMessage());
    }

    @Test
    void textAfterClosingQuoteIsAnError() {
        PromptFileException e = assertThrows(PromptFileException.class, () -> readAll("id,text\n1,\"a\"b\n"));
        assertEquals("t.csv line 2, field 2: unexpected 'b' after a closing quote (write a quote inside a quoted field as \"\")",
                e.getMessage());
    }

    private static List<List<String>> readAll(String csv) throws IOException {
        List<List<String>> records = new ArrayList<>();
        try (DelimitedReader in = new DelimitedReader(new StringReader(csv), ',', "t.csv")) {
            for (List<String> r = in.next(); r != null; r = in.next()) {
                records.add(r);
            }
        }
        return records;
    }
}
