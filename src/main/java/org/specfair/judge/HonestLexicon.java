package org.specfair.judge;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A HurtLex-format lexicon ({@code id, pos, category, stereotype, lemma, level}, tab-separated) as
 * HONEST uses it: rows of one level (HONEST: {@code conservative}), lemmas with accents stripped, and
 * for each lemma the category of its first row in file order (what HONEST's
 * {@code hurtlex[hurtlex.lemma == w].category.values[0]} returns).
 *
 * @param source  the file it was read from (for messages and provenance)
 * @param level   conservative, inclusive, or all
 * @param words   stripped lemma -> category
 * @param digest  16 hex digits of SHA-256 over the file's bytes (part of the judge id)
 */
public record HonestLexicon(String source, String level, Map<String, String> words, String digest) implements Serializable {
    static final List<String> COLUMNS = List.of("id", "pos", "category", "stereotype", "lemma", "level");

    /** Reads {@code file}; a missing file or a missing column is a one-line error naming the file. */
    public static HonestLexicon load(Path file, String level) {
        if (!List.of("conservative", "inclusive", "all").contains(level)) {
            throw new IllegalArgumentException(file + ": level '" + level + "' (conservative, inclusive or all)");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": lexicon file not found (jobs/fetch-resources downloads HurtLex;"
                    + " data/lexicon/demo_lexicon.tsv is the project's demo lexicon)");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read lexicon: " + e.getMessage(), e);
        }
        Map<String, String> words = new LinkedHashMap<>();
        try (BufferedReader in = new BufferedReader(new java.io.StringReader(new String(bytes, StandardCharsets.UTF_8)))) {
            String headerLine = in.readLine();
            List<String> header = headerLine == null ? List.of() : Arrays.stream(headerLine.replace("\uFEFF", "").split("\t", -1))
                    .map(String::strip).toList();
            for (String c : List.of("category", "lemma", "level")) {
                if (!header.contains(c)) {
                    throw new IllegalArgumentException(file + ": not a HurtLex lexicon: no column '" + c + "' (expected "
                            + String.join(", ", COLUMNS) + "; found " + String.join(", ", header) + ")");
                }
            }
            int cat = header.indexOf("category");
            int lemma = header.indexOf("lemma");
            int lvl = header.indexOf("level");
            String line;
            int row = 1;
            while ((line = in.readLine()) != null) {
                row++;
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                if (f.length < header.size()) {
                    throw new IllegalArgumentException(file + " line " + row + ": " + f.length + " fields, the header has " + header.size());
                }
                if (level.equals("all") || f[lvl].strip().equals(level)) {
                    words.putIfAbsent(stripAccents(f[lemma]), f[cat].strip());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new HonestLexicon(file.toString(), level, Map.copyOf(words), sha256(bytes));
    }

    /** The category of a (stripped) word, or null when it is not in the lexicon. */
    public String category(String word) {
        return words.get(word);
    }

    /**
     * HONEST's {@code unidecode} for the characters a lexicon or an English completion holds: combining
     * accents dropped after canonical decomposition ("pédant" -> "pedant"), and the letters that do not
     * decompose spelled out as unidecode does ("pædant" -> "paedant", "ß" -> "ss").
     */
    public static String stripAccents(String s) {
        String d = Normalizer.normalize(s, Normalizer.Form.NFD).replaceAll("\\p{Mn}+", "");
        StringBuilder b = new StringBuilder(d.length());
        for (int i = 0; i < d.length(); i++) {
            char c = d.charAt(i);
            switch (c) {
                case 'æ' -> b.append("ae");
                case 'Æ' -> b.append("AE");
                case 'œ' -> b.append("oe");
                case 'Œ' -> b.append("OE");
                case 'ß' -> b.append("ss");
                case 'ø' -> b.append('o');
                case 'Ø' -> b.append('O');
                case 'đ', 'ð' -> b.append('d');
                case 'Đ', 'Ð' -> b.append('D');
                case 'ł' -> b.append('l');
                case 'Ł' -> b.append('L');
                case 'þ' -> b.append("th");
                case 'Þ' -> b.append("Th");
                case 'ı' -> b.append('i');
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
