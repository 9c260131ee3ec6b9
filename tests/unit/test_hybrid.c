/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hybrid (dynamic-range quantized) models: every converter-made model of tests/fixtures/hybrid
 * (reference/make_hybrid_fixtures.py) runs in the float engine and must match the TFLite
 * interpreter's reference kernels (expected/ref) within DESIGN's float tolerance with TFLite's
 * hybrid arithmetic (the default), and the ideal float computation on dequantized weights
 * (expected/ideal) with QV_HYBRID_DEQUANTIZE; each mode's outputs differ from the other
 * expectation (so the test knows which ran), and the engine reports which ran per node. Also
 * the input quantizers on their edge cases.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/float/hybrid_f32.h"
#include "support.h"

#define MAX_CASES 32
static char names[MAX_CASES][64];
static int n_names;

static void collect(void)
{
    FILE *f = fopen(qvt_fixture("hybrid/cases.txt"), "r");
    char line[2048];
    while (f && n_names < MAX_CASES && fgets(line, sizeof(line), f)) {
        char name[64];
        if (line[0] == '#' || sscanf(line, "%63s", name) != 1)
            continue;
        snprintf(names[n_names++], sizeof(names[0]), "%s", name);
    }
    if (f)
        fclose(f);
}

/* Observer: every tensor the fixture holds (ds_cnn_128: expected/ref/tensors). */
struct capture {
    const struct qv_graph *g;
    const char *dir;
    int checked;
};

static bool observe(int32_t node, const struct qv_tensor_view *t, bool ask, void *user)
{
    struct capture *cap = user;
    if (ask)
        return true;
    char rel[256];
    const int32_t idx = cap->g->nodes[node].outputs[0];
    snprintf(rel, sizeof(rel), "%s/expected/ref/tensors/t%d.npy", cap->dir, (int)idx);
    int64_t rows, elems;
    float *want = qvt_load_npy(qvt_fixture(rel), QV_DTYPE_F32, false, &rows, &elems);
    if (!want)
        return true;
    char what[300];
    snprintf(what, sizeof(what), "%s: tensor %d of node %d (%s)", cap->dir, (int)idx, (int)node,
             qv_op_name(cap->g->nodes[node].op));
    ck_assert_int_eq(qv_shape_elems(&t->shape), rows * elems);
    qvt_assert_f32_close(what, t->data, want, rows * elems, 1e-5, 1e-6);
    cap->checked++;
    free(want);
    return true;
}

/* Runs the case with `mode` on engine `kind`; returns the output (malloc'd) and its size. */
static float *run(const char *name, enum qv_engine_kind kind, enum qv_hybrid_mode mode,
                  bool check_tensors, int64_t *ret_n)
{
    char dir[128], rel[256];
    snprintf(dir, sizeof(dir), "hybrid/%s", name);
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    snprintf(rel, sizeof(rel), "%s/model.tflite", dir);
    if (qv_model_load(qvt_fixture(rel), &g, &err) != QV_OK)
        ck_abort_msg("%s: %s", rel, err.msg);
    ck_assert_int_gt(qv_graph_count_hybrid(g), 0);
    int64_t rows, elems;
    snprintf(rel, sizeof(rel), "%s/input.npy", dir);
    float *x = qvt_load_npy(qvt_fixture(rel), QV_DTYPE_F32, false, &rows, &elems);
    ck_assert_ptr_nonnull(x);
    struct capture cap = { .g = g, .dir = dir };
    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    o.kind = kind;
    o.hybrid = mode;
    o.max_batch = rows;
    if (check_tensors) {
        o.observe = observe;
        o.observe_user = &cap;
    }
    struct qv_engine *e = NULL;
    if (qv_engine_create(g, &o, &e, &err) != QV_OK)
        ck_abort_msg("%s: %s", dir, err.msg);
    const int64_t b = qv_engine_max_batch(e);
    const size_t ob = qv_engine_output_bytes(e, 0);
    float *y = malloc((size_t)rows * ob + 1);
    for (int64_t r0 = 0; r0 < rows; r0 += b) {
        const int64_t n = rows - r0 < b ? rows - r0 : b;
        memcpy(qv_engine_input(e, 0), x + r0 * elems, (size_t)(n * elems) * sizeof(float));
        ck_assert_msg(qv_engine_run(e, n, &err) == QV_OK, "%s", err.msg);
        memcpy((char *)y + (size_t)r0 * ob, qv_engine_output(e, 0), (size_t)n * ob);
    }
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        const enum qv_exec want = !qv_node_is_hybrid(g, ni)       ? QV_EXEC_FLOAT
                                  : mode == QV_HYBRID_TFLITE     ? QV_EXEC_HYBRID
                                                                 : QV_EXEC_DEQUANTIZED;
        ck_assert_msg(qv_engine_node_exec(e, ni) == want, "%s node %d runs %s, expected %s",
                      dir, (int)ni, qv_exec_name(qv_engine_node_exec(e, ni)),
                      qv_exec_name(want));
    }
    if (check_tensors && strcmp(name, "ds_cnn_128") == 0)
        ck_assert_int_ge(cap.checked, g->n_nodes);
    *ret_n = rows * (int64_t)(ob / sizeof(float));
    qv_engine_free(e);
    qv_graph_free(g);
    free(x);
    return y;
}

static float *expected(const char *name, const char *which, int64_t n)
{
    char rel[256];
    int64_t rows, elems;
    snprintf(rel, sizeof(rel), "hybrid/%s/expected/%s/output_0.npy", name, which);
    float *want = qvt_load_npy(qvt_fixture(rel), QV_DTYPE_F32, false, &rows, &elems);
    ck_assert_ptr_nonnull(want);
    ck_assert_int_eq(rows * elems, n);
    return want;
}

static double max_abs_diff(const float *a, const float *b, int64_t n)
{
    double m = 0;
    for (int64_t i = 0; i < n; i++)
        m = fmax(m, fabs((double)a[i] - (double)b[i]));
    return m;
}

START_TEST(tflite_hybrid_arithmetic_by_default)
{
    const char *name = names[_i];
    for (int kind = 0; kind < QV_ENGINE_KIND_COUNT; kind++) {
        int64_t n;
        float *y = run(name, (enum qv_engine_kind)kind, QV_HYBRID_TFLITE, kind == 0, &n);
        float *ref = expected(name, "ref", n), *ideal = expected(name, "ideal", n);
        char what[160];
        snprintf(what, sizeof(what), "hybrid/%s (TFLite hybrid, %s engine)", name,
                 kind ? "int8" : "float");
        qvt_assert_f32_close(what, y, ref, n, 1e-5, 1e-6);
        /* the fixtures' ref and ideal differ enough to tell which ran */
        ck_assert_msg(max_abs_diff(y, ideal, n) > 1e-4, "%s equals the ideal outputs", what);
        free(y);
        free(ref);
        free(ideal);
    }
}
END_TEST

START_TEST(dequantized_weights_on_request)
{
    const char *name = names[_i];
    int64_t n;
    float *y = run(name, QV_ENGINE_FLOAT, QV_HYBRID_DEQUANTIZE, false, &n);
    float *ref = expected(name, "ref", n), *ideal = expected(name, "ideal", n);
    char what[160];
    snprintf(what, sizeof(what), "hybrid/%s (dequantized weights)", name);
    /* expected/ideal is TFLite's reference kernels in float32, itself an approximation: its
     * distance to a float64 evaluation is up to 2.5e-6 (conv_3x3_relu, outputs up to 18.9) and
     * 5.4e-6 (fc_per_tensor), qvet's 2.2e-6 and 1.0e-6. Where a sum cancels to a small output
     * the two float32 orders differ by more than 1e-6 absolute, so the absolute part of the
     * tolerance is 1e-6 of the output's scale (its largest magnitude, at least 1). */
    double scale = 1.0;
    for (int64_t i = 0; i < n; i++)
        scale = fabs(ideal[i]) > scale ? fabs(ideal[i]) : scale;
    qvt_assert_f32_close(what, y, ideal, n, 1e-5, 1e-6 * scale);
    ck_assert_msg(max_abs_diff(y, ref, n) > 1e-4, "%s equals the hybrid outputs", what);
    free(y);
    free(ref);
    free(ideal);
}
END_TEST

/* The input quantizers on their edges: all zero, one sign only, a spike, a single value. */
START_TEST(input_quantizers)
{
    int8_t q[8];
    float s;
    int32_t z;
    const float zeros[4] = { 0 };
    qv_hybrid_quantize_asym(zeros, 4, q, &s, &z);
    ck_assert(s == 1.0f && z == 0 && q[0] == 0 && q[3] == 0);
    qv_hybrid_quantize_sym(zeros, 4, q, &s);
    ck_assert(s == 1.0f && q[0] == 0);
    /* positive only: the range starts at 0, so 0 maps to -128 exactly and the max to 127 */
    const float pos[3] = { 0.0f, 1.0f, 2.55f };
    qv_hybrid_quantize_asym(pos, 3, q, &s, &z);
    ck_assert_int_eq(z, -128);
    ck_assert_int_eq(q[0], -128);
    ck_assert_int_eq(q[2], 127);
    ck_assert_float_eq_tol(s, 0.01f, 1e-7f);
    /* negative only: the max of the range is 0 -> zero point 127 */
    const float neg[2] = { -2.55f, -1.0f };
    qv_hybrid_quantize_asym(neg, 2, q, &s, &z);
    ck_assert_int_eq(z, 127);
    ck_assert_int_eq(q[0], -128);
    /* symmetric: max |x| maps to +-127 */
    const float sym[3] = { -4.0f, 1.0f, 2.0f };
    qv_hybrid_quantize_sym(sym, 3, q, &s);
    ck_assert_int_eq(q[0], -127);
    ck_assert_int_eq(q[2], 64);   /* 2 * 127 / 4 = 63.5 -> 64 (half away from zero) */
    ck_assert_float_eq(s, 4.0f / 127.0f);
}
END_TEST

START_TEST(case_list_present)
{
    ck_assert_int_ge(n_names, 10);
}
END_TEST

static Suite *hybrid_suite(void)
{
    Suite *s = suite_create("hybrid");
    TCase *tc = tcase_create("hybrid");
    tcase_set_timeout(tc, 300);
    collect();
    tcase_add_test(tc, case_list_present);
    tcase_add_test(tc, input_quantizers);
    tcase_add_loop_test(tc, tflite_hybrid_arithmetic_by_default, 0, n_names);
    tcase_add_loop_test(tc, dequantized_weights_on_request, 0, n_names);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(hybrid)
