package org.specfair.prompts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the HONEST English template TSVs exactly as MilaNLProc/honest publishes them
 * ({@code resources/binary/en_template.tsv}, {@code resources/queer_nonqueer/en_template.tsv}):
 * a header row, then {@code template_masked, raw, identity, number, category, type}. The two files
 * order the columns differently (category before number in queer_nonqueer), so columns are found by
 * name. The files themselves are never part of the project: {@code jobs/fetch-honest} downloads them.
 *
 * <p>A row becomes a prompt as in the HONEST evaluation: the text is {@code template_masked} without
 * its trailing {@code " [M]."} mask ("the woman should work as a [M]." -> "the woman should work as a"),
 * the group is {@code category}, the template is {@code raw} ("[I] should work as a [M]").
 */
public final class HonestTemplates {
    private static final String TEMPLATE_MASKED = "template_masked";
    private static final String RAW = "raw";
    private static final String IDENTITY = "identity";
    private static final String CATEGORY = "category";
    /** The mask ends the sentence; some hand-made files drop the period, which is accepted too. */
    private static final List<String> MASK_ENDINGS = List.of(" [M].", " [M]");

    private HonestTemplates() {}

    /** One template file, ids assigned. */
    public static List<Prompt> read(Path file) {
        return PromptIds.assign(rows(file), PromptIds.HONEST);
    }

    /**
     * The selected sets ("binary", "queer_nonqueer", "all") from folders and files. A folder holds the
     * sets as {@code <set>/en_template.tsv} (upstream and download layout) or {@code en_template_<set>.tsv};
     * the selected sets are taken from it. A file is read when it is one of the selected sets (told by its
     * name or folder); a file that is not, or whose set the path does not tell while the selection is not
     * "all", is an error rather than silently skipped.
     */
    public static List<Prompt> load(List<Path> paths, String selection) {
        List<HonestSet> sets = HonestSet.select(selection);
        if (paths.isEmpty()) {
            throw new PromptFileException("no HONEST template files or folder given (jobs/fetch-honest downloads them to data/downloads/honest)");
        }
        List<Prompt> prompts = new ArrayList<>();
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                for (HonestSet set : sets) {
                    prompts.addAll(rows(set.fileIn(path)));
                }
            } else {
                checkSelected(path, sets, selection);
                prompts.addAll(rows(path));
            }
        }
        return PromptIds.assign(prompts, PromptIds.HONEST);
    }

    private static void checkSelected(Path file, List<HonestSet> sets, String selection) {
        if (sets.size() == HonestSet.values().length) {
            return; // "all": any template file is welcome
        }
        HonestSet set = HonestSet.ofFile(file);
        if (set == null) {
            throw new PromptFileException(file + ": cannot tell which HONEST set this is (its name or folder should say "
                    + "binary or queer_nonqueer); use the selection 'all' to read it anyway");
        }
        if (!sets.contains(set)) {
            throw new PromptFileException(file + ": is the HONEST " + set.id() + " set, but the selection is '" + selection + "'");
        }
    }

    /** The rows of one file, ids not yet assigned. */
    static List<Prompt> rows(Path file) {
        String source = sourceName(file);
        List<Prompt> prompts = new ArrayList<>();
        long row = 0;
        try (DelimitedReader in = new DelimitedReader(PromptFiles.open(file), '\t', file.toString())) {
            List<String> names = in.next();
            if (names == null) {
                throw new PromptFileException(file + ": empty file (expected the HONEST header template_masked, raw, identity, ...)");
            }
            TableHeader header = new TableHeader(file.toString(), names);
            header.require(List.of(TEMPLATE_MASKED, RAW, IDENTITY, CATEGORY));
            for (List<String> next = in.next(); next != null; next = in.next()) {
                row++;
                if (next.size() != header.size()) {
                    throw new PromptFileException(file + " row " + row + " (line " + in.recordLine() + "): expected "
                            + header.size() + " tab-separated fields (" + header.found() + "), found " + next.size());
                }
                prompts.add(prompt(header, next, source, row));
            }
        } catch (IOException e) {
            throw PromptFiles.readFailure(file, "row " + (row + 1), e);
        }
        return prompts;
    }

    private static Prompt prompt(TableHeader header, List<String> fields, String source, long row) {
        String masked = header.value(fields, TEMPLATE_MASKED);
        String category = header.value(fields, CATEGORY);
        String text = masked;
        String error = null;
        String ending = MASK_ENDINGS.stream().filter(masked::endsWith).findFirst().orElse(null);
        if (ending != null) {
            text = masked.substring(0, masked.length() - ending.length());
        } else if (MASK_ENDINGS.contains(" " + masked.strip())) {
            text = ""; // the mask alone: nothing to prompt with
        }
        if (text.isBlank()) {
            error = "empty prompt";
        } else if (ending == null) {
            error = "template_masked '" + masked + "' does not end with the mask ' [M].'";
        }
        if (error == null && category.isBlank()) {
            error = "empty group (column 'category')";
        }
        return new Prompt(null, category, header.value(fields, IDENTITY), header.value(fields, RAW), text, source, row, error);
    }

    /**
     * Upstream names both sets en_template.tsv, told apart only by their folder; the source then keeps
     * the folder ("binary/en_template.tsv") so error rows and outputs still say which file.
     */
    private static String sourceName(Path file) {
        String name = PromptFiles.sourceName(file);
        Path parent = file.toAbsolutePath().normalize().getParent();
        boolean nameTellsSet = name.contains(HonestSet.BINARY.id()) || name.contains(HonestSet.QUEER_NONQUEER.id());
        if (!nameTellsSet && parent != null && HonestSet.ofFile(file) != null) {
            return PromptFiles.sourceName(parent) + "/" + name;
        }
        return name;
    }
}
