package org.specfair.judge;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KappaTest {
    /** The textbook example: 50 items, 20 both yes, 15 both no, 5 only A, 10 only B: p_o 0.7, p_e 0.5, kappa 0.4. */
    @Test
    void textbookExample() {
        Kappa k = Kappa.of(20, 5, 10, 15);
        assertEquals(50, k.n());
        assertEquals(0.7, k.observed(), 1e-12);
        assertEquals(0.5, k.expected(), 1e-12);
        assertEquals(0.4, k.kappa(), 1e-12);
        double se = Math.sqrt(0.7 * 0.3 / (50 * 0.25)); // 0.1296
        assertEquals(0.4 - 1.96 * se, k.ciLow(), 1e-3);
        assertEquals(0.4 + 1.96 * se, k.ciHigh(), 1e-3);
    }

    @Test
    void perfectAndChanceAgreement() {
        assertEquals(1.0, Kappa.of(10, 0, 0, 10).kappa(), 1e-12);
        assertEquals(0.0, Kappa.of(25, 25, 25, 25).kappa(), 1e-12);   // independent 50/50 judges
        assertEquals(-1.0, Kappa.of(0, 10, 10, 0).kappa(), 1e-12);    // always opposite
        assertTrue(Double.isNaN(Kappa.of(10, 0, 0, 0).kappa()));       // one label for everything: undefined
        assertEquals(0, Kappa.of(0, 0, 0, 0).n());
    }
}
