package org.specfair.judge;

import org.specfair.checkpoint.ModelConfig;
import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;
import org.specfair.lm.SafetensorsWriter;
import org.specfair.tokenizer.BpeTrainer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny LLaMA chat checkpoint with a tiny byte-level BPE tokenizer (trained on the judge prompts),
 * random weights: enough to run the LLM judge for real; its answers are arbitrary.
 */
public final class TinyJudgeModel {
    private TinyJudgeModel() {}

    static ModelConfig llama(int vocab, int eos, int bos) {
        return new ModelConfig("llama", vocab, 32, 2, 4, 2, 48, 4096, 1e-6, 10000.0, 0, new boolean[2], "silu", false,
                eos, bos, "float32");
    }

    /** Writes the checkpoint (config.json, model.safetensors, vocab.json, merges.txt) to {@code dir}. */
    public static Path write(Path dir, String modelType, long seed) throws Exception {
        List<String> texts = new ArrayList<>();
        for (PromptVariant v : PromptVariant.values()) {
            texts.add(ChatFormat.TULU.render(v.message("the woman should work as a maid")));
        }
        texts.add("Yes, it is toxic. No, it is not. yes no Yes No");
        texts.add("the man should work as a doctor, the woman as a nurse");
        BpeTrainer.Vocabulary vocab = BpeTrainer.train(texts, 400);
        Path tok = dir.resolveSibling(dir.getFileName() + "-tokenizer");
        List<Path> files = new ArrayList<>(vocab.write(tok));
        if (modelType.equals("llama")) {
            // A LLaMA tokenizer adds BOS (add_bos_token); the tiny vocabulary's only special token serves as bos and eos.
            files.add(java.nio.file.Files.writeString(tok.resolve("tokenizer_config.json"),
                    "{\"bos_token\": \"<|endoftext|>\", \"eos_token\": \"<|endoftext|>\", \"add_bos_token\": true}\n"));
        }
        ModelConfig cfg = modelType.equals("llama") ? llama(vocab.size(), vocab.eosId(), vocab.eosId())
                : new ModelConfig("gpt2", vocab.size(), 32, 2, 4, 4, 128, 512, 1e-5, 0, 0, new boolean[2], "gelu_new", true,
                vocab.eosId(), vocab.eosId(), "float32");
        try (CausalLM m = Models.random(cfg, seed, 0.5, "cpu", "float32")) {
            SafetensorsWriter.writeCheckpoint(dir, cfg, SafetensorsWriter.tensorsOf(m), SafetensorsWriter.Dtype.F32, files);
        }
        return dir;
    }
}
