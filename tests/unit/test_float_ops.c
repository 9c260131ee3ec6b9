/* SPDX-License-Identifier: Apache-2.0 */
/*
 * float32 reference kernels: hand-computed cases for every op, each built as a single-op graph
 * and run through the float engine (batched where the op allows it, and with both the fast GEMM
 * path and plain loops for the GEMM-shaped ops). Expected values are worked out in the comments.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define REL 1e-5
#define ABS 1e-6

/* A node input: a constant when data is set, a float graph input when not; name NULL = omitted. */
struct tin {
    const char *name;
    enum qv_dtype dtype;
    struct qv_shape shape;
    const void *data;
    float scale;                 /* > 0: per-tensor quantization (scale, zp) */
    int32_t zp;
};

/* The output tensor: dtype and optional quantization (QUANTIZE). Zero = float32. */
struct tout {
    enum qv_dtype dtype;
    float scale;
    int32_t zp;
};

#define SHAPE(...) { (int32_t)(sizeof((int64_t[]){ __VA_ARGS__ }) / sizeof(int64_t)), { __VA_ARGS__ } }

/*
 * Builds op(ins) -> y, runs `batch` samples (x holds the graph inputs in input order, each
 * [batch][sample elems]) and copies the output into out (batch * output sample elems).
 * Returns the output sample's element count.
 */
static int64_t run_op_q(enum qv_op op, const struct qv_attrs *attrs, int n_in,
                        const struct tin *ins, const struct tout *to, int64_t batch,
                        const float *const *x, bool plain, float *out)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    struct qv_engine *e = NULL;
    int32_t idx[QV_MAX_INPUTS], gin[QV_MAX_INPUTS], n_gin = 0, y;
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    for (int k = 0; k < n_in; k++) {
        if (!ins[k].name) {
            idx[k] = -1;
            continue;
        }
        ck_assert_int_eq(qv_graph_add_tensor(g, ins[k].name, ins[k].dtype, &ins[k].shape,
                                             &idx[k], &err), QV_OK);
        if (ins[k].scale > 0)
            ck_assert_int_eq(qv_graph_set_quant(g, idx[k], 1, &ins[k].scale, 1, &ins[k].zp, 0,
                                                &err), QV_OK);
        if (ins[k].data)
            ck_assert_int_eq(qv_graph_set_data(g, idx[k], ins[k].data,
                                               (size_t)qv_shape_elems(&ins[k].shape) *
                                                   qv_dtype_size(ins[k].dtype), &err), QV_OK);
        else
            gin[n_gin++] = idx[k];
    }
    struct qv_shape empty = { 0, { 0 } };
    enum qv_dtype odt = to ? to->dtype : QV_DTYPE_F32;
    ck_assert_int_eq(qv_graph_add_tensor(g, "y", odt, &empty, &y, &err), QV_OK);
    if (to && to->scale > 0)
        ck_assert_int_eq(qv_graph_set_quant(g, y, 1, &to->scale, 1, &to->zp, 0, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_node(g, op, "op", n_in, idx, 1, &y, attrs, NULL, &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_io(g, n_gin, gin, 1, &y, &err), QV_OK);
    if (qv_graph_finalize(g, &err) != QV_OK)
        ck_abort_msg("finalize: %s", err.msg);

    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    o.kind = QV_ENGINE_FLOAT;
    o.max_batch = batch;
    o.plain_loops = plain;
    o.hybrid = QV_HYBRID_DEQUANTIZE;   /* the expectations here are on dequantized weights */
    if (qv_engine_create(g, &o, &e, &err) != QV_OK)
        ck_abort_msg("engine: %s", err.msg);
    ck_assert_int_eq(qv_engine_max_batch(e), batch);
    for (int32_t i = 0; i < n_gin; i++)
        memcpy(qv_engine_input(e, i), x[i], (size_t)batch * qv_engine_input_bytes(e, i));
    if (qv_engine_run(e, batch, &err) != QV_OK)
        ck_abort_msg("run: %s", err.msg);
    size_t ob = qv_engine_output_bytes(e, 0);
    memcpy(out, qv_engine_output(e, 0), (size_t)batch * ob);
    qv_engine_free(e);
    qv_graph_free(g);
    return (int64_t)(ob / sizeof(float));
}

static int64_t run_op(enum qv_op op, const struct qv_attrs *attrs, int n_in,
                      const struct tin *ins, int64_t batch, const float *const *x, bool plain,
                      float *out)
{
    return run_op_q(op, attrs, n_in, ins, NULL, batch, x, plain, out);
}

/* Runs with plain loops and with the fast path; both must give want. */
static void check_both(const char *what, enum qv_op op, const struct qv_attrs *a, int n_in,
                       const struct tin *ins, int64_t batch, const float *const *x,
                       const float *want, int64_t n_want)
{
    float got[256];
    for (int plain = 0; plain < 2; plain++) {
        int64_t n = run_op(op, a, n_in, ins, batch, x, plain, got) * batch;
        ck_assert_int_eq(n, n_want);
        qvt_assert_f32_close(what, got, want, n, REL, ABS);
    }
}

static struct qv_attrs attrs(void)
{
    struct qv_attrs a;
    qv_attrs_init(&a);
    return a;
}

static const float seq16[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const float ones9[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };

/* ---- CONV_2D ------------------------------------------------------------------------------ */

START_TEST(conv_same_stride2)
{
    /* x = 1..16 as 4x4; 3x3 ones filter, bias 0.5, SAME, stride 2 -> 2x2 output. Total padding
     * (2-1)*2 + 3 - 4 = 1: none before, one row/col after.
     *   (0,0): rows 0-2, cols 0-2: 1+2+3+5+6+7+9+10+11 = 54      -> 54.5
     *   (0,1): rows 0-2, cols 2-3: 3+4+7+8+11+12 = 45            -> 45.5
     *   (1,0): rows 2-3, cols 0-2: 9+10+11+13+14+15 = 72         -> 72.5
     *   (1,1): rows 2-3, cols 2-3: 11+12+15+16 = 54              -> 54.5
     * Sample 2 is -x: -54+0.5 = -53.5, ... */
    float x[32];
    for (int i = 0; i < 16; i++) {
        x[i] = seq16[i];
        x[16 + i] = -seq16[i];
    }
    const float bias = 0.5f;
    struct tin in[3] = {
        { "x", QV_DTYPE_F32, SHAPE(1, 4, 4, 1), NULL, 0, 0 },
        { "w", QV_DTYPE_F32, SHAPE(1, 3, 3, 1), ones9, 0, 0 },
        { "b", QV_DTYPE_F32, SHAPE(1), &bias, 0, 0 },
    };
    struct qv_attrs a = attrs();
    a.stride_h = a.stride_w = 2;
    const float want[8] = { 54.5f, 45.5f, 72.5f, 54.5f, -53.5f, -44.5f, -71.5f, -53.5f };
    check_both("conv same s2", QV_OP_CONV_2D, &a, 3, in, 2, (const float *const[]){ x }, want, 8);
    /* RELU6 clamps the first sample to 6, RELU_N1_TO_1 the second to -1. */
    a.act = QV_ACT_RELU6;
    const float want6[8] = { 6, 6, 6, 6, 0, 0, 0, 0 };
    check_both("conv relu6", QV_OP_CONV_2D, &a, 3, in, 2, (const float *const[]){ x }, want6, 8);
    a.act = QV_ACT_RELU_N1_TO_1;
    const float want1[8] = { 1, 1, 1, 1, -1, -1, -1, -1 };
    check_both("conv relu_n1_to_1", QV_OP_CONV_2D, &a, 3, in, 2, (const float *const[]){ x },
               want1, 8);
}
END_TEST

START_TEST(conv_valid_dilation2)
{
    /* x[y][x] = 5y + x on 5x5, 3x3 ones filter, dilation 2 (effective 5), VALID -> 1x1: taps at
     * y, x in {0, 2, 4}: 3 * 5 * (0+2+4) + 3 * (0+2+4) = 90 + 18 = 108. No bias. */
    float x[25];
    for (int i = 0; i < 25; i++)
        x[i] = (float)i;
    struct tin in[2] = {
        { "x", QV_DTYPE_F32, SHAPE(1, 5, 5, 1), NULL, 0, 0 },
        { "w", QV_DTYPE_F32, SHAPE(1, 3, 3, 1), ones9, 0, 0 },
    };
    struct qv_attrs a = attrs();
    a.padding = QV_PADDING_VALID;
    a.dilation_h = a.dilation_w = 2;
    const float want[1] = { 108 };
    check_both("conv dilation", QV_OP_CONV_2D, &a, 2, in, 1, (const float *const[]){ x }, want, 1);
    /* Omitted bias (-1) behaves like no bias. */
    struct tin in3[3] = { in[0], in[1], { NULL, QV_DTYPE_F32, SHAPE(1), NULL, 0, 0 } };
    check_both("conv omitted bias", QV_OP_CONV_2D, &a, 3, in3, 1, (const float *const[]){ x },
               want, 1);
}
END_TEST

START_TEST(conv_grouped_and_1x1)
{
    /* Groups: x = [1, 2, 3, 4] (1x1x1x4), filter [2][1][1][2] = {1, 1}, {1, -1}: 2 groups of 2
     * channels: out0 = 1 + 2 = 3 (channels 0-1), out1 = 3 - 4 = -1 (channels 2-3); RELU -> 0. */
    const float x[4] = { 1, 2, 3, 4 };
    const float w[4] = { 1, 1, 1, -1 };
    struct tin in[2] = {
        { "x", QV_DTYPE_F32, SHAPE(1, 1, 1, 4), NULL, 0, 0 },
        { "w", QV_DTYPE_F32, SHAPE(2, 1, 1, 2), w, 0, 0 },
    };
    struct qv_attrs a = attrs();
    const float want[2] = { 3, -1 };
    check_both("conv groups", QV_OP_CONV_2D, &a, 2, in, 1, (const float *const[]){ x }, want, 2);
    a.act = QV_ACT_RELU;
    const float want_relu[2] = { 3, 0 };
    check_both("conv groups relu", QV_OP_CONV_2D, &a, 2, in, 1, (const float *const[]){ x },
               want_relu, 2);

    /* 1x1 direct GEMM, batch 2: x pixels (1,2), (3,4) then (-1,0), (0,1); filter rows
     * (1,0), (0,1), (1,1); bias (0, 0, 10):
     *   (1,2) -> 1, 2, 13;  (3,4) -> 3, 4, 17;  (-1,0) -> -1, 0, 9;  (0,1) -> 0, 1, 11. */
    const float x2[8] = { 1, 2, 3, 4, -1, 0, 0, 1 };
    const float w2[6] = { 1, 0, 0, 1, 1, 1 };
    const float b2[3] = { 0, 0, 10 };
    struct tin in2[3] = {
        { "x", QV_DTYPE_F32, SHAPE(1, 1, 2, 2), NULL, 0, 0 },
        { "w", QV_DTYPE_F32, SHAPE(3, 1, 1, 2), w2, 0, 0 },
        { "b", QV_DTYPE_F32, SHAPE(3), b2, 0, 0 },
    };
    a = attrs();
    const float want2[12] = { 1, 2, 13, 3, 4, 17, -1, 0, 9, 0, 1, 11 };
    check_both("conv 1x1", QV_OP_CONV_2D, &a, 3, in2, 2, (const float *const[]){ x2 }, want2, 12);
}
END_TEST

START_TEST(conv_int8_weights_dequantized)
{
    /* int8 filter with scale 0.5: q = {2, -4} means {1, -2}; int32 bias q = 8 at scale 0.25
     * means 2. x = (3, 1) -> 3 - 2 + 2 = 3. */
    const int8_t wq[2] = { 2, -4 };
    const int32_t bq[1] = { 8 };
    const float x[2] = { 3, 1 };
    struct tin in[3] = {
        { "x", QV_DTYPE_F32, SHAPE(1, 1, 1, 2), NULL, 0, 0 },
        { "w", QV_DTYPE_I8, SHAPE(1, 1, 1, 2), wq, 0.5f, 0 },
        { "b", QV_DTYPE_I32, SHAPE(1), bq, 0.25f, 0 },
    };
    struct qv_attrs a = attrs();
    const float want[1] = { 3 };
    check_both("conv int8 weights", QV_OP_CONV_2D, &a, 3, in, 1, (const float *const[]){ x },
               want, 1);
}
END_TEST

/* ---- DEPTHWISE_CONV_2D -------------------------------------------------------------------- */

START_TEST(depthwise_multiplier2)
{
    /* x 2x2x2: channel 0 = 1, 2, 3, 4; channel 1 = 10, 20, 30, 40. Depth multiplier 2, VALID
     * 2x2 filter -> 1x1x4; filter per pixel p (0..3) and output channel: oc0 = 1, oc1 = p + 1,
     * oc2 = 1, oc3 = -1; bias (0, 0, 0, 1).
     *   oc0 = 1+2+3+4 = 10;  oc1 = 1*1+2*2+3*3+4*4 = 30;  oc2 = 100;  oc3 = -100 + 1 = -99. */
    const float x[8] = { 1, 10, 2, 20, 3, 30, 4, 40 };
    const float w[16] = { 1, 1, 1, -1, 1, 2, 1, -1, 1, 3, 1, -1, 1, 4, 1, -1 };
    const float b[4] = { 0, 0, 0, 1 };
    struct tin in[3] = {
        { "x", QV_DTYPE_F32, SHAPE(1, 2, 2, 2), NULL, 0, 0 },
        { "w", QV_DTYPE_F32, SHAPE(1, 2, 2, 4), w, 0, 0 },
        { "b", QV_DTYPE_F32, SHAPE(4), b, 0, 0 },
    };
    struct qv_attrs a = attrs();
    a.padding = QV_PADDING_VALID;
    a.depth_multiplier = 2;
    const float want[4] = { 10, 30, 100, -99 };
    check_both("dw dm2", QV_OP_DEPTHWISE_CONV_2D, &a, 3, in, 1, (const float *const[]){ x },
               want, 4);
}
END_TEST

START_TEST(depthwise_same_stride2_dilation)
{
    /* x = 1..16 as 4x4x1, 3x3 ones, SAME stride 2: same windows as conv_same_stride2 ->
     * 54, 45, 72, 54 (no bias); batch 2 with the second sample doubled. */
    float x[32];
    for (int i = 0; i < 16; i++) {
        x[i] = seq16[i];
        x[16 + i] = 2 * seq16[i];
    }
    struct tin in[2] = {
        { "x", QV_DTYPE_F32, SHAPE(1, 4, 4, 1), NULL, 0, 0 },
        { "w", QV_DTYPE_F32, SHAPE(1, 3, 3, 1), ones9, 0, 0 },
    };
    struct qv_attrs a = attrs();
    a.stride_h = a.stride_w = 2;
    const float want[8] = { 54, 45, 72, 54, 108, 90, 144, 108 };
    check_both("dw same s2", QV_OP_DEPTHWISE_CONV_2D, &a, 2, in, 2, (const float *const[]){ x },
               want, 8);
    /* Dilation 2, SAME, stride 1 on 4x4: effective 5, total padding 4 -> 2 before. Output
     * (0,0) taps rows/cols {-2, 0, 2}: in-image (0,0), (0,2), (2,0), (2,2) = 1+3+9+11 = 24;
     * (1,1) taps {-1, 1, 3}: (1,1), (1,3), (3,1), (3,3) = 6+8+14+16 = 44. */
    a = attrs();
    a.dilation_h = a.dilation_w = 2;
    float got[32];
    run_op(QV_OP_DEPTHWISE_CONV_2D, &a, 2, in, 1, (const float *const[]){ x }, false, got);
    ck_assert_float_eq_tol(got[0], 24, 1e-6);
    ck_assert_float_eq_tol(got[5], 44, 1e-6);
}
END_TEST

/* ---- FULLY_CONNECTED ---------------------------------------------------------------------- */

START_TEST(fc_basic_and_keep_num_dims)
{
    /* W = [[1, 0, -1], [2, 2, 2]], b = (1, -1). x = (1, 2, 3): 1 - 3 + 1 = -1, 12 - 1 = 11;
     * RELU -> 0, 11. Sample 2 x = (0, 1, 0): 0 + 1 = 1, 2 - 1 = 1. */
    const float w[6] = { 1, 0, -1, 2, 2, 2 };
    const float b[2] = { 1, -1 };
    const float x[6] = { 1, 2, 3, 0, 1, 0 };
    struct tin in[3] = {
        { "x", QV_DTYPE_F32, SHAPE(1, 3), NULL, 0, 0 },
        { "w", QV_DTYPE_F32, SHAPE(2, 3), w, 0, 0 },
        { "b", QV_DTYPE_F32, SHAPE(2), b, 0, 0 },
    };
    struct qv_attrs a = attrs();
    const float want[4] = { -1, 11, 1, 1 };
    check_both("fc", QV_OP_FULLY_CONNECTED, &a, 3, in, 2, (const float *const[]){ x }, want, 4);
    a.act = QV_ACT_RELU;
    const float want_relu[4] = { 0, 11, 1, 1 };
    check_both("fc relu", QV_OP_FULLY_CONNECTED, &a, 3, in, 2, (const float *const[]){ x },
               want_relu, 4);
    /* keep_num_dims: x [1, 2, 3] -> y [1, 2, 2], both rows of a sample through the same W. */
    in[0].shape = (struct qv_shape)SHAPE(1, 2, 3);
    a = attrs();
    a.keep_num_dims = true;
    check_both("fc keep_num_dims", QV_OP_FULLY_CONNECTED, &a, 3, in, 1,
               (const float *const[]){ x }, want, 4);
}
END_TEST

/* ---- pools -------------------------------------------------------------------------------- */

START_TEST(average_pool_counts_in_image_cells)
{
    /* x = 1..9 as 3x3, 3x3 window, SAME, stride 1 (padding 1 each side). Corners average 4
     * cells, edges 6, the centre 9:
     *   (0,0) (1+2+4+5)/4 = 3      (0,1) (1+2+3+4+5+6)/6 = 3.5    (0,2) (2+3+5+6)/4 = 4
     *   (1,0) (1+2+4+5+7+8)/6 = 4.5  (1,1) 45/9 = 5   (1,2) (2+3+5+6+8+9)/6 = 5.5
     *   (2,0) (4+5+7+8)/4 = 6      (2,1) 39/6 = 6.5               (2,2) (5+6+8+9)/4 = 7 */
    struct tin in[1] = { { "x", QV_DTYPE_F32, SHAPE(1, 3, 3, 1), NULL, 0, 0 } };
    struct qv_attrs a = attrs();
    a.filter_h = a.filter_w = 3;
    const float want[9] = { 3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7 };
    check_both("avgpool", QV_OP_AVERAGE_POOL_2D, &a, 1, in, 1, (const float *const[]){ seq16 },
               want, 9);
    /* RELU6 clamps 6.5 and 7 to 6. */
    a.act = QV_ACT_RELU6;
    const float want6[9] = { 3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6, 6 };
    check_both("avgpool relu6", QV_OP_AVERAGE_POOL_2D, &a, 1, in, 1,
               (const float *const[]){ seq16 }, want6, 9);
}
END_TEST

START_TEST(max_pool_ignores_padding)
{
    /* 4x4 1..16, 2x2 stride 2 VALID -> 6, 8, 14, 16. */
    struct tin in[1] = { { "x", QV_DTYPE_F32, SHAPE(1, 4, 4, 1), NULL, 0, 0 } };
    struct qv_attrs a = attrs();
    a.padding = QV_PADDING_VALID;
    a.filter_h = a.filter_w = 2;
    a.stride_h = a.stride_w = 2;
    const float want[4] = { 6, 8, 14, 16 };
    check_both("maxpool", QV_OP_MAX_POOL_2D, &a, 1, in, 1, (const float *const[]){ seq16 }, want,
               4);
    /* x = -(1..9) as 3x3, 2x2 stride 2 SAME: padding (1 after) never wins:
     *   (0,0) max(-1,-2,-4,-5) = -1; (0,1) max(-3,-6) = -3; (1,0) max(-7,-8) = -7; (1,1) -9.
     * With RELU every output becomes 0. */
    float x[9];
    for (int i = 0; i < 9; i++)
        x[i] = -seq16[i];
    in[0].shape = (struct qv_shape)SHAPE(1, 3, 3, 1);
    a.padding = QV_PADDING_SAME;
    const float want2[4] = { -1, -3, -7, -9 };
    check_both("maxpool same", QV_OP_MAX_POOL_2D, &a, 1, in, 1, (const float *const[]){ x },
               want2, 4);
    a.act = QV_ACT_RELU;
    const float want3[4] = { 0, 0, 0, 0 };
    check_both("maxpool relu", QV_OP_MAX_POOL_2D, &a, 1, in, 1, (const float *const[]){ x },
               want3, 4);
}
END_TEST

/* ---- ADD / SUB / MUL ---------------------------------------------------------------------- */

START_TEST(binary_broadcast)
{
    /* a [1,2,3] = [[1,2,3],[4,5,6]] (graph input), b constant. */
    const float a6[6] = { 1, 2, 3, 4, 5, 6 };
    const float brow[3] = { 10, 20, 30 };
    const float bcol[2] = { 100, 200 };
    struct qv_attrs at = attrs();
    /* b [3]: [[11,22,33],[14,25,36]]. */
    struct tin in[2] = {
        { "a", QV_DTYPE_F32, SHAPE(1, 2, 3), NULL, 0, 0 },
        { "b", QV_DTYPE_F32, SHAPE(3), brow, 0, 0 },
    };
    const float w1[6] = { 11, 22, 33, 14, 25, 36 };
    check_both("add row", QV_OP_ADD, &at, 2, in, 1, (const float *const[]){ a6 }, w1, 6);
    /* b [2,1]: [[101,102,103],[204,205,206]]. */
    in[1] = (struct tin){ "b", QV_DTYPE_F32, SHAPE(2, 1), bcol, 0, 0 };
    const float w2[6] = { 101, 102, 103, 204, 205, 206 };
    check_both("add col", QV_OP_ADD, &at, 2, in, 1, (const float *const[]){ a6 }, w2, 6);
    /* SUB a - b with b [3], RELU_N1_TO_1: all of -9..-24 clamp to -1. */
    in[1] = (struct tin){ "b", QV_DTYPE_F32, SHAPE(3), brow, 0, 0 };
    at.act = QV_ACT_RELU_N1_TO_1;
    const float w3[6] = { -1, -1, -1, -1, -1, -1 };
    check_both("sub", QV_OP_SUB, &at, 2, in, 1, (const float *const[]){ a6 }, w3, 6);
    /* Scalar b = 0.5, MUL with RELU6: 0.5, 1, 1.5, 2, 2.5, 3 (unclamped); batch 2, second
     * sample = 20 * a -> 10, 20, ... clamp to 6. */
    const float half = 0.5f;
    in[1] = (struct tin){ "b", QV_DTYPE_F32, SHAPE(1), &half, 0, 0 };
    at.act = QV_ACT_RELU6;
    float a12[12];
    for (int i = 0; i < 6; i++) {
        a12[i] = a6[i];
        a12[6 + i] = 20 * a6[i];
    }
    const float w4[12] = { 0.5f, 1, 1.5f, 2, 2.5f, 3, 6, 6, 6, 6, 6, 6 };
    check_both("mul scalar", QV_OP_MUL, &at, 2, in, 2, (const float *const[]){ a12 }, w4, 12);
    /* Same shapes, two graph inputs: (1..6) * (1..6) = squares; a - b = 0. */
    at = attrs();
    in[1] = (struct tin){ "b", QV_DTYPE_F32, SHAPE(1, 2, 3), NULL, 0, 0 };
    const float w5[6] = { 1, 4, 9, 16, 25, 36 };
    check_both("mul same", QV_OP_MUL, &at, 2, in, 1, (const float *const[]){ a6, a6 }, w5, 6);
    const float w6[6] = { 0 };
    check_both("sub same", QV_OP_SUB, &at, 2, in, 1, (const float *const[]){ a6, a6 }, w6, 6);
}
END_TEST

START_TEST(binary_broadcast_rank8)
{
    /* a [1,2,1,3,1,1,2,1] (values 0..11) + b [2,1,1,3,1,1] (values 0..5, times 100): output
     * [1,2,2,3,1,3,2,1]. Each output element is a[i1,i3,i6] + b[i2,i5] with the index map
     * spelled out below: numpy's right alignment puts b's dims at output dims 2..7. */
    float a[12], b[6], got[72], want[72];
    for (int i = 0; i < 12; i++)
        a[i] = (float)i;
    for (int i = 0; i < 6; i++)
        b[i] = 100.0f * (float)i;
    struct tin in[2] = {
        { "a", QV_DTYPE_F32, SHAPE(1, 2, 1, 3, 1, 1, 2, 1), NULL, 0, 0 },
        { "b", QV_DTYPE_F32, SHAPE(2, 1, 1, 3, 1, 1), b, 0, 0 },
    };
    int k = 0;
    for (int i1 = 0; i1 < 2; i1++)
        for (int i2 = 0; i2 < 2; i2++)
            for (int i3 = 0; i3 < 3; i3++)
                for (int i5 = 0; i5 < 3; i5++)
                    for (int i6 = 0; i6 < 2; i6++)
                        want[k++] = a[(i1 * 3 + i3) * 2 + i6] + b[i2 * 3 + i5];
    struct qv_attrs at = attrs();
    int64_t n = run_op(QV_OP_ADD, &at, 2, in, 1, (const float *const[]){ a }, false, got);
    ck_assert_int_eq(n, 72);
    qvt_assert_f32_close("add rank 8", got, want, 72, REL, ABS);
}
END_TEST

/* ---- shape-only ops ----------------------------------------------------------------------- */

START_TEST(reshape_squeeze_copy)
{
    const float x[6] = { 1, 2, 3, 4, 5, 6 };
    float got[12];
    struct qv_attrs a = attrs();
    a.n_new_shape = 3;
    a.new_shape[0] = 1;
    a.new_shape[1] = 3;
    a.new_shape[2] = -1;
    struct tin in[1] = { { "x", QV_DTYPE_F32, SHAPE(1, 2, 3), NULL, 0, 0 } };
    float x2[12];
    for (int i = 0; i < 12; i++)
        x2[i] = (float)(i + 1);
    ck_assert_int_eq(run_op(QV_OP_RESHAPE, &a, 1, in, 2, (const float *const[]){ x2 }, false,
                            got), 6);
    qvt_assert_f32_close("reshape", got, x2, 12, REL, ABS);
    /* SQUEEZE [1,1,3,1,2] dims 1 and 3 -> [1,3,2]: data unchanged. */
    a = attrs();
    a.n_squeeze = 2;
    a.squeeze_dims[0] = 1;
    a.squeeze_dims[1] = -2;
    in[0].shape = (struct qv_shape)SHAPE(1, 1, 3, 1, 2);
    ck_assert_int_eq(run_op(QV_OP_SQUEEZE, &a, 1, in, 1, (const float *const[]){ x }, false,
                            got), 6);
    qvt_assert_f32_close("squeeze", got, x, 6, REL, ABS);
}
END_TEST

/* ---- activations -------------------------------------------------------------------------- */

START_TEST(softmax_known_values)
{
    /* (1, 2, 3): exp(-2), exp(-1), 1 over 1.5032147 -> 0.09003057, 0.24472847, 0.66524096.
     * beta 2 on (0, ln(3)/2): exp(0), exp(ln 3) = 1, 3 -> 0.25, 0.75 (second sample: (5, 5)
     * -> 0.5, 0.5; max subtraction keeps large inputs finite: (1000, 1000) too). */
    const float x[3] = { 1, 2, 3 };
    float got[8];
    struct qv_attrs a = attrs();
    struct tin in[1] = { { "x", QV_DTYPE_F32, SHAPE(1, 3), NULL, 0, 0 } };
    run_op(QV_OP_SOFTMAX, &a, 1, in, 1, (const float *const[]){ x }, false, got);
    const float want[3] = { 0.09003057f, 0.24472847f, 0.66524096f };
    qvt_assert_f32_close("softmax", got, want, 3, REL, ABS);
    a.beta = 2.0f;
    in[0].shape = (struct qv_shape)SHAPE(1, 2);
    const float x2[6] = { 0, 0.5f * logf(3.0f), 5, 5, 1000, 1000 };
    run_op(QV_OP_SOFTMAX, &a, 1, in, 3, (const float *const[]){ x2 }, false, got);
    const float want2[6] = { 0.25f, 0.75f, 0.5f, 0.5f, 0.5f, 0.5f };
    qvt_assert_f32_close("softmax beta", got, want2, 6, REL, ABS);
}
END_TEST

static void unary(const char *what, enum qv_op op, const struct qv_attrs *a, const float *x,
                  const float *want, int64_t n)
{
    float got[64];
    struct tin in[1] = { { "x", QV_DTYPE_F32, { 2, { 1, n } }, NULL, 0, 0 } };
    run_op(op, a, 1, in, 1, (const float *const[]){ x }, false, got);
    qvt_assert_f32_close(what, got, want, n, REL, ABS);
}

START_TEST(pointwise_activations)
{
    struct qv_attrs a = attrs();
    /* LOGISTIC: 0 -> 0.5; ln 3 -> 3/4; -ln 3 -> 1/4; 20 (> 16.619 cutoff) -> 1;
     * -10 (< -9 cutoff) -> exp(-10) = 4.5399930e-05. */
    const float lx[5] = { 0, logf(3), -logf(3), 20, -10 };
    const float lw[5] = { 0.5f, 0.75f, 0.25f, 1, 4.5399930e-05f };
    unary("logistic", QV_OP_LOGISTIC, &a, lx, lw, 5);
    /* TANH: tanh(ln(3)/2) = (3-1)/(3+1) = 0.5; odd; 30 -> 1. */
    const float tx[4] = { 0, 0.5f * logf(3), -0.5f * logf(3), 30 };
    const float tw[4] = { 0, 0.5f, -0.5f, 1 };
    unary("tanh", QV_OP_TANH, &a, tx, tw, 4);
    const float rx[5] = { -2, -0.5f, 0, 3, 7 };
    const float rw[5] = { 0, 0, 0, 3, 7 };
    unary("relu", QV_OP_RELU, &a, rx, rw, 5);
    const float r6w[5] = { 0, 0, 0, 3, 6 };
    unary("relu6", QV_OP_RELU6, &a, rx, r6w, 5);
    /* LEAKY_RELU alpha 0.5: -2 -> -1, -0.5 -> -0.25. */
    a.alpha = 0.5f;
    const float lrw[5] = { -1, -0.25f, 0, 3, 7 };
    unary("leaky_relu", QV_OP_LEAKY_RELU, &a, rx, lrw, 5);
    /* HARD_SWISH x * relu6(x + 3) / 6: -4 -> 0; -3 -> 0; -1 -> -1*2/6; 0 -> 0; 1 -> 4/6;
     * 3 -> 3*6/6 = 3; 4 -> 4 (clamped at 6). */
    a = attrs();
    const float hx[7] = { -4, -3, -1, 0, 1, 3, 4 };
    const float hw[7] = { 0, 0, -1.0f / 3, 0, 2.0f / 3, 3, 4 };
    unary("hard_swish", QV_OP_HARD_SWISH, &a, hx, hw, 7);
}
END_TEST

/* ---- CONCATENATION / MEAN / PAD ----------------------------------------------------------- */

START_TEST(concatenation_axes)
{
    /* p [1,2,1] = (1; 2), q [1,2,2] = (3,4; 5,6): axis -1 -> [1,2,3] = (1,3,4; 2,5,6). */
    const float p[2] = { 1, 2 };
    const float q[4] = { 3, 4, 5, 6 };
    float got[16];
    struct tin in[2] = {
        { "p", QV_DTYPE_F32, SHAPE(1, 2, 1), NULL, 0, 0 },
        { "q", QV_DTYPE_F32, SHAPE(1, 2, 2), NULL, 0, 0 },
    };
    struct qv_attrs a = attrs();
    a.axis = -1;
    const float want[6] = { 1, 3, 4, 2, 5, 6 };
    ck_assert_int_eq(run_op(QV_OP_CONCATENATION, &a, 2, in, 1, (const float *const[]){ p, q },
                            false, got), 6);
    qvt_assert_f32_close("concat -1", got, want, 6, REL, ABS);
    /* axis 1, a constant second input, fused RELU: (-1, 2) ++ (3; -4 ; ...) [1,2,1] + [1,3,1]. */
    const float r[3] = { 3, -4, 5 };
    const float pn[2] = { -1, 2 };
    in[0] = (struct tin){ "p", QV_DTYPE_F32, SHAPE(1, 2, 1), NULL, 0, 0 };
    in[1] = (struct tin){ "r", QV_DTYPE_F32, SHAPE(1, 3, 1), r, 0, 0 };
    a.axis = 1;
    a.act = QV_ACT_RELU;
    const float want2[5] = { 0, 2, 3, 0, 5 };
    ck_assert_int_eq(run_op(QV_OP_CONCATENATION, &a, 2, in, 1, (const float *const[]){ pn },
                            false, got), 5);
    qvt_assert_f32_close("concat relu", got, want2, 5, REL, ABS);
}
END_TEST

START_TEST(mean_axes)
{
    /* x [1,2,2,2]: channel 0 = 1, 2, 3, 4; channel 1 = 10, 20, 30, 40. Axes (1, 2), keep_dims
     * -> [1,1,1,2] = (2.5, 25). Second sample = -x -> (-2.5, -25). */
    const float x[16] = { 1, 10, 2, 20, 3, 30, 4, 40, -1, -10, -2, -20, -3, -30, -4, -40 };
    const int32_t ax12[2] = { 1, 2 };
    float got[16];
    struct tin in[2] = {
        { "x", QV_DTYPE_F32, SHAPE(1, 2, 2, 2), NULL, 0, 0 },
        { "axes", QV_DTYPE_I32, SHAPE(2), ax12, 0, 0 },
    };
    struct qv_attrs a = attrs();
    a.keep_dims = true;
    ck_assert_int_eq(run_op(QV_OP_MEAN, &a, 2, in, 2, (const float *const[]){ x }, false, got), 2);
    const float want[4] = { 2.5f, 25, -2.5f, -25 };
    qvt_assert_f32_close("mean hw", got, want, 4, REL, ABS);
    /* Axes (-1, 2, -1) (duplicates ignored), no keep_dims -> [1,2]: row 0 = (1,10,2,20) -> 8.25,
     * row 1 = (3,30,4,40) -> 19.25. */
    const int32_t axn[3] = { -1, 2, -1 };
    in[1] = (struct tin){ "axes", QV_DTYPE_I32, SHAPE(3), axn, 0, 0 };
    a.keep_dims = false;
    ck_assert_int_eq(run_op(QV_OP_MEAN, &a, 2, in, 1, (const float *const[]){ x }, false, got), 2);
    const float want2[2] = { 8.25f, 19.25f };
    qvt_assert_f32_close("mean neg", got, want2, 2, REL, ABS);
}
END_TEST

START_TEST(pad_and_padv2)
{
    /* x [1,2,2,1] = (1,2; 3,4); paddings H (1, 0), W (0, 1) -> [1,3,3,1]:
     *   0 0 0 / 1 2 0 / 3 4 0. PADV2 fills with -1.5 instead. */
    const float x[4] = { 1, 2, 3, 4 };
    const int32_t pads[8] = { 0, 0, 1, 0, 0, 1, 0, 0 };
    const float cv = -1.5f;
    float got[32];
    struct tin in[3] = {
        { "x", QV_DTYPE_F32, SHAPE(1, 2, 2, 1), NULL, 0, 0 },
        { "pads", QV_DTYPE_I32, SHAPE(4, 2), pads, 0, 0 },
        { "cv", QV_DTYPE_F32, SHAPE(1), &cv, 0, 0 },
    };
    struct qv_attrs a = attrs();
    const float want[9] = { 0, 0, 0, 1, 2, 0, 3, 4, 0 };
    ck_assert_int_eq(run_op(QV_OP_PAD, &a, 2, in, 1, (const float *const[]){ x }, false, got), 9);
    qvt_assert_f32_close("pad", got, want, 9, REL, ABS);
    const float want2[9] = { -1.5f, -1.5f, -1.5f, 1, 2, -1.5f, 3, 4, -1.5f };
    ck_assert_int_eq(run_op(QV_OP_PADV2, &a, 3, in, 1, (const float *const[]){ x }, false, got),
                     9);
    qvt_assert_f32_close("padv2", got, want2, 9, REL, ABS);
    /* PADV2 without constant_values pads with 0, like PAD. */
    ck_assert_int_eq(run_op(QV_OP_PADV2, &a, 2, in, 1, (const float *const[]){ x }, false, got),
                     9);
    qvt_assert_f32_close("padv2 default", got, want, 9, REL, ABS);
}
END_TEST

/* ---- QUANTIZE / DEQUANTIZE ---------------------------------------------------------------- */

START_TEST(quantize_fake_quant)
{
    /* int8, s = 0.5, z = -1: q = clamp(round(x/s) - 1, -128, 127), out = 0.5 * (q + 1).
     *   0.26 -> 0.52 -> 1 -> q 0 -> 0.5;   0.25 -> 0.5 rounds away to 1 -> 0.5;
     *   -0.25 -> -0.5 rounds away to -1 -> q -2 -> -0.5;  100 -> q 199 clamps to 127 -> 64;
     *   -100 -> q -201 clamps to -128 -> -63.5;  1 -> q 1 -> 1. */
    const float x[6] = { 0.26f, 0.25f, -0.25f, 100, -100, 1 };
    float got[8];
    struct tin in[1] = { { "x", QV_DTYPE_F32, SHAPE(1, 6), NULL, 0, 0 } };
    struct tout o = { QV_DTYPE_I8, 0.5f, -1 };
    struct qv_attrs a = attrs();
    run_op_q(QV_OP_QUANTIZE, &a, 1, in, &o, 1, (const float *const[]){ x }, false, got);
    const float want[6] = { 0.5f, 0.5f, -0.5f, 64, -63.5f, 1 };
    qvt_assert_f32_close("quantize int8", got, want, 6, REL, ABS);
    /* uint8, s = 1, z = 128: range -128..127 in real units; 0.5 -> 1 (away), -200 -> -128. */
    const float xu[6] = { 0.5f, -0.5f, -200, 200, 3.2f, -3.7f };
    struct tout ou = { QV_DTYPE_U8, 1.0f, 128 };
    run_op_q(QV_OP_QUANTIZE, &a, 1, in, &ou, 1, (const float *const[]){ xu }, false, got);
    const float wantu[6] = { 1, -1, -128, 127, 3, -4 };
    qvt_assert_f32_close("quantize uint8", got, wantu, 6, REL, ABS);
    /* int16, s = 0.001, z = 0: 40 -> q 32767 -> 32.767; 0.0015 -> 1.5 -> 2 -> 0.002. */
    const float xs[6] = { 40, -40, 0.0015f, -0.0015f, 0, 1 };
    struct tout os = { QV_DTYPE_I16, 0.001f, 0 };
    run_op_q(QV_OP_QUANTIZE, &a, 1, in, &os, 1, (const float *const[]){ xs }, false, got);
    const float wants[6] = { 32.767f, -32.768f, 0.002f, -0.002f, 0, 1 };
    qvt_assert_f32_close("quantize int16", got, wants, 6, REL, ABS);
}
END_TEST

START_TEST(dequantize_identity)
{
    /* The int8 input is already held as real values by the float engine. */
    const float x[4] = { 0.5f, -1, 63.5f, -64 };
    float got[8];
    struct tin in[1] = { { "x", QV_DTYPE_I8, SHAPE(1, 4), NULL, 0.5f, 0 } };
    struct qv_attrs a = attrs();
    run_op(QV_OP_DEQUANTIZE, &a, 1, in, 1, (const float *const[]){ x }, false, got);
    qvt_assert_f32_close("dequantize", got, x, 4, REL, ABS);
}
END_TEST

/* ---- validation in prepare ---------------------------------------------------------------- */

START_TEST(prepare_rejects_bad_quantize_output)
{
    /* QUANTIZE to a float output is not a grid: prepare fails naming the node. */
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    struct qv_engine *e = NULL;
    int32_t x, y;
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_tensor(g, "x", QV_DTYPE_F32, &(struct qv_shape)SHAPE(1, 4), &x,
                                         &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_tensor(g, "y", QV_DTYPE_F32, &(struct qv_shape)SHAPE(1, 4), &y,
                                         &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_QUANTIZE, "q", 1, &x, 1, &y, NULL, NULL, &err),
                     QV_OK);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, 1, &y, &err), QV_OK);
    if (qv_graph_finalize(g, &err) == QV_OK) {
        struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
        ck_assert_int_eq(qv_engine_create(g, &o, &e, &err), QV_E_INPUT);
        ck_assert_ptr_null(e);
        ck_assert_int_eq(err.node, 0);
        ck_assert_ptr_nonnull(strstr(err.msg, "QUANTIZE"));
    }
    qv_graph_free(g);
}
END_TEST

Suite *float_ops_suite(void)
{
    Suite *s = suite_create("float_ops");
    TCase *tc = tcase_create("kernels");
    tcase_add_test(tc, conv_same_stride2);
    tcase_add_test(tc, conv_valid_dilation2);
    tcase_add_test(tc, conv_grouped_and_1x1);
    tcase_add_test(tc, conv_int8_weights_dequantized);
    tcase_add_test(tc, depthwise_multiplier2);
    tcase_add_test(tc, depthwise_same_stride2_dilation);
    tcase_add_test(tc, fc_basic_and_keep_num_dims);
    tcase_add_test(tc, average_pool_counts_in_image_cells);
    tcase_add_test(tc, max_pool_ignores_padding);
    tcase_add_test(tc, binary_broadcast);
    tcase_add_test(tc, binary_broadcast_rank8);
    tcase_add_test(tc, reshape_squeeze_copy);
    tcase_add_test(tc, softmax_known_values);
    tcase_add_test(tc, pointwise_activations);
    tcase_add_test(tc, concatenation_axes);
    tcase_add_test(tc, mean_axes);
    tcase_add_test(tc, pad_and_padv2);
    tcase_add_test(tc, quantize_fake_quant);
    tcase_add_test(tc, dequantize_identity);
    tcase_add_test(tc, prepare_rejects_bad_quantize_output);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(float_ops)
