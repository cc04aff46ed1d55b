package org.specfair.lm.nn;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Helper threads that split one matrix product with the thread that asks for it, woken in about a microsecond.
 *
 * <p>Why not an executor: a decode step makes ~70 products of 0.03-0.3 ms each, a few tens of microseconds apart.
 * Handing work to a parked pool thread costs a futex wake-up of 20-50 us, as much as the product itself on a 768x768
 * matrix, so two threads were barely faster than one. Here a helper spins (with {@code Thread.onSpinWait}) for up
 * to {@link #SPIN_NANOS} after its last part, which covers the gaps inside a pass, and only then parks; an idle
 * model costs no CPU. Only a task that owns more than one core has helpers (local mode and the CPU cluster profile
 * give each task one core: no helper, no spinning).
 *
 * <p>Each calling thread (a Spark task) gets its own helpers, so concurrent tasks never wait on each other. Besides
 * the products, the row path's attention (heads) and the scoring kernel (positions) split their work here too.
 */
public final class ProductThreads {
    /**
     * How long an idle helper spins before it parks: longer than the torch ops between two products of a pass and than
     * the host work between two decode steps (gpt-neo-125M shapes, main-only batch 1: 63-69 tokens/s with 0.2 ms,
     * 74-79 with 1 ms, 52-56 with 0.05 ms; speculative k = 4 unchanged at 107-113).
     */
    static final long SPIN_NANOS = 1_000_000;

    private static final ThreadLocal<ProductThreads> OWN = new ThreadLocal<>();

    private final Helper[] helpers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Throwable failure;

    private ProductThreads(int helpers) {
        this.helpers = new Helper[helpers];
        for (int i = 0; i < helpers; i++) {
            this.helpers[i] = new Helper(this, i + 1);
            this.helpers[i].start();
        }
    }

    /** The threads a task's host work may use: PyTorch's intra-op count (the cores the task owns). */
    public static int threads() {
        return Math.max(1, ai.djl.pytorch.jni.JniUtils.getNumThreads());
    }

    /** Runs {@code part.accept(0 .. parts-1)}, part 0 on the calling thread, the others on its helpers. */
    public static void run(int parts, IntConsumer part) {
        if (parts <= 1) {
            part.accept(0);
            return;
        }
        ProductThreads own = OWN.get();
        if (own == null || own.helpers.length < parts - 1) {
            if (own != null) {
                own.stop();
            }
            own = new ProductThreads(parts - 1);
            OWN.set(own);
        }
        own.split(parts, part);
    }

    private void split(int parts, IntConsumer part) {
        failure = null;
        pending.set(parts - 1);
        for (int i = 0; i < parts - 1; i++) {
            helpers[i].give(part);
        }
        part.accept(0);
        while (pending.get() != 0) { // the helpers' parts take as long as this one: a short wait
            Thread.onSpinWait();
        }
        Throwable f = failure;
        if (f != null) {
            throw new IllegalStateException("work split between threads failed on a helper: " + f, f);
        }
    }

    private void stop() {
        for (Helper h : helpers) {
            h.interrupt();
        }
    }

    private static final class Helper extends Thread {
        private final ProductThreads crew;
        private final int index;
        private volatile IntConsumer work;

        Helper(ProductThreads crew, int index) {
            super("specfair-matmul-" + index);
            this.crew = crew;
            this.index = index;
            setDaemon(true);
        }

        void give(IntConsumer part) {
            work = part;
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            long idleSince = System.nanoTime();
            while (!isInterrupted()) {
                IntConsumer w = work;
                if (w == null) {
                    if (System.nanoTime() - idleSince < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                        idleSince = System.nanoTime();
                    }
                    continue;
                }
                work = null;
                try {
                    w.accept(index);
                } catch (Throwable t) {
                    crew.failure = t;
                } finally {
                    crew.pending.decrementAndGet();
                    idleSince = System.nanoTime();
                }
            }
        }
    }
}
