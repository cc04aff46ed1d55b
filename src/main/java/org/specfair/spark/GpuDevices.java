package org.specfair.spark;

import ai.djl.engine.Engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * From the GPU address Spark gives a task to the CUDA device this process can actually use.
 *
 * <p>Spark's addresses are whatever the discovery script printed: physical ordinals ({@code 3}) or
 * UUIDs ({@code GPU-8f1c...}). A process sees the devices listed in {@code CUDA_VISIBLE_DEVICES}, renumbered
 * from 0: where a resource manager isolates GPUs ({@code CUDA_VISIBLE_DEVICES=3}), address {@code 3} is
 * CUDA device 0 of this process. And a GPU run must not quietly run on the CPU-only libtorch that DJL
 * falls back to when {@code PYTORCH_LIBRARY_PATH} is wrong.
 */
public final class GpuDevices {
    private GpuDevices() {}

    /**
     * The CUDA ordinal (in this process's numbering) of the GPU Spark assigned.
     *
     * @param address            the task's GPU address (ordinal or UUID)
     * @param cudaVisibleDevices the process's {@code CUDA_VISIBLE_DEVICES} (null or blank: every GPU visible)
     * @param uuids              UUIDs of the GPUs in physical order (nvidia-smi), needed only for UUID addresses
     *                           when {@code CUDA_VISIBLE_DEVICES} is unset
     */
    public static int ordinal(String address, String cudaVisibleDevices, List<String> uuids) {
        String a = address.trim();
        if (cudaVisibleDevices != null && !cudaVisibleDevices.isBlank()) {
            List<String> visible = Arrays.stream(cudaVisibleDevices.split(",")).map(String::trim).toList();
            for (int i = 0; i < visible.size(); i++) {
                if (sameDevice(visible.get(i), a)) {
                    return i;
                }
            }
            // Addresses already renumbered for this process (e.g. a discovery script run inside a container).
            if (isOrdinal(a) && Integer.parseInt(a) < visible.size()) {
                return Integer.parseInt(a);
            }
            throw new IllegalArgumentException("GPU address '" + a + "' is not among CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices
                    + ": the discovery script and the resource manager disagree on GPU names");
        }
        if (isOrdinal(a)) {
            return Integer.parseInt(a);
        }
        for (int i = 0; i < uuids.size(); i++) {
            if (sameDevice(uuids.get(i), a)) {
                return i;
            }
        }
        throw new IllegalArgumentException("GPU address '" + a + "' is neither an ordinal nor the UUID of a visible GPU"
                + (uuids.isEmpty() ? " (nvidia-smi lists none)" : " (nvidia-smi lists " + String.join(", ", uuids) + ")"));
    }

    /** {@code gpu:N} for the GPU Spark assigned to this task, in this process's numbering. */
    public static String deviceFor(String address) {
        String cvd = System.getenv("CUDA_VISIBLE_DEVICES");
        boolean needUuids = (cvd == null || cvd.isBlank()) && !isOrdinal(address.trim());
        return "gpu:" + ordinal(address, cvd, needUuids ? nvidiaSmiUuids() : List.of());
    }

    /**
     * Refuses a GPU run on a CPU-only libtorch, with one line naming what was found and where. Call before
     * the first GPU model load: the first check runs before DJL loads PyTorch (a missing
     * {@code PYTORCH_LIBRARY_PATH} folder makes DJL fall back silently to the CPU build bundled in the jar).
     */
    public static void requireCudaLibtorch(String device) {
        String dir = System.getenv("PYTORCH_LIBRARY_PATH");
        if (dir != null && !dir.isBlank() && !Files.isDirectory(Path.of(dir))) {
            throw new IllegalStateException(device + " requested but PYTORCH_LIBRARY_PATH=" + dir
                    + " does not exist (DJL would fall back to the CPU-only libtorch in the jar); see docs/gpu.md");
        }
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        if (gpus == 0) {
            throw new IllegalStateException(cpuOnlyMessage(device, loadedLibtorch(), dir));
        }
    }

    static String cpuOnlyMessage(String device, Optional<String> libtorch, String libraryPath) {
        return device + " requested but PyTorch sees no GPU: loaded libtorch is "
                + libtorch.map(p -> p + (isCudaBuild(p) ? " (a CUDA build: is a device visible? CUDA_VISIBLE_DEVICES="
                        + System.getenv("CUDA_VISIBLE_DEVICES") + ")" : " (CPU-only build)")).orElse("unknown")
                + ", PYTORCH_LIBRARY_PATH=" + (libraryPath == null ? "(unset)" : libraryPath) + "; see docs/gpu.md";
    }

    /** Where the process's libtorch came from, read off /proc/self/maps (Linux). */
    static Optional<String> loadedLibtorch() {
        try {
            return libtorchIn(Files.readAllLines(Path.of("/proc/self/maps")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The folder of the libtorch mapped into a process, given its memory map lines. */
    static Optional<String> libtorchIn(List<String> mapsLines) {
        String cuda = null;
        String any = null;
        for (String line : mapsLines) {
            int slash = line.indexOf('/');
            if (slash < 0) {
                continue;
            }
            Path lib = Path.of(line.substring(slash).trim());
            String name = lib.getFileName().toString();
            if (name.startsWith("libc10_cuda") || name.startsWith("libtorch_cuda")) {
                cuda = lib.getParent() + " (" + name + ")";
            } else if (name.startsWith("libtorch_cpu") || name.startsWith("libtorch.so")) {
                any = lib.getParent() + " (" + name + ")";
            }
        }
        return Optional.ofNullable(cuda != null ? cuda : any);
    }

    private static boolean isCudaBuild(String libtorch) {
        return libtorch.contains("cuda");
    }

    private static boolean isOrdinal(String s) {
        return s.matches("\\d+");
    }

    /** {@code GPU-8f1c...} and {@code 8f1c...} name the same device; ordinals compare as numbers. */
    private static boolean sameDevice(String a, String b) {
        if (isOrdinal(a) && isOrdinal(b)) {
            return Integer.parseInt(a) == Integer.parseInt(b);
        }
        return strip(a).equals(strip(b));
    }

    private static String strip(String uuid) {
        String u = uuid.toLowerCase(Locale.ROOT);
        return u.startsWith("gpu-") ? u.substring(4) : u;
    }

    private static List<String> nvidiaSmiUuids() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=uuid", "--format=csv,noheader")
                    .redirectErrorStream(true).start();
            List<String> out = new String(p.getInputStream().readAllBytes()).lines().map(String::trim)
                    .filter(l -> !l.isEmpty()).toList();
            return p.waitFor() == 0 ? out : List.of();
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }
}
