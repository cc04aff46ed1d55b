package org.specfair.generate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tasks follow the prompts and the executors' task slots, never a pre-registration default. */
class TaskCountTest {
    @Test
    void tasksFollowSlotsAndPrompts() {
        // 8 GPU executors, one task slot each: up to 4 tasks per slot.
        assertEquals(32, TaskCount.plan(10_000, 1, 16, 8, "").tasks());
        // Few prompts: no task with less than a batch of work.
        assertEquals(3, TaskCount.plan(50, 1, 16, 8, "").tasks());
        // Samples count as work: 50 prompts x 8 samples fill 25 batches.
        assertEquals(25, TaskCount.plan(50, 8, 16, 8, "").tasks());
        // Never more tasks than prompts, never none.
        assertEquals(1, TaskCount.plan(1, 1, 16, 8, "").tasks());
        assertEquals(2, TaskCount.plan(2, 100, 1, 8, "").tasks());
        String reason = TaskCount.plan(10_000, 1, 16, 8, "on spark://h:7077").reason();
        assertTrue(reason.contains("8 task slots on spark://h:7077") && reason.contains("10000 prompts"), reason);
    }
}
