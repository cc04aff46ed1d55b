package org.specfair.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.Serializable;
import java.util.Locale;

/**
 * Finetuning hyper-parameters, one dataset at a time (each dataset of a sequence starts a fresh optimizer
 * and schedule, as a separate Hugging Face Trainer run would). Defaults follow Hugging Face's Trainer where
 * it has one (AdamW betas 0.9/0.999, eps 1e-8, clip 1.0).
 *
 * @param contextLength   tokens per packed block (at most the model's positions)
 * @param batchSize       blocks per micro-batch
 * @param gradAccumulation micro-batches per optimizer step
 * @param learningRate    peak learning rate
 * @param schedule        {@code constant} (after warmup) or {@code linear} (warmup, then linear decay to 0)
 * @param warmupSteps     linear warmup from 0 over this many steps
 * @param weightDecay     decoupled decay of matrices and embeddings (never norms and biases)
 * @param maxSteps        optimizer steps per dataset; 0 = {@code epochs} passes over it
 * @param epochs          passes over the training blocks when {@code maxSteps} is 0
 * @param clipNorm        global gradient-norm clip; 0 = none
 * @param valFraction     share of the blocks held out for validation loss (the last ones: no overlap with training text)
 * @param milestoneEvery  steps between milestones (validation loss, probe KL); 0 = only at epoch ends and the end
 * @param saveEvery       steps between resumable training states; 0 = none
 * @param seed            data order (the model's own randomness: none, there is no dropout)
 * @param precision       fp32, fp16 (float32 master weights, float16 compute, loss scaling: {@link Precision}) or auto
 */
public record TrainConfig(int contextLength, int batchSize, int gradAccumulation, double learningRate, String schedule,
                          int warmupSteps, double weightDecay, int maxSteps, double epochs, double clipNorm,
                          double beta1, double beta2, double adamEps, double valFraction, int milestoneEvery,
                          int saveEvery, long seed, String precision) implements Serializable {
    public static final TrainConfig DEFAULTS = new TrainConfig(128, 8, 1, 5e-5, "linear", 0, 0.0, 0, 1.0, 1.0,
            0.9, 0.999, 1e-8, 0.1, 0, 0, 42L, "fp32");

    public TrainConfig {
        schedule = schedule == null ? "linear" : schedule.trim().toLowerCase(Locale.ROOT);
        precision = Precision.normalise(precision);
        require(contextLength >= 2, "context_length must be at least 2, got " + contextLength);
        require(batchSize >= 1, "batch_size must be at least 1, got " + batchSize);
        require(gradAccumulation >= 1, "grad_accumulation must be at least 1, got " + gradAccumulation);
        require(learningRate > 0 && Double.isFinite(learningRate), "learning_rate must be positive, got " + learningRate);
        require(schedule.equals("constant") || schedule.equals("linear"), "schedule must be constant or linear, got '" + schedule + "'");
        require(warmupSteps >= 0, "warmup_steps must be >= 0, got " + warmupSteps);
        require(weightDecay >= 0, "weight_decay must be >= 0, got " + weightDecay);
        require(maxSteps >= 0, "max_steps must be >= 0, got " + maxSteps);
        require(maxSteps > 0 || epochs > 0, "give max_steps or epochs > 0");
        require(clipNorm >= 0, "clip_norm must be >= 0, got " + clipNorm);
        require(valFraction >= 0 && valFraction < 1, "val_fraction must be in [0, 1), got " + valFraction);
        require(milestoneEvery >= 0 && saveEvery >= 0, "milestone_every and save_every must be >= 0");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Sets one hyper-parameter by its snake_case name (stage plans, {@code --set key=value}). */
    public TrainConfig with(String key, String value) {
        ObjectNode o = json();
        String k = key.trim();
        if (!o.has(k)) {
            throw new IllegalArgumentException("unknown hyper-parameter '" + key + "' (" + String.join(", ", KEYS) + ")");
        }
        String v = value.trim();
        if (o.get(k).isNumber()) {
            try {
                Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("hyper-parameter " + k + ": not a number: '" + value + "'");
            }
        }
        o.put(k, v);
        return fromJson(o);
    }

    private static TrainConfig fromJson(ObjectNode o) {
        return new TrainConfig(o.get("context_length").asInt(), o.get("batch_size").asInt(), o.get("grad_accumulation").asInt(),
                o.get("learning_rate").asDouble(), o.get("schedule").asText(), o.get("warmup_steps").asInt(),
                o.get("weight_decay").asDouble(), o.get("max_steps").asInt(), o.get("epochs").asDouble(),
                o.get("clip_norm").asDouble(), o.get("beta1").asDouble(), o.get("beta2").asDouble(), o.get("adam_eps").asDouble(),
                o.get("val_fraction").asDouble(), o.get("milestone_every").asInt(), o.get("save_every").asInt(),
                o.get("seed").asLong(), o.get("precision").asText());
    }

    public static final java.util.List<String> KEYS = java.util.List.of("context_length", "batch_size", "grad_accumulation",
            "learning_rate", "schedule", "warmup_steps", "weight_decay", "max_steps", "epochs", "clip_norm", "beta1", "beta2",
            "adam_eps", "val_fraction", "milestone_every", "save_every", "seed", "precision");

    /** The hyper-parameters as a JSON object with the snake_case keys (the checkpoints table's {@code hyperparameters}). */
    public String toJson() {
        return json().toString();
    }

    private ObjectNode json() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("context_length", contextLength).put("batch_size", batchSize).put("grad_accumulation", gradAccumulation)
                .put("learning_rate", learningRate).put("schedule", schedule).put("warmup_steps", warmupSteps)
                .put("weight_decay", weightDecay).put("max_steps", maxSteps).put("epochs", epochs).put("clip_norm", clipNorm)
                .put("beta1", beta1).put("beta2", beta2).put("adam_eps", adamEps).put("val_fraction", valFraction)
                .put("milestone_every", milestoneEvery).put("save_every", saveEvery).put("seed", seed)
                .put("precision", precision);
        return o;
    }

    /** Parses {@code key=value} settings onto these values, in order. */
    public TrainConfig withAll(java.util.Map<String, String> settings) {
        TrainConfig c = this;
        for (var e : settings.entrySet()) {
            c = c.with(e.getKey(), e.getValue());
        }
        return c;
    }
}
