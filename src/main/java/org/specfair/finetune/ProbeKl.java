package org.specfair.finetune;

import org.specfair.decode.DivergenceMath;
import org.specfair.lm.CausalLM;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The KL divergence between a model in training and its partner on a probe prompt set, in both
 * directions, averaged per group: the next-token distributions after each prompt's last token (where
 * generation starts), through the same {@link DivergenceMath} the generation job's tokens table uses.
 */
public final class ProbeKl implements AutoCloseable {
    /** Probe prompts' ids, their groups, and how many to score per forward pass. */
    private final int[][] ids;
    private final String[] groups;
    private final CausalLM partner;
    private final int batch;

    /** Mean KL both ways for one group. */
    public record GroupKl(String category, double klModelPartner, double klPartnerModel) {}

    /** @param partner owned (closed) by this probe */
    public ProbeKl(CausalLM partner, List<int[]> ids, List<String> groups, int batch) {
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("probe prompt set is empty");
        }
        this.partner = partner;
        this.ids = ids.toArray(new int[0][]);
        this.groups = groups.toArray(new String[0]);
        this.batch = Math.max(1, batch);
    }

    /** Per group (sorted) and {@code all}, KL(model || partner) and KL(partner || model). */
    public List<GroupKl> measure(CausalLM model) {
        if (model.config().vocabSize() != partner.config().vocabSize()) {
            throw new IllegalArgumentException("model vocabulary " + model.config().vocabSize() + " differs from the partner's "
                    + partner.config().vocabSize() + ": no KL between them");
        }
        double[] pq = new double[ids.length];
        double[] qp = new double[ids.length];
        for (int from = 0; from < ids.length; from += batch) {
            int[][] chunk = java.util.Arrays.copyOfRange(ids, from, Math.min(ids.length, from + batch));
            try (NDManager scope = model.manager().newSubManager(); NDManager partnerScope = partner.manager().newSubManager()) {
                NDArray p = model.lastLogits(scope, chunk, null);                       // (R, V)
                NDArray q = partner.lastLogits(partnerScope, chunk, null).toDevice(p.getDevice(), false);
                DivergenceMath.Chunk c = DivergenceMath.of(p, q, new long[chunk.length], 1.0, false, null, null);
                System.arraycopy(c.klPQ(), 0, pq, from, chunk.length);
                System.arraycopy(c.klQP(), 0, qp, from, chunk.length);
            }
        }
        Map<String, double[]> sums = new TreeMap<>();
        for (int i = 0; i < ids.length; i++) {
            for (String g : new String[] {groups[i], "all"}) {
                double[] s = sums.computeIfAbsent(g, k -> new double[3]);
                s[0] += pq[i];
                s[1] += qp[i];
                s[2]++;
            }
        }
        List<GroupKl> out = new ArrayList<>();
        Map<String, double[]> ordered = new LinkedHashMap<>(sums);
        ordered.forEach((g, s) -> out.add(new GroupKl(g, s[0] / s[2], s[1] / s[2])));
        return out;
    }

    @Override
    public void close() {
        partner.close();
    }
}
