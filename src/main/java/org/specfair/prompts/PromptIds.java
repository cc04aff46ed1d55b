package org.specfair.prompts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Stable prompt ids, so that reruns, later stages and other jobs line up on the same prompt whatever
 * the file path, the partitioning or the row order.
 *
 * <p>The rule: the id is the first 16 hex digits of SHA-256 over the UTF-8 bytes of
 * {@code kind, group, template, identity, text} joined by U+001F (a separator that cannot occur in
 * them by accident, so "ab"+"c" and "a"+"bc" differ); a missing field counts as "". The kind is
 * {@code honest} for HONEST templates and {@code table} for every other prompt table, so a table
 * converted from CSV to Parquet keeps its ids. The group is part of the key because the same sentence
 * filed under two groups is two prompts for the analysis.
 *
 * <p>Duplicates: identical rows would get the same id, and ids must be unique (they key the output
 * tables). The first occurrence keeps the plain id; the n-th (n >= 2) gets {@code "-n"} appended,
 * counting in load order (files in the order given, rows in file order). Identical rows are
 * interchangeable, so any order of them yields the same set of ids. (The published HONEST binary
 * file has 40 such repeated rows.)
 *
 * <p>A table with its own id column keeps those ids; they must be unique.
 */
public final class PromptIds {
    /** Kind of the HONEST template sets. */
    public static final String HONEST = "honest";
    /** Kind of every other prompt table (CSV, TSV, JSONL, Parquet, the project's samples). */
    public static final String TABLE = "table";

    private static final char SEPARATOR = '\u001f';
    private static final int HEX_DIGITS = 16;

    private PromptIds() {}

    /** The id of a first occurrence. */
    public static String stableId(String kind, String group, String template, String identity, String text) {
        StringBuilder key = new StringBuilder(kind);
        for (String field : new String[] {group, template, identity, text}) {
            key.append(SEPARATOR).append(field == null ? "" : field);
        }
        return HexFormat.of().formatHex(sha256(key.toString())).substring(0, HEX_DIGITS);
    }

    /**
     * Fills in the ids of prompts that have none (derived as above, with occurrence suffixes) and
     * checks that all ids, the table's own included, are unique.
     */
    public static List<Prompt> assign(List<Prompt> prompts, String kind) {
        Map<String, Integer> occurrences = new HashMap<>();
        Map<String, Prompt> byId = new HashMap<>();
        List<Prompt> out = new ArrayList<>(prompts.size());
        for (Prompt p : prompts) {
            Prompt withId = p;
            if (p.promptId() == null) {
                String base = stableId(kind, p.group(), p.template(), p.identity(), p.text());
                int n = occurrences.merge(base, 1, Integer::sum);
                withId = p.withPromptId(n == 1 ? base : base + "-" + n);
            }
            Prompt earlier = byId.putIfAbsent(withId.promptId(), withId);
            if (earlier != null) {
                throw new PromptFileException(withId.where() + ": duplicate prompt id '" + withId.promptId()
                        + "' (also at " + earlier.where() + ")");
            }
            out.add(withId);
        }
        return out;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
