package org.specfair.lm;

import ai.djl.ndarray.NDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Weights derived from a loaded model: its first {@code keepLayers} blocks (embeddings, final norm
 * and head kept) plus seeded Gaussian noise. This is the "assistant that agrees often" of the
 * benchmarks: a truncated, perturbed copy of the main model with the same vocabulary.
 */
public final class DerivedWeights implements WeightSource {
    private static final Pattern LAYER = Pattern.compile("^(?:h|layers)\\.(\\d+)\\.");

    private final Map<String, Weights.Taken> params = new LinkedHashMap<>();
    private final double noise;
    private final long seed;

    public DerivedWeights(CausalLM source, int keepLayers, double noise, long seed) {
        this.noise = noise;
        this.seed = seed;
        for (Weights.Taken t : source.parameters()) {
            Matcher m = LAYER.matcher(t.name());
            if (!m.find() || Integer.parseInt(m.group(1)) < keepLayers) {
                params.put(t.name(), t);
            }
        }
    }

    @Override
    public String describe() {
        return "derived weights (" + params.size() + " tensors, noise " + noise + ")";
    }

    @Override
    public Set<String> names() {
        return params.keySet();
    }

    @Override
    public long[] shape(String name) {
        Weights.Taken t = params.get(name);
        if (t == null) {
            return null;
        }
        long[] s = t.array().getShape().getShape();
        return t.transposed() ? new long[] {s[1], s[0]} : s; // as stored in a checkpoint
    }

    /** The parameter's values in checkpoint orientation, copied to the host (no arrays left in the model's manager). */
    private static float[] hostFloats(Weights.Taken t) {
        try (ai.djl.ndarray.NDManager scope = t.array().getManager().newSubManager()) {
            NDArray a = t.array().toType(ai.djl.ndarray.types.DataType.FLOAT32, true);
            a.attach(scope);
            if (t.transposed()) {
                a = a.transpose();
                a.attach(scope);
            }
            return a.toFloatArray();
        }
    }

    @Override
    public ByteBuffer float32(String name, long[] shape) {
        Weights.Taken t = params.get(name);
        float[] v = hostFloats(t);
        SplittableRandom rnd = new SplittableRandom(seed ^ name.hashCode());
        boolean perturb = noise > 0 && !name.endsWith(".bias") && !name.contains("norm") && !name.contains("ln_");
        ByteBuffer out = ByteBuffer.allocateDirect(v.length * 4).order(ByteOrder.nativeOrder());
        for (float x : v) {
            double n = 0;
            if (perturb) {
                double u1 = 1.0 - rnd.nextDouble();
                n = noise * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rnd.nextDouble());
            }
            out.putFloat((float) (x + n));
        }
        out.rewind();
        return out;
    }
}
