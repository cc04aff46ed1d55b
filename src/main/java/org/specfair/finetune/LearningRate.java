package org.specfair.finetune;

/**
 * The learning rate at each optimizer step (1-based), as Hugging Face's {@code get_constant_schedule_with_warmup}
 * and {@code get_linear_schedule_with_warmup}: linear warmup from 0 to the peak over {@code warmup} steps, then
 * the peak (constant) or a linear decay reaching 0 after {@code total} steps (linear).
 */
public record LearningRate(double peak, String schedule, int warmup, int total) {
    /** The rate applied by update number {@code step} (1..total); HF's scheduler is at index step - 1 then. */
    public double at(int step) {
        int s = step - 1;
        if (s < warmup) {
            return peak * s / Math.max(1, warmup);
        }
        if (schedule.equals("constant")) {
            return peak;
        }
        return peak * Math.max(0.0, (double) (total - s) / Math.max(1, total - warmup));
    }
}
