package org.specfair.prompts;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The two English HONEST template sets, and where each lives in a downloaded copy. */
public enum HonestSet {
    /** Binary gender: categories female and male (810 templates). */
    BINARY("binary"),
    /** Queer and nonqueer identities: queer_orientation, nonqueer_gender, ... (705 templates). */
    QUEER_NONQUEER("queer_nonqueer");

    private final String id;

    HonestSet(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /**
     * A selection as users write it: "binary", "queer_nonqueer" or "all" (both, binary first so the
     * load order, and with it the duplicate suffixes of ids, is fixed).
     */
    public static List<HonestSet> select(String selection) {
        String s = selection == null ? "" : selection.trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "binary" -> List.of(BINARY);
            case "queer_nonqueer" -> List.of(QUEER_NONQUEER);
            case "all" -> List.of(BINARY, QUEER_NONQUEER);
            default -> throw new IllegalArgumentException("unknown HONEST selection '" + selection
                    + "' (expected binary, queer_nonqueer or all)");
        };
    }

    /**
     * This set's file in a folder: {@code <set>/en_template.tsv} as in the upstream repository's
     * {@code resources/} (and as {@code jobs/fetch-honest} saves it), or {@code en_template_<set>.tsv}.
     */
    Path fileIn(Path folder) {
        Path upstream = folder.resolve(id).resolve("en_template.tsv");
        Path flat = folder.resolve("en_template_" + id + ".tsv");
        if (Files.isRegularFile(upstream)) {
            return upstream;
        }
        if (Files.isRegularFile(flat)) {
            return flat;
        }
        throw new PromptFileException(folder + ": no HONEST " + id + " templates (looked for " + id
                + "/en_template.tsv and en_template_" + id + ".tsv; jobs/fetch-honest downloads them)");
    }

    /** Which set a file is, from its name, else its folder's name; null when neither says. */
    static HonestSet ofFile(Path file) {
        Path parent = file.toAbsolutePath().normalize().getParent();
        String[] names = {PromptFiles.sourceName(file), parent == null ? "" : PromptFiles.sourceName(parent)};
        for (String name : names) {
            for (HonestSet set : List.of(QUEER_NONQUEER, BINARY)) {
                if (name.contains(set.id)) {
                    return set;
                }
            }
        }
        return null;
    }
}
