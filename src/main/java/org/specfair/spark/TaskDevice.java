package org.specfair.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/** The device a model runs on inside a Spark task: the GPU Spark assigned to the task, else the CPU. */
public final class TaskDevice {
    private TaskDevice() {}

    /**
     * {@code setting} "auto": the task's GPU ("gpu:N" as this process numbers it, never assumed to be gpu:0), else "cpu" (also outside any
     * task); any other setting (cpu, gpu, gpu:N) wins as given.
     */
    public static String resolve(String setting) {
        if (setting != null && !setting.equals("auto")) {
            return setting;
        }
        TaskContext task = TaskContext.get();
        if (task != null) {
            ResourceInformation gpu = task.resources().get("gpu").getOrElse(() -> null);
            if (gpu != null && gpu.addresses().length > 0) {
                return GpuDevices.deviceFor(gpu.addresses()[0]);
            }
        }
        return "cpu";
    }
}
