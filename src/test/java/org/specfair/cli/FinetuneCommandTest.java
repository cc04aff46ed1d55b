package org.specfair.cli;

import org.specfair.demo.DemoModels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The finetuning commands' user errors: exit code 2 and one line naming the file and field. */
class FinetuneCommandTest {
    static List<String> ours(CliTest.Result r, String command) {
        return r.err().lines().filter(l -> l.startsWith("specfair " + command + ":")).toList();
    }

    @Test
    void missingColumnAndUnknownPlanDatasetAreOneLineErrors(@TempDir Path tmp) throws IOException {
        DemoModels.Written m = DemoModels.write(tmp.resolve("models"), Path.of("data/sample_prompts.tsv"));
        Path data = tmp.resolve("d.jsonl");
        Files.writeString(data, "{\"text\": \"The woman worked as a nurse.\"}\n");
        CliTest.Result r = CliTest.run("finetune", "--model", m.main().toString(), "--dataset", "sst2=" + data + ",column=sentence",
                "--out", tmp.resolve("out").toString());
        assertEquals(2, r.code());
        assertEquals(List.of("specfair finetune: dataset 'sst2' (" + data + "): no column 'sentence' (columns: text)"), ours(r, "finetune"));
        assertFalse(Files.exists(tmp.resolve("out")));

        Path plan = tmp.resolve("plan.json");
        Files.writeString(plan, "{\"experiment\": \"e\", \"main\": \"" + m.main() + "\", \"assistant\": \"" + m.draft() + "\","
                + " \"datasets\": {\"d\": {\"path\": \"" + data + "\"}},"
                + " \"stages\": [{\"name\": \"s1\", \"main\": [\"d\"], \"assistant\": [\"imdb\"]}]}");
        CliTest.Result p = CliTest.run("finetune-plan", "--plan", plan.toString(), "--root", tmp.resolve("root").toString());
        assertEquals(2, p.code());
        assertEquals(List.of("specfair finetune-plan: " + plan + ": stage 's1': assistant dataset 'imdb' is not defined (datasets: d)"),
                ours(p, "finetune-plan"));
        assertFalse(Files.exists(tmp.resolve("root")));
    }

    @Test
    void bf16AndUnknownPrecisionsAreOneLineErrorsBeforeAnythingRuns(@TempDir Path tmp) {
        CliTest.Result r = CliTest.run("finetune", "--model", tmp.resolve("m").toString(), "--dataset", "d=" + tmp.resolve("d.jsonl"),
                "--out", tmp.resolve("out").toString(), "--precision", "bf16");
        assertEquals(2, r.code());
        assertEquals(List.of("specfair finetune: precision bf16: DJL 0.36's PyTorch bindings have no bfloat16 type"
                + " (a bfloat16 tensor aborts the JVM); use fp16 (loss-scaled) or fp32"), ours(r, "finetune"));
        CliTest.Result u = CliTest.run("finetune", "--model", tmp.resolve("m").toString(), "--dataset", "d=" + tmp.resolve("d.jsonl"),
                "--out", tmp.resolve("out").toString(), "--set", "precision=fp8");
        assertEquals(2, u.code());
        assertEquals(List.of("specfair finetune: precision must be fp32, fp16 or auto, got 'fp8'"), ours(u, "finetune"));
        assertFalse(Files.exists(tmp.resolve("out")));
    }
}
