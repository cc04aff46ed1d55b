package org.specfair.experiment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NightlyTest {
    @TempDir
    Path dir;

    private static ExperimentRunner.Summary summary(String experiment, String... statuses) {
        List<ExperimentRunner.StepOutcome> steps = new java.util.ArrayList<>();
        String[] ids = {"generate/base", "judge/base", "aggregate"};
        for (int i = 0; i < statuses.length; i++) {
            steps.add(new ExperimentRunner.StepOutcome(ids[i], statuses[i], "k" + i, 1.0,
                    statuses[i].equals(ExperimentRunner.NOT_AVAILABLE) ? "needs a judge" : ""));
        }
        return new ExperimentRunner.Summary(experiment, "out", "2026-11-30T02:30:00Z", steps, null, "h");
    }

    @Test
    void summaryNamesStepsThatRanAndMetricsThatMovedSinceTheLastNight() {
        Nightly.Snapshot before = new Nightly.Snapshot("e.yaml", "n-2026-11-29", "2026-11-29", "2026-11-29T02:31:00Z",
                Map.of("generate/base", "a", "judge/base", "b"), Map.of("generations/base", 400L),
                Map.of("base/female/lex/toxic_rate", 0.70, "base/male/lex/toxic_rate", 0.20));
        Nightly.Snapshot now = new Nightly.Snapshot("e.yaml", "n-2026-11-30", "2026-11-30", "2026-11-30T02:31:00Z",
                Map.of("generate/base", "a2", "judge/base", "b", "aggregate", "c"), Map.of("generations/base", 400L),
                Map.of("base/female/lex/toxic_rate", 0.65, "base/male/lex/toxic_rate", 0.20));
        String text = Nightly.describe(now, before, summary("n-2026-11-30", ExperimentRunner.RAN, ExperimentRunner.REUSED,
                ExperimentRunner.RAN));
        assertTrue(text.startsWith("n-2026-11-30 (e.yaml): complete; 2 steps ran, 1 reused, 0 not available\n"), text);
        assertTrue(text.contains("  ran generate/base (inputs changed)\n"), text);
        assertTrue(text.contains("  ran aggregate (new step)\n"), text);
        assertTrue(text.contains("  since 2026-11-29T02:31:00Z (experiment n-2026-11-29):\n"), text);
        assertTrue(text.contains("    base/female/lex/toxic_rate: 0.7000 -> 0.6500\n"), text);
        assertTrue(!text.contains("male/lex/toxic_rate: 0.2000"), "unchanged metrics are not listed: " + text);
    }

    @Test
    void firstNightAndQuietNightsSaySo() {
        Nightly.Snapshot now = new Nightly.Snapshot("e.yaml", "e", "2026-11-30", "t", Map.of("generate/base", "a"),
                Map.of("generations/base", 10L), Map.of());
        String first = Nightly.describe(now, null, summary("e", ExperimentRunner.RAN));
        assertTrue(first.contains("ran generate/base (first night)") && first.contains("no earlier night to compare with"), first);
        String quiet = Nightly.describe(now, now, summary("e", ExperimentRunner.REUSED));
        assertTrue(quiet.contains("nothing changed"), quiet);
        String incomplete = Nightly.describe(now, now, summary("e", ExperimentRunner.REUSED, ExperimentRunner.NOT_AVAILABLE));
        assertTrue(incomplete.contains(": incomplete;") && incomplete.contains("  not available judge/base: needs a judge"), incomplete);
    }

    @Test
    void listFilesNameExistingExperimentFiles() throws IOException {
        Path yaml = Files.writeString(dir.resolve("a.yaml"), "experiment: a\n");
        Path list = Files.writeString(dir.resolve("nightly.list"), "# nightly\n\n" + yaml + "   # the demo\n");
        assertEquals(List.of(yaml), Nightly.readList(list));
        Path bad = Files.writeString(dir.resolve("bad.list"), yaml + "\n" + dir.resolve("missing.yaml") + "\n");
        String msg = assertThrows(IllegalArgumentException.class, () -> Nightly.readList(bad)).getMessage();
        assertEquals(bad + ":2: experiment file " + dir.resolve("missing.yaml") + " does not exist", msg);
    }
}
