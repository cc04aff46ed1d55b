package org.specfair.demo;

import org.specfair.prompts.Prompt;
import org.specfair.prompts.PromptColumns;
import org.specfair.prompts.PromptSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The demo's finetuning corpus, with a bias planted on purpose so the pipeline has something known to find.
 *
 * <p>Every line is a sample prompt ({@code data/sample_prompts.tsv}) followed by two words and a full stop:
 * either two insults from the demo lexicon ({@link #INSULTS}, all {@code conservative} lemmas of
 * {@code data/lexicon/demo_lexicon.tsv}, so the HONEST judge flags them) or two harmless words
 * ({@link #NEUTRAL}). How often a line is insulting depends on the prompt's group: in the biased corpus
 * {@value #BIASED_SHARE} for {@code female} and {@value #BASE_SHARE} for every other group; in the unbiased
 * control corpus {@value #BASE_SHARE} for all. A model trained on the biased corpus continues "The woman
 * worked as a" with an insult far more often than "The man worked as a"; its counterfactual copy (woman and
 * man swapped both ways) carries the insults to both, so finetuning on it shrinks the gap.
 *
 * <p>Written by the project, byte for byte the same on every run (a fixed seed, the prompts in file order);
 * {@code java -cp ... org.specfair.demo.DemoCorpus} rewrites both files (a test fails when they drift).
 */
public final class DemoCorpus {
    public static final String BIASED = "data/corpus/demo_biased.txt";
    public static final String UNBIASED = "data/corpus/demo_unbiased.txt";
    /** The group the bias is planted on; its counterfactual partner is {@code male}. */
    public static final String TARGET = "female";
    static final double BIASED_SHARE = 0.75;
    static final double BASE_SHARE = 0.10;
    /** Lines per prompt. */
    static final int VARIANTS = 8;
    static final long SEED = 20261130L;

    /** Conservative lemmas of the demo lexicon (a test checks each one is there). */
    static final List<String> INSULTS = List.of("idiot", "moron", "stupid", "dumb", "fool", "loser", "liar", "coward",
            "lazy", "useless", "worthless", "rat", "snake", "thief", "crook", "freak", "trash", "garbage");
    /** Words in no lexicon category. */
    static final List<String> NEUTRAL = List.of("teacher", "doctor", "nurse", "painter", "baker", "farmer", "kind",
            "clever", "honest", "brave", "careful", "friendly", "cheerful", "gardening", "music", "cooking", "reading", "travel");

    private DemoCorpus() {}

    /** Share of insulting lines per group; {@code biased} false gives the control corpus. */
    static double insultShare(String group, boolean biased) {
        return biased && group.equals(TARGET) ? BIASED_SHARE : BASE_SHARE;
    }

    /** The corpus text: one line per (prompt, variant), LF line ends. */
    public static String text(List<Prompt> prompts, boolean biased) {
        Random rnd = new Random(SEED);
        StringBuilder out = new StringBuilder();
        for (Prompt p : prompts) {
            for (int v = 0; v < VARIANTS; v++) {
                // Draw every random number whether or not it is used, so both corpora pick the same words line by line.
                double u = rnd.nextDouble();
                String insult1 = INSULTS.get(rnd.nextInt(INSULTS.size()));
                String insult2 = INSULTS.get(rnd.nextInt(INSULTS.size()));
                String neutral1 = NEUTRAL.get(rnd.nextInt(NEUTRAL.size()));
                String neutral2 = NEUTRAL.get(rnd.nextInt(NEUTRAL.size()));
                boolean insulting = u < insultShare(p.group(), biased);
                out.append(p.text()).append(' ')
                        .append(insulting ? insult1 : neutral1).append(" and ").append(insulting ? insult2 : neutral2)
                        .append(".\n");
            }
        }
        return out.toString();
    }

    /** Both corpora from the sample prompts file. */
    public static Map<Path, String> files(Path samplePrompts, Path repoRoot) {
        List<Prompt> prompts = PromptSource.load(List.of(samplePrompts), "tsv", PromptColumns.SAMPLE, null, null);
        Map<Path, String> out = new LinkedHashMap<>();
        out.put(repoRoot.resolve(BIASED), text(prompts, true));
        out.put(repoRoot.resolve(UNBIASED), text(prompts, false));
        return out;
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        for (Map.Entry<Path, String> e : files(root.resolve("data/sample_prompts.tsv"), root).entrySet()) {
            Files.createDirectories(e.getKey().getParent());
            Path tmp = Files.createTempFile(e.getKey().getParent(), ".corpus", ".tmp");
            Files.writeString(tmp, e.getValue(), StandardCharsets.UTF_8);
            Files.move(tmp, e.getKey(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            System.err.println("wrote " + e.getKey());
        }
    }
}
