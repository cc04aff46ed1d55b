package org.specfair.decode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.specfair.lm.CausalLM;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The scoring pass: at every emitted position, both models' full next-token distributions given
 * prompt + completion so far are compared (KL both ways, Jensen-Shannon, total variation,
 * alpha = sum(min(p, q)) = 1 - TV, entropies, argmax agreement; {@link DivergenceMath}).
 *
 * <p>Decoding already computed almost all of these distributions with exactly these prefixes: the
 * main model's at every emitted position (verification slots, or main-only steps), the assistant's
 * at every position its proposals or steps covered. They are reused (kept on the device by the
 * decoders); a teacher-forced pass over prompt + completion runs only for a model whose logits are
 * missing somewhere, with its vocabulary head only at the missing positions.
 */
final class DivergenceScorer {
    /** Bytes of one float32 {@code [chunk, V]} array: small enough to stay in cache, big enough to amortise op overhead. */
    private static final long CHUNK_BYTES = 8L << 20;

    private final CausalLM main;
    private final CausalLM assistant;
    private final double temperature;

    DivergenceScorer(CausalLM main, CausalLM assistant, double temperature) {
        this.main = main;
        this.assistant = assistant;
        this.temperature = temperature;
    }

    /** Row r's kept main logits as one {@code [V]} view per emitted position, or null if some are missing. */
    private static List<NDArray> keptMain(RowState row) {
        if (row.mainLogits == null) {
            return null;
        }
        List<NDArray> out = new ArrayList<>(row.emitted());
        for (NDArray block : row.mainLogits) {               // (m, V) per decoding pass
            for (int j = 0; j < block.getShape().get(0); j++) {
                out.add(block.get(j));
            }
        }
        return out.size() == row.emitted() ? out : null;
    }

    /**
     * Per row and emitted position, a model's logits {@code [V]}: the kept ones, and for the rest one
     * teacher-forced pass (no cache) over the rows' prompt + completion whose head runs only at the gaps.
     */
    private static List<List<NDArray>> complete(NDManager scope, CausalLM model, List<RowState> rows,
                                                List<List<NDArray>> kept, int[][] feed) {
        int b = rows.size();
        int[][] missing = new int[b][];
        boolean anyMissing = false;
        for (int r = 0; r < b; r++) {
            RowState row = rows.get(r);
            List<NDArray> have = usable(kept.get(r), row);
            // Slot j of the feed predicts the token at position j + 1: the prompt's last slot predicts the first new token.
            missing[r] = IntStream.range(0, row.emitted()).filter(i -> have == null || have.get(i) == null)
                    .map(i -> row.prompt.length - 1 + i).toArray();
            anyMissing |= missing[r].length > 0;
        }
        if (!anyMissing) {
            return kept;
        }
        NDArray computed = model.logitsAt(scope, feed, null, missing); // (B, max missing, V)
        List<List<NDArray>> out = new ArrayList<>(b);
        for (int r = 0; r < b; r++) {
            RowState row = rows.get(r);
            List<NDArray> have = usable(kept.get(r), row);
            List<NDArray> all = new ArrayList<>(row.emitted());
            int m = 0;
            for (int i = 0; i < row.emitted(); i++) {
                all.add(have != null && have.get(i) != null ? have.get(i) : computed.get(r, m++));
            }
            out.add(all);
        }
        return out;
    }

    /** Kept logits that line up with the row's emitted tokens, else null (all recomputed). */
    private static List<NDArray> usable(List<NDArray> kept, RowState row) {
        return kept != null && kept.size() == row.emitted() ? kept : null;
    }

    List<List<TokenDivergence>> score(List<RowState> rows) {
        int b = rows.size();
        int[][] feed = new int[b][];
        int total = 0;
        for (int r = 0; r < b; r++) {
            RowState row = rows.get(r);
            feed[r] = Arrays.copyOf(row.seq, Math.max(row.prompt.length, row.length - 1));
            total += row.emitted();
        }
        List<List<TokenDivergence>> out = new ArrayList<>();
        try (NDManager scope = main.manager().newSubManager()) {
            List<List<NDArray>> keptMain = new ArrayList<>();
            List<List<NDArray>> keptAssistant = new ArrayList<>();
            for (RowState row : rows) {
                keptMain.add(keptMain(row));
                keptAssistant.add(row.assistantLogits);
            }
            List<List<NDArray>> mainAt = complete(scope, main, rows, keptMain, feed);
            List<List<NDArray>> assistantAt = complete(scope, assistant, rows, keptAssistant, feed);

            // Flatten (row, position) and compute the metrics chunk by chunk.
            List<NDArray> flatMain = new ArrayList<>(total);
            List<NDArray> flatAssistant = new ArrayList<>(total);
            long[] tokens = new long[total];
            int at = 0;
            for (int r = 0; r < b; r++) {
                RowState row = rows.get(r);
                for (int i = 0; i < row.emitted(); i++) {
                    flatMain.add(mainAt.get(r).get(i));
                    flatAssistant.add(assistantAt.get(r).get(i));
                    tokens[at++] = row.seq[row.prompt.length + i];
                }
            }
            DivergenceMath.Chunk[] chunks = new DivergenceMath.Chunk[Math.max(1, total)];
            long v = main.config().vocabSize();
            int chunk = (int) Math.max(1, CHUNK_BYTES / (4 * v));
            for (int from = 0; from < total; from += chunk) {
                int to = Math.min(total, from + chunk);
                try (NDManager part = scope.newSubManager()) {
                    NDArray p = stack(part, flatMain.subList(from, to));
                    NDArray q = stack(part, flatAssistant.subList(from, to)).toDevice(p.getDevice(), false);
                    chunks[from / chunk] = DivergenceMath.of(p, q, Arrays.copyOfRange(tokens, from, to), temperature);
                }
            }
            at = 0;
            for (int r = 0; r < b; r++) {
                RowState row = rows.get(r);
                List<TokenDivergence> list = new ArrayList<>(row.emitted());
                for (int i = 0; i < row.emitted(); i++, at++) {
                    DivergenceMath.Chunk c = chunks[at / chunk];
                    int j = at % chunk;
                    list.add(new TokenDivergence(row.prompt.length + i, (int) tokens[at], row.sources.get(i),
                            c.pTok()[j], c.qTok()[j], c.klPQ()[j], c.klQP()[j], c.js()[j], c.tv()[j], 1.0 - c.tv()[j],
                            c.hP()[j], c.hQ()[j], c.argmaxP()[j] == c.argmaxQ()[j]));
                }
                out.add(list);
            }
        }
        return out;
    }

    /** {@code [n, V]} from n {@code [V]} arrays, as float32, in {@code scope}. */
    private static NDArray stack(NDManager scope, List<NDArray> rows) {
        NDArray out = NDArrays.stack(new NDList(rows), 0);
        out.attach(scope);
        return out.getDataType() == DataType.FLOAT32 ? out : out.toType(DataType.FLOAT32, false);
    }
}
