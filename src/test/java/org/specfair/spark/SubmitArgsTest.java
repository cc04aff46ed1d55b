package org.specfair.spark;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What jobs/generate hands spark-submit (jobs/lib/build.sh: specfair_submit_args): profiles, sizing, merged --files. */
class SubmitArgsTest {
    static final Path ROOT = Path.of("").toAbsolutePath();

    record Result(int code, List<String> args, String err) {}

    static Result submitArgs(String... flags) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "source jobs/lib/build.sh && specfair_submit_args \"$@\"", "_",
                ROOT.toString()));
        cmd.addAll(List.of(flags));
        Process p = new ProcessBuilder(cmd).directory(ROOT.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out.lines().toList(), err);
    }

    static String after(List<String> args, String flag) {
        int i = args.indexOf(flag);
        assertTrue(i >= 0 && i + 1 < args.size(), flag + " missing in " + args);
        return args.get(i + 1);
    }

    @Test
    void gpuProfileSizesTasksByCoresPerGpu() throws Exception {
        Result r = submitArgs("--master", "spark://h:7077", "--executor-cores", "16", "--gpus-per-executor", "2",
                "--executor-memory", "40g");
        assertEquals(0, r.code(), r.err());
        assertEquals(ROOT + "/conf/spark-defaults.conf", after(r.args(), "--properties-file"));
        assertTrue(r.args().contains("spark.executor.resource.gpu.amount=2"), r.args().toString());
        assertTrue(r.args().contains("spark.task.cpus=8"), "16 cores / 2 GPUs: " + r.args());
        assertEquals("40g", after(r.args(), "--executor-memory"));
        assertEquals("--add-modules=jdk.incubator.vector -Dlog4j2.configurationFile=" + ROOT + "/conf/log4j2.xml", after(r.args(), "--driver-java-options"));
    }

    @Test
    void userFilesAndDriverOptionsAreMergedNotReplaced() throws Exception {
        Result r = submitArgs("--files", "/data/a.txt,/data/b.txt", "--driver-java-options", "-Dx=1");
        assertEquals(0, r.code(), r.err());
        assertEquals(ROOT + "/conf/getGpusResources.sh,/data/a.txt,/data/b.txt", after(r.args(), "--files"));
        assertEquals(1, r.args().stream().filter("--files"::equals).count());
        assertTrue(after(r.args(), "--driver-java-options").endsWith(" -Dx=1"));
        assertTrue(r.args().contains("spark.task.cpus=8"), "GPU profile defaults: 8 cores, 1 GPU");
    }

    @Test
    void cpuProfileAndExplicitTaskCpus() throws Exception {
        Result cpu = submitArgs("--cluster-profile", "cpu", "--executor-cores", "4");
        assertEquals(0, cpu.code(), cpu.err());
        assertEquals(ROOT + "/conf/spark-cpu.conf", after(cpu.args(), "--properties-file"));
        assertTrue(cpu.args().stream().noneMatch(a -> a.startsWith("spark.executor.resource.gpu")), cpu.args().toString());
        Result own = submitArgs("--executor-cores", "8", "--conf", "spark.task.cpus=2");
        assertTrue(own.args().contains("spark.task.cpus=2") && !own.args().contains("spark.task.cpus=8"), own.args().toString());
        Result bad = submitArgs("--cluster-profile", "tpu");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--cluster-profile must be gpu or cpu"), bad.err());
        assertEquals(2, submitArgs("--cluster-profile", "cpu", "--gpus-per-executor", "1").code());
    }
}
