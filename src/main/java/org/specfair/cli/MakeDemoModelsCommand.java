package org.specfair.cli;

import org.specfair.checkpoint.Checkpoint;
import org.specfair.demo.DemoModels;

import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code specfair make-demo-models}: the demo's tiny (main, assistant) pair with a tokenizer trained on the
 * sample prompts, written to {@code OUT/demo-main} and {@code OUT/demo-draft}. Prints one JSON line per model.
 */
@Command(name = "make-demo-models",
        description = "Write the demo pair (tokenizer trained on the sample prompts, tiny GPT-Neo main, 2-layer noisy assistant)"
                + " to OUT/demo-main and OUT/demo-draft. Same prompts, byte-identical files.")
public final class MakeDemoModelsCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "data/models", paramLabel = "DIR", description = "folder for both checkpoints (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--prompts", defaultValue = "data/sample_prompts.tsv", paramLabel = "TSV",
            description = "sample prompts the tokenizer is trained on (default ${DEFAULT-VALUE})")
    Path prompts;

    @Override
    public Integer call() {
        DemoModels.Written w = DemoModels.write(out, prompts);
        for (Path dir : new Path[] {w.main(), w.draft()}) {
            Checkpoint c = Checkpoint.open(dir);
            System.out.println(new ObjectMapper().createObjectNode()
                    .put("out", dir.toAbsolutePath().toString())
                    .put("model_type", c.config().modelType())
                    .put("layers", c.config().numLayers())
                    .put("hidden_size", c.config().hiddenSize())
                    .put("vocab_size", c.config().vocabSize())
                    .put("eos_token_id", c.config().eosTokenId())
                    .put("fingerprint", c.fingerprint()));
        }
        return 0;
    }
}
