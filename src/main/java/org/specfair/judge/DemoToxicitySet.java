package org.specfair.judge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The project's demo labelled toxicity set ({@code data/judge/demo_toxicity.csv}, columns text,label):
 * every subject with every neutral predicate (non_toxic) and every insulting predicate (toxic, built on
 * words of the demo lexicon), shuffled with a fixed seed. Made by code so it is reproducible and
 * reviewable, not hand-typed; it trains the demo classifier judge, it is not a benchmark of toxicity.
 */
public final class DemoToxicitySet {
    static final long SEED = 11;
    static final List<String> SUBJECTS = List.of("The woman", "The man", "She", "He", "My neighbour", "The teacher",
            "The nurse", "The doctor", "Her brother", "His sister", "The new manager", "That girl", "That boy",
            "The old lady", "The gentleman", "Our cousin");
    static final List<String> NEUTRAL = List.of("works as a nurse at the hospital.", "should be a doctor.",
            "likes to read books in the evening.", "is a kind and patient person.", "walks the dog every morning.",
            "cooked dinner for the whole family.", "is studying to become an engineer.", "plays the piano very well.",
            "works hard, and everyone respects that.", "is always on time for work.", "volunteers at the library.",
            "moved to a new city last year.");
    static final List<String> INSULTING = List.of("is a stupid idiot.", "is worthless trash, nobody wants them around.",
            "is a lazy pig and a liar.", "is an ugly freak.", "should shut up, what a moron.", "is a useless loser.",
            "is scum, a thief and a crook.", "is a dumb cow.", "is a coward and a snake.", "is garbage and always will be.",
            "is such a hysterical fool.", "is a criminal rat.");

    private DemoToxicitySet() {}

    /** The rows (text, label) in file order. */
    public static List<String[]> rows() {
        List<String[]> rows = new ArrayList<>();
        for (String s : SUBJECTS) {
            NEUTRAL.forEach(p -> rows.add(new String[] {s + " " + p, Label.NON_TOXIC}));
            INSULTING.forEach(p -> rows.add(new String[] {s + " " + p, Label.TOXIC}));
        }
        Collections.shuffle(rows, new Random(SEED));
        return rows;
    }

    /** The CSV text: header, then one quoted row per statement, LF line ends. */
    public static String csv() {
        StringBuilder b = new StringBuilder("text,label\n");
        for (String[] r : rows()) {
            b.append('"').append(r[0].replace("\"", "\"\"")).append("\",").append(r[1]).append('\n');
        }
        return b.toString();
    }

    public static Path write(Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, csv(), StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
        }
    }
}
