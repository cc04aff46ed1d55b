package org.specfair;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The published HurtLex and HONEST files in ../shared/resources (never copied into the project).
 * Missing files fail the test under CI (CI=true), where they are always present; elsewhere they skip.
 */
public final class SharedResources {
    private SharedResources() {}

    public static Path file(String relative) {
        String shared = System.getProperty("specfair.shared");
        Path f = shared == null ? null : Path.of(shared, "resources").resolve(relative);
        boolean present = f != null && (Files.isRegularFile(f) || Files.isDirectory(f));
        String why = "reference file not found: " + f + " (system property specfair.shared; surefire sets it to ../shared)";
        if ("true".equals(System.getenv("CI"))) {
            Assertions.assertTrue(present, why);
        }
        Assumptions.assumeTrue(present, "skipped: " + why);
        return f;
    }

    public static Path hurtlex() {
        return file("hurtlex/hurtlex_EN.tsv");
    }

    public static Path honestBinary() {
        return file("honest/en_template_binary.tsv");
    }
}
