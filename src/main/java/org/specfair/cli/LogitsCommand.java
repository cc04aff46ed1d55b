package org.specfair.cli;

import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;

import ai.djl.ndarray.NDManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code specfair logits --model DIR --ids 1,2,3}: full-sequence float32 logits as {"logits": [[...], ...]}. */
@Command(name = "logits", description = "Print full-sequence logits (one row per input position) as JSON.")
public final class LogitsCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Hugging Face checkpoint folder")
    Path model;

    @Option(names = "--ids", required = true, split = ",", description = "input token ids, comma separated")
    int[] ids;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or gpu:N (default ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--dtype", defaultValue = "float32", description = "float32, float16 (GPU), auto")
    String dtype;

    @Override
    public Integer call() {
        try (CausalLM lm = Models.load(model, device, dtype); NDManager scope = lm.manager().newSubManager()) {
            float[] logits = lm.logits(scope, new int[][] {ids}, null).toFloatArray();
            int v = lm.config().vocabSize();
            StringBuilder out = new StringBuilder(logits.length * 12).append("{\"logits\": [");
            for (int t = 0; t < ids.length; t++) {
                out.append(t == 0 ? "[" : ", [");
                for (int j = 0; j < v; j++) {
                    if (j > 0) {
                        out.append(", ");
                    }
                    Json.appendFloat(out, logits[t * v + j]);
                }
                out.append(']');
            }
            System.out.println(out.append("]}"));
        }
        return 0;
    }
}
