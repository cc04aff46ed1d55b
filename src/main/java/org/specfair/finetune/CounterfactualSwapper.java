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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counterfactual data augmentation: swaps identity terms both ways from a pair list (she/he, woman/man, gay/straight,
 * ...), whole words only (a word is a maximal run of letters: "Heather" and "hero" are left alone, "woman's" becomes
 * "man's", "mother-in-law" becomes "father-in-law"), keeping each word's case (he -> she, He -> She, HE -> SHE).
 *
 * <p>The ambiguous possessive/object "her", decided deliberately: "her" directly followed by a word that is
 * not a function word ("her book", "her own") is a possessive determiner and becomes "his"; otherwise ("saw her.",
 * "gave her the keys", "with her and") it is an object and becomes "him". The other way, "his" before a word
 * becomes "her" ("his book") and "his" standing alone becomes "hers" ("the book is his."); "hers" becomes "his".
 * A rule on the next word, not a tagger: "her" before an adjective used as a noun phrase head is the known miss.
 */
public final class CounterfactualSwapper implements Serializable {
    private static final Pattern WORD = Pattern.compile("\\p{L}+");
    /** Words after which "her" is an object (him), not a determiner (his). */
    private static final Set<String> FUNCTION_WORDS = Set.of("a", "an", "the", "to", "and", "or", "but", "nor", "for",
            "with", "about", "at", "in", "on", "from", "by", "of", "that", "this", "these", "those", "as", "so", "because",
            "if", "when", "while", "up", "out", "off", "down", "back", "again", "too", "very", "all", "any", "some", "into",
            "over", "after", "before", "than", "then", "now", "yet", "not", "is", "was", "are", "were", "be", "been",
            "will", "would", "can", "could", "should", "may", "might", "must", "do", "does", "did", "has", "have", "had",
            "there", "here", "how", "what", "why", "where", "who", "which", "once", "since", "until", "though",
            "although", "whether", "anyway", "today", "tonight", "yesterday", "tomorrow", "either", "neither", "much",
            "more", "most", "only", "just", "still", "also", "even", "ever", "never", "always", "away", "home", "alone",
            "herself", "himself", "it", "them", "him", "her", "his", "me", "us", "you", "i", "we", "they", "he", "she");

    /** Lowercase word -> replacement (both directions), and word -> the pair it belongs to ("he/she"). */
    private final Map<String, String> swap = new LinkedHashMap<>();
    private final Map<String, String> pairOf = new LinkedHashMap<>();

    private CounterfactualSwapper() {}

    /** The project's pair list ({@code counterfactual_pairs.tsv} beside this class). */
    public static CounterfactualSwapper defaults() {
        try (InputStream in = CounterfactualSwapper.class.getResourceAsStream("counterfactual_pairs.tsv")) {
            return parse(in, "counterfactual_pairs.tsv");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A pair list file: one {@code word<TAB>word} per line, {@code #} comments; a word on two lines is an error. */
    public static CounterfactualSwapper read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": pair list not found");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    private static CounterfactualSwapper parse(InputStream in, String where) throws IOException {
        CounterfactualSwapper s = new CounterfactualSwapper();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int n = 0;
        for (String line; (line = r.readLine()) != null; ) {
            n++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] p = t.split("\\s+");
            if (p.length != 2 || !WORD.matcher(p[0]).matches() || !WORD.matcher(p[1]).matches()) {
                throw new IllegalArgumentException(where + " line " + n + ": expected two words separated by a tab, got '" + t + "'");
            }
            String a = p[0].toLowerCase(Locale.ROOT);
            String b = p[1].toLowerCase(Locale.ROOT);
            for (String w : List.of(a, b)) {
                if (s.swap.containsKey(w) || (w.equals("his") || w.equals("hers"))) {
                    throw new IllegalArgumentException(where + " line " + n + ": '" + w + "' already has a partner"
                            + " (each word may appear once; his/hers follow him/her)");
                }
            }
            s.swap.put(a, b);
            s.swap.put(b, a);
            s.pairOf.put(a, a + "/" + b);
            s.pairOf.put(b, a + "/" + b);
        }
        if (s.swap.containsKey("him") && s.swap.get("him").equals("her")) {
            s.pairOf.put("his", "him/her");
            s.pairOf.put("hers", "him/her");
        }
        return s;
    }

    /** The text with every listed term swapped, and how many swaps per pair ("he/she" -> 2). */
    public record Result(String text, Map<String, Integer> swaps) implements Serializable {
        public int total() {
            return swaps.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    public Result apply(String text) {
        Matcher m = WORD.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        Map<String, Integer> counts = new TreeMap<>();
        int last = 0;
        while (m.find()) {
            String word = m.group();
            String lower = word.toLowerCase(Locale.ROOT);
            String to = replacement(lower, text, m.end());
            out.append(text, last, m.start());
            if (to == null) {
                out.append(word);
            } else {
                out.append(withCaseOf(word, to));
                counts.merge(pairOf.get(lower), 1, Integer::sum);
            }
            last = m.end();
        }
        out.append(text, last, text.length());
        return new Result(out.toString(), counts);
    }

    private String replacement(String lower, String text, int end) {
        boolean herPair = "him".equals(swap.get("her"));
        if (herPair) {
            switch (lower) {
                case "her" -> {
                    String next = nextWord(text, end);
                    return next != null && !FUNCTION_WORDS.contains(next) ? "his" : "him";
                }
                case "his" -> {
                    return nextWord(text, end) != null ? "her" : "hers";
                }
                case "hers" -> {
                    return "his";
                }
                default -> { }
            }
        }
        return swap.get(lower);
    }

    /** The word right after position {@code from} when only spaces separate them (punctuation ends the phrase). */
    private static String nextWord(String text, int from) {
        int i = from;
        while (i < text.length() && text.charAt(i) == ' ') {
            i++;
        }
        if (i == from && i < text.length() && text.charAt(i) == '\'') {
            return null; // "her's" and the like: leave the decision to the default
        }
        int j = i;
        while (j < text.length() && Character.isLetter(text.charAt(j))) {
            j++;
        }
        return j > i ? text.substring(i, j).toLowerCase(Locale.ROOT) : null;
    }

    /** {@code to} in the case pattern of {@code word}: ALL CAPS (2+ letters), Capitalized, or lower. */
    static String withCaseOf(String word, String to) {
        if (word.length() > 1 && word.equals(word.toUpperCase(Locale.ROOT))) {
            return to.toUpperCase(Locale.ROOT);
        }
        if (Character.isUpperCase(word.charAt(0))) {
            return Character.toUpperCase(to.charAt(0)) + to.substring(1);
        }
        return to;
    }
}
