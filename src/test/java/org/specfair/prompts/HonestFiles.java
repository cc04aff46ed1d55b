package org.specfair.prompts;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** The published HONEST files in ../shared/resources/honest (never copied into the project). */
final class HonestFiles {
    private HonestFiles() {}

    static Path folder() {
        String shared = System.getProperty("specfair.shared");
        Path folder = shared == null ? null : Path.of(shared, "resources", "honest");
        Assumptions.assumeTrue(folder != null && Files.isDirectory(folder),
                "skipped: HONEST reference files not found (system property specfair.shared -> " + folder
                        + "; surefire sets it to ../shared)");
        return folder;
    }

    static Path binary() {
        return folder().resolve("en_template_binary.tsv");
    }

    static Path queerNonqueer() {
        return folder().resolve("en_template_queer_nonqueer.tsv");
    }
}
