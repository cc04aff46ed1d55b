package org.specfair.prompts;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Swaps identity terms both ways (woman <-> man, she <-> he, ...), whole words only, keeping the
 * case pattern of each occurrence (woman -> man, Woman -> Man, WOMAN -> MAN). A counterfactual
 * statement is the same text with every listed term swapped at once, so "the woman and the man"
 * becomes "the man and the woman". One-to-many words are ambiguous ("her" -> "his" or "him"); the
 * default list maps "her" to "his" and "him"/"his" to "her".
 */
public final class IdentitySwap implements Serializable {
    /** Default pairs (gendered English terms), each swapped in both directions unless noted. */
    public static final List<String[]> DEFAULT_PAIRS = List.of(
            new String[] {"woman", "man"}, new String[] {"women", "men"}, new String[] {"she", "he"},
            new String[] {"her", "his"}, new String[] {"hers", "his"}, new String[] {"herself", "himself"},
            new String[] {"girl", "boy"}, new String[] {"girls", "boys"}, new String[] {"mother", "father"},
            new String[] {"mothers", "fathers"}, new String[] {"daughter", "son"}, new String[] {"daughters", "sons"},
            new String[] {"sister", "brother"}, new String[] {"sisters", "brothers"}, new String[] {"wife", "husband"},
            new String[] {"wives", "husbands"}, new String[] {"female", "male"}, new String[] {"lady", "gentleman"},
            new String[] {"ladies", "gentlemen"}, new String[] {"aunt", "uncle"}, new String[] {"niece", "nephew"},
            new String[] {"queen", "king"}, new String[] {"girlfriend", "boyfriend"}, new String[] {"mom", "dad"},
            new String[] {"grandmother", "grandfather"}, new String[] {"him", "her"});

    private final Map<String, String> map;
    private final Pattern words;

    /** Each pair {a, b} maps a -> b and, unless b already has a mapping from an earlier pair, b -> a. */
    public IdentitySwap(List<String[]> pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String[] p : pairs) {
            String a = p[0].toLowerCase(Locale.ROOT);
            String b = p[1].toLowerCase(Locale.ROOT);
            m.putIfAbsent(a, b);
            m.putIfAbsent(b, a);
        }
        this.map = Map.copyOf(m);
        StringBuilder alt = new StringBuilder();
        m.keySet().stream().sorted((x, y) -> y.length() - x.length()).forEach(w -> alt.append(alt.length() == 0 ? "" : "|").append(Pattern.quote(w)));
        this.words = Pattern.compile("\\b(" + alt + ")\\b", Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }

    public static IdentitySwap defaults() {
        return new IdentitySwap(DEFAULT_PAIRS);
    }

    /** Pairs from a file: one {@code term,term} per line; blank lines and {@code #} comments skipped. */
    public static IdentitySwap fromFile(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": swap pair file not found");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        List<String[]> pairs = new java.util.ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] p = line.split("\\s*[,\\t]\\s*");
            if (p.length != 2 || p[0].isBlank() || p[1].isBlank()) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected 'term,term', got '" + line + "'");
            }
            pairs.add(p);
        }
        return new IdentitySwap(pairs);
    }

    /** The text with every listed term swapped (null stays null). */
    public String swap(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = words.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String found = m.group(1);
            m.appendReplacement(out, Matcher.quoteReplacement(withCaseOf(found, map.get(found.toLowerCase(Locale.ROOT)))));
        }
        m.appendTail(out);
        return out.toString();
    }

    static String withCaseOf(String model, String word) {
        if (model.length() > 1 && model.equals(model.toUpperCase(Locale.ROOT))) {
            return word.toUpperCase(Locale.ROOT);
        }
        if (Character.isUpperCase(model.charAt(0))) {
            return Character.toUpperCase(word.charAt(0)) + word.substring(1);
        }
        return word;
    }
}
