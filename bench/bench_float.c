/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Float engine throughput (run by hand; never a test):
 *     ninja -C build bench/bench_float && ./build/bench/bench_float [seconds]
 *
 * Builds a small CNN in C (32x32x3 -> conv3x3x16 -> conv3x3x32 -> maxpool -> conv3x3x64 ->
 * avgpool -> FC 10; random weights, fixed seed), runs the float engine at batch 1 and batch 64
 * (warm-up, then at least `seconds` each, default 2) and prints samples/s and GFLOP/s
 * (2 * MACs * samples/s). For scale it also times raw cblas_sgemm on 512^3 and on the model's
 * biggest conv GEMM at batch 64, beside the engine's own GEMM (each instruction-set variant
 * this CPU runs) on the same shapes. The OpenBLAS figures run once with 1 thread and once with
 * its default thread count; the engine never uses BLAS or threads.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/float/gemm_f32.h"
#include "qvet/qvet.h"

#define CHECK(expr)                                                                              \
    do {                                                                                         \
        if ((expr) != QV_OK) {                                                                   \
            fprintf(stderr, "bench_float: %s failed: %s\n", #expr, err.msg);                     \
            exit(1);                                                                             \
        }                                                                                        \
    } while (0)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* xorshift64: uniform in [-scale, scale). */
static float rnd(uint64_t *s, float scale)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return scale * ((float)(*s >> 40) / (float)(1 << 23) - 1.0f);
}

static int32_t add_const(struct qv_graph *g, const char *name, struct qv_shape s, float scale,
                         uint64_t *seed)
{
    struct qv_error err = QV_ERROR_INIT;
    int32_t t;
    void *data;
    CHECK(qv_graph_add_tensor(g, name, QV_DTYPE_F32, &s, &t, &err));
    CHECK(qv_graph_alloc_data(g, t, &data, &err));
    float *f = data;
    for (int64_t i = 0; i < qv_shape_elems(&s); i++)
        f[i] = rnd(seed, scale);
    return t;
}

static int32_t add_act(struct qv_graph *g, const char *name)
{
    struct qv_error err = QV_ERROR_INIT;
    int32_t t;
    struct qv_shape empty = { 0, { 0 } };
    CHECK(qv_graph_add_tensor(g, name, QV_DTYPE_F32, &empty, &t, &err));
    return t;
}

static int32_t conv(struct qv_graph *g, int32_t x, const char *name, int64_t cin, int64_t cout,
                    uint64_t *seed)
{
    struct qv_error err = QV_ERROR_INIT;
    char wn[64], bn[64];
    snprintf(wn, sizeof(wn), "%s_w", name);
    snprintf(bn, sizeof(bn), "%s_b", name);
    int32_t in[3] = { x, add_const(g, wn, (struct qv_shape){ 4, { cout, 3, 3, cin } },
                                   1.0f / (float)(3 * cin), seed),
                      add_const(g, bn, (struct qv_shape){ 1, { cout } }, 0.1f, seed) };
    int32_t y = add_act(g, name);
    struct qv_attrs a;
    qv_attrs_init(&a);
    a.act = QV_ACT_RELU;
    CHECK(qv_graph_add_node(g, QV_OP_CONV_2D, name, 3, in, 1, &y, &a, NULL, &err));
    return y;
}

static int32_t pool(struct qv_graph *g, int32_t x, const char *name, enum qv_op op)
{
    struct qv_error err = QV_ERROR_INIT;
    int32_t y = add_act(g, name);
    struct qv_attrs a;
    qv_attrs_init(&a);
    a.filter_h = a.filter_w = 2;
    a.stride_h = a.stride_w = 2;
    a.padding = QV_PADDING_VALID;
    CHECK(qv_graph_add_node(g, op, name, 1, &x, 1, &y, &a, NULL, &err));
    return y;
}

static struct qv_graph *build_model(void)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g;
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    int32_t x, y;
    CHECK(qv_graph_create(&g, &err));
    CHECK(qv_graph_add_tensor(g, "input", QV_DTYPE_F32,
                              &(struct qv_shape){ 4, { 1, 32, 32, 3 } }, &x, &err));
    y = conv(g, x, "conv1", 3, 16, &seed);
    y = conv(g, y, "conv2", 16, 32, &seed);
    y = pool(g, y, "pool1", QV_OP_MAX_POOL_2D);
    y = conv(g, y, "conv3", 32, 64, &seed);
    y = pool(g, y, "pool2", QV_OP_AVERAGE_POOL_2D);
    int32_t fc_in[3] = { y, add_const(g, "fc_w", (struct qv_shape){ 2, { 10, 8 * 8 * 64 } },
                                      0.02f, &seed),
                         add_const(g, "fc_b", (struct qv_shape){ 1, { 10 } }, 0.1f, &seed) };
    int32_t out = add_act(g, "logits");
    CHECK(qv_graph_add_node(g, QV_OP_FULLY_CONNECTED, "fc", 3, fc_in, 1, &out, NULL, NULL,
                            &err));
    CHECK(qv_graph_set_io(g, 1, &x, 1, &out, &err));
    CHECK(qv_graph_finalize(g, &err));
    return g;
}

/* Samples per second of the float engine at this batch (>= min_secs of runs). */
static double bench_engine(const struct qv_graph *g, int64_t batch, double min_secs)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_engine *e;
    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    o.kind = QV_ENGINE_FLOAT;
    o.max_batch = batch;
    CHECK(qv_engine_create(g, &o, &e, &err));
    if (qv_engine_max_batch(e) != batch) {
        fprintf(stderr, "bench_float: engine planned batch %lld, not %lld\n",
                (long long)qv_engine_max_batch(e), (long long)batch);
        exit(1);
    }
    float *in = qv_engine_input(e, 0);
    uint64_t seed = 42;
    for (size_t i = 0; i < (size_t)batch * qv_engine_input_bytes(e, 0) / sizeof(float); i++)
        in[i] = rnd(&seed, 1.0f);
    for (int i = 0; i < 3; i++)
        CHECK(qv_engine_run(e, batch, &err));
    int64_t iters = 0;
    double t0 = now(), t;
    do {
        CHECK(qv_engine_run(e, batch, &err));
        iters++;
        t = now() - t0;
    } while (t < min_secs);
    qv_engine_free(e);
    return (double)(iters * batch) / t;
}

/* GFLOP/s of C[m][n] = A[m][k] * B[n][k]^T, the engine's GEMM form. */
static double bench_sgemm(int64_t m, int64_t n, int64_t k, double min_secs)
{
    float *a = malloc((size_t)(m * k) * sizeof(float));
    float *b = malloc((size_t)(n * k) * sizeof(float));
    float *c = malloc((size_t)(m * n) * sizeof(float));
    if (!a || !b || !c) {
        fprintf(stderr, "bench_float: out of memory\n");
        exit(1);
    }
    uint64_t seed = 7;
    for (int64_t i = 0; i < m * k; i++)
        a[i] = rnd(&seed, 1.0f);
    for (int64_t i = 0; i < n * k; i++)
        b[i] = rnd(&seed, 1.0f);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)m, (blasint)n, (blasint)k, 1.0f,
                a, (blasint)k, b, (blasint)k, 0.0f, c, (blasint)n);
    int64_t iters = 0;
    double t0 = now(), t;
    do {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)m, (blasint)n, (blasint)k,
                    1.0f, a, (blasint)k, b, (blasint)k, 0.0f, c, (blasint)n);
        iters++;
        t = now() - t0;
    } while (t < min_secs);
    free(a);
    free(b);
    free(c);
    return 2.0 * (double)m * (double)n * (double)k * (double)iters / t / 1e9;
}

/* GFLOP/s of the engine's GEMM variant kv on the same form (weights packed once). */
static double bench_qv_sgemm(const struct qv_sgemm_kernel *kv, int64_t m, int64_t n, int64_t k,
                             double min_secs)
{
    float *a = malloc((size_t)(m * k) * sizeof(float));
    float *b = malloc((size_t)(n * k) * sizeof(float));
    float *bias = calloc((size_t)n, sizeof(float));
    float *c = malloc((size_t)(m * n) * sizeof(float));
    float *packed = malloc(qv_sgemm_packed_size(kv, n, k));
    if (!a || !b || !bias || !c || !packed) {
        fprintf(stderr, "bench_float: out of memory\n");
        exit(1);
    }
    uint64_t seed = 7;
    for (int64_t i = 0; i < m * k; i++)
        a[i] = rnd(&seed, 1.0f);
    for (int64_t i = 0; i < n * k; i++)
        b[i] = rnd(&seed, 1.0f);
    qv_sgemm_pack(kv, b, n, k, k, packed);
    const struct qv_sgemm_epilogue ep = { bias, -3e38f, 3e38f };
    qv_sgemm_run(kv, m, n, k, a, k, packed, &ep, c, n);
    int64_t iters = 0;
    double t0 = now(), t;
    do {
        qv_sgemm_run(kv, m, n, k, a, k, packed, &ep, c, n);
        iters++;
        t = now() - t0;
    } while (t < min_secs);
    free(a);
    free(b);
    free(bias);
    free(c);
    free(packed);
    return 2.0 * (double)m * (double)n * (double)k * (double)iters / t / 1e9;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 2.0;
    if (secs <= 0)
        secs = 2.0;
    const int default_threads = openblas_get_num_threads();
    struct qv_graph *g = build_model();
    const int64_t macs = qv_graph_total_macs(g);

    /* The biggest CONV_2D GEMM at batch 64: M = 64*OH*OW, N = Cout, K = KH*KW*Cin. */
    int64_t gm = 0, gn = 0, gk = 0;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        const struct qv_node *n = &g->nodes[i];
        if (n->op != QV_OP_CONV_2D)
            continue;
        const struct qv_shape *o = &g->tensors[n->outputs[0]].shape;
        const struct qv_shape *w = &g->tensors[n->inputs[1]].shape;
        int64_t m = 64 * o->dims[1] * o->dims[2], k = w->dims[1] * w->dims[2] * w->dims[3];
        if (m * w->dims[0] * k > gm * gn * gk) {
            gm = m;
            gn = w->dims[0];
            gk = k;
        }
    }

    printf("model: 32x32x3 CNN (3 conv3x3 + 2 pools + FC), %lld MACs/sample (%.2f M)\n",
           (long long)macs, (double)macs / 1e6);
    printf("OpenBLAS: %s; default threads %d; >= %.1f s per figure\n", openblas_get_config(),
           default_threads, secs);
    int n_kernels;
    const struct qv_sgemm_kernel *const *kernels = qv_sgemm_kernels(&n_kernels);
    printf("\n== the engine's GEMM (one thread, no BLAS) ==\n");
    for (int v = 0; v < n_kernels; v++) {
        char label[96];
        snprintf(label, sizeof(label), "qvet sgemm %s 512x512x512:", kernels[v]->name);
        printf("%-44s %8.2f GFLOP/s\n", label, bench_qv_sgemm(kernels[v], 512, 512, 512, secs));
        snprintf(label, sizeof(label), "qvet sgemm %s %lldx%lldx%lld:", kernels[v]->name,
                 (long long)gm, (long long)gn, (long long)gk);
        printf("%-44s %8.2f GFLOP/s\n", label, bench_qv_sgemm(kernels[v], gm, gn, gk, secs));
    }
    const int threads[2] = { 1, default_threads };
    for (int ti = 0; ti < (default_threads > 1 ? 2 : 1); ti++) {
        openblas_set_num_threads(threads[ti]);
        printf("\n== %d thread%s ==\n", threads[ti], threads[ti] > 1 ? "s" : "");
        double s512 = bench_sgemm(512, 512, 512, secs);
        double sconv = bench_sgemm(gm, gn, gk, secs);
        char label[96];
        printf("%-44s %8.2f GFLOP/s\n", "sgemm 512x512x512:", s512);
        snprintf(label, sizeof(label), "sgemm %lldx%lldx%lld (biggest conv GEMM, N=64):",
                 (long long)gm, (long long)gn, (long long)gk);
        printf("%-44s %8.2f GFLOP/s\n", label, sconv);
        for (int bi = 0; bi < 2; bi++) {
            int64_t batch = bi ? 64 : 1;
            double sps = bench_engine(g, batch, secs);
            double gf = 2.0 * (double)macs * sps / 1e9;
            printf("engine batch %2lld: %10.1f samples/s  %7.2f GFLOP/s  "
                   "(%.2f of sgemm 512^3, %.2f of the conv GEMM)\n",
                   (long long)batch, sps, gf, gf / s512, gf / sconv);
        }
    }
    qv_graph_free(g);
    return 0;
}
