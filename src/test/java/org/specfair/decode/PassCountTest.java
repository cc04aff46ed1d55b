package org.specfair.decode;

import org.specfair.checkpoint.ModelConfig;
import org.specfair.lm.CausalLM;
import org.specfair.lm.ForwardBatch;
import org.specfair.lm.Weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Each model reads its weights once per pass the trace counts: the prompt is fed by the first round's passes, not by
 * a separate prefill (as Hugging Face's generate), so a speculative prompt costs its rounds' verify passes and draft
 * steps only, and a single-model one a pass per token. The first verify pass feeds the prompt with the draft and
 * applies the head to the draft's k + 1 slots only.
 */
class PassCountTest {
    /** Counts forward passes (one {@link #hidden} call each) and the rows the head was applied to. */
    static final class Counting implements CausalLM {
        final CausalLM model;
        int passes;
        long headRows;

        Counting(CausalLM model) {
            this.model = model;
        }

        @Override public ModelConfig config() { return model.config(); }
        @Override public NDManager manager() { return model.manager(); }
        @Override public DataType dtype() { return model.dtype(); }
        @Override public List<Weights.Taken> parameters() { return model.parameters(); }
        @Override public void unfreeze() { model.unfreeze(); }
        @Override public void close() { model.close(); }

        @Override
        public NDArray hidden(ForwardBatch batch) {
            passes++;
            return model.hidden(batch);
        }

        @Override
        public NDArray head(NDArray hidden) {
            headRows += hidden.size() / config().hiddenSize();
            return model.head(hidden);
        }
    }

    @Test
    void promptIsFedByTheFirstRoundNotByAPrefillPass() {
        try (CausalLM m = TinyPair.model(64, 2, 1, 0.5); CausalLM d = TinyPair.model(64, 2, 1, 0.5)) {
            Counting main = new Counting(m);
            Counting draft = new Counting(d);
            List<DecodeRequest> prompts = List.of(new DecodeRequest(new int[] {5, 9, 2, 7, 11, 3, 8, 1, 4, 6, 10}, 1));
            DecodeConfig cfg = DecodeConfig.greedy(12).withSchedule(Schedule.CONSTANT, 3);

            Generation spec = new Decoder(main, draft, cfg).generate(prompts, false).get(0);
            assertEquals(spec.rounds().size(), main.passes, "one main pass per round, the first one feeding the prompt");
            assertEquals(spec.mainPasses(), main.passes);
            assertEquals(spec.draftPasses(), draft.passes, "the first draft step feeds the prompt");
            long verified = spec.rounds().stream().mapToLong(r -> r.proposed().length + 1).sum();
            assertEquals(verified, main.headRows, "the head runs on the draft's k + 1 slots, not on the prompt");

            main.passes = 0;
            main.headRows = 0;
            Generation plain = new Decoder(main, draft, cfg.withMode(Mode.MAIN_ONLY)).generate(prompts, false).get(0);
            assertEquals(12, plain.completionIds().length);
            assertEquals(12, main.passes, "a pass per token, the first one feeding the prompt");
            assertEquals(12, main.headRows);
            assertArrayEquals(plain.completionIds(), spec.completionIds());
            assertEquals(3, spec.rounds().size(), "the assistant is a copy of the main model: every draft is accepted");
        }
    }
}
