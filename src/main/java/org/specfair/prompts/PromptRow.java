package org.specfair.prompts;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Turns one row of a prompt table (any format) into a {@link Prompt}. Unusable values do not stop
 * the run: the row is kept with an error, so it shows up in the output as an error row.
 */
final class PromptRow {
    private PromptRow() {}

    /**
     * @param value  the row's value of a column name (null for an SQL/JSON null)
     * @param source the file name
     * @param row    1-based data row
     * @return the prompt; its id is null unless the table has an id column (derived later by {@link PromptIds})
     */
    static Prompt build(PromptColumns cols, UnaryOperator<String> value, String source, long row) {
        String text = value.apply(cols.text());
        String group = value.apply(cols.group());
        String id = cols.id() == null ? null : value.apply(cols.id());
        List<String> errors = new ArrayList<>();
        if (text == null || text.isBlank()) {
            errors.add("empty prompt");
        }
        if (group == null || group.isBlank()) {
            errors.add("empty group (column '" + cols.group() + "')");
        }
        if (cols.id() != null && (id == null || id.isBlank())) {
            errors.add("empty id (column '" + cols.id() + "'), a derived id is used");
            id = null; // derive one, so the error row can still be keyed
        }
        String identity = cols.identity() == null ? null : value.apply(cols.identity());
        String template = cols.template() == null ? null : value.apply(cols.template());
        return new Prompt(id, group, identity, template, text == null ? "" : text, source, row,
                errors.isEmpty() ? null : String.join("; ", errors));
    }
}
