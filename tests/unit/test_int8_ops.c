/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hand-computed cases per int8 op, each a single-op graph built with the graph API and run
 * through the int8 engine (docs/int8-arithmetic.md worked examples where it has them), plus
 * TFLM's Prepare constraints: the failures carry QV_E_INPUT, the node and the constraint.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define CK(expr)                                                                                 \
    do {                                                                                         \
        struct qv_error *e_ = &T.err;                                                            \
        enum qv_status st_ = (expr);                                                             \
        ck_assert_msg(st_ == QV_OK, "%s: %s", #expr, e_->msg);                                   \
    } while (0)

/* The graph under construction (one per test; tests run in forked processes or sequentially). */
static struct {
    struct qv_graph *g;
    struct qv_error err;
    int32_t inputs[4], n_inputs;
} T;

static void begin(void)
{
    memset(&T, 0, sizeof(T));
    qv_error_clear(&T.err);
    CK(qv_graph_create(&T.g, &T.err));
}

static int32_t tensor(const char *name, enum qv_dtype dt, int rank, const int64_t *dims,
                      float scale, int32_t zp)
{
    struct qv_shape s = { rank, { 0 } };
    for (int i = 0; i < rank; i++)
        s.dims[i] = dims[i];
    int32_t t;
    CK(qv_graph_add_tensor(T.g, name, dt, &s, &t, &T.err));
    if (scale > 0)
        CK(qv_graph_set_quant(T.g, t, 1, &scale, 1, &zp, 0, &T.err));
    return t;
}

/* A graph input (activation). */
static int32_t input(const char *name, enum qv_dtype dt, int rank, const int64_t *dims, float scale,
                     int32_t zp)
{
    int32_t t = tensor(name, dt, rank, dims, scale, zp);
    T.inputs[T.n_inputs++] = t;
    return t;
}

static int32_t constant(const char *name, enum qv_dtype dt, int rank, const int64_t *dims,
                        const void *data, float scale, int32_t zp)
{
    int32_t t = tensor(name, dt, rank, dims, scale, zp);
    CK(qv_graph_set_data(T.g, t, data, (size_t)qv_shape_elems(&T.g->tensors[t].shape) *
                         qv_dtype_size(dt), &T.err));
    return t;
}

static int32_t output(enum qv_dtype dt, float scale, int32_t zp)
{
    return tensor("y", dt, 0, NULL, scale, zp);
}

/* Adds the node, finalizes, runs one sample; returns the engine status (prepare errors). */
static enum qv_status run(enum qv_op op, const struct qv_attrs *a, int32_t n_in, const int32_t *ins,
                          int32_t y, const void *const in_data[], void *out, size_t out_bytes,
                          enum qv_rounding r)
{
    CK(qv_graph_add_node(T.g, op, "op", n_in, ins, 1, &y, a, NULL, &T.err));
    CK(qv_graph_set_io(T.g, T.n_inputs, T.inputs, 1, &y, &T.err));
    CK(qv_graph_finalize(T.g, &T.err));
    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    o.kind = QV_ENGINE_INT8;
    o.rounding = r;
    struct qv_engine *e = NULL;
    enum qv_status st = QV_OK;
    for (int plain = 0; plain < 2 && st == QV_OK; plain++) {
        o.plain_loops = plain;
        st = qv_engine_create(T.g, &o, &e, &T.err);
        if (st != QV_OK)
            break;
        for (int32_t i = 0; i < T.n_inputs; i++)
            memcpy(qv_engine_input(e, i), in_data[i], qv_engine_input_bytes(e, i));
        st = qv_engine_run(e, 1, &T.err);
        ck_assert_uint_eq(qv_engine_output_bytes(e, 0), out_bytes);
        if (plain == 0) {
            memcpy(out, qv_engine_output(e, 0), out_bytes);
        } else {
            ck_assert_msg(memcmp(out, qv_engine_output(e, 0), out_bytes) == 0,
                          "plain loops differ from the fast path");
        }
        qv_engine_free(e);
        e = NULL;
    }
    return st;
}

static void end(void)
{
    qv_graph_free(T.g);
    T.g = NULL;
}

static void expect_s8(const int8_t *got, const int8_t *want, int n)
{
    for (int i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i], "element %d: got %d expected %d", i, got[i], want[i]);
}

static void expect_fail(enum qv_status st, const char *needle)
{
    ck_assert_int_eq(st, QV_E_INPUT);
    ck_assert_msg(strstr(T.err.msg, needle) != NULL, "message '%s' lacks '%s'", T.err.msg, needle);
    ck_assert_msg(strstr(T.err.msg, "node 0") != NULL, "message '%s' lacks the node", T.err.msg);
    ck_assert_int_eq(T.err.node, 0);
}

START_TEST(add_spec_example_and_broadcast)
{
    /* §5.4: -100 (0.05, -3) + 50 (0.1, 10) -> -2 (0.12, 5); broadcast a [1,2,3] + b [3]. */
    begin();
    const int64_t da[3] = { 1, 2, 3 }, db[1] = { 3 };
    int32_t a = input("a", QV_DTYPE_I8, 3, da, 0.05f, -3);
    const int8_t bv[3] = { 50, -128, 127 };
    int32_t b = constant("b", QV_DTYPE_I8, 1, db, bv, 0.1f, 10);
    int32_t y = output(QV_DTYPE_I8, 0.12f, 5);
    const int8_t av[6] = { -100, -100, -100, 0, 127, -128 };
    int8_t out[6];
    const void *ins[1] = { av };
    CK(run(QV_OP_ADD, NULL, 2, (int32_t[]){ a, b }, y, ins, out, 6, QV_ROUNDING_DOUBLE));
    ck_assert_int_eq(out[0], -2);
    /* Other elements: real sums re-quantized, within one unit. */
    for (int i = 0; i < 6; i++) {
        const double real = 0.05 * (av[i] + 3) + 0.1 * (bv[i % 3] - 10);
        const double q = fmin(127, fmax(-128, round(real / 0.12) + 5));
        ck_assert_msg(fabs(out[i] - q) <= 1, "element %d: %d vs %g", i, out[i], q);
    }
    end();
}
END_TEST

START_TEST(sub_and_mul)
{
    begin();
    const int64_t d[2] = { 1, 3 };
    int32_t a = input("a", QV_DTYPE_I8, 2, d, 0.5f, 0);
    int32_t b = input("b", QV_DTYPE_I8, 2, d, 0.5f, 0);
    int32_t y = output(QV_DTYPE_I8, 0.25f, 0);
    const int8_t av[3] = { 4, -3, 10 }, bv[3] = { -3, 5, 10 };
    int8_t out[3];
    const void *ins[2] = { av, bv };
    CK(run(QV_OP_MUL, NULL, 2, (int32_t[]){ a, b }, y, ins, out, 3, QV_ROUNDING_DOUBLE));
    /* (4*-3) * 0.25 / 0.25 = -12; -15; 100 */
    expect_s8(out, (const int8_t[]){ -12, -15, 100 }, 3);
    end();
    begin();
    a = input("a", QV_DTYPE_I8, 2, d, 0.5f, 0);
    b = input("b", QV_DTYPE_I8, 2, d, 0.5f, 0);
    y = output(QV_DTYPE_I8, 0.5f, 1);
    CK(run(QV_OP_SUB, NULL, 2, (int32_t[]){ a, b }, y, ins, out, 3, QV_ROUNDING_DOUBLE));
    expect_s8(out, (const int8_t[]){ 8, -7, 1 }, 3);
    end();
}
END_TEST

START_TEST(softmax_spec_example)
{
    begin();
    const int64_t d[2] = { 1, 3 };
    int32_t x = input("x", QV_DTYPE_I8, 2, d, 0.1f, 7);
    int32_t y = output(QV_DTYPE_I8, 1.0f / 256, -128);
    const int8_t xv[3] = { 10, 0, -20 };
    int8_t out[3];
    const void *ins[1] = { xv };
    CK(run(QV_OP_SOFTMAX, NULL, 1, &x, y, ins, out, 3, QV_ROUNDING_DOUBLE));
    expect_s8(out, (const int8_t[]){ 53, -62, -119 }, 3);
    end();
}
END_TEST

START_TEST(softmax_rejects_output_scale)
{
    begin();
    const int64_t d[2] = { 1, 3 };
    int32_t x = input("x", QV_DTYPE_I8, 2, d, 0.1f, 0);
    int32_t y = output(QV_DTYPE_I8, 1.0f / 255, -128);
    int8_t xv[3] = { 0 }, out[3];
    const void *ins[1] = { xv };
    expect_fail(run(QV_OP_SOFTMAX, NULL, 1, &x, y, ins, out, 3, QV_ROUNDING_DOUBLE), "1/256");
    end();
    begin();
    x = input("x", QV_DTYPE_I8, 2, d, 0.1f, 0);
    y = output(QV_DTYPE_I8, 1.0f / 256, 0);
    expect_fail(run(QV_OP_SOFTMAX, NULL, 1, &x, y, ins, out, 3, QV_ROUNDING_DOUBLE), "-128");
    end();
}
END_TEST

START_TEST(logistic_and_tanh_spec_examples)
{
    const int64_t d[2] = { 1, 3 };
    const int8_t xv[3] = { 0, 100, -128 };
    int8_t out[3];
    const void *ins[1] = { xv };
    begin();
    int32_t x = input("x", QV_DTYPE_I8, 2, d, 0.05f, -1);
    int32_t y = output(QV_DTYPE_I8, 1.0f / 256, -128);
    CK(run(QV_OP_LOGISTIC, NULL, 1, &x, y, ins, out, 3, QV_ROUNDING_DOUBLE));
    expect_s8(out, (const int8_t[]){ 3, 126, -128 }, 3);
    end();
    begin();
    x = input("x", QV_DTYPE_I8, 2, d, 0.05f, -1);
    y = output(QV_DTYPE_I8, 1.0f / 128, 0);
    CK(run(QV_OP_TANH, NULL, 1, &x, y, ins, out, 3, QV_ROUNDING_DOUBLE));
    expect_s8(out, (const int8_t[]){ 6, 127, -128 }, 3);
    end();
    begin();
    x = input("x", QV_DTYPE_I8, 2, d, 0.05f, -1);
    y = output(QV_DTYPE_I8, 1.0f / 256, 0);
    expect_fail(run(QV_OP_LOGISTIC, NULL, 1, &x, y, ins, out, 3, QV_ROUNDING_DOUBLE), "-128");
    end();
}
END_TEST

START_TEST(pools_corner_window)
{
    /* §5.6: a 2x2 SAME window over a 1x2 image holds 2 valid cells {-3, -4}: -3.5 -> -4. */
    struct qv_attrs a;
    qv_attrs_init(&a);
    a.filter_h = a.filter_w = 2;
    a.stride_h = a.stride_w = 2;
    const int64_t d[4] = { 1, 1, 2, 1 };
    const int8_t xv[2] = { -3, -4 };
    int8_t out[1];
    const void *ins[1] = { xv };
    begin();
    int32_t x = input("x", QV_DTYPE_I8, 4, d, 0.5f, 3);
    int32_t y = output(QV_DTYPE_I8, 0.5f, 3);
    CK(run(QV_OP_AVERAGE_POOL_2D, &a, 1, &x, y, ins, out, 1, QV_ROUNDING_DOUBLE));
    ck_assert_int_eq(out[0], -4);
    end();
    begin();
    x = input("x", QV_DTYPE_I8, 4, d, 0.5f, 3);
    y = output(QV_DTYPE_I8, 0.5f, 3);
    CK(run(QV_OP_MAX_POOL_2D, &a, 1, &x, y, ins, out, 1, QV_ROUNDING_DOUBLE));
    ck_assert_int_eq(out[0], -3);
    end();
    begin();
    x = input("x", QV_DTYPE_I8, 4, d, 0.5f, 3);
    y = output(QV_DTYPE_I8, 0.6f, 3);
    expect_fail(run(QV_OP_AVERAGE_POOL_2D, &a, 1, &x, y, ins, out, 1, QV_ROUNDING_DOUBLE),
                "scale");
    end();
    begin();
    x = input("x", QV_DTYPE_I8, 4, d, 0.5f, 3);
    y = output(QV_DTYPE_I8, 0.5f, 4);
    expect_fail(run(QV_OP_AVERAGE_POOL_2D, &a, 1, &x, y, ins, out, 1, QV_ROUNDING_DOUBLE),
                "zero point");
    end();
}
END_TEST

START_TEST(conv_depthwise_fc_by_hand)
{
    /* CONV 1x1: 3*(10-2) + -2*(-5-2) + 7 = 45; * 0.125 -> 5.625 -> 6. */
    begin();
    const int64_t dx[4] = { 1, 1, 1, 2 }, dw[4] = { 1, 1, 1, 2 }, db[1] = { 1 };
    int32_t x = input("x", QV_DTYPE_I8, 4, dx, 0.5f, 2);
    const int8_t wv[2] = { 3, -2 };
    const int32_t bv[1] = { 7 };
    int32_t w = constant("w", QV_DTYPE_I8, 4, dw, wv, 0.25f, 0);
    int32_t b = constant("b", QV_DTYPE_I32, 1, db, bv, 0.125f, 0);
    int32_t y = output(QV_DTYPE_I8, 1.0f, 0);
    const int8_t xv[2] = { 10, -5 };
    int8_t out[4];
    const void *ins[1] = { xv };
    CK(run(QV_OP_CONV_2D, NULL, 3, (int32_t[]){ x, w, b }, y, ins, out, 1, QV_ROUNDING_DOUBLE));
    ck_assert_int_eq(out[0], 6);
    end();

    /* DEPTHWISE, depth multiplier 2: x {1, 2}, w {1, 2, 3, 4} -> {1, 2, 6, 8}. */
    begin();
    struct qv_attrs a;
    qv_attrs_init(&a);
    a.depth_multiplier = 2;
    const int64_t dw2[4] = { 1, 1, 1, 4 };
    x = input("x", QV_DTYPE_I8, 4, dx, 1.0f, 0);
    const int8_t wv2[4] = { 1, 2, 3, 4 };
    w = constant("w", QV_DTYPE_I8, 4, dw2, wv2, 1.0f, 0);
    y = output(QV_DTYPE_I8, 1.0f, 0);
    const int8_t xv2[2] = { 1, 2 };
    const void *ins2[1] = { xv2 };
    CK(run(QV_OP_DEPTHWISE_CONV_2D, &a, 2, (int32_t[]){ x, w }, y, ins2, out, 4,
           QV_ROUNDING_DOUBLE));
    expect_s8(out, (const int8_t[]){ 1, 2, 6, 8 }, 4);
    end();

    /* FC per-tensor with filter zero point 1: (5-1)(4+1) + (2-1)(-3+1) = 18; M = 1; +3 = 21. */
    begin();
    const int64_t dfx[2] = { 1, 2 }, dfw[2] = { 1, 2 };
    x = input("x", QV_DTYPE_I8, 2, dfx, 0.5f, -1);
    const int8_t fw[2] = { 5, 2 };
    w = constant("w", QV_DTYPE_I8, 2, dfw, fw, 0.5f, 1);
    y = output(QV_DTYPE_I8, 0.25f, 3);
    const int8_t fx[2] = { 4, -3 };
    const void *ins3[1] = { fx };
    CK(run(QV_OP_FULLY_CONNECTED, NULL, 2, (int32_t[]){ x, w }, y, ins3, out, 1,
           QV_ROUNDING_DOUBLE));
    ck_assert_int_eq(out[0], 21);
    end();

    /* FC bias-scale check: bias scale far from s_in * s_w fails Prepare. */
    begin();
    x = input("x", QV_DTYPE_I8, 2, dfx, 0.5f, -1);
    w = constant("w", QV_DTYPE_I8, 2, dfw, fw, 0.5f, 0);
    b = constant("b", QV_DTYPE_I32, 1, db, bv, 1.0f, 0);
    y = output(QV_DTYPE_I8, 0.25f, 3);
    expect_fail(run(QV_OP_FULLY_CONNECTED, NULL, 3, (int32_t[]){ x, w, b }, y, ins3, out, 1,
                    QV_ROUNDING_DOUBLE), "bias");
    end();
}
END_TEST

START_TEST(relu_family)
{
    const int64_t d[2] = { 1, 4 };
    const int8_t xv[4] = { -100, 0, 60, 127 };
    int8_t out[4];
    const void *ins[1] = { xv };
    /* RELU6 clamps to [z_in, z_in + round(6 / s_in)] = [-10, 50]; no requantization. */
    begin();
    int32_t x = input("x", QV_DTYPE_I8, 2, d, 0.1f, -10);
    int32_t y = output(QV_DTYPE_I8, 0.1f, -10);
    CK(run(QV_OP_RELU6, NULL, 1, &x, y, ins, out, 4, QV_ROUNDING_DOUBLE));
    expect_s8(out, (const int8_t[]){ -10, 0, 50, 50 }, 4);
    end();
    /* RELU requantizes: s 0.1 -> 0.05, zp 0 -> -128. */
    begin();
    x = input("x", QV_DTYPE_I8, 2, d, 0.1f, 0);
    y = output(QV_DTYPE_I8, 0.05f, -128);
    const int8_t rv[4] = { -5, 10, 0, 127 };
    const void *rins[1] = { rv };
    CK(run(QV_OP_RELU, NULL, 1, &x, y, rins, out, 4, QV_ROUNDING_DOUBLE));
    expect_s8(out, (const int8_t[]){ -128, -108, -128, 126 }, 4);
    end();
    /* LEAKY_RELU alpha 0.5: -7 -> SRDHM(-7, 2^30) = -3 (tie toward +inf). */
    begin();
    struct qv_attrs a;
    qv_attrs_init(&a);
    a.alpha = 0.5f;
    x = input("x", QV_DTYPE_I8, 2, d, 0.1f, 0);
    y = output(QV_DTYPE_I8, 0.1f, 0);
    const int8_t lv[4] = { -7, 7, -128, 127 };
    const void *lins[1] = { lv };
    CK(run(QV_OP_LEAKY_RELU, &a, 1, &x, y, lins, out, 4, QV_ROUNDING_DOUBLE));
    expect_s8(out, (const int8_t[]){ -3, 7, -64, 127 }, 4);
    end();
    /* HARD_SWISH within one unit of x * relu6(x + 3) / 6. */
    begin();
    const int64_t dh[2] = { 1, 256 };
    x = input("x", QV_DTYPE_I8, 2, dh, 0.05f, 3);
    y = output(QV_DTYPE_I8, 0.04f, -70);
    int8_t hv[256], hout[256];
    for (int i = 0; i < 256; i++)
        hv[i] = (int8_t)(i - 128);
    const void *hins[1] = { hv };
    CK(run(QV_OP_HARD_SWISH, NULL, 1, &x, y, hins, hout, 256, QV_ROUNDING_DOUBLE));
    for (int i = 0; i < 256; i++) {
        const double v = 0.05 * (hv[i] - 3);
        const double r = v * fmin(6, fmax(0, v + 3)) / 6;
        const double q = fmin(127, fmax(-128, round(r / 0.04) - 70));
        ck_assert_msg(fabs(hout[i] - q) <= 1, "x %d: got %d expected ~%g", hv[i], hout[i], q);
    }
    end();
    /* HARD_SWISH Prepare: s_in / (128 * s_out) >= 1 fails. */
    begin();
    x = input("x", QV_DTYPE_I8, 2, dh, 1.0f, 0);
    y = output(QV_DTYPE_I8, 0.001f, 0);
    expect_fail(run(QV_OP_HARD_SWISH, NULL, 1, &x, y, hins, hout, 256, QV_ROUNDING_DOUBLE),
                "exponent");
    end();
}
END_TEST

START_TEST(quantize_dequantize_and_rounding_flavours)
{
    const int64_t d[2] = { 1, 4 };
    int8_t out[4];
    /* float -> int8: ties away from zero, saturation. */
    begin();
    int32_t x = input("x", QV_DTYPE_F32, 2, d, 0, 0);
    int32_t y = output(QV_DTYPE_I8, 1.0f, 0);
    const float fv[4] = { 2.5f, -2.5f, 1.49f, 300.0f };
    const void *ins[1] = { fv };
    CK(run(QV_OP_QUANTIZE, NULL, 1, &x, y, ins, out, 4, QV_ROUNDING_DOUBLE));
    expect_s8(out, (const int8_t[]){ 3, -3, 1, 127 }, 4);
    end();
    /* int8 -> int8 requantize by 0.25: -6 -> -2 (double rounding), -1 (single rounding). */
    const int8_t qv[4] = { -6, 6, -2, 100 };
    const void *qins[1] = { qv };
    begin();
    x = input("x", QV_DTYPE_I8, 2, d, 0.25f, 0);
    y = output(QV_DTYPE_I8, 1.0f, 0);
    CK(run(QV_OP_QUANTIZE, NULL, 1, &x, y, qins, out, 4, QV_ROUNDING_DOUBLE));
    expect_s8(out, (const int8_t[]){ -2, 2, -1, 25 }, 4);
    end();
    begin();
    x = input("x", QV_DTYPE_I8, 2, d, 0.25f, 0);
    y = output(QV_DTYPE_I8, 1.0f, 0);
    CK(run(QV_OP_QUANTIZE, NULL, 1, &x, y, qins, out, 4, QV_ROUNDING_SINGLE));
    expect_s8(out, (const int8_t[]){ -1, 2, 0, 25 }, 4);
    end();
    /* int8 -> uint8 with equal scales and zero points 128 apart: q ^ 0x80. */
    begin();
    x = input("x", QV_DTYPE_I8, 2, d, 0.25f, -3);
    y = output(QV_DTYPE_U8, 0.25f, 125);
    uint8_t uout[4];
    CK(run(QV_OP_QUANTIZE, NULL, 1, &x, y, qins, uout, 4, QV_ROUNDING_DOUBLE));
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(uout[i], (uint8_t)(qv[i] ^ 0x80));
    end();
    /* DEQUANTIZE: (float)((double)s * (q - z)). */
    begin();
    x = input("x", QV_DTYPE_I8, 2, d, 0.1f, 3);
    y = output(QV_DTYPE_F32, 0, 0);
    float fout[4];
    CK(run(QV_OP_DEQUANTIZE, NULL, 1, &x, y, qins, fout, 16, QV_ROUNDING_DOUBLE));
    for (int i = 0; i < 4; i++)
        ck_assert(fout[i] == (float)((double)0.1f * (qv[i] - 3)));
    end();
}
END_TEST

START_TEST(data_movement)
{
    int8_t out[16];
    /* PAD fills with the output zero point; PADV2 with its constant value. */
    begin();
    const int64_t d[2] = { 1, 2 }, dp[2] = { 2, 2 };
    int32_t x = input("x", QV_DTYPE_I8, 2, d, 0.5f, 5);
    const int32_t pads[4] = { 0, 0, 1, 2 };
    int32_t p = constant("pads", QV_DTYPE_I32, 2, dp, pads, 0, 0);
    int32_t y = output(QV_DTYPE_I8, 0.5f, 5);
    const int8_t xv[2] = { -1, 9 };
    const void *ins[1] = { xv };
    CK(run(QV_OP_PAD, NULL, 2, (int32_t[]){ x, p }, y, ins, out, 5, QV_ROUNDING_DOUBLE));
    expect_s8(out, (const int8_t[]){ 5, -1, 9, 5, 5 }, 5);
    end();
    begin();
    x = input("x", QV_DTYPE_I8, 2, d, 0.5f, 5);
    p = constant("pads", QV_DTYPE_I32, 2, dp, pads, 0, 0);
    const int8_t cv = -7;
    int32_t c = constant("cv", QV_DTYPE_I8, 0, NULL, &cv, 0.5f, 5);
    y = output(QV_DTYPE_I8, 0.5f, 5);
    CK(run(QV_OP_PADV2, NULL, 3, (int32_t[]){ x, p, c }, y, ins, out, 5, QV_ROUNDING_DOUBLE));
    expect_s8(out, (const int8_t[]){ -7, -1, 9, -7, -7 }, 5);
    end();
    /* CONCATENATION on axis 1; mismatched input parameters fail Prepare. */
    struct qv_attrs a;
    qv_attrs_init(&a);
    a.axis = -1;
    begin();
    x = input("x", QV_DTYPE_I8, 2, d, 0.5f, 5);
    int32_t x2 = input("x2", QV_DTYPE_I8, 2, d, 0.5f, 5);
    y = output(QV_DTYPE_I8, 0.5f, 5);
    const int8_t x2v[2] = { 3, 4 };
    const void *ins2[2] = { xv, x2v };
    CK(run(QV_OP_CONCATENATION, &a, 2, (int32_t[]){ x, x2 }, y, ins2, out, 4, QV_ROUNDING_DOUBLE));
    expect_s8(out, (const int8_t[]){ -1, 9, 3, 4 }, 4);
    end();
    begin();
    x = input("x", QV_DTYPE_I8, 2, d, 0.5f, 5);
    x2 = input("x2", QV_DTYPE_I8, 2, d, 0.25f, 5);
    y = output(QV_DTYPE_I8, 0.5f, 5);
    expect_fail(run(QV_OP_CONCATENATION, &a, 2, (int32_t[]){ x, x2 }, y, ins2, out, 4,
                    QV_ROUNDING_DOUBLE), "x2");
    end();
    /* MEAN of {1, 2, 3, 5} with equal params: N = 4 -> M' = 2^30, s' = -1 -> 3 (2.75). */
    begin();
    const int64_t dm[2] = { 1, 4 }, da[1] = { 1 };
    x = input("x", QV_DTYPE_I8, 2, dm, 0.5f, 0);
    const int32_t axis[1] = { -1 };
    int32_t ax = constant("axis", QV_DTYPE_I32, 1, da, axis, 0, 0);
    y = output(QV_DTYPE_I8, 0.5f, 0);
    const int8_t mv[4] = { 1, 2, 3, 5 };
    const void *mins[1] = { mv };
    CK(run(QV_OP_MEAN, NULL, 2, (int32_t[]){ x, ax }, y, mins, out, 1, QV_ROUNDING_DOUBLE));
    ck_assert_int_eq(out[0], 3);
    end();
    /* RESHAPE and SQUEEZE copy bytes. */
    begin();
    const int64_t dr[3] = { 1, 1, 4 };
    x = input("x", QV_DTYPE_I8, 3, dr, 0.5f, 0);
    y = output(QV_DTYPE_I8, 0.5f, 0);
    CK(run(QV_OP_SQUEEZE, NULL, 1, &x, y, mins, out, 4, QV_ROUNDING_DOUBLE));
    expect_s8(out, mv, 4);
    end();
}
END_TEST

/* ---- hostile quantization parameters reach prepare: refused, never UB -------------------- */

/* The ops to try, each as one node on x [1, 4, 4, 8] int8 (and a second input for binaries). */
enum { N_HOSTILE_OPS = 20 };
static const enum qv_op hostile_ops[N_HOSTILE_OPS] = {
    QV_OP_ADD, QV_OP_SUB, QV_OP_MUL, QV_OP_CONV_2D, QV_OP_DEPTHWISE_CONV_2D,
    QV_OP_FULLY_CONNECTED, QV_OP_AVERAGE_POOL_2D, QV_OP_MAX_POOL_2D, QV_OP_SOFTMAX,
    QV_OP_LOGISTIC, QV_OP_TANH, QV_OP_RELU, QV_OP_RELU6, QV_OP_LEAKY_RELU, QV_OP_HARD_SWISH,
    QV_OP_MEAN, QV_OP_QUANTIZE, QV_OP_DEQUANTIZE, QV_OP_PAD, QV_OP_CONCATENATION,
};

/* Builds the op's graph with valid parameters; returns x, the node's first input. */
static int32_t hostile_graph(enum qv_op op, int32_t *ret_y)
{
    const int64_t dx[4] = { 1, 4, 4, 8 };
    struct qv_attrs a;
    qv_attrs_init(&a);
    a.filter_h = a.filter_w = 2;
    int32_t x = input("x", QV_DTYPE_I8, 4, dx, 0.05f, 3), ins[3] = { x, -1, -1 }, n_in = 1;
    int32_t y = output(op == QV_OP_DEQUANTIZE ? QV_DTYPE_F32 : QV_DTYPE_I8,
                       op == QV_OP_DEQUANTIZE ? 0.0f
                       : op == QV_OP_SOFTMAX || op == QV_OP_LOGISTIC ? 1.0f / 256
                       : op == QV_OP_TANH ? 1.0f / 128 : 0.1f,
                       op == QV_OP_SOFTMAX || op == QV_OP_LOGISTIC ? -128 : 0);
    static int8_t w[8 * 8];
    static int32_t bias[8], pads[8] = { 0, 0, 1, 1, 1, 1, 0, 0 }, axes[2] = { 1, 2 };
    const int64_t dw[4] = { 8, 1, 1, 8 }, dd[4] = { 1, 1, 1, 8 }, dfc[2] = { 8, 8 };
    const int64_t db[1] = { 8 }, dp[2] = { 4, 2 }, dax[1] = { 2 };
    for (int i = 0; i < 64; i++)
        w[i] = (int8_t)(i * 7 % 255 - 127);
    switch (op) {
    case QV_OP_ADD:
    case QV_OP_SUB:
    case QV_OP_MUL:
    case QV_OP_CONCATENATION: ins[1] = input("x2", QV_DTYPE_I8, 4, dx, 0.05f, 3); n_in = 2; break;
    case QV_OP_CONV_2D:
        ins[1] = constant("w", QV_DTYPE_I8, 4, dw, w, 0.01f, 0);
        ins[2] = constant("b", QV_DTYPE_I32, 1, db, bias, 0.0005f, 0);
        n_in = 3;
        break;
    case QV_OP_DEPTHWISE_CONV_2D:
        ins[1] = constant("w", QV_DTYPE_I8, 4, dd, w, 0.01f, 0);
        ins[2] = constant("b", QV_DTYPE_I32, 1, db, bias, 0.0005f, 0);
        n_in = 3;
        break;
    case QV_OP_FULLY_CONNECTED:
        ins[1] = constant("w", QV_DTYPE_I8, 2, dfc, w, 0.01f, 0);
        ins[2] = constant("b", QV_DTYPE_I32, 1, db, bias, 0.0005f, 0);
        n_in = 3;
        a.keep_num_dims = true;
        break;
    case QV_OP_PAD: ins[1] = constant("p", QV_DTYPE_I32, 2, dp, pads, 0, 0); n_in = 2; break;
    case QV_OP_MEAN: ins[1] = constant("ax", QV_DTYPE_I32, 1, dax, axes, 0, 0); n_in = 2; break;
    default: break;
    }
    if (op == QV_OP_CONCATENATION)
        a.axis = 3;
    CK(qv_graph_add_node(T.g, op, "op", n_in, ins, 1, &y, &a, NULL, &T.err));
    CK(qv_graph_set_io(T.g, T.n_inputs, T.inputs, 1, &y, &T.err));
    *ret_y = y;
    return x;
}

/* Writes a hostile value into tensor t's first scale or zero point (past qv_graph_set_quant's
 * checks, as a buggy pass or a future reader might). */
static void poke(int32_t t, bool scale, double v)
{
    struct qv_quant *q = &T.g->tensors[t].quant;
    ck_assert_int_ge(q->count, 1);
    if (scale)
        ((float *)q->scale)[0] = (float)v;
    else
        ((int32_t *)q->zero_point)[0] = (int32_t)v;
}

/*
 * Every int8 op with a hostile scale or zero point on its input or output: prepare refuses it
 * (QV_E_INPUT naming the tensor and the value) or, for a parameter the op never reads, it runs;
 * under ASan+UBSan neither path reports anything.
 */
START_TEST(hostile_quant_params_refused_at_prepare)
{
    static const struct { bool scale; double v; const char *needle; } bad[] = {
        { false, 100000, "zero_point = 100000" }, { false, -2147483648.0, "zero_point = -2147" },
        { false, 128, "zero_point = 128" }, { true, 3e38, "" }, { true, 0, "scale = 0" },
        { true, -0.5, "scale = -0.5" }, { true, NAN, "scale = nan" },
        { true, INFINITY, "scale = inf" }, { true, 1e-45, "scale = 1.4" },
        { true, 1e-30, "" },
    };
    const enum qv_op op = hostile_ops[_i];
    int refused = 0, ran = 0;
    for (int side = 0; side < 2; side++) {
        for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
            if (op == QV_OP_DEQUANTIZE && side == 1)
                continue;   /* a float output has no quantization */
            begin();
            int32_t y;
            int32_t x = hostile_graph(op, &y);
            CK(qv_graph_finalize(T.g, &T.err));
            poke(side ? y : x, bad[b].scale, bad[b].v);
            struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
            o.kind = QV_ENGINE_INT8;
            o.max_batch = 2;
            struct qv_engine *e = NULL;
            enum qv_status st = qv_engine_create(T.g, &o, &e, &T.err);
            if (st == QV_OK) {
                /* allowed only when the value is usable (3e38, 1e-30: legal but extreme) */
                ck_assert_msg(bad[b].needle[0] == '\0', "%s: %s %s = %g accepted",
                              qv_op_name(op), side ? "output" : "input",
                              bad[b].scale ? "scale" : "zero_point", bad[b].v);
                for (int32_t i = 0; i < T.n_inputs; i++)
                    memset(qv_engine_input(e, i), 0x7f, 2 * qv_engine_input_bytes(e, i));
                CK(qv_engine_run(e, 2, &T.err));
                qv_engine_free(e);
                ran++;
            } else {
                ck_assert_msg(st == QV_E_INPUT, "%s: status %d: %s", qv_op_name(op), st,
                              T.err.msg);
                ck_assert_msg(strstr(T.err.msg, bad[b].needle), "%s: '%s' lacks '%s'",
                              qv_op_name(op), T.err.msg, bad[b].needle);
                ck_assert_int_eq(T.err.node, 0);
                refused++;
            }
            end();
        }
    }
    ck_assert_int_ge(refused, 8);
    (void)ran;
}
END_TEST

static Suite *int8_ops_suite(void)
{
    Suite *s = suite_create("int8_ops");
    TCase *tc = tcase_create("hand");
    tcase_add_test(tc, add_spec_example_and_broadcast);
    tcase_add_test(tc, sub_and_mul);
    tcase_add_test(tc, softmax_spec_example);
    tcase_add_test(tc, softmax_rejects_output_scale);
    tcase_add_test(tc, logistic_and_tanh_spec_examples);
    tcase_add_test(tc, pools_corner_window);
    tcase_add_test(tc, conv_depthwise_fc_by_hand);
    tcase_add_test(tc, relu_family);
    tcase_add_test(tc, quantize_dequantize_and_rounding_flavours);
    tcase_add_test(tc, data_movement);
    tcase_add_loop_test(tc, hostile_quant_params_refused_at_prepare, 0, N_HOSTILE_OPS);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(int8_ops)
