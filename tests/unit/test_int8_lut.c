/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The int8 two-operand tables (src/engine/int8/lut_s8.h): each gather variant this CPU runs
 * against the C loop on random tables, lengths and strides (checkasm-style), and ADD, SUB and
 * MUL through the engine, fast path (the table) against the plain loops (TFLM's arithmetic per
 * element) on random graphs: broadcasting of every kind up to rank 5, scales and zero points
 * at their edges, every fused activation, both rounding flavours, batches. And the int8 input
 * path: already-quantized codes are copied as they are (qv_engine_load_input), out-of-range
 * codes are still refused with their position.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/int8/lut_s8.h"
#include "support.h"

static uint64_t rng;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static void seed(int kind, int i)
{
    rng = 0x243F6A8885A308D3ull ^ ((uint64_t)(kind * 100003 + i + 1) * 0xBF58476D1CE4E5B9ull);
    rnd();
}

static int32_t rint_in(int32_t lo, int32_t hi) /* inclusive */
{
    return lo + (int32_t)(rnd() % (uint32_t)((int64_t)hi - lo + 1));
}

#define CK(expr)                                                                                 \
    do {                                                                                         \
        enum qv_status st_ = (expr);                                                             \
        ck_assert_msg(st_ == QV_OK, "%s: %s", #expr, err.msg);                                   \
    } while (0)

/* ---- the row function, variant by variant ------------------------------------------------ */

START_TEST(row_variants_equal_c)
{
    seed(1, _i);
    int8_t *lut = malloc(QV_LUT2_S8_BYTES);
    for (int k = 0; k < QV_LUT2_S8_BYTES; k++)
        lut[k] = (int8_t)rnd();
    const int64_t n = rnd() % 4 == 0 ? rint_in(0, 20) : rint_in(1, 300);
    const int64_t sa = rint_in(0, 2), sb = rint_in(0, 2);
    int8_t *a = malloc((size_t)(n * 2 + 1)), *b = malloc((size_t)(n * 2 + 1));
    for (int64_t k = 0; k < n * 2 + 1; k++) {
        a[k] = (int8_t)rnd();
        b[k] = (int8_t)rnd();
    }
    int8_t *want = malloc((size_t)n + 1), *got = malloc((size_t)n + 1);
    for (int64_t k = 0; k < n; k++)
        want[k] = lut[qv_lut2_s8_index(a[k * sa], b[k * sb])];
    for (int v = 0; v < QV_LUT_ISA_COUNT; v++) {
        if (!qv_lut_isa_available((enum qv_lut_isa)v))
            continue;
        memset(got, 0x33, (size_t)n + 1);
        qv_lut2_s8_row((enum qv_lut_isa)v, lut, n, a, sa, b, sb, got);
        for (int64_t k = 0; k < n; k++)
            ck_assert_msg(got[k] == want[k], "case %d n %lld strides %lld,%lld variant %s: "
                          "element %lld is %d, want %d", _i, (long long)n, (long long)sa,
                          (long long)sb, qv_lut_isa_name((enum qv_lut_isa)v), (long long)k,
                          got[k], want[k]);
        ck_assert_msg(got[n] == 0x33, "variant %s wrote past the row",
                      qv_lut_isa_name((enum qv_lut_isa)v));
    }
    free(lut);
    free(a);
    free(b);
    free(want);
    free(got);
}
END_TEST

/* ---- ADD / SUB / MUL through the engine ----------------------------------------------------- */

static int32_t add_q(struct qv_graph *g, const char *name, const struct qv_shape *s, float scale,
                     int32_t zp)
{
    struct qv_error err = QV_ERROR_INIT;
    int32_t t;
    CK(qv_graph_add_tensor(g, name, QV_DTYPE_I8, s, &t, &err));
    CK(qv_graph_set_quant(g, t, 1, &scale, 1, &zp, 0, &err));
    return t;
}

static float rscale(void)
{
    return (float)(0.0005 + (rnd() % 100000) / 100000.0 * 0.5);
}

static int32_t rzp(void)
{
    switch (rnd() % 5) {
    case 0: return -128;
    case 1: return 127;
    default: return rint_in(-128, 127);
    }
}

static void *run(const struct qv_graph *g, const int8_t *in0, const int8_t *in1, int64_t n,
                 bool plain, enum qv_rounding r, size_t *ret_bytes)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    o.kind = QV_ENGINE_INT8;
    o.rounding = r;
    o.plain_loops = plain;
    o.max_batch = n;
    struct qv_engine *e = NULL;
    CK(qv_engine_create(g, &o, &e, &err));
    memcpy(qv_engine_input(e, 0), in0, (size_t)n * qv_engine_input_bytes(e, 0));
    memcpy(qv_engine_input(e, 1), in1, (size_t)n * qv_engine_input_bytes(e, 1));
    CK(qv_engine_run(e, n, &err));
    const size_t bytes = (size_t)n * qv_engine_output_bytes(e, 0);
    void *out = malloc(bytes);
    memcpy(out, qv_engine_output(e, 0), bytes);
    qv_engine_free(e);
    *ret_bytes = bytes;
    return out;
}

static void binary_case(enum qv_op op, int i)
{
    struct qv_error err = QV_ERROR_INIT;
    seed(10 + (int)op, i);
    struct qv_graph *g = NULL;
    CK(qv_graph_create(&g, &err));
    /* Output dims (batch first); each input keeps a dim or broadcasts it (1), and may drop
     * leading dims after the batch. */
    const int rank = rint_in(2, 5);
    struct qv_shape so = { rank, { 0 } }, sa = { rank, { 0 } }, sb = { rank, { 0 } };
    so.dims[0] = sa.dims[0] = sb.dims[0] = 1;
    for (int d = 1; d < rank; d++) {
        so.dims[d] = rint_in(1, d == rank - 1 ? 40 : 6);
        sa.dims[d] = rnd() % 4 == 0 ? 1 : so.dims[d];
        sb.dims[d] = rnd() % 3 == 0 ? 1 : so.dims[d];
    }
    float s1 = rscale(), s2 = rnd() % 4 == 0 ? s1 : rscale(), s3 = rscale();
    if (op != QV_OP_MUL && rnd() % 3 == 0)
        s3 = (s1 > s2 ? s1 : s2) * (float)(0.5 + (rnd() % 100) / 25.0);
    const int32_t z1 = rzp(), z2 = rzp(), z3 = rzp();
    const int32_t x = add_q(g, "a", &sa, s1, z1), y = add_q(g, "b", &sb, s2, z2);
    struct qv_shape none = { 0, { 0 } };
    const int32_t out = add_q(g, "out", &none, s3, z3);
    struct qv_attrs at;
    qv_attrs_init(&at);
    at.act = (enum qv_act)rint_in(0, 3);
    CK(qv_graph_add_node(g, op, "op", 2, (int32_t[]){ x, y }, 1, &out, &at, NULL, &err));
    CK(qv_graph_set_io(g, 2, (int32_t[]){ x, y }, 1, &out, &err));
    CK(qv_graph_finalize(g, &err));
    const int64_t n = rint_in(1, 4);
    const int64_t na = qv_shape_elems(&sa), nb = qv_shape_elems(&sb);
    int8_t *in0 = malloc((size_t)(n * na)), *in1 = malloc((size_t)(n * nb));
    for (int64_t k = 0; k < n * na; k++)
        in0[k] = (int8_t)(rnd() % 8 == 0 ? (rnd() % 2 ? 127 : -128) : rint_in(-128, 127));
    for (int64_t k = 0; k < n * nb; k++)
        in1[k] = (int8_t)(rnd() % 8 == 0 ? (rnd() % 2 ? 127 : -128) : rint_in(-128, 127));
    for (int r = 0; r < QV_ROUNDING_COUNT; r++) {
        size_t b1, b2;
        int8_t *plain = run(g, in0, in1, n, true, (enum qv_rounding)r, &b1);
        int8_t *fast = run(g, in0, in1, n, false, (enum qv_rounding)r, &b2);
        ck_assert_uint_eq(b1, b2);
        for (size_t k = 0; k < b1; k++)
            ck_assert_msg(plain[k] == fast[k], "%s case %d (rank %d, scales %g %g %g, zps %d %d "
                          "%d, act %d, rounding %d): element %zu plain %d table %d",
                          qv_op_name(op), i, rank, (double)s1, (double)s2, (double)s3, z1, z2,
                          z3, at.act, r, k, plain[k], fast[k]);
        free(plain);
        free(fast);
    }
    free(in0);
    free(in1);
    qv_graph_free(g);
}

START_TEST(add_table_equals_plain)
{
    binary_case(QV_OP_ADD, _i);
}
END_TEST

START_TEST(sub_table_equals_plain)
{
    binary_case(QV_OP_SUB, _i);
}
END_TEST

START_TEST(mul_table_equals_plain)
{
    binary_case(QV_OP_MUL, _i);
}
END_TEST

/* A unary op through the engine: the table (fast variants) against the plain loop. */
static void unary_case(enum qv_op op, int i)
{
    struct qv_error err = QV_ERROR_INIT;
    seed(20 + (int)op, i);
    struct qv_graph *g = NULL;
    CK(qv_graph_create(&g, &err));
    const struct qv_shape s = { 3, { 1, rint_in(1, 9), rint_in(1, 300) } };
    const struct qv_shape none = { 0, { 0 } };
    float s_in = rscale(), s_out = rscale();
    int32_t z_in = rzp(), z_out = rzp();
    if (op == QV_OP_LOGISTIC) {
        s_out = 1.0f / 256;
        z_out = -128;
    } else if (op == QV_OP_TANH) {
        s_out = 1.0f / 128;
        z_out = 0;
    } else if (op == QV_OP_HARD_SWISH || (op == QV_OP_RELU && rnd() % 2)) {
        s_out = s_in * (float)(0.05 + (rnd() % 100) / 50.0);   /* HARD_SWISH: < 128 s_out */
    }
    const int32_t x = add_q(g, "x", &s, s_in, z_in);
    const int32_t y = add_q(g, "y", &none, s_out, z_out);
    struct qv_attrs at;
    qv_attrs_init(&at);
    at.alpha = (float)(rnd() % 2 ? 0.1 : -0.3 + (rnd() % 100) / 100.0);
    CK(qv_graph_add_node(g, op, "op", 1, &x, 1, &y, &at, NULL, &err));
    CK(qv_graph_set_io(g, 1, &x, 1, &y, &err));
    CK(qv_graph_finalize(g, &err));
    const int64_t n = rint_in(1, 3), per = qv_shape_elems(&s);
    int8_t *in = malloc((size_t)(n * per));
    for (int64_t k = 0; k < n * per; k++)
        in[k] = (int8_t)(k < 256 ? k : rint_in(-128, 127));   /* every code, then random */
    for (int r = 0; r < QV_ROUNDING_COUNT; r++) {
        size_t b1 = 0;
        struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
        o.kind = QV_ENGINE_INT8;
        o.rounding = (enum qv_rounding)r;
        o.max_batch = n;
        int8_t *res[2];
        for (int plain = 0; plain < 2; plain++) {
            struct qv_engine *e = NULL;
            o.plain_loops = plain;
            CK(qv_engine_create(g, &o, &e, &err));
            memcpy(qv_engine_input(e, 0), in, (size_t)(n * per));
            CK(qv_engine_run(e, n, &err));
            b1 = (size_t)n * qv_engine_output_bytes(e, 0);
            res[plain] = malloc(b1);
            memcpy(res[plain], qv_engine_output(e, 0), b1);
            qv_engine_free(e);
        }
        for (size_t k = 0; k < b1; k++)
            ck_assert_msg(res[0][k] == res[1][k], "%s case %d (s_in %g z_in %d s_out %g z_out %d "
                          "alpha %g rounding %d): element %zu (input %d) table %d plain %d",
                          qv_op_name(op), i, (double)s_in, z_in, (double)s_out, z_out,
                          (double)at.alpha, r, k, in[k], res[0][k], res[1][k]);
        free(res[0]);
        free(res[1]);
    }
    free(in);
    qv_graph_free(g);
}

START_TEST(unary_tables_equal_plain)
{
    static const enum qv_op ops[] = { QV_OP_RELU, QV_OP_LEAKY_RELU, QV_OP_LOGISTIC, QV_OP_TANH,
                                      QV_OP_HARD_SWISH };
    unary_case(ops[_i % 5], _i);
}
END_TEST

/* The table lookup itself, every variant: lengths around the 64-byte steps. */
START_TEST(lut1_equals_loop)
{
    seed(30, _i);
    int8_t lut[256], in[300], out[301], codes[256];
    qv_lut1_s8_codes(codes);
    for (int k = 0; k < 256; k++) {
        lut[k] = (int8_t)rnd();
        ck_assert_int_eq((uint8_t)codes[k], k);
    }
    const int64_t n = rint_in(0, 300);
    for (int64_t k = 0; k < n; k++)
        in[k] = (int8_t)rnd();
    out[n] = 0x5A;
    qv_lut1_s8(lut, n, in, out);
    for (int64_t k = 0; k < n; k++)
        ck_assert_int_eq(out[k], lut[(uint8_t)in[k]]);
    ck_assert_int_eq(out[n], 0x5A);
}
END_TEST

/* int8 codes into an int8 input: the converting copy, its tail, and the range check. */
START_TEST(int8_codes_load_as_they_are)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    CK(qv_graph_create(&g, &err));
    const struct qv_shape s = { 2, { 1, 37 } }, none = { 0, { 0 } };
    const int32_t x = add_q(g, "a", &s, 0.05f, 3), y = add_q(g, "b", &s, 0.05f, 3);
    const int32_t out = add_q(g, "out", &none, 0.1f, 0);
    struct qv_attrs at;
    qv_attrs_init(&at);
    CK(qv_graph_add_node(g, QV_OP_ADD, "add", 2, (int32_t[]){ x, y }, 1, &out, &at, NULL, &err));
    CK(qv_graph_set_io(g, 2, (int32_t[]){ x, y }, 1, &out, &err));
    CK(qv_graph_finalize(g, &err));
    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    o.kind = QV_ENGINE_INT8;
    o.max_batch = 5;
    struct qv_engine *e = NULL;
    CK(qv_engine_create(g, &o, &e, &err));
    float codes[5 * 37];
    for (int k = 0; k < 5 * 37; k++)
        codes[k] = (float)((k * 37) % 256 - 128);
    codes[0] = -128.0f;
    codes[5 * 37 - 1] = 127.0f;
    CK(qv_engine_load_input(e, 0, 0, 5, codes, QV_DTYPE_I8, &err));
    const int8_t *held = qv_engine_input(e, 0);
    for (int k = 0; k < 5 * 37; k++)
        ck_assert_int_eq(held[k], (int)codes[k]);
    /* rows 1.. only, a tail of 37 * 2 elements */
    CK(qv_engine_load_input(e, 0, 3, 2, codes, QV_DTYPE_I8, &err));
    for (int k = 0; k < 2 * 37; k++)
        ck_assert_int_eq(held[3 * 37 + k], (int)codes[k]);
    codes[2 * 37 + 5] = 128.0f;
    ck_assert_int_eq(qv_engine_load_input(e, 0, 0, 5, codes, QV_DTYPE_I8, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "sample 2 element 5") && strstr(err.msg, "128"), "%s",
                  err.msg);
    codes[2 * 37 + 5] = -129.0f;
    ck_assert_int_eq(qv_engine_load_input(e, 0, 0, 5, codes, QV_DTYPE_I8, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "-129"), "%s", err.msg);
    qv_engine_free(e);
    qv_graph_free(g);
}
END_TEST

static Suite *int8_lut_suite(void)
{
    Suite *s = suite_create("int8_lut");
    TCase *tc = tcase_create("variants");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, row_variants_equal_c, 0, QVT_CASES(300));
    tcase_add_loop_test(tc, add_table_equals_plain, 0, QVT_CASES(120));
    tcase_add_loop_test(tc, sub_table_equals_plain, 0, QVT_CASES(120));
    tcase_add_loop_test(tc, mul_table_equals_plain, 0, QVT_CASES(120));
    tcase_add_test(tc, int8_codes_load_as_they_are);
    tcase_add_loop_test(tc, unary_tables_equal_plain, 0, QVT_CASES(200));
    tcase_add_loop_test(tc, lut1_equals_loop, 0, QVT_CASES(100));
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(int8_lut)
