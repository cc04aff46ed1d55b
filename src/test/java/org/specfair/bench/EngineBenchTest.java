package org.specfair.bench;

import org.specfair.lm.nn.PackedMatrix;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EngineBenchTest {
    @Test
    void fastestTermsTakeTheFasterOfEachAndGiveTheLowestRoofline() {
        EngineBench.Terms torch = new EngineBench.Terms(40, 17);
        EngineBench.Terms packed = new EngineBench.Terms(200, 12);
        EngineBench.Terms fastest = torch.fastest(packed);
        assertEquals(new EngineBench.Terms(200, 17), fastest);
        EngineBench.StepCost cost = EngineBench.StepCost.of(EngineShapes.gptNeo125M());
        for (int batch : new int[] {1, 8, 64}) {
            double floor = cost.rooflineMs(batch, 20, fastest);
            assertTrue(floor <= cost.rooflineMs(batch, 20, torch) && floor <= cost.rooflineMs(batch, 20, packed), "batch " + batch);
        }
        // batch 1 is bound by reading the weights: 494 MB at 17 GB/s
        assertEquals(cost.bytes(1, 20) / 17e6, cost.rooflineMs(1, 20, fastest), 1e-9);
        // without overlap the two terms add: at batch 8 the multiply-adds (2 * 8 * 124M at 200 GFLOP/s: 9.9 ms) come
        // on top of reading the weights (29 ms), where the roofline hides them
        double noOverlap = cost.noOverlapMs(8, 20, fastest);
        assertEquals(cost.bytes(8, 20) / 17e6, cost.rooflineMs(8, 20, fastest), 1e-9);
        assertEquals(cost.flops(8, 20) / 200e6, noOverlap - cost.rooflineMs(8, 20, fastest), 1e-9);
        assertEquals(9.9, cost.flops(8, 20) / 200e6, 0.1);
    }

    @Test
    void packedKernelIsMeasuredOnlyWhereTheEngineUsesIt() {
        assertTrue(OpsBench.packedKernel(Device.gpu(), DataType.FLOAT32).startsWith("off"));
        assertTrue(OpsBench.packedKernel(Device.cpu(), DataType.FLOAT16).startsWith("off"));
        assertEquals(PackedMatrix.available(), OpsBench.packedKernel(Device.cpu(), DataType.FLOAT32).startsWith("on"));
        EngineBench.Plan tiny = new EngineBench.Plan(1, 1, 1, 1, 1);
        assertEquals(0.0, EngineBench.packedGflops(64, tiny, Device.cpu(), DataType.FLOAT16));
        assertEquals(0.0, EngineBench.packedGbps(64, 32, tiny, Device.gpu(), DataType.FLOAT32));
        if (PackedMatrix.available()) {
            assertTrue(EngineBench.packedGflops(64, tiny, Device.cpu(), DataType.FLOAT32) > 0);
            assertTrue(EngineBench.packedGbps(64, 32, tiny, Device.cpu(), DataType.FLOAT32) > 0);
        }
    }
}
