package org.specfair.finetune;

import org.specfair.lm.CausalLM;
import org.specfair.lm.Weights;
import org.specfair.lm.nn.Scalar;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
        this.dataset = dataset;
        this.train = train;
        this.val = val;
        this.config = config;
        this.probe = probe;
        for (Weights.Taken t : model.parameters()) {
            t.array().setRequiresGradient(true);
            params.add(t.array());
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

    /** Continues a saved run: {@code step} updates done, moments and milestones as saved, weights already loaded. */
    public void resume(int step, List<float[]> m, List<float[]> v, List<Milestone> done, double recentSum, int recentCount,
                       Double lastTrainLoss) {
        this.step = step;
        adam.restore(step, m, v);
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
                LOG.info(String.format("%s step %d/%d loss %.4f lr %.2e %.0f tokens/s ETA %ds", dataset, step, totalSteps, loss,
                        lr.at(step), tokensPerStep() / perStep, Math.round(perStep * (totalSteps - step))));
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

    /** One optimizer step over {@code grad_accumulation} micro-batches; returns the mean training loss. */
    double trainStep() {
        int s = step + 1;
        double lossSum = 0;
        long started = System.nanoTime();
        try (NDManager scope = model.manager().newSubManager()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                for (int k = 0; k < config.gradAccumulation(); k++) {
                    NDArray loss = NextTokenLoss.of(model, scope, microBatch(s, k));
                    lossSum += loss.getFloat();
                    gc.backward(Scalar.dividedBy(loss, config.gradAccumulation()));
                }
            }
            lastForwardBackwardNanos = System.nanoTime() - started;
            List<NDArray> grads = new ArrayList<>(params.size());
            for (NDArray p : params) {
                NDArray g = p.getGradient();
                g.attach(scope);
                grads.add(g);
            }
            double norm = globalNorm(grads, scope);
            if (!Double.isFinite(norm)) {
                throw new IllegalStateException("dataset '" + dataset + "' step " + s + ": gradient norm is " + norm
                        + " (learning rate too high?)");
            }
            if (config.clipNorm() > 0 && norm > config.clipNorm()) {
                float coef = (float) (config.clipNorm() / (norm + 1e-6)); // torch.nn.utils.clip_grad_norm_
                grads.forEach(g -> g.muli(coef));
            }
            adam.step(params, grads, lr.at(s), scope);
            grads.forEach(g -> g.muli(0)); // PyTorch accumulates into .grad: start the next step from zero
        }
        lastStepNanos = System.nanoTime() - started;
        step = s;
        return lossSum / config.gradAccumulation();
    }

    /**
     * Wall nanoseconds of the last step: {@code [whole step, forward + backward]} (benchmarks; on a GPU the
     * optimizer's kernels may still be queued when the step returns).
     */
    public long[] lastStepTimes() {
        return new long[] {lastStepNanos, lastForwardBackwardNanos};
    }

    /** sqrt of the sum of squares of every gradient element, one host read. */
    static double globalNorm(List<NDArray> grads, NDManager scope) {
        NDArray[] sq = new NDArray[grads.size()];
        for (int i = 0; i < sq.length; i++) {
            sq[i] = grads.get(i).square().sum();
        }
        return Math.sqrt(ai.djl.ndarray.NDArrays.stack(new ai.djl.ndarray.NDList(sq)).sum().getFloat());
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
        for (NDArray p : params) {
            p.setRequiresGradient(false);
        }
    }
}
