package org.specfair.finetune;

import org.specfair.checkpoint.ModelConfig;
import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Data order, epoch-end milestones and the learning-rate schedule. */
class TrainerTest {
    static final ModelConfig TINY = new ModelConfig("gpt2", 16, 8, 1, 2, 2, 32, 16, 1e-5, 0, 0, new boolean[1], "gelu_new",
            true, 0, 0, "float32");

    static List<int[]> blocks(int n) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new int[] {i, (i + 1) % 16, (i + 2) % 16, (i + 3) % 16});
        }
        return out;
    }

    @Test
    void everyEpochVisitsEachBlockOnceInASeededOrder() {
        List<int[]> data = blocks(5);
        TrainConfig c = TrainConfig.DEFAULTS.withAll(Map.of("context_length", "4", "batch_size", "2", "epochs", "2"));
        try (CausalLM m = Models.random(TINY, 1, "cpu", "float32")) {
            Trainer t = new Trainer(m, "toy", data, List.of(), c, null);
            assertEquals(5, t.totalSteps(), "ceil(2 epochs x 5 blocks / 2 per step)");
            List<Integer> seen = new ArrayList<>();
            for (int s = 1; s <= 5; s++) {
                for (int[] b : t.microBatch(s, 0)) {
                    seen.add(b[0]);
                }
            }
            for (int epoch = 0; epoch < 2; epoch++) {
                int[] ids = seen.subList(epoch * 5, epoch * 5 + 5).stream().mapToInt(Integer::intValue).sorted().toArray();
                assertEquals("[0, 1, 2, 3, 4]", Arrays.toString(ids), "epoch " + epoch + " saw " + seen);
            }
            Trainer other = new Trainer(m, "toy", data, List.of(), c.with("seed", "9"), null);
            List<Integer> otherSeen = new ArrayList<>();
            for (int s = 1; s <= 5; s++) {
                for (int[] b : other.microBatch(s, 0)) {
                    otherSeen.add(b[0]);
                }
            }
            assertEquals(false, seen.equals(otherSeen), "another seed, another order");
            t.close();
            other.close();
        }
    }

    @Test
    void milestonesAtStepZeroEveryNStepsEpochEndsAndTheEnd() {
        TrainConfig c = TrainConfig.DEFAULTS.withAll(Map.of("context_length", "4", "batch_size", "2", "epochs", "2",
                "milestone_every", "4"));
        try (CausalLM m = Models.random(TINY, 1, "cpu", "float32")) {
            Trainer t = new Trainer(m, "toy", blocks(5), blocks(2), c, null);
            TrainResult r = t.run(null);
            t.close();
            // Epoch ends: 6 blocks seen after step 3 (first pass of 5 done), 10 after step 5; every 4: step 4.
            assertEquals(List.of(0, 3, 4, 5), r.milestones().stream().map(Milestone::step).toList());
            Map<Integer, Double> epochs = new HashMap<>();
            r.milestones().forEach(x -> epochs.put(x.step(), x.epoch()));
            assertEquals(1.2, epochs.get(3), 1e-12);
            assertEquals(2.0, epochs.get(5), 1e-12);
            assertEquals(5L * 2 * 4, r.milestones().get(3).tokensSeen());
            assertEquals(null, r.milestones().get(0).trainLoss());
        }
    }

    @Test
    void learningRateFollowsHuggingFacesSchedules() {
        LearningRate linear = new LearningRate(1.0, "linear", 2, 6);
        double[] want = {0.0, 0.5, 1.0, 0.75, 0.5, 0.25};   // lr_lambda(0..5): warmup s/2, then (6 - s) / 4
        for (int step = 1; step <= 6; step++) {
            assertEquals(want[step - 1], linear.at(step), 1e-12, "linear step " + step);
        }
        LearningRate constant = new LearningRate(2.0, "constant", 2, 6);
        assertEquals(0.0, constant.at(1), 1e-12);
        assertEquals(1.0, constant.at(2), 1e-12);
        assertEquals(2.0, constant.at(6), 1e-12);
    }
}
