package org.specfair.tokenizer;

import org.specfair.checkpoint.CheckpointException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Trains a GPT-2 style byte-level BPE tokenizer on a list of strings and writes it as {@code vocab.json}
 * + {@code merges.txt}, the slow-tokenizer files {@link TextTokenizer#load} reads.
 *
 * <p>GPT-2's conventions: text is split by GPT-2's pre-tokenizer regex (so merges never cross word
 * boundaries; a leading space belongs to the word after it), every piece is taken as UTF-8 bytes, and
 * bytes are written with GPT-2's {@code bytes_to_unicode} map ({@code "Ġ"} is a space). Ids: the 256
 * byte symbols in byte order, then one per merge in merge order, then {@code <|endoftext|>} last.
 *
 * <p>Training repeatedly merges the most frequent adjacent pair of symbols, counted over the distinct
 * words weighted by how often each occurs. Ties go to the pair whose left id is smallest, then the right
 * id: same texts and size, same files, byte for byte. A merge whose result already exists (e.g. "ab"+"c"
 * after "a"+"bc") is recorded but adds no id, as in Hugging Face's trainer.
 */
public final class BpeTrainer {
    /** The end-of-text token GPT-2 and GPT-Neo use; {@link BpeTokenizerConverter} makes it a special token. */
    public static final String EOS = "<|endoftext|>";

    /** GPT-2's pre-tokenizer (as in {@code tokenizers}' ByteLevel with use_regex); \s etc. are Unicode-aware. */
    static final Pattern GPT2_SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** Pairs seen fewer times than this are not worth a vocabulary entry. */
    public static final int MIN_FREQUENCY = 2;

    private static final char[] BYTE_CHAR = bytesToUnicode();

    /**
     * A trained tokenizer.
     *
     * @param vocab  token -> id, in id order (bytes, merges, eos)
     * @param merges merge rules in rank order, each "left right"
     */
    public record Vocabulary(Map<String, Integer> vocab, List<String> merges) {
        public Vocabulary {
            vocab = Collections.unmodifiableMap(new LinkedHashMap<>(vocab));
            merges = List.copyOf(merges);
        }

        /** Number of ids, {@code <|endoftext|>} included. */
        public int size() {
            return vocab.size();
        }

        public int eosId() {
            return vocab.get(EOS);
        }

        /** Writes {@code dir/vocab.json} and {@code dir/merges.txt} (LF line ends, no timestamps) and returns them. */
        public List<Path> write(Path dir) {
            try {
                Files.createDirectories(dir);
                Path vocabFile = dir.resolve("vocab.json");
                Path mergesFile = dir.resolve("merges.txt");
                Files.writeString(vocabFile, vocabJson() + "\n", StandardCharsets.UTF_8);
                StringBuilder m = new StringBuilder("#version: 0.2\n");
                merges.forEach(line -> m.append(line).append('\n'));
                Files.writeString(mergesFile, m, StandardCharsets.UTF_8);
                return List.of(vocabFile, mergesFile);
            } catch (IOException e) {
                throw new CheckpointException(dir + ": cannot write tokenizer files: " + e.getMessage(), e);
            }
        }

        private String vocabJson() {
            try {
                return new ObjectMapper().writeValueAsString(vocab);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private BpeTrainer() {}

    /**
     * Learns merges from {@code texts} until the vocabulary has {@code vocabSize} ids ({@code <|endoftext|>}
     * included), or until no pair occurs {@link #MIN_FREQUENCY} times (then the vocabulary is smaller).
     */
    public static Vocabulary train(List<String> texts, int vocabSize) {
        if (vocabSize < 257) {
            throw new IllegalArgumentException("vocabulary size must be >= 257 (256 bytes + " + EOS + "), got " + vocabSize);
        }
        // Token strings by id; the 256 byte symbols first.
        List<String> tokens = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(BYTE_CHAR[b]));
            ids.put(tokens.get(b), b);
        }

        // Distinct words (as byte ids) with their counts; sorted so the state never depends on hash order.
        TreeMap<String, Long> counts = new TreeMap<>();
        for (String text : texts) {
            Matcher m = GPT2_SPLIT.matcher(text);
            while (m.find()) {
                counts.merge(m.group(), 1L, Long::sum);
            }
        }
        int[][] words = new int[counts.size()][];
        long[] freq = new long[counts.size()];
        int w = 0;
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
            words[w] = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                words[w][i] = bytes[i] & 0xff;
            }
            freq[w++] = e.getValue();
        }

        Map<Long, Long> pairCount = new HashMap<>();
        Map<Long, Set<Integer>> pairWords = new HashMap<>(); // may hold stale entries; checked on use
        for (int i = 0; i < words.length; i++) {
            addPairs(words[i], freq[i], i, pairCount, pairWords);
        }

        List<String> merges = new ArrayList<>();
        while (tokens.size() < vocabSize - 1) {
            long best = bestPair(pairCount);
            if (best == -1 || pairCount.get(best) < MIN_FREQUENCY) {
                break;
            }
            int left = (int) (best >>> 32);
            int right = (int) best;
            String merged = tokens.get(left) + tokens.get(right);
            Integer id = ids.get(merged);
            if (id == null) {
                id = tokens.size();
                tokens.add(merged);
                ids.put(merged, id);
            }
            merges.add(tokens.get(left) + " " + tokens.get(right));
            for (int i : pairWords.remove(best)) {
                int[] next = merge(words[i], left, right, id);
                if (next != words[i]) { // else a stale entry: the word lost this pair to an earlier merge
                    removePairs(words[i], freq[i], pairCount);
                    words[i] = next;
                    addPairs(words[i], freq[i], i, pairCount, pairWords);
                }
            }
            pairCount.remove(best); // already 0: every occurrence was merged
        }

        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            vocab.put(tokens.get(i), i);
        }
        vocab.put(EOS, tokens.size());
        return new Vocabulary(vocab, merges);
    }

    /** The most frequent pair; ties to the smallest (left, right). -1 when there are no pairs. */
    private static long bestPair(Map<Long, Long> pairCount) {
        long best = -1;
        long bestCount = 0;
        for (Map.Entry<Long, Long> e : pairCount.entrySet()) {
            long c = e.getValue();
            if (c > bestCount || (c == bestCount && Long.compareUnsigned(e.getKey(), best) < 0)) {
                best = e.getKey();
                bestCount = c;
            }
        }
        return best;
    }

    /** The word with every non-overlapping (left, right), scanned left to right, replaced by {@code id}; the same array when none. */
    private static int[] merge(int[] word, int left, int right, int id) {
        int[] out = null;
        int n = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                if (out == null) {
                    out = new int[word.length - 1];
                    System.arraycopy(word, 0, out, 0, i);
                    n = i;
                }
                out[n++] = id;
                i++;
            } else if (out != null) {
                out[n++] = word[i];
            }
        }
        return out == null ? word : java.util.Arrays.copyOf(out, n);
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xffffffffL);
    }

    private static void addPairs(int[] word, long freq, int index, Map<Long, Long> pairCount, Map<Long, Set<Integer>> pairWords) {
        for (int i = 0; i + 1 < word.length; i++) {
            long k = key(word[i], word[i + 1]);
            pairCount.merge(k, freq, Long::sum);
            pairWords.computeIfAbsent(k, x -> new HashSet<>()).add(index);
        }
    }

    private static void removePairs(int[] word, long freq, Map<Long, Long> pairCount) {
        for (int i = 0; i + 1 < word.length; i++) {
            long k = key(word[i], word[i + 1]);
            long left = pairCount.get(k) - freq;
            if (left == 0) {
                pairCount.remove(k);
            } else {
                pairCount.put(k, left);
            }
        }
    }

    /** GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others for 256 + n (space -> 'Ġ'). */
    static char[] bytesToUnicode() {
        char[] map = new char[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char) b : (char) (256 + n++);
        }
        return map;
    }
}
