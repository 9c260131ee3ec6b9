/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The int8 fast paths (im2col + integer GEMM for CONV_2D and FULLY_CONNECTED, the channel loop
 * of DEPTHWISE_CONV_2D) against the plain reference loops on randomized single-op graphs run
 * through the engine (the kernels' variants are also called directly, test_int8_kernels.c): odd
 * sizes, borders, SAME/VALID, strides, dilations, groups, depth multipliers, per-tensor and
 * per-channel scales, FC filter zero points, omitted biases, every fused activation, batch > 1,
 * and both rounding flavours; and the channel-inner MAX_POOL_2D / AVERAGE_POOL_2D loops. Outputs
 * must be byte-identical.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static uint64_t rng = 0x243F6A8885A308D3ull;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static int32_t rint_in(int32_t lo, int32_t hi) /* inclusive */
{
    return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1));
}

static int big; /* 1: larger shapes (GEMM blocks, many channel blocks) */

static float rscale(void)
{
    return (float)(0.001 + (rnd() % 100000) / 100000.0 * 0.2);
}

#define CK(expr)                                                                                 \
    do {                                                                                         \
        enum qv_status st_ = (expr);                                                             \
        ck_assert_msg(st_ == QV_OK, "%s: %s", #expr, err.msg);                                   \
    } while (0)

struct built {
    struct qv_graph *g;
    int64_t in_bytes;  /* per sample */
    char desc[256];
};

static int32_t add_q(struct qv_graph *g, const char *name, enum qv_dtype dt, int rank,
                     const int64_t *dims, float scale, int32_t zp, struct qv_error *errp)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_shape s = { rank, { 0 } };
    for (int i = 0; i < rank; i++)
        s.dims[i] = dims[i];
    int32_t t;
    CK(qv_graph_add_tensor(g, name, dt, &s, &t, &err));
    if (scale > 0)
        CK(qv_graph_set_quant(g, t, 1, &scale, 1, &zp, 0, &err));
    (void)errp;
    return t;
}

static int32_t add_weights(struct qv_graph *g, const char *name, int rank, const int64_t *dims,
                           int32_t n_scales, int32_t axis, int32_t zp)
{
    struct qv_error err = QV_ERROR_INIT;
    int32_t t = add_q(g, name, QV_DTYPE_I8, rank, dims, 0, 0, &err);
    int8_t *w;
    CK(qv_graph_alloc_data(g, t, (void **)&w, &err));
    const int64_t n = qv_shape_elems(&g->tensors[t].shape);
    for (int64_t i = 0; i < n; i++)
        w[i] = (int8_t)rint_in(-128, 127);
    float scales[512];
    int32_t zps[512];
    for (int32_t i = 0; i < n_scales; i++) {
        scales[i] = (float)(0.0005 + (rnd() % 1000) / 1000.0 * 0.02);
        zps[i] = zp;
    }
    CK(qv_graph_set_quant(g, t, n_scales, scales, n_scales, zps, axis, &err));
    return t;
}

static int32_t add_bias(struct qv_graph *g, int64_t n, float s_in, const float *w_scales,
                        int32_t n_scales)
{
    struct qv_error err = QV_ERROR_INIT;
    int32_t t = add_q(g, "bias", QV_DTYPE_I32, 1, &n, 0, 0, &err);
    int32_t *b;
    CK(qv_graph_alloc_data(g, t, (void **)&b, &err));
    for (int64_t i = 0; i < n; i++)
        b[i] = rint_in(-20000, 20000);
    float sc[512];
    int32_t zp[512] = { 0 };
    for (int32_t i = 0; i < n_scales; i++)
        sc[i] = s_in * w_scales[i];
    CK(qv_graph_set_quant(g, t, n_scales, sc, n_scales, zp, 0, &err));
    return t;
}

/* Random MAX_POOL_2D (kind 3) / AVERAGE_POOL_2D (kind 4) graph: channels 1..70, windows 1..5. */
static void build_pool(int kind, struct built *b)
{
    struct qv_error err = QV_ERROR_INIT;
    CK(qv_graph_create(&b->g, &err));
    struct qv_graph *g = b->g;
    struct qv_attrs a;
    qv_attrs_init(&a);
    a.act = (enum qv_act)rint_in(0, 3);
    const float s = rscale();
    const int32_t z = rint_in(-128, 127);
    const int64_t h = rint_in(1, 13), w = rint_in(1, 13), ch = rint_in(1, 70);
    a.filter_h = rint_in(1, 5);
    a.filter_w = rint_in(1, 5);
    a.stride_h = rint_in(1, 3);
    a.stride_w = rint_in(1, 3);
    a.padding = rnd() % 2 ? QV_PADDING_SAME : QV_PADDING_VALID;
    if (a.padding == QV_PADDING_VALID && (a.filter_h > h || a.filter_w > w))
        a.padding = QV_PADDING_SAME;
    const int64_t xd[4] = { 1, h, w, ch };
    int32_t x = add_q(g, "x", QV_DTYPE_I8, 4, xd, s, z, &err);
    int32_t y = add_q(g, "y", QV_DTYPE_I8, 0, NULL, s, z, &err);
    b->in_bytes = h * w * ch;
    snprintf(b->desc, sizeof(b->desc), "%s in %lldx%lldx%lld f %dx%d s %d,%d %s act %d",
             kind == 3 ? "MAX" : "AVG", (long long)h, (long long)w, (long long)ch, a.filter_h,
             a.filter_w, a.stride_h, a.stride_w, a.padding == QV_PADDING_SAME ? "SAME" : "VALID",
             a.act);
    CK(qv_graph_add_node(g, kind == 3 ? QV_OP_MAX_POOL_2D : QV_OP_AVERAGE_POOL_2D, "pool", 1, &x,
                         1, &y, &a, NULL, &err));
    CK(qv_graph_set_io(g, 1, &x, 1, &y, &err));
    CK(qv_graph_finalize(g, &err));
}

/* Random CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED graph; kind 0, 1, 2 (3, 4: pooling). */
static void build(int kind, struct built *b)
{
    struct qv_error err = QV_ERROR_INIT;
    CK(qv_graph_create(&b->g, &err));
    struct qv_graph *g = b->g;
    struct qv_attrs a;
    qv_attrs_init(&a);
    a.act = (enum qv_act)rint_in(0, 3);
    const float s_in = rscale(), s_out = rscale() * 4;
    const int32_t z_in = rint_in(-128, 127), z_out = rint_in(-128, 127);
    int32_t x, w, bias = -1, y;
    if (kind == 2) {
        const int64_t depth = big ? rint_in(300, 2000) : rint_in(1, 70);
        const int64_t units = big ? rint_in(30, 200) : rint_in(1, 40);
        const bool per_channel = units > 1 && rnd() % 2;
        const int32_t wzp = per_channel ? 0 : (rnd() % 3 == 0 ? rint_in(-10, 10) : 0);
        const int64_t xd[2] = { 1, depth }, wd[2] = { units, depth };
        x = add_q(g, "x", QV_DTYPE_I8, 2, xd, s_in, z_in, &err);
        w = add_weights(g, "w", 2, wd, per_channel ? (int32_t)units : 1, 0, wzp);
        if (rnd() % 4)
            bias = add_bias(g, units, s_in, g->tensors[w].quant.scale, g->tensors[w].quant.count);
        b->in_bytes = depth;
        snprintf(b->desc, sizeof(b->desc), "FC depth %lld units %lld %s wzp %d act %d bias %d",
                 (long long)depth, (long long)units, per_channel ? "per-channel" : "per-tensor",
                 wzp, a.act, bias >= 0);
        y = add_q(g, "y", QV_DTYPE_I8, 0, NULL, s_out, z_out, &err);
        int32_t ins[3] = { x, w, bias };
        CK(qv_graph_add_node(g, QV_OP_FULLY_CONNECTED, "fc", 3, ins, 1, &y, &a, NULL, &err));
    } else {
        const int64_t h = big ? rint_in(20, 40) : rint_in(1, 13);
        const int64_t wd_ = big ? rint_in(20, 40) : rint_in(1, 13);
        const int32_t kh = big && rnd() % 2 ? 1 : rint_in(1, 5);
        const int32_t kw = big && kh == 1 ? 1 : rint_in(1, 5);
        a.stride_h = rint_in(1, 3);
        a.stride_w = rint_in(1, 3);
        a.dilation_h = rnd() % 3 == 0 ? rint_in(2, 3) : 1;
        a.dilation_w = rnd() % 3 == 0 ? rint_in(2, 3) : 1;
        a.padding = rnd() % 2 ? QV_PADDING_SAME : QV_PADDING_VALID;
        /* VALID needs the dilated window to fit. */
        if (a.padding == QV_PADDING_VALID &&
            ((kh - 1) * a.dilation_h + 1 > h || (kw - 1) * a.dilation_w + 1 > wd_))
            a.padding = QV_PADDING_SAME;
        int64_t cin, cout;
        int32_t groups = 1;
        if (kind == 0) {
            groups = rnd() % 4 == 0 ? rint_in(2, 3) : 1;
            cin = groups * (big ? rint_in(16, 64) : rint_in(1, 9));
            cout = groups * (big ? rint_in(16, 80) : rint_in(1, 12));
        } else {
            a.depth_multiplier = rnd() % 3 == 0 ? rint_in(2, 4) : 1;
            cin = big ? rint_in(16, 96) : rint_in(1, 20);
            cout = cin * a.depth_multiplier;
        }
        const bool per_channel = rnd() % 4 != 0;
        const int64_t xd[4] = { 1, h, wd_, cin };
        x = add_q(g, "x", QV_DTYPE_I8, 4, xd, s_in, z_in, &err);
        if (kind == 0) {
            const int64_t wdims[4] = { cout, kh, kw, cin / groups };
            w = add_weights(g, "w", 4, wdims, per_channel ? (int32_t)cout : 1, 0, 0);
        } else {
            const int64_t wdims[4] = { 1, kh, kw, cout };
            w = add_weights(g, "w", 4, wdims, per_channel ? (int32_t)cout : 1, 3, 0);
        }
        if (rnd() % 4)
            bias = add_bias(g, cout, s_in, g->tensors[w].quant.scale, g->tensors[w].quant.count);
        b->in_bytes = h * wd_ * cin;
        snprintf(b->desc, sizeof(b->desc), "%s in %lldx%lldx%lld out %lld k %dx%d s %d,%d d %d,%d "
                 "%s groups %d dm %d %s act %d bias %d", kind ? "DW" : "CONV", (long long)h,
                 (long long)wd_, (long long)cin, (long long)cout, kh, kw, a.stride_h, a.stride_w,
                 a.dilation_h, a.dilation_w, a.padding == QV_PADDING_SAME ? "SAME" : "VALID",
                 groups, a.depth_multiplier, per_channel ? "per-channel" : "per-tensor", a.act,
                 bias >= 0);
        y = add_q(g, "y", QV_DTYPE_I8, 0, NULL, s_out, z_out, &err);
        int32_t ins[3] = { x, w, bias };
        CK(qv_graph_add_node(g, kind ? QV_OP_DEPTHWISE_CONV_2D : QV_OP_CONV_2D, "op", 3, ins, 1,
                             &y, &a, NULL, &err));
    }
    CK(qv_graph_set_io(g, 1, &x, 1, &y, &err));
    CK(qv_graph_finalize(g, &err));
}

static void *run(const struct qv_graph *g, const int8_t *input, int64_t n, bool plain,
                 enum qv_rounding r, size_t *ret_bytes)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    o.kind = QV_ENGINE_INT8;
    o.rounding = r;
    o.plain_loops = plain;
    o.max_batch = n;
    struct qv_engine *e = NULL;
    CK(qv_engine_create(g, &o, &e, &err));
    ck_assert_int_eq(qv_engine_max_batch(e), n);
    memcpy(qv_engine_input(e, 0), input, (size_t)n * qv_engine_input_bytes(e, 0));
    CK(qv_engine_run(e, n, &err));
    const size_t bytes = (size_t)n * qv_engine_output_bytes(e, 0);
    void *out = malloc(bytes);
    memcpy(out, qv_engine_output(e, 0), bytes);
    qv_engine_free(e);
    *ret_bytes = bytes;
    return out;
}

static void check_case(int kind, int i)
{
    struct built b = { 0 };
    rng = 0x9E3779B97F4A7C15ull ^ ((uint64_t)(kind * 100003 + i) * 0xBF58476D1CE4E5B9ull);
    rnd();
    if (kind >= 3)
        build_pool(kind, &b);
    else
        build(kind, &b);
    const int64_t n = rint_in(1, 5);
    int8_t *input = malloc((size_t)(n * b.in_bytes));
    for (int64_t k = 0; k < n * b.in_bytes; k++)
        input[k] = (int8_t)rint_in(-128, 127);
    for (int r = 0; r < QV_ROUNDING_COUNT; r++) {
        size_t nb1, nb2;
        int8_t *plain = run(b.g, input, n, true, (enum qv_rounding)r, &nb1);
        int8_t *fast = run(b.g, input, n, false, (enum qv_rounding)r, &nb2);
        ck_assert_uint_eq(nb1, nb2);
        for (size_t k = 0; k < nb1; k++)
            ck_assert_msg(plain[k] == fast[k], "case %d (%s, batch %lld, rounding %d): element "
                          "%zu plain %d fast %d", i, b.desc, (long long)n, r, k, plain[k], fast[k]);
        free(plain);
        free(fast);
    }
    free(input);
    qv_graph_free(b.g);
}

START_TEST(conv_fast_equals_plain)
{
    check_case(0, _i);
}
END_TEST

START_TEST(depthwise_fast_equals_plain)
{
    check_case(1, _i);
}
END_TEST

START_TEST(pool_fast_equals_plain)
{
    check_case(3 + _i % 2, _i);
}
END_TEST

START_TEST(fc_fast_equals_plain)
{
    check_case(2, _i);
}
END_TEST

/* A large 1x1 conv and FC: blocks of the GEMM, K padding, many channel blocks. */
START_TEST(large_shapes)
{
    big = 1;
    for (int i = 0; i < 9; i++)
        check_case(i % 3, 100000 + i);
    big = 0;
}
END_TEST

static Suite *int8_fastpath_suite(void)
{
    Suite *s = suite_create("int8_fastpath");
    TCase *tc = tcase_create("random");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, conv_fast_equals_plain, 0, QVT_CASES(300));
    tcase_add_loop_test(tc, depthwise_fast_equals_plain, 0, QVT_CASES(200));
    tcase_add_loop_test(tc, fc_fast_equals_plain, 0, QVT_CASES(200));
    tcase_add_loop_test(tc, pool_fast_equals_plain, 0, QVT_CASES(200));
    tcase_add_test(tc, large_shapes);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(int8_fastpath)
