package org.specfair.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An independent, deliberately plain transcription of {@code transformers}' slow GPT2Tokenizer
 * (regex pre-split, bytes -> unicode, greedy lowest-rank merges), used to check that the converted
 * tokenizer.json run by the Rust library gives the same ids. Test-only; not fast, not clever.
 */
final class ByteLevelBpeReference {
    static final Pattern GPT2_SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private final Map<String, Integer> vocab;
    private final List<String> merges; // "a b" in rank order

    ByteLevelBpeReference(Map<String, Integer> vocab, List<String> merges) {
        this.vocab = vocab;
        this.merges = merges;
    }

    /** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to 256 + n. */
    static char[] bytesToUnicode() {
        char[] map = new char[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char) b : (char) (256 + n++);
        }
        return map;
    }

    int[] encode(String text) {
        char[] byteChar = bytesToUnicode();
        List<Integer> ids = new ArrayList<>();
        Matcher m = GPT2_SPLIT.matcher(text);
        while (m.find()) {
            StringBuilder word = new StringBuilder();
            for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) {
                word.append(byteChar[b & 0xff]);
            }
            for (String piece : bpe(word.toString())) {
                ids.add(vocab.get(piece));
            }
        }
        return ids.stream().mapToInt(i -> i).toArray();
    }

    private List<String> bpe(String word) {
        List<String> parts = new ArrayList<>();
        word.codePoints().forEach(c -> parts.add(new String(Character.toChars(c))));
        while (parts.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < parts.size(); i++) {
                int rank = merges.indexOf(parts.get(i) + " " + parts.get(i + 1));
                if (rank >= 0 && rank < bestRank) {
                    bestRank = rank;
                }
            }
            if (bestRank == Integer.MAX_VALUE) {
                break;
            }
            String[] pair = merges.get(bestRank).split(" ");
            List<String> merged = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                if (i + 1 < parts.size() && parts.get(i).equals(pair[0]) && parts.get(i + 1).equals(pair[1])) {
                    merged.add(pair[0] + pair[1]);
                    i++;
                } else {
                    merged.add(parts.get(i));
                }
            }
            parts.clear();
            parts.addAll(merged);
        }
        return parts;
    }
}
