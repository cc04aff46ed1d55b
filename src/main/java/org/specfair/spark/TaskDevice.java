package org.specfair.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/** The device a Spark task computes on: the GPU Spark assigned to it ("gpu:N"), else CPU; an explicit setting wins. */
public final class TaskDevice {
    private TaskDevice() {}

    /** {@code configured}: auto, cpu, gpu, gpu:N. Never assumes gpu:0: the address comes from the task's resources. */
    public static String of(String configured, TaskContext task) {
        if (configured != null && !configured.equals("auto")) {
            return configured;
        }
        if (task != null) {
            ResourceInformation gpu = task.resources().get("gpu").getOrElse(() -> null);
            if (gpu != null && gpu.addresses().length > 0) {
                return "gpu:" + gpu.addresses()[0];
            }
        }
        return "cpu";
    }
}
