package org.specfair.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.List;

/**
 * AdamW as {@code torch.optim.AdamW} computes it, on the parameters in place:
 * <pre>
 *   w <- w * (1 - lr * wd)                    (decayed parameters only)
 *   m <- b1 m + (1 - b1) g ;  v <- b2 v + (1 - b2) g^2
 *   w <- w - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * Written out rather than DJL's {@code Optimizer.adamW()} because its moments are private (a resumed run must
 * restore them: {@link #moments}); checked against a float64 reference in the tests. DJL's native
 * {@code adamUpdate} was tried and measured slower on CPU (it allocates ~7 full-size temporaries per parameter).
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
     * One update with learning rate {@code lr}, the gradients taken times {@code gradScale} (the clipping coefficient
     * over the loss scale: folded into the moment updates instead of a pass of its own). In place, 13 elementwise
     * passes and 3 temporaries (in {@code scope}) per decayed parameter; torch's bias corrections folded into two
     * constants: with c = lr * sqrt(1-b2^t) / (1-b1^t) and e = eps * sqrt(1-b2^t), {@code w -= c * m / (sqrt(v) + e)}
     * equals {@code w -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)}. Each parameter's {@code .grad} is then
     * zeroed (a memset, as {@code zero_grad}; nothing when it has none).
     */
    public void step(List<NDArray> params, List<NDArray> grads, double lr, double gradScale, NDManager scope) {
        t++;
        double bc1 = 1 - Math.pow(beta1, t);
        double sqrtBc2 = Math.sqrt(1 - Math.pow(beta2, t));
        float stepSize = (float) (lr * sqrtBc2 / bc1);
        float epsHat = (float) (eps * sqrtBc2);
        double a1 = (1 - beta1) * gradScale;
        double a2 = (1 - beta2) * gradScale * gradScale;
        for (int i = 0; i < m.length; i++) {
            NDArray w = params.get(i);
            NDArray g = grads.get(i);
            if (weightDecay > 0 && decays(w)) {
                w.muli((float) (1 - lr * weightDecay));
            }
            m[i].muli((float) (beta1 / a1)).addi(g).muli((float) a1);     // b1 m + (1-b1) s g without a temporary
            NDArray g2 = g.square();
            g2.attach(scope);
            v[i].muli((float) beta2).addi(g2.muli((float) a2));          // b2 v + (1-b2) (s g)^2
            NDArray denom = v[i].sqrt();
            denom.attach(scope);                         // computed from a long-lived array: would live as long
            NDArray update = m[i].div(denom.addi(epsHat));
            update.attach(scope);
            w.subi(update.muli(stepSize));
            JniUtils.zeroGrad((PtNDArray) w);
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
