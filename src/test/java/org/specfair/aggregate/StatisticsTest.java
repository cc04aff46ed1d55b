package org.specfair.aggregate;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Wilson, Holm, the prompt bootstrap and the spread permutation test against hand-worked values. */
class StatisticsTest {
    @Test
    void wilsonMatchesTheFormula() {
        // k = 5, n = 10: centre (0.5 + z^2/20) / (1 + z^2/10) = 0.5; half-width z / (1 + z^2/10) * sqrt(0.025 + z^2/400).
        double z = Wilson.Z95;
        double half = z / (1 + z * z / 10) * Math.sqrt(0.025 + z * z / 400);
        Wilson w = Wilson.of(5, 10);
        assertEquals(0.5 - half, w.low(), 1e-12);
        assertEquals(0.5 + half, w.high(), 1e-12);
        assertEquals(0.2366, w.low(), 1e-4);  // published value for 5/10
        assertEquals(0.0, Wilson.of(0, 7).low());
        assertEquals(1.0, Wilson.of(7, 7).high());
        assertNull(Wilson.of(0, 0));
    }

    @Test
    void holmStepsDownAndStaysMonotone() {
        // m = 4 (null left out). Sorted: 0.01 x4 = 0.04; 0.03 x3 = 0.09; 0.04 x2 = 0.08, raised to 0.09 (monotone); 0.5 x1.
        Double[] adjusted = Holm.adjust(new Double[] {0.04, 0.01, null, 0.03, 0.5});
        assertArrayEquals(new Double[] {0.09, 0.04, null, 0.09, 0.5}, round(adjusted));
        assertEquals(1.0, Holm.adjust(new Double[] {0.6, 0.7})[0]);
    }

    private static Double[] round(Double[] v) {
        Double[] r = new Double[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = v[i] == null ? null : Math.round(v[i] * 1e9) / 1e9;
        }
        return r;
    }

    @Test
    void bootstrapIsSeededAndOrderFree() {
        List<PromptSums> prompts = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            prompts.add(new PromptSums("p" + i, (i % 10) / 10.0, 1));
        }
        double[] a = Bootstrap.ci95(prompts, 7);
        Collections.shuffle(prompts, new java.util.Random(3));
        assertArrayEquals(a, Bootstrap.ci95(prompts, 7));
        // Mean 0.45, sd 0.2872 -> se 0.0406: a normal 95% interval is 0.45 +- 0.080; the percentile one is close.
        assertEquals(0.45 - 0.080, a[0], 0.02);
        assertEquals(0.45 + 0.080, a[1], 0.02);
        assertNull(Bootstrap.ci95(List.of(), 7));
    }

    @Test
    void permutationSeesARealSpreadAndNotANullOne() {
        List<PromptSums> low = new ArrayList<>();
        List<PromptSums> high = new ArrayList<>();
        List<PromptSums> same = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            low.add(new PromptSums("l" + i, 0.2 + (i % 3) * 0.01, 1));
            high.add(new PromptSums("h" + i, 0.6 + (i % 3) * 0.01, 1));
            same.add(new PromptSums("s" + i, 0.2 + (i % 3) * 0.01, 1));
        }
        SpreadPermutationTest.Result real = SpreadPermutationTest.test(Map.of("a", low, "b", high), 1);
        assertEquals(0.4, real.spread(), 1e-9);
        assertEquals("a", real.lowGroup());
        assertEquals("b", real.highGroup());
        assertEquals(1.0 / (1 + SpreadPermutationTest.PERMUTATIONS), real.pValue(), 1e-12);
        SpreadPermutationTest.Result none = SpreadPermutationTest.test(Map.of("a", low, "c", same), 1);
        assertEquals(0.0, none.spread(), 1e-12);
        assertEquals(1.0, none.pValue(), 1e-12);
        assertNull(SpreadPermutationTest.test(Map.of("a", low), 1).pValue());
        assertTrue(real.pValue() > 0);
    }
}
