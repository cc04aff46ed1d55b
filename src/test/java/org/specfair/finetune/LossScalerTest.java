package org.specfair.finetune;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** torch.amp.GradScaler's defaults: start 2^16, halve and skip on inf/NaN, double after 2,000 good steps in a row. */
class LossScalerTest {
    @Test
    void anOverflowSkipsTheStepAndHalvesTheScale() {
        LossScaler s = new LossScaler(true);
        assertEquals(65536.0, s.scale());
        assertTrue(s.update(true));
        assertFalse(s.update(false), "inf/NaN gradients: the optimizer step is skipped");
        assertEquals(32768.0, s.scale());
        assertEquals(1, s.skippedSteps());
        assertFalse(s.update(false));
        assertEquals(16384.0, s.scale());
        assertEquals(new LossScaler.State(16384.0, 0, 2), s.state());
    }

    @Test
    void theScaleDoublesAfterTheGrowthIntervalOfGoodStepsInARow() {
        LossScaler s = new LossScaler(true);
        s.update(false);                                   // 32768, the run of good steps starts again
        for (int i = 1; i < LossScaler.GROWTH_INTERVAL; i++) {
            assertTrue(s.update(true));
        }
        assertEquals(32768.0, s.scale(), "1,999 good steps: not yet");
        assertTrue(s.update(true));
        assertEquals(65536.0, s.scale(), "the 2,000th doubles it");
        assertEquals(0, s.state().goodSteps());
    }

    @Test
    void aRestoredScalerContinuesWhereTheSavedOneStood() {
        LossScaler s = new LossScaler(true);
        s.restore(new LossScaler.State(1024.0, LossScaler.GROWTH_INTERVAL - 1, 3));
        s.update(true);
        assertEquals(2048.0, s.scale());
        assertEquals(3, s.skippedSteps());
    }

    @Test
    void disabledInFloat32() {
        LossScaler s = new LossScaler(false);
        assertEquals(1.0, s.scale());
        assertTrue(s.update(false), "float32 never skips (a non-finite gradient there is an error)");
        assertEquals(1.0, s.scale());
        s.restore(new LossScaler.State(8.0, 1, 1));
        assertEquals(1.0, s.scale());
    }
}
