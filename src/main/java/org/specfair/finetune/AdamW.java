package org.specfair.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.List;

/**
 * AdamW as {@code torch.optim.AdamW} computes it, on the parameters in place:
 * <pre>
 *   w <- w * (1 - lr * wd)                    (decayed parameters only)
 *   m <- b1 m + (1 - b1) g ;  v <- b2 v + (1 - b2) g^2
 *   w <- w - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * Written out rather than DJL's {@code Optimizer.adamW()} because its moments are private (a resumed run must
 * restore them: {@link #moments}) and this form is the one the float64 reference in the tests repeats.
 * Decay applies to matrices and embeddings (rank >= 2), never to norm scales and biases (rank 1), as in nanoGPT.
 */
public final class AdamW {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    /** First and second moments per parameter, owned by the model's long-lived manager. */
    private final NDArray[] m;
    private final NDArray[] v;
    private int t;

    public AdamW(List<NDArray> params, double beta1, double beta2, double eps, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        m = new NDArray[params.size()];
        v = new NDArray[params.size()];
        for (int i = 0; i < m.length; i++) {
            m[i] = params.get(i).zerosLike();
            v[i] = params.get(i).zerosLike();
        }
    }

    /** Whether decoupled weight decay applies to a parameter of this rank. */
    public static boolean decays(NDArray param) {
        return param.getShape().dimension() >= 2;
    }

    /** One update with learning rate {@code lr}; temporaries are created in {@code scope}. */
    public void step(List<NDArray> params, List<NDArray> grads, double lr, NDManager scope) {
        t++;
        double bc1 = 1 - Math.pow(beta1, t);
        double sqrtBc2 = Math.sqrt(1 - Math.pow(beta2, t));
        for (int i = 0; i < m.length; i++) {
            NDArray w = params.get(i);
            NDArray g = grads.get(i);
            if (weightDecay > 0 && decays(w)) {
                w.muli((float) (1 - lr * weightDecay));
            }
            m[i].muli((float) beta1).addi(g.mul((float) (1 - beta1)));
            v[i].muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
            NDArray denom = v[i].sqrt();
            denom.attach(scope);                         // computed from a long-lived array: would live as long
            denom.divi((float) sqrtBc2).addi((float) eps);
            NDArray update = m[i].div(denom);
            update.attach(scope);
            w.subi(update.muli((float) (lr / bc1)));
        }
    }

    /** Updates taken so far (the bias corrections depend on it). */
    public int steps() {
        return t;
    }

    /** The moment arrays (m then v per parameter, in parameter order), for saving and restoring. */
    public NDArray[] moments(boolean second) {
        return second ? v : m;
    }

    /** Restores the state of a saved run: {@code steps} updates taken, moments copied in. */
    public void restore(int steps, List<float[]> firstMoments, List<float[]> secondMoments) {
        t = steps;
        for (int i = 0; i < m.length; i++) {
            m[i].set(firstMoments.get(i));
            v[i].set(secondMoments.get(i));
        }
    }

    /** Frees the moments. */
    public void close() {
        for (int i = 0; i < m.length; i++) {
            m[i].close();
            v[i].close();
        }
    }
}
