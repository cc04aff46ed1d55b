package org.specfair.finetune;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts identity terms per category in text: case-insensitive, whole words, a word being a maximal run of
 * letters (the same notion as {@link CounterfactualSwapper}); a term may be several words ("gender
 * conforming"), matched as consecutive words. Also counts the words themselves, the denominator of
 * {@code per_million}.
 */
public final class TermCounter implements Serializable {
    private static final Pattern WORD = Pattern.compile("\\p{L}+");

    /** A term of a category, as its lowercase words. */
    public record Term(String category, String term, String[] words) implements Serializable {}

    private final List<Term> terms;
    /** First word -> indices of the terms starting with it. */
    private final Map<String, int[]> byFirstWord = new HashMap<>();

    private TermCounter(List<Term> terms) {
        this.terms = List.copyOf(terms);
        Map<String, List<Integer>> index = new HashMap<>();
        for (int i = 0; i < terms.size(); i++) {
            index.computeIfAbsent(terms.get(i).words()[0], k -> new ArrayList<>()).add(i);
        }
        index.forEach((w, l) -> byFirstWord.put(w, l.stream().mapToInt(Integer::intValue).toArray()));
    }

    /** The project's list ({@code identity_terms.tsv} beside this class: HONEST categories). */
    public static TermCounter defaults() {
        try (InputStream in = TermCounter.class.getResourceAsStream("identity_terms.tsv")) {
            return parse(in, "identity_terms.tsv");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A term list: {@code category<TAB>term} per line, {@code #} comments. */
    public static TermCounter read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": term list not found");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    private static TermCounter parse(InputStream in, String where) throws IOException {
        List<Term> terms = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int n = 0;
        for (String line; (line = r.readLine()) != null; ) {
            n++;
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            String[] p = line.split("\t");
            List<String> words = p.length == 2 ? words(p[1]) : List.of();
            if (p.length != 2 || p[0].isBlank() || words.isEmpty()) {
                throw new IllegalArgumentException(where + " line " + n + ": expected category<TAB>term, got '" + line + "'");
            }
            if (!seen.add(p[0].strip() + "\t" + String.join(" ", words))) {
                throw new IllegalArgumentException(where + " line " + n + ": '" + p[1] + "' is listed twice for " + p[0].strip());
            }
            terms.add(new Term(p[0].strip(), p[1].strip(), words.toArray(new String[0])));
        }
        if (terms.isEmpty()) {
            throw new IllegalArgumentException(where + ": no terms");
        }
        return new TermCounter(terms);
    }

    static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            out.add(m.group().toLowerCase(Locale.ROOT));
        }
        return out;
    }

    public List<Term> terms() {
        return terms;
    }

    /** Adds the occurrences of every term in {@code text} to {@code counts[0..terms)}, and its words to {@code counts[terms]}. */
    public void count(String text, long[] counts) {
        List<String> w = words(text);
        counts[terms.size()] += w.size();
        for (int i = 0; i < w.size(); i++) {
            int[] candidates = byFirstWord.get(w.get(i));
            if (candidates == null) {
                continue;
            }
            for (int t : candidates) {
                String[] tw = terms.get(t).words();
                if (i + tw.length <= w.size() && matches(w, i, tw)) {
                    counts[t]++;
                }
            }
        }
    }

    private static boolean matches(List<String> w, int at, String[] term) {
        for (int k = 0; k < term.length; k++) {
            if (!w.get(at + k).equals(term[k])) {
                return false;
            }
        }
        return true;
    }

    /** Counts for a fresh accumulation: one per term, then the word count. */
    public long[] newCounts() {
        return new long[terms.size() + 1];
    }
}
