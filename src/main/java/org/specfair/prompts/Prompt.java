package org.specfair.prompts;

import java.io.Serializable;
import java.util.Objects;

/**
 * One prompt to generate from, with where it came from so results and errors can be traced back.
 * A row that is present but unusable (empty text, a HONEST template without its mask) is still a
 * Prompt: it carries an {@code error} and becomes an error row in the output, never a silent gap.
 *
 * @param promptId  stable id (see {@link PromptIds}), or the table's own id column
 * @param group     the demographic category the prompt stands for ("female", "queer_orientation", ...)
 * @param identity  the identity term filled into the template ("the woman"), or null when unknown
 * @param template  the template the prompt was filled from ("[I] should work as a [M]"), or null
 * @param text      the text given to the model
 * @param source    the file name (not the path, so outputs do not depend on where the file lives)
 * @param sourceRow 1-based data row in that file (the header does not count)
 * @param error     null when usable; otherwise why not, e.g. "empty prompt"
 */
public record Prompt(String promptId, String group, String identity, String template, String text,
                     String source, long sourceRow, String error) implements Serializable {
    public Prompt {
        Objects.requireNonNull(source, "source");
        if (sourceRow < 1) {
            throw new IllegalArgumentException(source + ": sourceRow must be 1-based, got " + sourceRow);
        }
    }

    public boolean hasError() {
        return error != null;
    }

    /** "file row N", the prefix of every message about this prompt. */
    public String where() {
        return source + " row " + sourceRow;
    }

    /** The error as one line naming file and row, e.g. "prompts.csv row 3: empty prompt"; null when usable. */
    public String errorLine() {
        return error == null ? null : where() + ": " + error;
    }

    public Prompt withPromptId(String id) {
        return new Prompt(id, group, identity, template, text, source, sourceRow, error);
    }
}
