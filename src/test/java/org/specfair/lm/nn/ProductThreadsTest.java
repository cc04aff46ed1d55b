package org.specfair.lm.nn;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProductThreadsTest {
    @Test
    void everyPartRunsOnceAndTheCallerWaitsForAll() {
        for (int round = 0; round < 200; round++) { // also after helpers went back to parking
            AtomicIntegerArray seen = new AtomicIntegerArray(4);
            ProductThreads.run(4, k -> {
                if (k == 3) {
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000); // a slow helper is waited for
                }
                seen.incrementAndGet(k);
            });
            for (int k = 0; k < 4; k++) {
                assertEquals(1, seen.get(k), "part " + k + " in round " + round);
            }
            if (round == 100) {
                java.util.concurrent.locks.LockSupport.parkNanos(2 * ProductThreads.SPIN_NANOS);
            }
        }
    }

    @Test
    void aFailureOnAHelperReachesTheCaller() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ProductThreads.run(2, k -> {
            if (k == 1) {
                throw new ArithmeticException("boom");
            }
        }));
        assertTrue(e.getMessage().contains("boom"), e.getMessage());
        int[] ran = new int[1];
        ProductThreads.run(2, k -> {
            synchronized (ran) {
                ran[0]++;
            }
        });
        assertEquals(2, ran[0], "the helpers keep working after a failure");
    }
}
