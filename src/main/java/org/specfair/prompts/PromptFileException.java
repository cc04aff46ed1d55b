package org.specfair.prompts;

/**
 * A prompt file that cannot be read at all (missing file or column, malformed row). The message is
 * one line naming the file, and the row and column where there is one: the user fixes the file and reruns.
 */
public class PromptFileException extends RuntimeException {
    public PromptFileException(String message) {
        super(message);
    }

    public PromptFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
