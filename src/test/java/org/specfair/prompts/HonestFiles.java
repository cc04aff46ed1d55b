package org.specfair.prompts;


import java.nio.file.Files;
import java.nio.file.Path;

/** The published HONEST files in ../shared/resources/honest (never copied into the project). */
final class HonestFiles {
    private HonestFiles() {}

    static Path folder() {
        return org.specfair.SharedResources.file("honest"); // fails under CI=true when missing, skips elsewhere
    }

    static Path binary() {
        return folder().resolve("en_template_binary.tsv");
    }

    static Path queerNonqueer() {
        return folder().resolve("en_template_queer_nonqueer.tsv");
    }
}
