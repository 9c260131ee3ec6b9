/* SPDX-License-Identifier: Apache-2.0 */
/*
 * int8 emulator throughput (run by hand; never a test):
 *     ninja -C build bench/bench_int8
 *     ./build/bench/bench_int8 [--model M.tflite] [--input X.npy] [--batch B] [--seconds S]
 *                              [--peer NAME=SAMPLES_PER_S ...] [--fast-only] [--ops] [--nodes]
 *                              [--peaks]
 * Defaults: bench/peers/mobilenet_int8.tflite and bench/peers/input_int8.npy (made by the
 * Python side); when they are absent it says so and falls back to the largest int8 fixture
 * model with random inputs. Runs the int8 engine (one thread) at batch 1 and at batch B
 * (default 32), fast path and plain loops, prints samples/s and GMAC/s (model MACs x
 * samples/s), and checks that the fast path's outputs equal the plain loops' byte for byte.
 *
 * --peaks: the machine's measured instruction peaks (bench/peaks.c: vpdpbusd, vpmaddwd, FMA per
 * core, CPU time), then exit. --ops: after the throughput runs, each op type's share of the
 * int8 engine's CPU time at batch B, its MACs per sample and GMAC/s (per-node CPU time through
 * the engine's observer), against the peak of the instruction its fast path uses; --nodes
 * also lists every node.
 *
 * Peers (TFLM, ai-edge-litert) are timed by bench/peers/peers.py; pass their samples/s with
 * --peer to print them alongside, e.g.
 *     .venv/bin/python bench/peers/peers.py bench/peers/mobilenet_int8.tflite   # prints numbers
 *     ./build/bench/bench_int8 --peer tflm=12.3 --peer litert=950
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "peaks.h"
#include "qvet/qvet.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU time of this process: on a shared machine a one-thread run's CPU time stays close to what
 * it takes alone while its wall time does not. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* ---- synthetic MobileNet-v1-like int8 model (when bench/peers/ is absent) ------------------ */

static uint64_t seed = 0x2545F4914F6CDD1Dull;

static uint32_t rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return (uint32_t)(seed >> 32);
}

#define CHECK(expr)                                                                              \
    do {                                                                                         \
        if ((expr) != QV_OK) {                                                                   \
            fprintf(stderr, "bench_int8: %s failed: %s\n", #expr, err.msg);                     \
            exit(1);                                                                             \
        }                                                                                        \
    } while (0)

static int32_t act(struct qv_graph *g, const char *name, float scale, int32_t zp)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_shape s = { 0, { 0 } };
    int32_t t;
    CHECK(qv_graph_add_tensor(g, name, QV_DTYPE_I8, &s, &t, &err));
    CHECK(qv_graph_set_quant(g, t, 1, &scale, 1, &zp, 0, &err));
    return t;
}

/* conv (dw = false: [cout, k, k, cin]) or depthwise ([1, k, k, cout]) + bias, RELU6. */
static int32_t layer(struct qv_graph *g, int32_t x, float s_in, bool dw, int64_t cin, int64_t cout,
                     int32_t k, int32_t stride, float *ret_s_out, int idx)
{
    struct qv_error err = QV_ERROR_INIT;
    char name[32];
    struct qv_shape ws = dw ? (struct qv_shape){ 4, { 1, k, k, cout } }
                            : (struct qv_shape){ 4, { cout, k, k, cin } };
    int32_t w, b;
    snprintf(name, sizeof(name), "w%d", idx);
    CHECK(qv_graph_add_tensor(g, name, QV_DTYPE_I8, &ws, &w, &err));
    int8_t *wd;
    CHECK(qv_graph_alloc_data(g, w, (void **)&wd, &err));
    for (int64_t i = 0; i < qv_shape_elems(&ws); i++)
        wd[i] = (int8_t)(rnd() % 255 - 127);
    float ws_[1024], bs[1024];
    int32_t zp[1024] = { 0 };
    for (int64_t c = 0; c < cout; c++) {
        ws_[c] = 0.002f + (float)(rnd() % 1000) * 1e-5f;
        bs[c] = s_in * ws_[c];
    }
    CHECK(qv_graph_set_quant(g, w, (int32_t)cout, ws_, (int32_t)cout, zp, dw ? 3 : 0, &err));
    struct qv_shape bsh = { 1, { cout } };
    snprintf(name, sizeof(name), "b%d", idx);
    CHECK(qv_graph_add_tensor(g, name, QV_DTYPE_I32, &bsh, &b, &err));
    int32_t *bd;
    CHECK(qv_graph_alloc_data(g, b, (void **)&bd, &err));
    for (int64_t c = 0; c < cout; c++)
        bd[c] = (int32_t)(rnd() % 20001) - 10000;
    CHECK(qv_graph_set_quant(g, b, (int32_t)cout, bs, (int32_t)cout, zp, 0, &err));
    const int64_t taps = (int64_t)k * k * (dw ? 1 : cin);
    const float s_out = s_in * 0.006f * 68.0f * sqrtf((float)taps);
    snprintf(name, sizeof(name), "a%d", idx);
    int32_t y = act(g, name, s_out, -128);
    struct qv_attrs a;
    qv_attrs_init(&a);
    a.stride_h = a.stride_w = stride;
    a.act = QV_ACT_RELU6;
    a.depth_multiplier = 1;
    CHECK(qv_graph_add_node(g, dw ? QV_OP_DEPTHWISE_CONV_2D : QV_OP_CONV_2D, name, 3,
                            (int32_t[]){ x, w, b }, 1, &y, &a, NULL, &err));
    *ret_s_out = s_out;
    return y;
}

/* 96x96x3 -> conv 3x3/2 -> 13 depthwise-separable blocks (MobileNet-v1 alpha 0.5) -> FC 10. */
static struct qv_graph *synthetic_model(void)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    CHECK(qv_graph_create(&g, &err));
    struct qv_shape xs = { 4, { 1, 96, 96, 3 } };
    int32_t x;
    CHECK(qv_graph_add_tensor(g, "input", QV_DTYPE_I8, &xs, &x, &err));
    float s = 0.02f;
    int32_t z = 0;
    CHECK(qv_graph_set_quant(g, x, 1, &s, 1, &z, 0, &err));
    static const struct { int64_t c; int32_t stride; } blocks[13] = {
        { 32, 1 }, { 64, 2 }, { 64, 1 }, { 128, 2 }, { 128, 1 }, { 256, 2 }, { 256, 1 },
        { 256, 1 }, { 256, 1 }, { 256, 1 }, { 256, 1 }, { 512, 2 }, { 512, 1 } };
    int idx = 0;
    int64_t c = 16;
    int32_t h = layer(g, x, s, false, 3, c, 3, 2, &s, idx++);
    for (int i = 0; i < 13; i++) {
        h = layer(g, h, s, true, c, c, 3, blocks[i].stride, &s, idx++);
        h = layer(g, h, s, false, c, blocks[i].c, 1, 1, &s, idx++);
        c = blocks[i].c;
    }
    struct qv_attrs a;
    qv_attrs_init(&a);
    a.filter_h = a.filter_w = 3;
    a.stride_h = a.stride_w = 3;
    a.padding = QV_PADDING_VALID;
    int32_t p = act(g, "pool", s, -128);
    CHECK(qv_graph_add_node(g, QV_OP_AVERAGE_POOL_2D, "pool", 1, &h, 1, &p, &a, NULL, &err));
    struct qv_shape rs = { 2, { 1, c } }, shs = { 1, { 2 } };
    int32_t r, sh;
    CHECK(qv_graph_add_tensor(g, "flat", QV_DTYPE_I8, &rs, &r, &err));
    CHECK(qv_graph_set_quant(g, r, 1, &s, 1, (int32_t[]){ -128 }, 0, &err));
    CHECK(qv_graph_add_tensor(g, "shape", QV_DTYPE_I32, &shs, &sh, &err));
    int32_t *shd;
    CHECK(qv_graph_alloc_data(g, sh, (void **)&shd, &err));
    shd[0] = -1;
    shd[1] = (int32_t)c;
    CHECK(qv_graph_add_node(g, QV_OP_RESHAPE, "flat", 2, (int32_t[]){ p, sh }, 1, &r, NULL, NULL,
                            &err));
    struct qv_shape fws = { 2, { 10, c } }, fbs = { 1, { 10 } };
    int32_t fw, fb;
    CHECK(qv_graph_add_tensor(g, "fc_w", QV_DTYPE_I8, &fws, &fw, &err));
    int8_t *fwd;
    CHECK(qv_graph_alloc_data(g, fw, (void **)&fwd, &err));
    for (int64_t i = 0; i < 10 * c; i++)
        fwd[i] = (int8_t)(rnd() % 255 - 127);
    const float fsw = 0.004f, fsb = s * fsw;
    CHECK(qv_graph_set_quant(g, fw, 1, &fsw, 1, (int32_t[]){ 0 }, 0, &err));
    CHECK(qv_graph_add_tensor(g, "fc_b", QV_DTYPE_I32, &fbs, &fb, &err));
    CHECK(qv_graph_alloc_data(g, fb, (void **)&shd, &err));
    CHECK(qv_graph_set_quant(g, fb, 1, &fsb, 1, (int32_t[]){ 0 }, 0, &err));
    int32_t y = act(g, "logits", s * fsw * 68.0f * sqrtf((float)c), 0);
    CHECK(qv_graph_add_node(g, QV_OP_FULLY_CONNECTED, "fc", 3, (int32_t[]){ r, fw, fb }, 1, &y,
                            NULL, NULL, &err));
    CHECK(qv_graph_set_io(g, 1, &x, 1, &y, &err));
    CHECK(qv_graph_finalize(g, &err));
    return g;
}

struct result {
    double samples_per_s;
    double samples_per_cpu_s;   /* per CPU-second of the process */
    void *out;          /* outputs of the first run (sample-major, all graph outputs) */
    size_t out_bytes;
};

/* Times runs of `batch` samples for at least `seconds`; keeps the first run's outputs. */
static int bench(const struct qv_graph *g, const uint8_t *inputs, int64_t n_avail, int64_t batch,
                 bool plain, double seconds, struct result *res)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    o.kind = QV_ENGINE_INT8;
    o.max_batch = batch;
    o.plain_loops = plain;
    struct qv_engine *e = NULL;
    if (qv_engine_create(g, &o, &e, &err) != QV_OK) {
        fprintf(stderr, "bench_int8: engine: %s\n", err.msg);
        return -1;
    }
    batch = qv_engine_max_batch(e);
    const size_t in_row = qv_engine_input_bytes(e, 0);
    size_t out_row = 0;
    for (int32_t i = 0; i < g->n_outputs; i++)
        out_row += qv_engine_output_bytes(e, i);
    res->out_bytes = out_row * (size_t)n_avail;
    res->out = calloc(1, res->out_bytes + 1);
    /* First pass over all available samples: the outputs to compare. */
    for (int64_t s = 0; s < n_avail; s += batch) {
        const int64_t k = n_avail - s < batch ? n_avail - s : batch;
        memcpy(qv_engine_input(e, 0), inputs + (size_t)s * in_row, (size_t)k * in_row);
        if (qv_engine_run(e, k, &err) != QV_OK) {
            fprintf(stderr, "bench_int8: run: %s\n", err.msg);
            qv_engine_free(e);
            return -1;
        }
        size_t off = 0;
        for (int32_t i = 0; i < g->n_outputs; i++) {
            const size_t ob = qv_engine_output_bytes(e, i);
            for (int64_t j = 0; j < k; j++)
                memcpy((char *)res->out + (size_t)(s + j) * out_row + off,
                       (const char *)qv_engine_output(e, i) + (size_t)j * ob, ob);
            off += ob;
        }
    }
    /* Timed runs: full batches cycling through the inputs. */
    int64_t samples = 0;
    const double c0 = cpu_now();
    const double t0 = now();
    double t = t0;
    int64_t s = 0;
    while (t - t0 < seconds) {
        for (int64_t j = 0; j < batch; j++)
            memcpy((char *)qv_engine_input(e, 0) + (size_t)j * in_row,
                   inputs + (size_t)((s + j) % n_avail) * in_row, in_row);
        s += batch;
        if (qv_engine_run(e, batch, &err) != QV_OK) {
            fprintf(stderr, "bench_int8: run: %s\n", err.msg);
            qv_engine_free(e);
            return -1;
        }
        samples += batch;
        t = now();
    }
    res->samples_per_s = (double)samples / (t - t0);
    res->samples_per_cpu_s = (double)samples / (cpu_now() - c0);
    qv_engine_free(e);
    return 0;
}

/* ---- per-op profile (--ops) ------------------------------------------------------------ */

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

struct prof {
    double last;        /* CPU time at the end of the previous node (or the run's start) */
    double *node_s;     /* [n_nodes] CPU seconds */
};

/* Keeps every node observable; each call closes the node that just ran. */
static bool prof_observe(int32_t node, const struct qv_tensor_view *t, bool ask, void *user)
{
    struct prof *p = user;
    (void)t;
    if (ask)
        return true;
    const double now = thread_cpu();
    p->node_s[node] += now - p->last;
    p->last = now;
    return true;
}

/* The peak an op's int8 fast path is bounded by on this CPU (or -1: none, not a MAC op). */
static int op_peak(enum qv_op op, const struct qv_peaks *pk)
{
    if (op != QV_OP_CONV_2D && op != QV_OP_FULLY_CONNECTED && op != QV_OP_DEPTHWISE_CONV_2D)
        return -1;
    if (pk->have[QV_PEAK_VPDPBUSD_512])
        return QV_PEAK_VPDPBUSD_512;
    if (pk->have[QV_PEAK_VPDPBUSD_256])
        return QV_PEAK_VPDPBUSD_256;
    return pk->have[QV_PEAK_VPMADDWD_256] ? QV_PEAK_VPMADDWD_256 : -1;
}

/* Runs batches for `seconds` of CPU time with per-node timing and prints the table by op. */
static int profile_ops(const struct qv_graph *g, const uint8_t *inputs, int64_t n_avail,
                       int64_t batch, double seconds, const struct qv_peaks *pk, bool nodes)
{
    struct qv_error err = QV_ERROR_INIT;
    struct prof p = { 0, calloc((size_t)g->n_nodes, sizeof(double)) };
    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    o.kind = QV_ENGINE_INT8;
    o.max_batch = batch;
    o.observe = prof_observe;
    o.observe_user = &p;
    struct qv_engine *e = NULL;
    if (!p.node_s || qv_engine_create(g, &o, &e, &err) != QV_OK) {
        fprintf(stderr, "bench_int8: engine: %s\n", err.msg);
        free(p.node_s);
        return -1;
    }
    batch = qv_engine_max_batch(e);
    const size_t in_row = qv_engine_input_bytes(e, 0);
    int64_t samples = 0, s = 0;
    const double c0 = thread_cpu();
    double total = 0;
    while (total < seconds) {
        for (int64_t j = 0; j < batch; j++)
            memcpy((char *)qv_engine_input(e, 0) + (size_t)j * in_row,
                   inputs + (size_t)((s + j) % n_avail) * in_row, in_row);
        s += batch;
        p.last = thread_cpu();
        if (qv_engine_run(e, batch, &err) != QV_OK) {
            fprintf(stderr, "bench_int8: run: %s\n", err.msg);
            qv_engine_free(e);
            free(p.node_s);
            return -1;
        }
        samples += batch;
        total = thread_cpu() - c0;
    }
    qv_engine_free(e);
    double op_s[QV_OP_COUNT] = { 0 }, nodes_s = 0;
    int64_t op_macs[QV_OP_COUNT] = { 0 }, op_nodes[QV_OP_COUNT] = { 0 };
    for (int32_t i = 0; i < g->n_nodes; i++) {
        const enum qv_op op = g->nodes[i].op;
        op_s[op] += p.node_s[i];
        op_macs[op] += qv_graph_node_macs(g, i);
        op_nodes[op]++;
        nodes_s += p.node_s[i];
    }
    printf("per op: batch %lld, %lld samples, 1 thread, CPU time (nodes %.1f%% of it); MACs as "
           "`qvet inspect` counts them (elements for elementwise ops)\n", (long long)batch,
           (long long)samples, 100.0 * nodes_s / total);
    printf("%-20s %5s %7s %12s %8s %9s  %s\n", "op", "nodes", "share", "MMAC/sample",
           "us/samp", "GMAC/s", "of the instruction peak");
    for (int op = 0; op < QV_OP_COUNT; op++) {
        if (!op_nodes[op])
            continue;
        const double us = 1e6 * op_s[op] / (double)samples;
        const double gmacs = op_s[op] > 0 ? (double)op_macs[op] * (double)samples / op_s[op] / 1e9
                                          : 0;
        const int k = op_peak((enum qv_op)op, pk);
        char peak[96] = "-";
        if (k >= 0 && pk->gmacs[k] > 0)
            snprintf(peak, sizeof(peak), "%5.1f%% of %s (%.0f)", 100.0 * gmacs / pk->gmacs[k],
                     qv_peak_name((enum qv_peak)k), pk->gmacs[k]);
        printf("%-20s %5lld %6.1f%% %12.3f %8.2f %9.2f  %s\n", qv_op_name((enum qv_op)op),
               (long long)op_nodes[op], 100.0 * op_s[op] / nodes_s, (double)op_macs[op] / 1e6, us,
               gmacs, peak);
    }
    for (int32_t i = 0; nodes && i < g->n_nodes; i++) {
        const struct qv_node *nd = &g->nodes[i];
        const struct qv_tensor *o = &g->tensors[nd->outputs[0]];
        const double us = 1e6 * p.node_s[i] / (double)samples;
        const int64_t macs = qv_graph_node_macs(g, i);
        char shape[64] = "";
        for (int32_t d = 1, n = 0; d < o->shape.rank && n < (int)sizeof(shape) - 12; d++)
            n += snprintf(shape + n, sizeof(shape) - (size_t)n, "%s%lld", d > 1 ? "x" : "",
                          (long long)o->shape.dims[d]);
        printf("  node %3d %-18s out %-12s %10.3f MMAC %8.2f us %8.2f GMAC/s\n", (int)i,
               qv_op_name(nd->op), shape, (double)macs / 1e6, us,
               us > 0 ? (double)macs / us / 1e3 : 0);
    }
    free(p.node_s);
    return 0;
}

static void print_peaks(const struct qv_peaks *pk)
{
    printf("instruction peaks (1 core, CPU time, best of 5; measured now, machines differ):\n");
    for (int k = 0; k < QV_PEAK_COUNT; k++)
        if (pk->have[k])
            printf("  %-22s %8.1f GMAC/s\n", qv_peak_name((enum qv_peak)k), pk->gmacs[k]);
        else
            printf("  %-22s %8s\n", qv_peak_name((enum qv_peak)k), "absent");
}

int main(int argc, char **argv)
{
    const char *model = "bench/peers/mobilenet_int8.tflite", *input = "bench/peers/input_int8.npy";
    int64_t batch = 32;
    double seconds = 2.0;
    const char *peers[16];
    int n_peers = 0;
    bool fast_only = false; /* for profiling: skip the plain loops (and the comparison) */
    bool ops = false, peaks_only = false, nodes = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--model") && i + 1 < argc)
            model = argv[++i];
        else if (!strcmp(argv[i], "--input") && i + 1 < argc)
            input = argv[++i];
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--fast-only"))
            fast_only = true;
        else if (!strcmp(argv[i], "--ops"))
            ops = true;
        else if (!strcmp(argv[i], "--nodes"))
            ops = nodes = true;
        else if (!strcmp(argv[i], "--peaks"))
            peaks_only = true;
        else if (!strcmp(argv[i], "--peer") && i + 1 < argc && n_peers < 16)
            peers[n_peers++] = argv[++i];
        else {
            fprintf(stderr, "usage: bench_int8 [--model M] [--input X.npy] [--batch B] "
                    "[--seconds S] [--fast-only] [--ops] [--nodes] [--peaks] "
                    "[--peer NAME=SAMPLES_PER_S]...\n");
            return 2;
        }
    }
    struct qv_peaks pk;
    if (peaks_only || ops)
        qv_peaks_measure(&pk, 5);
    if (peaks_only) {
        print_peaks(&pk);
        return 0;
    }
    bool random_inputs = false;
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    if (!exists(model)) {
        printf("note: %s is absent (bench/peers/ is generated by the Python side); using a "
               "synthetic MobileNet-v1 (alpha 0.5, 96x96) int8 graph with random weights and "
               "inputs\n", model);
        model = "synthetic";
        g = synthetic_model();
        random_inputs = true;
    } else {
        if (!exists(input)) {
            printf("note: %s is absent; using random inputs\n", input);
            random_inputs = true;
        }
        if (qv_tflite_load(model, &g, &err) != QV_OK) {
            fprintf(stderr, "bench_int8: %s: %s\n", model, err.msg);
            return 1;
        }
    }
    const struct qv_tensor *in_t = &g->tensors[g->inputs[0]];
    const int64_t d0 = in_t->shape.rank > 0 && in_t->shape.dims[0] > 0 ? in_t->shape.dims[0] : 1;
    const size_t row = (size_t)(qv_shape_elems(&in_t->shape) / d0) * qv_dtype_size(in_t->dtype);
    int64_t n_avail = 64;
    uint8_t *inputs = NULL;
    if (!random_inputs) {
        struct qv_npy *npy = NULL;
        if (qv_npy_open(input, &npy, &err) != QV_OK) {
            fprintf(stderr, "bench_int8: %s: %s\n", input, err.msg);
            return 1;
        }
        const struct qv_npy_info *info = qv_npy_get_info(npy);
        n_avail = info->shape.dims[0];
        if ((size_t)info->row_elems * qv_dtype_size(info->dtype) != row || n_avail < 1) {
            fprintf(stderr, "bench_int8: %s does not match the model input\n", input);
            return 1;
        }
        inputs = malloc(row * (size_t)n_avail);
        int64_t got = 0;
        if (qv_npy_read_rows(npy, n_avail, inputs, false, &got, &err) != QV_OK) {
            fprintf(stderr, "bench_int8: %s: %s\n", input, err.msg);
            return 1;
        }
        qv_npy_close(npy);
    } else {
        inputs = malloc(row * (size_t)n_avail);
        uint64_t s = 0x2545F4914F6CDD1Dull;
        for (size_t i = 0; i < row * (size_t)n_avail; i++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            inputs[i] = (uint8_t)(s >> 32);
        }
        if (in_t->dtype == QV_DTYPE_F32)
            for (size_t i = 0; i < row / 4 * (size_t)n_avail; i++)
                ((float *)inputs)[i] = (float)((int8_t)inputs[i * 4]) / 64.0f;
    }
    const double gmac = (double)qv_graph_total_macs(g) / 1e9;
    printf("model %s: %d nodes, %.1f MMAC per sample, %lld input samples%s\n", model,
           (int)g->n_nodes, gmac * 1e3, (long long)n_avail, random_inputs ? " (random)" : "");
    printf("%-28s %12s %10s %14s\n", "config (1 thread)", "samples/s", "GMAC/s", "per CPU-second");
    int rc = 0;
    const int64_t batches[2] = { 1, batch };
    double fast_sps[2] = { 0, 0 };
    for (int bi = 0; bi < 2; bi++) {
        struct result fast = { 0 }, plain = { 0 };
        if (bench(g, inputs, n_avail, batches[bi], false, seconds, &fast))
            return 1;
        fast_sps[bi] = fast.samples_per_s;
        if (fast_only) {
            printf("qvet int8 fast, batch %-6lld %12.1f %10.2f %14.1f\n", (long long)batches[bi],
                   fast.samples_per_s, fast.samples_per_s * gmac, fast.samples_per_cpu_s);
            free(fast.out);
            continue;
        }
        if (bench(g, inputs, n_avail, batches[bi], true, seconds / 2, &plain))
            return 1;
        char name[64];
        snprintf(name, sizeof(name), "qvet int8 fast, batch %lld", (long long)batches[bi]);
        printf("%-28s %12.1f %10.2f %14.1f\n", name, fast.samples_per_s, fast.samples_per_s * gmac,
               fast.samples_per_cpu_s);
        snprintf(name, sizeof(name), "qvet int8 plain, batch %lld", (long long)batches[bi]);
        printf("%-28s %12.1f %10.2f %14.1f\n", name, plain.samples_per_s, plain.samples_per_s * gmac,
               plain.samples_per_cpu_s);
        const bool same = fast.out_bytes == plain.out_bytes &&
                          memcmp(fast.out, plain.out, fast.out_bytes) == 0;
        printf("  fast path == plain loops on all %lld samples: %s (speedup %.1fx)\n",
               (long long)n_avail, same ? "yes" : "NO", fast.samples_per_s / plain.samples_per_s);
        rc |= !same;
        free(fast.out);
        free(plain.out);
    }
    for (int i = 0; i < n_peers; i++) {
        const char *eq = strchr(peers[i], '=');
        if (!eq)
            continue;
        const double sps = atof(eq + 1);
        printf("%-28.*s %12.1f %10.2f  (peer, from bench/peers/peers.py)\n", (int)(eq - peers[i]),
               peers[i], sps, sps * gmac);
    }
    /* the ratios the int8 issue asks for: qvet's fast path over each peer, same model and inputs */
    for (int i = 0; i < n_peers; i++) {
        const char *eq = strchr(peers[i], '=');
        const double sps = eq ? atof(eq + 1) : 0.0;
        if (sps <= 0)
            continue;
        printf("ratio qvet/%.*s: %.2fx at batch 1, %.2fx at batch %lld\n", (int)(eq - peers[i]),
               peers[i], fast_sps[0] / sps, fast_sps[1] / sps, (long long)batch);
    }
    if (ops && profile_ops(g, inputs, n_avail, batch, seconds, &pk, nodes) != 0)
        rc = 1;
    free(inputs);
    qv_graph_free(g);
    return rc;
}
