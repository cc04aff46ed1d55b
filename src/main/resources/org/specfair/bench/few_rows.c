/*
 * A native baseline for the few-row products of org.specfair.lm.nn.PackedMatrix on AVX2 (jobs/bench native).
 *
 * The same packed layout (panels of 8 outputs, each in x 8 floats, three panels to a tile), the same kernel shapes
 * (one row: three panels per input index; 5 and 7+ rows: five rows over two panels across two tiles, the last 1-4
 * rows by the tile kernels; 2-4 and 6 rows: the tile kernels, at most 4 rows at a time) and the same split between
 * threads (chunks of tiles from a shared counter, about eight per thread, a multiple of four), compiled by gcc -O3. If this runs a 5-row product at
 * about the Java kernel's cost over one row, the cost is the machine's, not the JIT's.
 *
 * usage: few_rows OUT IN THREADS REPS COPIES ROWS...   (OUT a multiple of 24: whole tiles)
 * prints per row count: "rows R ms MEDIAN hash FNV1A64-OF-THE-OUTPUT-BITS"
 * Weights and inputs are small dyadic rationals, so every product is exact and NativeBench can check that the Java
 * kernel computes the same outputs (its hash) whatever the order of the additions.
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define L 8
#define TILE 3

static int OUT, IN, ROWS;
static float *P; /* the current copy's panels */
static float *X; /* ROWS x IN */
static float *Y; /* ROWS x OUT */
static atomic_int next_chunk;
static int CHUNK; /* tiles per chunk, as PackedMatrix.applyInto sizes them */

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* r rows (1-4) over the three panels of one tile: r x 3 accumulators. */
static inline void tile_rows(int r, long base, int r0, int o0) {
    const float *pa = P + base, *pb = pa + (long) IN * L, *pc = pb + (long) IN * L;
    __m256 acc[4][3];
    for (int k = 0; k < 4; k++) acc[k][0] = acc[k][1] = acc[k][2] = _mm256_setzero_ps();
    for (int i = 0; i < IN; i++) {
        __m256 wa = _mm256_loadu_ps(pa + (long) i * L), wb = _mm256_loadu_ps(pb + (long) i * L), wc = _mm256_loadu_ps(pc + (long) i * L);
        for (int k = 0; k < r; k++) {
            __m256 v = _mm256_broadcast_ss(X + (long) (r0 + k) * IN + i);
            acc[k][0] = _mm256_fmadd_ps(wa, v, acc[k][0]);
            acc[k][1] = _mm256_fmadd_ps(wb, v, acc[k][1]);
            acc[k][2] = _mm256_fmadd_ps(wc, v, acc[k][2]);
        }
    }
    for (int k = 0; k < r; k++)
        for (int j = 0; j < 3; j++) _mm256_storeu_ps(Y + (long) (r0 + k) * OUT + o0 + j * L, acc[k][j]);
}

static void tile_kernel(int r, long base, int r0, int o0) {
    switch (r) { /* constant row counts, so the accumulators stay in registers */
        case 1: tile_rows(1, base, r0, o0); break;
        case 2: tile_rows(2, base, r0, o0); break;
        case 3: tile_rows(3, base, r0, o0); break;
        default: tile_rows(4, base, r0, o0); break;
    }
}

/* Five rows over two panels: 10 accumulators, two weights and a broadcast in 16 registers. */
static void rows5x2(long base, int r0, int o0) {
    const float *pa = P + base, *pb = pa + (long) IN * L;
    const float *x = X + (long) r0 * IN;
    long n = IN;
    __m256 a0 = _mm256_setzero_ps(), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0, a4 = a0, b4 = a0;
    for (long i = 0; i < n; i++) {
        __m256 wa = _mm256_loadu_ps(pa + i * L), wb = _mm256_loadu_ps(pb + i * L);
        __m256 v = _mm256_broadcast_ss(x + i);
        a0 = _mm256_fmadd_ps(wa, v, a0); b0 = _mm256_fmadd_ps(wb, v, b0);
        v = _mm256_broadcast_ss(x + n + i);
        a1 = _mm256_fmadd_ps(wa, v, a1); b1 = _mm256_fmadd_ps(wb, v, b1);
        v = _mm256_broadcast_ss(x + 2 * n + i);
        a2 = _mm256_fmadd_ps(wa, v, a2); b2 = _mm256_fmadd_ps(wb, v, b2);
        v = _mm256_broadcast_ss(x + 3 * n + i);
        a3 = _mm256_fmadd_ps(wa, v, a3); b3 = _mm256_fmadd_ps(wb, v, b3);
        v = _mm256_broadcast_ss(x + 4 * n + i);
        a4 = _mm256_fmadd_ps(wa, v, a4); b4 = _mm256_fmadd_ps(wb, v, b4);
    }
    float *y = Y + (long) r0 * OUT + o0;
    _mm256_storeu_ps(y, a0); _mm256_storeu_ps(y + L, b0);
    _mm256_storeu_ps(y + OUT, a1); _mm256_storeu_ps(y + OUT + L, b1);
    _mm256_storeu_ps(y + 2L * OUT, a2); _mm256_storeu_ps(y + 2L * OUT + L, b2);
    _mm256_storeu_ps(y + 3L * OUT, a3); _mm256_storeu_ps(y + 3L * OUT + L, b3);
    _mm256_storeu_ps(y + 4L * OUT, a4); _mm256_storeu_ps(y + 4L * OUT + L, b4);
}

static void tiles(int t0, int t1) {
    int wide = ROWS >= 5 && ROWS != 6;
    for (int t = t0; t < t1; t++) {
        long base = (long) t * TILE * IN * L;
        int o0 = t * TILE * L;
        int r0 = 0;
        if (wide && t + 1 < t1) { /* two tiles: the 5-row blocks over panel pairs, then the rest tile by tile */
            for (; r0 + 5 <= ROWS; r0 += 5)
                for (int g = 0; g < 3; g++) rows5x2(base + 2L * g * IN * L, r0, o0 + 2 * g * L);
            for (int k = 0; k < 2; k++)
                for (int r = r0; r < ROWS; r += 4)
                    tile_kernel(ROWS - r < 4 ? ROWS - r : 4, base + (long) k * TILE * IN * L, r, o0 + k * TILE * L);
            t++;
            continue;
        }
        for (; r0 < ROWS; r0 += 4) tile_kernel(ROWS - r0 < 4 ? ROWS - r0 : 4, base, r0, o0);
    }
}

static void *work(void *unused) {
    int ntiles = OUT / (TILE * L);
    for (;;) {
        int c = atomic_fetch_add(&next_chunk, 1) * CHUNK;
        if (c >= ntiles) return NULL;
        tiles(c, c + CHUNK < ntiles ? c + CHUNK : ntiles);
    }
}

static void product(int threads) {
    pthread_t helper[64];
    int ntiles = OUT / (TILE * L);
    long weights = (long) OUT * IN;
    if (weights < (1L << 19)) threads = 1; /* PackedMatrix's PARALLEL_MIN_WEIGHTS, per thread */
    else if (weights / (1L << 19) < threads) threads = (int) (weights / (1L << 19));
    CHUNK = ntiles / (threads * 8) / 4 * 4;
    if (CHUNK < 4) CHUNK = 4;
    atomic_store(&next_chunk, 0);
    for (int i = 1; i < threads; i++) pthread_create(&helper[i], NULL, work, NULL);
    work(NULL);
    for (int i = 1; i < threads; i++) pthread_join(helper[i], NULL);
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: few_rows OUT IN THREADS REPS COPIES ROWS...\n");
        return 2;
    }
    OUT = atoi(argv[1]);
    IN = atoi(argv[2]);
    int threads = atoi(argv[3]), reps = atoi(argv[4]), copies = atoi(argv[5]);
    if (OUT <= 0 || OUT % (TILE * L) != 0 || IN <= 0 || threads < 1 || threads > 64 || reps < 1 || copies < 1) {
        fprintf(stderr, "few_rows: OUT must be a positive multiple of 24, IN positive, 1-64 threads\n");
        return 2;
    }
    float **panels = malloc(sizeof(float *) * copies);
    for (int c = 0; c < copies; c++) {
        panels[c] = aligned_alloc(64, sizeof(float) * (size_t) OUT * IN);
        for (long o = 0; o < OUT; o++) /* panel o / 8, lane o % 8 */
            for (long i = 0; i < IN; i++)
                panels[c][((o / L) * IN + i) * L + o % L] = (float) ((o * 131 + i * 71) % 97 - 48) * (1.0f / 256);
    }
    int n = argc - 6;
    int *rows = malloc(sizeof(int) * n);
    float **xs = malloc(sizeof(float *) * n), **ys = malloc(sizeof(float *) * n);
    double *ms = malloc(sizeof(double) * (size_t) n * reps);
    for (int a = 0; a < n; a++) {
        rows[a] = atoi(argv[6 + a]);
        if (rows[a] < 1 || rows[a] > 16) {
            fprintf(stderr, "few_rows: rows must be 1-16\n");
            return 2;
        }
        xs[a] = malloc(sizeof(float) * (size_t) rows[a] * IN);
        ys[a] = aligned_alloc(64, sizeof(float) * (size_t) rows[a] * OUT);
        for (long k = 0; k < (long) rows[a] * IN; k++) xs[a][k] = (float) ((k / IN * 37 + k % IN * 13) % 61 - 30) * (1.0f / 128);
    }
    /* the row counts in turns, repeat by repeat, so a slow spell of a shared machine hits them alike */
    for (int r = -3, c = 0; r < reps; r++) {
        for (int a = 0; a < n; a++) {
            P = panels[c];
            c = (c + 1) % copies;
            ROWS = rows[a];
            X = xs[a];
            Y = ys[a];
            double t0 = now();
            product(threads);
            if (r >= 0) ms[(long) a * reps + r] = (now() - t0) * 1e3;
        }
    }
    for (int a = 0; a < n; a++) {
        qsort(ms + (long) a * reps, reps, sizeof(double), by_value);
        uint64_t h = 14695981039346656037ULL; /* FNV-1a 64 */
        for (long k = 0; k < (long) rows[a] * OUT; k++) {
            uint32_t bits;
            memcpy(&bits, &ys[a][k], 4);
            h = (h ^ bits) * 1099511628211ULL;
        }
        printf("rows %d ms %.4f hash %llu\n", rows[a], ms[(long) a * reps + reps / 2], (unsigned long long) h);
    }
    return 0;
}
