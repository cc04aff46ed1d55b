package org.specfair.finetune;

import org.specfair.prompts.Prompt;

import java.io.Serializable;
import java.util.List;

/**
 * One model finetuned on a sequence of datasets.
 *
 * @param model    base checkpoint folder (local path or Hadoop URI)
 * @param datasets in training order; each starts a fresh optimizer and schedule
 * @param out      the finished checkpoint folder (local path); its resumable state lives beside it in {@code OUT.resume}
 * @param device   cpu, gpu, gpu:N, or auto (the Spark task's GPU, else the CPU)
 * @param partner  the checkpoint milestones measure KL against (null: losses only)
 * @param probe    probe prompts for the milestone KL (grouped by {@link Prompt#group()}); empty without a partner
 */
public record FinetuneOptions(String model, List<DatasetSpec> datasets, String out, TrainConfig config, String device,
                              String dtype, String partner, List<Prompt> probe) implements Serializable {
    public FinetuneOptions {
        if (datasets == null || datasets.isEmpty()) {
            throw new IllegalArgumentException("no dataset to finetune on");
        }
        datasets = List.copyOf(datasets);
        probe = probe == null ? List.of() : List.copyOf(probe);
        device = device == null ? "auto" : device;
        dtype = dtype == null ? "float32" : dtype;
        if (partner != null && probe.isEmpty()) {
            throw new IllegalArgumentException("a partner model needs probe prompts for the milestone KL");
        }
    }

    /** The same run on a resolved device (a task's GPU). */
    public FinetuneOptions onDevice(String resolved) {
        return new FinetuneOptions(model, datasets, out, config, resolved, dtype, partner, probe);
    }

    /** The same run with another base, datasets and output (a stage plan's next step). */
    public FinetuneOptions with(String model, List<DatasetSpec> datasets, String out, String partner) {
        return new FinetuneOptions(model, datasets, out, config, device, dtype, partner, probe);
    }
}
