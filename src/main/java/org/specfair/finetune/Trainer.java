package org.specfair.finetune;

import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;
import org.specfair.lm.Weights;
import org.specfair.lm.nn.Scalar;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Trains a model in place on one dataset's packed blocks: AdamW with a warmup/decay schedule, global-norm
 * clipping, gradient accumulation, seeded data order; milestones (validation loss, probe KL) every
 * {@code milestone_every} steps, at each epoch end and at the end; a resumable state every {@code save_every} steps.
 *
 * <p>Everything a step allocates lives in one sub-manager closed at the end of the step, gradients included:
 * DJL hands out each parameter's gradient as a new wrapper registered with the model's long-lived manager,
 * which would otherwise keep ~100 arrays per step alive until the model is closed.
 *
 * <p>Mixed precision ({@link Precision}): with fp16 the forward and backward run on a float16 working copy of the
 * weights, refreshed from the float32 masters after every step; its gradients are cast to float32, unscaled
 * ({@link LossScaler}), clipped and applied to the masters. A step with inf/NaN gradients is skipped.
 *
 * <p>The data order is a function of the step number alone (block position p -> epoch p / n, then a
 * seeded permutation of that epoch), so a resumed run sees exactly the batches an uninterrupted one would.
 */
public final class Trainer {
    private static final Logger LOG = LogManager.getLogger(Trainer.class);

    /** Called after every optimizer step (saving state; tests use it to simulate a crash). */
    public interface StepHook {
        void after(int step, Trainer trainer);
    }

    private final CausalLM model;
    private final String dataset;
    private final List<int[]> train;
    private final List<int[]> val;
    private final TrainConfig config;
    private final ProbeKl probe;
    private final List<NDArray> params = new ArrayList<>();
    /** fp16: the working copy forward/backward run on, and its parameters (parallel to {@link #params}); else null. */
    private final CausalLM working;
    private final List<NDArray> workingParams = new ArrayList<>();
    private final LossScaler scaler;
    /** Tests: steps (1-based) whose gradients are replaced by inf, as a float16 overflow would make them. */
    private java.util.Set<Integer> overflowAt = java.util.Set.of();
    private final AdamW adam;
    private final LearningRate lr;
    private final int totalSteps;
    private final List<Milestone> milestones = new ArrayList<>();
    private int step;
    /** Training loss since the last milestone (sum, count) and the last step's loss. */
    private double recentSum;
    private int recentCount;
    private Double lastTrainLoss;
    private Double lastValLoss;
    /** Wall time of the last step, and of its forward and backward passes (the rest is optimizer and bookkeeping). */
    private long lastStepNanos;
    private long lastForwardBackwardNanos;

    /**
     * @param probe may be null (milestones then carry losses only)
     */
    public Trainer(CausalLM model, String dataset, List<int[]> train, List<int[]> val, TrainConfig config, ProbeKl probe) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("dataset '" + dataset + "': no training blocks");
        }
        this.model = model;
        model.unfreeze(); // AdamW updates the weights in place: no packed inference copies may outlive that
        this.dataset = dataset;
        this.train = train;
        this.val = val;
        this.config = config;
        this.probe = probe;
        Precision precision = Precision.resolve(config.precision(), model.manager().getDevice());
        this.working = precision.computeType() == null ? null : Models.copyAs(model, precision.computeType());
        this.scaler = new LossScaler(precision == Precision.FP16);
        for (Weights.Taken t : model.parameters()) {
            t.array().setRequiresGradient(working == null);
            params.add(t.array());
        }
        if (working != null) {
            for (Weights.Taken t : working.parameters()) {
                workingParams.add(t.array());
            }
            refreshWorkingCopy();
        }
        this.adam = new AdamW(params, config.beta1(), config.beta2(), config.adamEps(), config.weightDecay());
        int perStep = config.batchSize() * config.gradAccumulation();
        this.totalSteps = config.maxSteps() > 0 ? config.maxSteps()
                : (int) Math.max(1, Math.ceil(config.epochs() * train.size() / perStep));
        this.lr = new LearningRate(config.learningRate(), config.schedule(), config.warmupSteps(), totalSteps);
    }

    public int totalSteps() {
        return totalSteps;
    }

    /** Optimizer steps taken so far. */
    public int stepsDone() {
        return step;
    }

    public AdamW optimizer() {
        return adam;
    }

    public List<Milestone> milestones() {
        return milestones;
    }

    /**
     * Continues a saved run: {@code step} batches done ({@code optimizerSteps} of them applied), moments, scaler
     * and milestones as saved, weights already loaded.
     */
    public void resume(int step, int optimizerSteps, List<float[]> m, List<float[]> v, LossScaler.State scalerState,
                       List<Milestone> done, double recentSum, int recentCount, Double lastTrainLoss) {
        this.step = step;
        adam.restore(optimizerSteps, m, v);
        scaler.restore(scalerState);
        if (working != null) {
            refreshWorkingCopy(); // the masters were loaded after the copy was made
        }
        milestones.clear();
        milestones.addAll(done);
        this.recentSum = recentSum;
        this.recentCount = recentCount;
        this.lastTrainLoss = lastTrainLoss;
        this.lastValLoss = done.isEmpty() ? null : done.get(done.size() - 1).valLoss();
    }

    public double recentSum() {
        return recentSum;
    }

    public int recentCount() {
        return recentCount;
    }

    public Double lastTrainLoss() {
        return lastTrainLoss;
    }

    /** The float16 loss scaler (disabled in float32). */
    public LossScaler scaler() {
        return scaler;
    }

    /** The float16 working copy (null in float32): tests check that its arrays do not pile up. */
    CausalLM workingCopy() {
        return working;
    }

    /** Tests: make the gradients of these steps inf, as a float16 overflow would. */
    void overflowAt(java.util.Set<Integer> steps) {
        overflowAt = steps;
    }

    /** Runs to the last step; {@code hook} (may be null) runs after each. */
    public TrainResult run(StepHook hook) {
        if (step == 0) {
            milestone(0);
        }
        long started = System.nanoTime();
        int firstStep = step;
        long lastLog = started;
        while (step < totalSteps) {
            double loss = trainStep();
            recentSum += loss;
            recentCount++;
            lastTrainLoss = loss;
            boolean epochEnd = blocksSeen(step) / train.size() > blocksSeen(step - 1) / train.size();
            if (step == totalSteps || epochEnd || (config.milestoneEvery() > 0 && step % config.milestoneEvery() == 0)) {
                milestone(step);
            }
            long now = System.nanoTime();
            if (now - lastLog > 10_000_000_000L || step == totalSteps) {
                double secs = (now - started) / 1e9;
                double perStep = secs / (step - firstStep);
                LOG.info(String.format("%s step %d/%d loss %.4f lr %.2e %.0f tokens/s ETA %ds%s", dataset, step, totalSteps, loss,
                        lr.at(adam.steps()), tokensPerStep() / perStep, Math.round(perStep * (totalSteps - step)),
                        scaler.enabled() ? String.format(" loss scale %.0f, %d skipped", scaler.scale(), scaler.skippedSteps()) : ""));
                lastLog = now;
            }
            if (hook != null) {
                hook.after(step, this);
            }
        }
        return new TrainResult(dataset, step, lastTrainLoss, lastValLoss, List.copyOf(milestones));
    }

    /** One step outside {@link #run} (benchmarks): no milestones, no hooks; returns the mean training loss. */
    public double trainStepForBench() {
        return trainStep();
    }

    /**
     * One step over {@code grad_accumulation} micro-batches; returns the mean training loss. With float16 a step
     * whose gradients overflowed is skipped: the batch is consumed, weights, moments and schedule stay.
     */
    double trainStep() {
        int s = step + 1;
        double lossSum = 0;
        long started = System.nanoTime();
        CausalLM forward = working != null ? working : model;
        List<NDArray> leaves = working != null ? workingParams : params;
        double lossFactor = scaler.scale() / config.gradAccumulation();
        try (NDManager scope = model.manager().newSubManager()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                for (int k = 0; k < config.gradAccumulation(); k++) {
                    NDArray loss = NextTokenLoss.of(forward, scope, microBatch(s, k));
                    lossSum += loss.getFloat();
                    gc.backward(Scalar.times(loss, lossFactor));
                }
            }
            lastForwardBackwardNanos = System.nanoTime() - started;
            List<NDArray> grads = new ArrayList<>(params.size());
            for (NDArray p : leaves) {
                NDArray g = p.getGradient();
                g.attach(scope);
                if (working != null) {
                    g = g.toType(DataType.FLOAT32, false); // float16 gradient -> float32 before anything else
                }
                grads.add(g);
            }
            if (overflowAt.contains(s)) {
                grads.get(0).muli(Float.POSITIVE_INFINITY);
            }
            // The norm of the scaled gradients over the scale: the unscaled norm (a power-of-two scale divides exactly).
            double norm = globalNorm(grads) / scaler.scale();
            if (!scaler.enabled() && !Double.isFinite(norm)) {
                throw new IllegalStateException("dataset '" + dataset + "' step " + s + ": gradient norm is " + norm
                        + " (learning rate too high?)");
            }
            if (scaler.update(Double.isFinite(norm))) {
                // torch.nn.utils.clip_grad_norm_'s coefficient; unscaling and clipping are one factor AdamW applies
                double clip = config.clipNorm() > 0 && norm > config.clipNorm() ? config.clipNorm() / (norm + 1e-6) : 1.0;
                adam.step(params, grads, lr.at(adam.steps() + 1), clip / scaler.scale(), scope);
            } else {
                LOG.warn("{} step {}: inf/NaN gradient in float16, step skipped; loss scale now {}", dataset, s, scaler.scale());
            }
            if (working != null) {
                refreshWorkingCopy(); // also drops the float16 gradients
            }
            // float32: AdamW zeroed each .grad (PyTorch accumulates into it across backward calls)
        }
        lastStepNanos = System.nanoTime() - started;
        step = s;
        return lossSum / config.gradAccumulation();
    }

    /** The working copy's weights := the masters cast to its dtype, as fresh leaves of the next step's graph. */
    private void refreshWorkingCopy() {
        DataType dtype = working.dtype();
        for (int i = 0; i < params.size(); i++) {
            NDArray w = workingParams.get(i);
            w.intern(params.get(i).toType(dtype, true)); // same Java array the model's layers hold, new values
            w.setRequiresGradient(true);
        }
    }

    /**
     * Wall nanoseconds of the last step: {@code [whole step, forward + backward]} (benchmarks; on a GPU the
     * optimizer's kernels may still be queued when the step returns).
     */
    public long[] lastStepTimes() {
        return new long[] {lastStepNanos, lastForwardBackwardNanos};
    }

    /**
     * sqrt of the sum of squares of every gradient element, one host read: the norm of the per-tensor norms, as
     * {@code torch.nn.utils.clip_grad_norm_} computes it (one read of each gradient, no squared copy).
     */
    static double globalNorm(List<NDArray> grads) {
        NDArray[] norms = new NDArray[grads.size()];
        for (int i = 0; i < norms.length; i++) {
            norms[i] = grads.get(i).norm();
        }
        return ai.djl.ndarray.NDArrays.stack(new ai.djl.ndarray.NDList(norms)).norm().getFloat();
    }

    /** Micro-batch {@code k} of step {@code s} (1-based): blocks at positions of a seeded per-epoch order. */
    int[][] microBatch(int s, int k) {
        int b = config.batchSize();
        long first = ((long) (s - 1) * config.gradAccumulation() + k) * b;
        int[][] out = new int[b][];
        int[] order = null;
        long orderEpoch = -1;
        for (int i = 0; i < b; i++) {
            long p = first + i;
            long epoch = p / train.size();
            if (epoch != orderEpoch) {
                order = permutation(train.size(), config.seed(), epoch);
                orderEpoch = epoch;
            }
            out[i] = train.get(order[(int) (p % train.size())]);
        }
        return out;
    }

    /** Fisher-Yates with a generator seeded by (seed, epoch). */
    static int[] permutation(int n, long seed, long epoch) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private long blocksSeen(int steps) {
        return (long) steps * config.gradAccumulation() * config.batchSize();
    }

    private long tokensPerStep() {
        return (long) config.gradAccumulation() * config.batchSize() * config.contextLength();
    }

    /** Mean loss over the validation blocks (null without any), in batches, no gradients. */
    public Double validationLoss() {
        if (val.isEmpty()) {
            return null;
        }
        double sum = 0;
        for (int from = 0; from < val.size(); from += config.batchSize()) {
            int[][] batch = val.subList(from, Math.min(val.size(), from + config.batchSize())).toArray(new int[0][]);
            try (NDManager scope = model.manager().newSubManager()) {
                sum += NextTokenLoss.of(model, scope, batch).getFloat() * batch.length;
            }
        }
        return sum / val.size();
    }

    private void milestone(int s) {
        Double trainLoss = recentCount == 0 ? null : recentSum / recentCount;
        recentSum = 0;
        recentCount = 0;
        lastValLoss = validationLoss();
        double epoch = (double) blocksSeen(s) / train.size();
        long tokens = s * tokensPerStep();
        if (probe == null) {
            milestones.add(new Milestone(dataset, s, epoch, tokens, trainLoss, lastValLoss, "all", null, null));
            return;
        }
        for (ProbeKl.GroupKl g : probe.measure(model)) {
            milestones.add(new Milestone(dataset, s, epoch, tokens, trainLoss, lastValLoss, g.category(),
                    g.klModelPartner(), g.klPartnerModel()));
        }
    }

    /** Frees the optimizer's moments (the model stays). */
    public void close() {
        adam.close();
        if (working != null) {
            working.close();
        }
        for (NDArray p : params) {
            p.setRequiresGradient(false);
        }
    }
}
