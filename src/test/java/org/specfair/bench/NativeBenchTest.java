package org.specfair.bench;

import org.specfair.lm.nn.PackedMatrix;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NativeBenchTest {
    @Test
    void readsTheNativeProgramsLines() {
        Map<Integer, NativeBench.Timing> t = NativeBench.parse("rows 1 ms 8.1234 hash 18446744073709551615\nrows 5 ms 10.5 hash 42\n");
        assertEquals(8.1234, t.get(1).ms(), 0);
        assertEquals(-1L, t.get(1).hash()); // unsigned 64 bits
        assertEquals(42L, t.get(5).hash());
        assertThrows(IllegalStateException.class, () -> NativeBench.parse("rows 1 ms 8.1\n"));
    }

    @Test
    void theHashSeesEveryOutput() {
        float[] y = NativeBench.inputs(3, 64);
        long h = NativeBench.hash(y, y.length);
        y[y.length - 1] = Math.nextUp(y[y.length - 1]);
        assertNotEquals(h, NativeBench.hash(y, y.length));
    }

    /**
     * The C baseline computes the products the Java kernels compute (so the bench compares like with like): every row
     * count's path (one row, the tile kernels, 5-row blocks over two tiles and their remainders), split over two
     * threads in chunks. Needs gcc: under CI (CI=true) its absence fails the test (.ci/run installs it).
     */
    @Test
    void theCKernelsComputeWhatTheJavaKernelsDo(@TempDir Path dir) throws Exception {
        Path exe = NativeBench.compile(dir);
        String why = "no gcc for x86-64 with -mavx2 here: the native baseline cannot be built";
        if ("true".equals(System.getenv("CI"))) {
            Assertions.assertNotNull(exe, why);
        }
        Assumptions.assumeTrue(exe != null, "skipped: " + why);
        int out = 2808; // 117 tiles, over 2^20 weights: two threads, chunks of four tiles, the last a lone tile
        int in = 384;
        int[] rows = {1, 2, 3, 4, 5, 6, 7, 8, 9, 13};
        Map<Integer, NativeBench.Timing> c = NativeBench.timeNative(exe, out, in, 2, 1, 1, rows);
        PackedMatrix[] java = {new PackedMatrix(NativeBench.weights(out, in), null, out, in, 2)};
        Map<Integer, NativeBench.Timing> j = NativeBench.timeJava(java, rows, 1);
        for (int r : rows) {
            assertEquals(j.get(r).hash(), c.get(r).hash(), r + " rows");
        }
    }
}
