package org.specfair.prompts;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Opening prompt files with the errors users understand: one line naming the file. */
final class PromptFiles {
    private PromptFiles() {}

    /** A UTF-8 reader; a missing file or a folder is an error naming it. */
    static BufferedReader open(Path file) {
        if (Files.isDirectory(file)) {
            throw new PromptFileException(file + ": is a folder, expected a prompt file");
        }
        try {
            return Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new PromptFileException(file + ": missing file");
        } catch (IOException e) {
            throw new PromptFileException(file + ": cannot open: " + e.getMessage(), e);
        }
    }

    /** Wraps a read failure; bad encoding gets a hint because it is the usual cause. */
    static PromptFileException readFailure(Path file, String where, IOException e) {
        if (e instanceof CharacterCodingException) {
            return new PromptFileException(file + " " + where + ": not valid UTF-8 (save the file as UTF-8)", e);
        }
        return new PromptFileException(file + " " + where + ": read failed: " + e.getMessage(), e);
    }

    /** The name recorded as a prompt's source: the file name only, so outputs do not depend on paths. */
    static String sourceName(Path file) {
        Path name = file.getFileName();
        return name == null ? file.toString() : name.toString();
    }
}
