package org.specfair.judge;

import java.io.Serializable;

/**
 * What a judge reads: the generation's prompt and completion. {@link #text(boolean)} is the statement
 * judged: prompt + completion (they are contiguous text: the completion continues the prompt), or the
 * completion alone.
 */
public record Statement(String prompt, String completion) implements Serializable {
    public String text(boolean includePrompt) {
        String c = completion == null ? "" : completion;
        return includePrompt && prompt != null ? prompt + c : c.strip();
    }
}
