package org.specfair.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * The device a Spark task computes on: the GPU Spark assigned to it (as this process numbers it, see
 * {@link GpuDevices}), else CPU; an explicit setting wins. A GPU device is checked to have a CUDA libtorch.
 */
public final class TaskDevice {
    private TaskDevice() {}

    /** {@code configured}: auto, cpu, gpu, gpu:N. Never assumes gpu:0: the address comes from the task's resources. */
    public static String of(String configured, TaskContext task) {
        String device = "cpu";
        if (configured != null && !configured.equals("auto")) {
            device = configured;
        } else if (task != null) {
            ResourceInformation gpu = task.resources().get("gpu").getOrElse(() -> null);
            if (gpu != null && gpu.addresses().length > 0) {
                device = GpuDevices.deviceFor(gpu.addresses()[0]);
            }
        }
        if (device.startsWith("gpu")) {
            GpuDevices.requireCudaLibtorch(device);
        }
        return device;
    }

    /** {@link #of} for the current task (if any). */
    public static String resolve(String configured) {
        return of(configured, TaskContext.get());
    }
}
