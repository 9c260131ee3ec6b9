/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Float engine on converted TFLite models: each tests/fixtures/tflite/<model>/model_f32.tflite
 * runs on input_f32.npy (all samples), and its output and every intermediate tensor the fixture
 * script captured with ai-edge-litert (expected/f32_litert/output_0.npy, tensors/t<idx>.npy,
 * idx = tensor index in the file) must match within 1e-5 relative / 1e-6 absolute.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support.h"

#define MAX_MODELS 64

static char names[MAX_MODELS][64];
static int n_names;

/* Model names from models.txt (no ck_assert: runs before the tests). */
static void read_names(void)
{
    FILE *f = fopen(qvt_fixture("tflite/models.txt"), "r");
    char line[4096];
    while (f && n_names < MAX_MODELS && fgets(line, sizeof(line), f)) {
        char *colon = strchr(line, ':');
        if (line[0] == '#' || !colon)
            continue;
        *colon = '\0';
        snprintf(names[n_names++], sizeof(names[0]), "%s", line);
    }
    if (f)
        fclose(f);
}

static float *load_npy(const char *path, int64_t *ret_rows, int64_t *ret_row_elems)
{
    return qvt_load_npy(path, QV_DTYPE_F32, true, ret_rows, ret_row_elems);
}

struct capture {
    const struct qv_graph *g;
    const char *model;
    float **want;          /* [n_tensors] expected rows of each captured tensor, or NULL */
    int64_t *row_elems;    /* [n_tensors] */
    int64_t r0;            /* first sample of the current run */
    int checked;
};

static bool observe(int32_t node, const struct qv_tensor_view *t, bool ask, void *user)
{
    struct capture *c = user;
    int32_t idx = c->g->nodes[node].outputs[0];
    if (ask)
        return c->want[idx] != NULL;
    if (!c->want[idx])
        return true;
    int64_t n = t->shape.dims[0], elems = qv_shape_elems(&t->shape) / (n ? n : 1);
    char what[256];
    snprintf(what, sizeof(what), "%s: tensor %d ('%s') of node %d (%s)", c->model, idx,
             t->t->name, node, qv_op_name(c->g->nodes[node].op));
    ck_assert_msg(elems == c->row_elems[idx], "%s: %lld elements per sample, expected %lld",
                  what, (long long)elems, (long long)c->row_elems[idx]);
    qvt_assert_f32_close(what, t->data, c->want[idx] + c->r0 * elems, n * elems, 1e-5, 1e-6);
    c->checked++;
    return true;
}

START_TEST(float_model_matches_litert)
{
    char rel[512];
    const char *name = names[_i];
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    struct qv_engine *e = NULL;
    snprintf(rel, sizeof(rel), "tflite/%s/model_f32.tflite", name);
    if (qv_tflite_load(qvt_fixture(rel), &g, &err) != QV_OK)
        ck_abort_msg("%s: %s", name, err.msg);
    ck_assert_int_eq(g->n_inputs, 1);

    int64_t rows, in_elems, out_rows, out_elems;
    snprintf(rel, sizeof(rel), "tflite/%s/input_f32.npy", name);
    float *x = load_npy(qvt_fixture(rel), &rows, &in_elems);
    snprintf(rel, sizeof(rel), "tflite/%s/expected/f32_litert/output_0.npy", name);
    float *want = load_npy(qvt_fixture(rel), &out_rows, &out_elems);
    ck_assert(x && want);
    ck_assert_int_eq(out_rows, rows);

    struct capture c = { .g = g, .model = name };
    c.want = calloc((size_t)g->n_tensors, sizeof(float *));
    c.row_elems = calloc((size_t)g->n_tensors, sizeof(int64_t));
    ck_assert(c.want && c.row_elems);
    int n_captured = 0;
    for (int32_t i = 0; i < g->n_tensors; i++) {
        int64_t r;
        snprintf(rel, sizeof(rel), "tflite/%s/expected/f32_litert/tensors/t%d.npy", name, i);
        c.want[i] = load_npy(qvt_fixture(rel), &r, &c.row_elems[i]);
        if (c.want[i]) {
            ck_assert_int_eq(r, rows);
            n_captured++;
        }
    }

    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    o.kind = QV_ENGINE_FLOAT;
    o.max_batch = rows;
    o.observe = observe;
    o.observe_user = &c;
    if (qv_engine_create(g, &o, &e, &err) != QV_OK)
        ck_abort_msg("%s: engine: %s", name, err.msg);
    ck_assert_uint_eq(qv_engine_input_bytes(e, 0), (size_t)in_elems * sizeof(float));
    ck_assert_uint_eq(qv_engine_output_bytes(e, 0), (size_t)out_elems * sizeof(float));
    const int64_t batch = qv_engine_max_batch(e);
    float *got = malloc((size_t)(rows * out_elems + 1) * sizeof(float));
    ck_assert_ptr_nonnull(got);
    for (int64_t r0 = 0; r0 < rows; r0 += batch) {
        int64_t n = rows - r0 < batch ? rows - r0 : batch;
        c.r0 = r0;
        memcpy(qv_engine_input(e, 0), x + r0 * in_elems, (size_t)(n * in_elems) * sizeof(float));
        if (qv_engine_run(e, n, &err) != QV_OK)
            ck_abort_msg("%s: run: %s", name, err.msg);
        memcpy(got + r0 * out_elems, qv_engine_output(e, 0),
               (size_t)(n * out_elems) * sizeof(float));
    }
    qvt_assert_f32_close(name, got, want, rows * out_elems, 1e-5, 1e-6);
    /* Every captured tensor produced by a node was compared (graph inputs are not observed). */
    int inputs_captured = c.want[g->inputs[0]] != NULL;
    ck_assert_int_gt(n_captured, 1);
    ck_assert_int_ge(c.checked, n_captured - inputs_captured);

    for (int32_t i = 0; i < g->n_tensors; i++)
        free(c.want[i]);
    free(c.want);
    free(c.row_elems);
    free(got);
    free(x);
    free(want);
    qv_engine_free(e);
    qv_graph_free(g);
}
END_TEST

START_TEST(model_list_present)
{
    ck_assert_int_ge(n_names, 8);
}
END_TEST

Suite *tflite_float_suite(void)
{
    Suite *s = suite_create("tflite_float");
    read_names();
    TCase *tc = tcase_create("models");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, model_list_present);
    tcase_add_loop_test(tc, float_model_matches_litert, 0, n_names);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(tflite_float)
