/* SPDX-License-Identifier: Apache-2.0 */
/*
 * float engine vs the numpy oracle: every case in tests/fixtures/float_ops/cases.txt (made by
 * reference/make_float_fixtures.py) is loaded from its native JSON model, run on all N samples of
 * its input_K.npy files (batched when the graph allows it, in chunks of the planned batch), with
 * the fast path and with plain loops, and compared with expected_0.npy within 1e-5 relative /
 * 1e-6 absolute.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define MAX_CASES 512

/* Case names from cases.txt (comments and blank lines skipped); returns the count. */
static int read_cases(char names[][96], int max)
{
    FILE *f = fopen(qvt_fixture("float_ops/cases.txt"), "r");
    char line[256];
    int n = 0;
    if (!f)
        return 0;
    while (n < max && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        snprintf(names[n++], 96, "%s", line);
    }
    fclose(f);
    return n;
}

static float *load_npy(const char *path, int64_t *ret_rows, int64_t *ret_row_elems)
{
    return qvt_load_npy(path, QV_DTYPE_F32, false, ret_rows, ret_row_elems);
}

static void run_case(const char *name, bool plain)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    struct qv_engine *e = NULL;
    char rel[256], what[160];
    snprintf(rel, sizeof(rel), "float_ops/%s/model.json", name);
    if (qv_model_json_load(qvt_fixture(rel), &g, &err) != QV_OK)
        ck_abort_msg("%s: %s", name, err.msg);

    float *x[QV_MAX_INPUTS] = { 0 };
    int64_t rows = -1, row_elems[QV_MAX_INPUTS];
    ck_assert_int_le(g->n_inputs, QV_MAX_INPUTS);
    for (int32_t i = 0; i < g->n_inputs; i++) {
        int64_t r;
        snprintf(rel, sizeof(rel), "float_ops/%s/input_%d.npy", name, (int)i);
        x[i] = load_npy(qvt_fixture(rel), &r, &row_elems[i]);
        ck_assert(rows < 0 || r == rows);
        rows = r;
    }
    int64_t out_elems;
    snprintf(rel, sizeof(rel), "float_ops/%s/expected_0.npy", name);
    float *want = load_npy(qvt_fixture(rel), &rows, &out_elems);

    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    o.kind = QV_ENGINE_FLOAT;
    o.hybrid = QV_HYBRID_DEQUANTIZE;   /* the numpy oracle computes on dequantized weights */
    o.max_batch = rows;
    o.plain_loops = plain;
    if (qv_engine_create(g, &o, &e, &err) != QV_OK)
        ck_abort_msg("%s: engine: %s", name, err.msg);
    for (int32_t i = 0; i < g->n_inputs; i++)
        ck_assert_uint_eq(qv_engine_input_bytes(e, i), (size_t)row_elems[i] * sizeof(float));
    ck_assert_uint_eq(qv_engine_output_bytes(e, 0), (size_t)out_elems * sizeof(float));

    /* Graphs that cannot batch (e.g. SQUEEZE of every 1) plan batch 1: run in chunks. */
    const int64_t batch = qv_engine_max_batch(e);
    float *got = malloc((size_t)(rows * out_elems + 1) * sizeof(float));
    ck_assert_ptr_nonnull(got);
    for (int64_t r0 = 0; r0 < rows; r0 += batch) {
        int64_t n = rows - r0 < batch ? rows - r0 : batch;
        for (int32_t i = 0; i < g->n_inputs; i++)
            memcpy(qv_engine_input(e, i), x[i] + r0 * row_elems[i],
                   (size_t)(n * row_elems[i]) * sizeof(float));
        if (qv_engine_run(e, n, &err) != QV_OK)
            ck_abort_msg("%s: run: %s", name, err.msg);
        memcpy(got + r0 * out_elems, qv_engine_output(e, 0),
               (size_t)(n * out_elems) * sizeof(float));
    }
    snprintf(what, sizeof(what), "%s (%s)", name, plain ? "plain loops" : "fast path");
    qvt_assert_f32_close(what, got, want, rows * out_elems, 1e-5, 1e-6);

    free(got);
    free(want);
    for (int32_t i = 0; i < g->n_inputs; i++)
        free(x[i]);
    qv_engine_free(e);
    qv_graph_free(g);
}

START_TEST(fixture_matches_oracle)
{
    static char names[MAX_CASES][96];
    int n = read_cases(names, MAX_CASES);
    ck_assert_int_lt(_i, n);
    run_case(names[_i], false);
    run_case(names[_i], true);
}
END_TEST

START_TEST(fixture_list_present)
{
    static char names[MAX_CASES][96];
    ck_assert_int_ge(read_cases(names, MAX_CASES), 100);
}
END_TEST

Suite *float_fixtures_suite(void)
{
    static char names[MAX_CASES][96];
    Suite *s = suite_create("float_fixtures");
    TCase *tc = tcase_create("float_ops");
    tcase_add_test(tc, fixture_list_present);
    tcase_add_loop_test(tc, fixture_matches_oracle, 0, read_cases(names, MAX_CASES));
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(float_fixtures)
