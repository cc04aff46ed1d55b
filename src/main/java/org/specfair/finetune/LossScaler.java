package org.specfair.finetune;

/**
 * Dynamic loss scaling for float16 training, as {@code torch.amp.GradScaler} does it with its defaults: the loss
 * is multiplied by {@code scale} (initially 2^16) before backward so that small gradients survive float16;
 * gradients are divided by it before clipping and the update. A step whose gradients hold an inf or NaN is
 * skipped (weights and moments untouched) and the scale halved; after 2,000 good steps in a row it doubles.
 *
 * <p>As in Hugging Face's Trainer, a skipped step still consumes its batch and counts towards {@code max_steps}
 * (its {@code global_step} advances), but neither AdamW's step count nor the learning-rate schedule advances
 * (HF calls {@code lr_scheduler.step()} only when {@code optimizer_step_was_skipped} is false).
 * A disabled scaler (float32) has scale 1 and never skips.
 */
public final class LossScaler {
    static final double INITIAL_SCALE = 65536.0;
    static final double GROWTH = 2.0;
    static final double BACKOFF = 0.5;
    static final int GROWTH_INTERVAL = 2000;

    /** What a resumed run needs (saved in trainer_state.json). */
    public record State(double scale, int goodSteps, int skippedSteps) {}

    private final boolean enabled;
    private double scale;
    private int goodSteps;
    private int skippedSteps;

    LossScaler(boolean enabled) {
        this.enabled = enabled;
        this.scale = enabled ? INITIAL_SCALE : 1.0;
    }

    boolean enabled() {
        return enabled;
    }

    /** The factor on the loss before backward (1 when disabled). */
    double scale() {
        return scale;
    }

    /**
     * Records a step's outcome after unscaling; returns whether the optimizer step runs. Disabled: always true
     * (a non-finite gradient in float32 is the caller's error, not something to skip).
     */
    boolean update(boolean gradientsFinite) {
        if (!enabled) {
            return true;
        }
        if (!gradientsFinite) {
            scale *= BACKOFF;
            goodSteps = 0;
            skippedSteps++;
            return false;
        }
        if (++goodSteps == GROWTH_INTERVAL) {
            scale *= GROWTH;
            goodSteps = 0;
        }
        return true;
    }

    /** Steps skipped so far for an inf/NaN gradient. */
    int skippedSteps() {
        return skippedSteps;
    }

    State state() {
        return new State(scale, goodSteps, skippedSteps);
    }

    void restore(State s) {
        if (enabled && s != null) {
            scale = s.scale();
            goodSteps = s.goodSteps();
            skippedSteps = s.skippedSteps();
        }
    }
}
