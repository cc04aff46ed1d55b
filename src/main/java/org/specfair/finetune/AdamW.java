package org.specfair.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.engine.PtNDArray;

import java.util.List;

/**
 * AdamW as {@code torch.optim.AdamW} computes it, on the parameters in place:
 * <pre>
 *   w <- w * (1 - lr * wd)                    (decayed parameters only)
 *   m <- b1 m + (1 - b1) g ;  v <- b2 v + (1 - b2) g^2
 *   w <- w - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * Driven here rather than through DJL's {@code Optimizer.adamW()} because its moments are private (a resumed run must
 * restore them: {@link #moments}); the update itself is DJL's native PyTorch kernel sequence (one JNI call per
 * parameter instead of ~14 Java-side ops and temporaries), checked against a float64 reference in the tests.
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

    /**
     * One update with learning rate {@code lr}, one native call per parameter (DJL's PyTorch {@code adamUpdate}
     * in its AdamW mode: decoupled decay {@code w -= lr*wd*w}, the moments, then {@code w -= c * m / (sqrt(v) + e)}).
     * torch's bias corrections are folded into its two constants: with c = lr * sqrt(1-b2^t) / (1-b1^t) and
     * e = eps * sqrt(1-b2^t), {@code c * m / (sqrt(v) + e)} equals {@code lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)}.
     * The gradients are used times {@code gradScale} (the clipping coefficient over the loss scale), applied to the
     * kernel's own copy of each gradient rather than in a separate pass. The call also zeroes each parameter's
     * {@code .grad} (PyTorch's {@code zero_grad}: a memset). Nothing is allocated on the Java side.
     */
    public void step(List<NDArray> params, List<NDArray> grads, double lr, double gradScale) {
        t++;
        double bc1 = 1 - Math.pow(beta1, t);
        double sqrtBc2 = Math.sqrt(1 - Math.pow(beta2, t));
        float stepSize = (float) (lr * sqrtBc2 / bc1);
        float epsHat = (float) (eps * sqrtBc2);
        for (int i = 0; i < m.length; i++) {
            NDArray w = params.get(i);
            float decay = weightDecay > 0 && decays(w) ? (float) weightDecay : 0f;
            // inputs: weight, gradient, first and second moments (updated in place); no element-wise clip (-1)
            ((PtNDArray) w).getNDArrayInternal().adamUpdate(new NDList(w, grads.get(i), m[i], v[i]), new NDList(w),
                    (float) lr, stepSize, decay, (float) gradScale, -1f, (float) beta1, (float) beta2, epsHat, false, true);
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
