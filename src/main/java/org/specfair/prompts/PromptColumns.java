package org.specfair.prompts;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Which columns (CSV/TSV/Parquet) or keys (JSONL) of a prompt table hold what. Text and group are
 * required; the others are optional (null = the table has no such column).
 *
 * @param id       the table's own prompt id; null = derive a stable id (see {@link PromptIds})
 * @param text     the prompt text given to the model
 * @param group    the demographic category
 * @param identity the identity term, when the table records it
 * @param template the template the prompt was filled from, when the table records it
 */
public record PromptColumns(String id, String text, String group, String identity, String template)
        implements Serializable {

    /** The layout of {@code data/sample_prompts.tsv} (see {@link SamplePrompts}). */
    public static final PromptColumns SAMPLE = new PromptColumns("prompt_id", "prompt", "category", "identity", "template");

    public PromptColumns {
        if (text == null || text.isBlank() || group == null || group.isBlank()) {
            throw new IllegalArgumentException("prompt columns: the text and group column names are required");
        }
    }

    /** Only the required columns; ids are derived. */
    public static PromptColumns of(String text, String group) {
        return new PromptColumns(null, text, group, null, null);
    }

    public PromptColumns withId(String column) {
        return new PromptColumns(column, text, group, identity, template);
    }

    public PromptColumns withIdentity(String column) {
        return new PromptColumns(id, text, group, column, template);
    }

    public PromptColumns withTemplate(String column) {
        return new PromptColumns(id, text, group, identity, column);
    }

    /** Every configured column name, required ones first; all must exist in the table. */
    public List<String> names() {
        List<String> names = new ArrayList<>(List.of(text, group));
        for (String optional : new String[] {id, identity, template}) {
            if (optional != null) {
                names.add(optional);
            }
        }
        return names;
    }
}
