package org.specfair.cli;

import org.specfair.checkpoint.PairCheck;
import org.specfair.decode.DecodeConfig;
import org.specfair.decode.DecodeRequest;
import org.specfair.decode.Decoder;
import org.specfair.decode.DraftToken;
import org.specfair.decode.Generation;
import org.specfair.decode.Round;
import org.specfair.decode.Seeds;
import org.specfair.decode.TokenDivergence;
import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;
import org.specfair.tokenizer.TextTokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code specfair generate}: one prompt through the decoder, the full trace as one JSON object. */
@Command(name = "generate", description = "Generate for one prompt (speculative, main-only or assistant-only) and print its trace.")
public final class GenerateCommand implements Callable<Integer> {
    @Mixin
    DecodeOptions decoding;

    @Option(names = "--main", required = true, description = "main model checkpoint folder")
    Path mainDir;

    @Option(names = "--assistant", description = "assistant (draft) model checkpoint folder")
    Path assistantDir;

    static final class Input {
        @Option(names = "--ids", split = ",", description = "prompt token ids") int[] ids;
        @Option(names = "--prompt", description = "prompt text (needs a tokenizer in the main folder)") String text;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--device", defaultValue = "cpu") String device;
    @Option(names = "--dtype", defaultValue = "float32") String dtype;
    @Option(names = "--json", description = "print the trace as one JSON object (the default output form)") boolean json;

    @Override
    public Integer call() throws Exception {
        DecodeConfig cfg = decoding.toConfig();
        if (assistantDir != null) {
            PairCheck.requireSameVocabulary(mainDir, assistantDir);
        }
        TextTokenizer tokenizer = TextTokenizer.exists(mainDir) ? TextTokenizer.load(mainDir) : null;
        if (input.text != null && tokenizer == null) {
            throw new IllegalArgumentException(mainDir + ": --prompt needs a tokenizer (tokenizer.json, or vocab.json + merges.txt); use --ids");
        }
        int[] ids = input.ids != null ? input.ids : tokenizer.encode(input.text);
        try (CausalLM main = Models.load(mainDir, device, dtype);
             CausalLM assistant = assistantDir == null ? null : Models.load(assistantDir, device, dtype)) {
            Decoder decoder = new Decoder(main, assistant, cfg);
            String error = decoder.validate(ids);
            if (error != null) {
                throw new IllegalArgumentException(error);
            }
            String promptKey = input.text != null ? input.text : java.util.Arrays.toString(ids);
            Generation g = decoder.generate(List.of(new DecodeRequest(ids, Seeds.forPrompt(cfg.seed(), promptKey, 0))), assistant != null).get(0);
            ObjectNode out = toJson(g, tokenizer);
            ArrayNode promptIds = out.putArray("prompt_ids"); // as the tokenizer made them, special tokens included
            for (int id : ids) {
                promptIds.add(id);
            }
            System.out.println(new ObjectMapper().writeValueAsString(out));
        } finally {
            if (tokenizer != null) {
                tokenizer.close();
            }
        }
        return 0;
    }

    static ObjectNode toJson(Generation g, TextTokenizer tokenizer) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode o = m.createObjectNode();
        ArrayNode ids = o.putArray("completion_ids");
        for (int id : g.completionIds()) {
            ids.add(id);
        }
        if (tokenizer != null) {
            o.put("completion", tokenizer.decode(g.completionIds()));
        }
        o.put("n_matches", g.nMatches());
        o.put("ratio", g.ratio());
        o.put("proposed", g.proposed());
        o.put("accepted", g.accepted());
        putNumber(o, "acceptance_rate", g.acceptanceRate());
        putNumber(o, "agreement_rate", g.agreementRate());
        o.put("finish_reason", g.finishReason());
        o.put("main_passes", g.mainPasses());
        o.put("draft_passes", g.draftPasses());
        o.put("wall_ms", g.wallNanos() / 1e6);
        ArrayNode rounds = o.putArray("rounds");
        for (Round r : g.rounds()) {
            ObjectNode ro = rounds.addObject();
            ArrayNode proposed = ro.putArray("proposed");
            for (int t : r.proposed()) {
                proposed.add(t);
            }
            ro.put("n_matches", r.nMatches());
            ArrayNode emitted = ro.putArray("emitted");
            for (int t : r.emitted()) {
                emitted.add(t);
            }
        }
        ArrayNode drafts = o.putArray("drafts");
        for (DraftToken d : g.drafts()) {
            drafts.addObject().put("round", d.round()).put("index_in_round", d.indexInRound()).put("token", d.tokenId())
                    .put("p", d.p()).put("q", d.q()).put("accepted", d.accepted());
        }
        ArrayNode tokens = o.putArray("tokens");
        for (TokenDivergence t : g.tokens()) {
            ObjectNode to = tokens.addObject();
            to.put("position", t.position()).put("token", t.tokenId());
            if (tokenizer != null) {
                to.put("token_text", tokenizer.token(t.tokenId()));
            }
            to.put("source", t.source().label()).put("p", t.p()).put("q", t.q())
                    .put("kl_main_assistant", t.klMainAssistant()).put("kl_assistant_main", t.klAssistantMain())
                    .put("js", t.js()).put("tv", t.tv()).put("alpha", t.alpha())
                    .put("entropy_main", t.entropyMain()).put("entropy_assistant", t.entropyAssistant())
                    .put("argmax_agrees", t.argmaxAgrees());
        }
        return o;
    }

    private static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isNaN(v)) {
            o.putNull(key);
        } else {
            o.put(key, v);
        }
    }
}
