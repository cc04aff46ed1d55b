package org.specfair.spark;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spark GPU addresses -> the CUDA ordinal this process sees; a CPU-only libtorch is named, not used. */
class GpuDevicesTest {
    static final List<String> UUIDS = List.of("GPU-aaaa-0000", "GPU-bbbb-1111", "GPU-cccc-2222", "GPU-dddd-3333");

    @Test
    void ordinalsWithEveryGpuVisibleAreUsedAsGiven() {
        assertEquals(3, GpuDevices.ordinal("3", null, List.of()));
        assertEquals(0, GpuDevices.ordinal("0", "", List.of()));
    }

    @Test
    void isolatedGpusAreRenumberedFromZero() {
        // YARN / Kubernetes / a standalone worker set CUDA_VISIBLE_DEVICES=3: physical GPU 3 is this process's cuda:0.
        assertEquals(0, GpuDevices.ordinal("3", "3", List.of()));
        assertEquals(1, GpuDevices.ordinal("5", "3,5", List.of()));
        assertEquals(1, GpuDevices.ordinal("GPU-cccc-2222", "GPU-dddd-3333,GPU-cccc-2222", List.of()));
        // A discovery script run inside the container already numbers from 0.
        assertEquals(0, GpuDevices.ordinal("0", "3", List.of()));
        assertThrows(IllegalArgumentException.class, () -> GpuDevices.ordinal("4", "3", List.of()));
    }

    @Test
    void uuidAddressesAreLookedUpAmongTheGpus() {
        assertEquals(2, GpuDevices.ordinal("GPU-cccc-2222", null, UUIDS));
        assertEquals(1, GpuDevices.ordinal("bbbb-1111", null, UUIDS));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GpuDevices.ordinal("GPU-ffff", null, UUIDS));
        assertTrue(e.getMessage().contains("GPU-ffff"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GpuDevices.ordinal("GPU-ffff", null, List.of()));
    }

    @Test
    void theLoadedLibtorchIsNamedFromTheProcessMemoryMap() {
        List<String> cpuOnly = List.of(
                "7f00-7f10 r-xp 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6",
                "7f20-7f30 r-xp 00000000 08:01 2 /tmp/djl/pytorch/2.7.1-cpu-linux-x86_64/libtorch_cpu.so");
        assertEquals(Optional.of("/tmp/djl/pytorch/2.7.1-cpu-linux-x86_64 (libtorch_cpu.so)"), GpuDevices.libtorchIn(cpuOnly));
        String msg = GpuDevices.cpuOnlyMessage("gpu:0", GpuDevices.libtorchIn(cpuOnly), "/opt/libtorch/lib");
        assertTrue(msg.contains("CPU-only build") && msg.contains("/tmp/djl/pytorch/2.7.1-cpu") && msg.contains("/opt/libtorch/lib"), msg);
        assertTrue(msg.lines().count() == 1);

        List<String> cuda = List.of("7f20-7f30 r-xp 0 08:01 2 /opt/libtorch/lib/libtorch_cpu.so",
                "7f40-7f50 r-xp 0 08:01 3 /opt/libtorch/lib/libc10_cuda.so");
        assertEquals(Optional.of("/opt/libtorch/lib (libc10_cuda.so)"), GpuDevices.libtorchIn(cuda));
    }

    @Test
    void aGpuRunOnTheCpuOnlyLibtorchIsRefusedNamingIt() {
        org.junit.jupiter.api.Assumptions.assumeTrue(ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0,
                "this machine has a GPU");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> GpuDevices.requireCudaLibtorch("gpu:0"));
        assertTrue(e.getMessage().contains("CPU-only build") && e.getMessage().contains("libtorch"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void aMissingLibraryFolderIsRefusedBeforePyTorchLoads() {
        // The check reads the environment; this JVM's PYTORCH_LIBRARY_PATH is unset or real, so only the message is checked here.
        String msg = GpuDevices.cpuOnlyMessage("gpu:1", Optional.empty(), null);
        assertTrue(msg.startsWith("gpu:1 requested but PyTorch sees no GPU") && msg.contains("(unset)"), msg);
    }
}
