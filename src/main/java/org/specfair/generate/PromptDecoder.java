package org.specfair.generate;

import org.specfair.decode.DecodeConfig;
import org.specfair.decode.DecodeRequest;
import org.specfair.decode.Decoder;
import org.specfair.decode.DraftToken;
import org.specfair.decode.Generation;
import org.specfair.decode.Seeds;
import org.specfair.decode.TokenDivergence;
import org.specfair.prompts.Prompt;
import org.specfair.spark.ExecutorModels;
import org.specfair.tokenizer.TextTokenizer;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Consumer;

/**
 * Decodes a task's prompts in batches and turns every (prompt, sample) into exactly one result row
 * (generation + nested drafts + tokens). A prompt that cannot be decoded (empty, too long, not
 * tokenizable, or a decoding failure) becomes a row with {@code error} set; nothing is dropped.
 * Plain code: no SparkSession, so it is unit-tested directly.
 */
public final class PromptDecoder {
    private static final Logger LOG = LogManager.getLogger(PromptDecoder.class);

    private final GenerateOptions opts;
    private final RunInfo run;
    private final Decoder decoder;
    private final TextTokenizer tokenizer;
    /** Why an item's decoding failed, for items whose batch and solo retries both failed. */
    private final java.util.Map<Item, String> failures = new java.util.IdentityHashMap<>();

    public PromptDecoder(GenerateOptions opts, RunInfo run, ExecutorModels.Loaded main, ExecutorModels.Loaded assistant) {
        this.opts = opts;
        this.run = run;
        this.decoder = new Decoder(main.model(), assistant == null ? null : assistant.model(), opts.decode());
        this.tokenizer = main.tokenizer();
    }

    /** One unit of work: a prompt, its sample index, its ids (or why it has none). */
    private record Item(Prompt prompt, int sample, int[] ids, String error) {}

    /** Decodes all prompts into a list (tests, benchmarks); see {@link #decodeLazily}. */
    public List<Row> decode(List<Prompt> prompts, Consumer<List<Generation>> progress) {
        List<Row> out = new ArrayList<>();
        decodeLazily(prompts.iterator(), progress).forEachRemaining(out::add);
        return out;
    }

    /**
     * Decodes prompts as the returned iterator is read: a window of {@code 4 x batchSize} prompts is
     * tokenized and sorted by length (similar lengths together: less padding), then decoded one batch at a
     * time, so a task holds one window of prompts and one batch of result rows, never its whole partition.
     * Results do not depend on batch or window composition. {@code progress} receives each finished batch.
     */
    public Iterator<Row> decodeLazily(Iterator<Prompt> prompts, Consumer<List<Generation>> progress) {
        int window = 4 * opts.batchSize();
        return new Iterator<>() {
            private final ArrayDeque<Row> ready = new ArrayDeque<>();
            private final ArrayDeque<Item> pending = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                while (ready.isEmpty() && (!pending.isEmpty() || prompts.hasNext())) {
                    if (pending.isEmpty()) {
                        readWindow();
                    } else {
                        decodeNextBatch();
                    }
                }
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.poll();
            }

            private void readWindow() {
                List<Item> ok = new ArrayList<>();
                for (int n = 0; n < window && prompts.hasNext(); n++) {
                    Prompt p = prompts.next();
                    int[] ids = null;
                    String error = p.error();
                    if (error == null) {
                        try {
                            ids = tokenize(p.text());
                            error = decoder.validate(ids);
                        } catch (RuntimeException e) {
                            error = "cannot tokenize: " + e.getMessage();
                        }
                    }
                    for (int s = 0; s < opts.numSamples(); s++) {
                        Item item = new Item(p, s, ids, error);
                        if (error == null) {
                            ok.add(item);
                        } else {
                            ready.add(row(item, null, null));
                        }
                    }
                }
                ok.sort(Comparator.comparingInt((Item i) -> i.ids().length).thenComparing(i -> i.prompt().promptId())
                        .thenComparingInt(Item::sample));
                pending.addAll(ok);
            }

            private void decodeNextBatch() {
                List<Item> batch = new ArrayList<>();
                while (batch.size() < opts.batchSize() && !pending.isEmpty()) {
                    batch.add(pending.poll());
                }
                List<Generation> gens = decodeBatch(batch);
                for (int i = 0; i < batch.size(); i++) {
                    Item item = batch.get(i);
                    Generation g = gens.get(i);
                    ready.add(g == null ? row(item, null, failures.remove(item)) : row(item, g, null));
                }
                progress.accept(gens.stream().filter(g -> g != null).toList());
            }
        };
    }

    /** The batch at once; if that fails, each prompt alone, so one bad prompt costs only its own row. */
    private List<Generation> decodeBatch(List<Item> batch) {
        try {
            return decoder.generate(batch.stream().map(this::request).toList(), opts.score());
        } catch (RuntimeException batchFailure) {
            LOG.warn("batch of {} failed ({}); retrying prompts one by one", batch.size(), batchFailure.getMessage());
            List<Generation> gens = new ArrayList<>();
            for (Item item : batch) {
                try {
                    gens.add(decoder.generate(List.of(request(item)), opts.score()).get(0));
                } catch (RuntimeException e) {
                    failures.put(item, "decoding failed: " + e.getMessage());
                    gens.add(null);
                }
            }
            return gens;
        }
    }

    private DecodeRequest request(Item item) {
        return new DecodeRequest(item.ids(), Seeds.forPrompt(opts.decode().seed(), item.prompt().promptId(), item.sample()));
    }

    /** Text to ids with the main model's tokenizer; without one, the text must be a list of ids ("1 2 3" or "1,2,3"). */
    int[] tokenize(String text) {
        if (text == null || text.isEmpty()) {
            return new int[0];
        }
        if (tokenizer != null) {
            return tokenizer.encode(text);
        }
        String[] parts = text.trim().split("[,\\s]+");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the main checkpoint has no tokenizer, so prompts must be token ids; got '" + parts[i] + "'");
            }
        }
        return ids;
    }

    private String token(int id) {
        return tokenizer == null ? null : tokenizer.token(id);
    }

    private Row row(Item item, Generation g, String failure) {
        Prompt p = item.prompt();
        DecodeConfig c = opts.decode();
        Object[] keys = {opts.experiment(), opts.stage(), run.runId(), p.promptId(), item.sample()};
        String error = g != null ? null : failure != null ? failure : item.error();
        Object[] gen = concat(keys, new Object[] {
                p.group(), p.group(), p.identity(), p.template(), p.text(), p.source(), p.sourceRow(),
                item.ids() == null ? null : boxed(item.ids()),
                g == null ? null : tokenizer == null ? null : tokenizer.decode(g.completionIds()),
                g == null ? null : boxed(g.completionIds()),
                opts.mainModel(), opts.assistantModel(), run.mainFingerprint(), run.assistantFingerprint(),
                c.mode().label(), c.temperature(), c.topK(), c.topP(), c.schedule().label(), c.numAssistantTokens(),
                c.maxNewTokens(), c.seed(),
                g == null ? null : g.completionIds().length,
                g == null ? null : g.nMatches(),
                g == null ? null : g.ratio(),
                g == null ? null : g.proposed(),
                g == null ? null : g.accepted(),
                g == null ? null : nanToNull(g.acceptanceRate()),
                g == null ? null : nanToNull(g.agreementRate()),
                g == null ? null : g.rounds().size(),
                g == null ? null : g.mainPasses(),
                g == null ? null : g.draftPasses(),
                g == null ? null : g.finishReason(),
                g == null ? null : g.wallNanos() / 1e6,
                error});
        List<Row> drafts = new ArrayList<>();
        List<Row> tokens = new ArrayList<>();
        if (g != null) {
            for (DraftToken d : g.drafts()) {
                drafts.add(RowFactory.create(concat(keys, new Object[] {d.round(), d.indexInRound(), d.tokenId(),
                        token(d.tokenId()), d.p(), d.q(), d.pMinusQ(), d.accepted()})));
            }
            for (TokenDivergence t : g.tokens()) {
                tokens.add(RowFactory.create(concat(keys, new Object[] {t.position(), t.tokenId(), token(t.tokenId()),
                        t.source().label(), t.p(), t.q(), t.klMainAssistant(), t.klAssistantMain(), t.js(), t.tv(),
                        t.alpha(), t.entropyMain(), t.entropyAssistant(), t.argmaxAgrees()})));
            }
        }
        return RowFactory.create(RowFactory.create(gen), seq(drafts), seq(tokens));
    }

    private static Double nanToNull(double v) {
        return Double.isNaN(v) ? null : v;
    }

    /** Spark's Row encoder wants Scala sequences for array columns. */
    private static scala.collection.immutable.Seq<Integer> boxed(int[] ids) {
        return seq(Arrays.stream(ids).boxed().toList());
    }

    private static <T> scala.collection.immutable.Seq<T> seq(List<T> list) {
        return scala.jdk.javaapi.CollectionConverters.asScala(list).toList();
    }

    private static Object[] concat(Object[] a, Object[] b) {
        Object[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
