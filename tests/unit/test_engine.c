/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine's own tables and the guarantees others build on (kernels are tested per op in the
 * *_ops, *_fixtures and *_fastpath suites):
 *  - every output byte is the same whatever the batch a sample runs in (1, 7, all samples, a
 *    partial last batch), float and int8, fast path and plain loops, on every shipped model and
 *    TFLite fixture;
 *  - a run of n samples reads and writes rows [0, n) only;
 *  - engines on one const graph run concurrently in threads with the same results;
 *  - the int8 engine runs each node by its tensors' dtypes: mixed-precision models match the
 *    TFLite interpreter.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kernel.h"
#include "support.h"

/*
 * ggml's static_assert, as a test: an op without a float or an int8 kernel fails here.
 * QV_OP_UNSUPPORTED (an operator qvet cannot compute) has no kernels: engines refuse it.
 */
START_TEST(kernel_tables_complete)
{
    ck_assert(qv_kernels_f32[QV_OP_UNSUPPORTED].eval == NULL);
    ck_assert(qv_kernels_s8[QV_OP_UNSUPPORTED].eval == NULL);
    for (int i = 0; i < QV_OP_UNSUPPORTED; i++) {
        const char *name = qv_op_name((enum qv_op)i);
        ck_assert_msg(qv_kernels_f32[i].eval != NULL, "op %s has no float kernel", name);
        ck_assert_msg(qv_kernels_s8[i].eval != NULL, "op %s has no int8 kernel", name);
    }
}
END_TEST

/* A model and the samples it runs: all files relative to the source tree. */
struct model_case {
    char model[160];
    char input[160];
    enum qv_dtype in_dtype;
    enum qv_engine_kind kind;
};

#define MAX_MODEL_CASES 96
static struct model_case mcases[MAX_MODEL_CASES];
static int n_mcases;

static void add_mcase(const char *model, const char *input, enum qv_dtype dt,
                      enum qv_engine_kind kind)
{
    if (n_mcases >= MAX_MODEL_CASES)
        return;
    struct model_case *m = &mcases[n_mcases++];
    snprintf(m->model, sizeof(m->model), "%s", model);
    snprintf(m->input, sizeof(m->input), "%s", input);
    m->in_dtype = dt;
    m->kind = kind;
}

/* Every TFLite fixture model (float, int8, int8 with float I/O) and the shipped digits model. */
static void collect_models(void)
{
    FILE *f = fopen(qvt_fixture("tflite/models.txt"), "r");
    char line[4096];
    while (f && fgets(line, sizeof(line), f)) {
        char *colon = strchr(line, ':');
        if (line[0] == '#' || !colon)
            continue;
        *colon = '\0';
        char m[160], in[160];
        snprintf(m, sizeof(m), "tests/fixtures/tflite/%s/model_f32.tflite", line);
        snprintf(in, sizeof(in), "tests/fixtures/tflite/%s/input_f32.npy", line);
        add_mcase(m, in, QV_DTYPE_F32, QV_ENGINE_FLOAT);
        snprintf(m, sizeof(m), "tests/fixtures/tflite/%s/model_int8_fio.tflite", line);
        add_mcase(m, in, QV_DTYPE_F32, QV_ENGINE_INT8);
        snprintf(m, sizeof(m), "tests/fixtures/tflite/%s/model_int8.tflite", line);
        snprintf(in, sizeof(in), "tests/fixtures/tflite/%s/input_int8.npy", line);
        add_mcase(m, in, QV_DTYPE_I8, QV_ENGINE_INT8);
    }
    if (f)
        fclose(f);
    add_mcase("datasets/digits/model.tflite", "datasets/digits/golden/inputs.npy", QV_DTYPE_F32,
              QV_ENGINE_FLOAT);
    /* hybrid models (TFLite's hybrid arithmetic quantizes each sample on its own) */
    f = fopen(qvt_fixture("hybrid/cases.txt"), "r");
    while (f && fgets(line, sizeof(line), f)) {
        char name[64], m[160], in[160];
        if (line[0] == '#' || sscanf(line, "%63s", name) != 1)
            continue;
        snprintf(m, sizeof(m), "tests/fixtures/hybrid/%s/model.tflite", name);
        snprintf(in, sizeof(in), "tests/fixtures/hybrid/%s/input.npy", name);
        add_mcase(m, in, QV_DTYPE_F32, QV_ENGINE_FLOAT);
    }
    if (f)
        fclose(f);
    /* mixed precision, run by dtype (and all in float) */
    f = fopen(qvt_fixture("mixed/cases.txt"), "r");
    while (f && fgets(line, sizeof(line), f)) {
        char name[64], m[160], in[160];
        if (line[0] == '#' || sscanf(line, "%63s", name) != 1)
            continue;
        snprintf(m, sizeof(m), "tests/fixtures/mixed/%s/model.tflite", name);
        snprintf(in, sizeof(in), "tests/fixtures/mixed/%s/input.npy", name);
        add_mcase(m, in, QV_DTYPE_F32, QV_ENGINE_INT8);
        add_mcase(m, in, QV_DTYPE_F32, QV_ENGINE_FLOAT);
    }
    if (f)
        fclose(f);
}

struct loaded {
    struct qv_graph *g;
    void *x;               /* all samples, the engine's input layout */
    int64_t rows;
    size_t row_bytes;
};

static void load_case(const struct model_case *m, struct loaded *l)
{
    struct qv_error err = QV_ERROR_INIT;
    if (qv_model_load(qvt_source(m->model), &l->g, &err) != QV_OK)
        ck_abort_msg("%s: %s", m->model, err.msg);
    ck_assert_int_eq(l->g->n_inputs, 1);
    int64_t elems;
    l->x = qvt_load_npy(qvt_source(m->input), m->in_dtype, false, &l->rows, &elems);
    ck_assert_ptr_nonnull(l->x);
    l->row_bytes = (size_t)elems * qv_dtype_size(m->in_dtype);
    /* digits has 360 samples: 100 are enough here. */
    if (l->rows > 100)
        l->rows = 100;
}

/* All outputs of rows [0, rows) concatenated output by output, run in batches of `batch`. */
static uint8_t *run_batches(const struct loaded *l, enum qv_engine_kind kind, bool plain,
                            int64_t batch, int64_t pass_rows, size_t *ret_bytes)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    struct qv_engine *e = NULL;
    o.kind = kind;
    o.plain_loops = plain;
    o.max_batch = batch;
    o.pass_rows = pass_rows;
    if (qv_engine_create(l->g, &o, &e, &err) != QV_OK)
        ck_abort_msg("engine: %s", err.msg);
    ck_assert_uint_eq(qv_engine_input_bytes(e, 0), l->row_bytes);
    size_t total = 0;
    for (int32_t i = 0; i < l->g->n_outputs; i++)
        total += qv_engine_output_bytes(e, i) * (size_t)l->rows;
    uint8_t *out = malloc(total + 1);
    ck_assert_ptr_nonnull(out);
    const int64_t b = qv_engine_max_batch(e);
    for (int64_t r0 = 0; r0 < l->rows; r0 += b) {
        const int64_t n = l->rows - r0 < b ? l->rows - r0 : b;
        memcpy(qv_engine_input(e, 0), (const uint8_t *)l->x + (size_t)r0 * l->row_bytes,
               (size_t)n * l->row_bytes);
        if (qv_engine_run(e, n, &err) != QV_OK)
            ck_abort_msg("run: %s", err.msg);
        size_t off = 0;
        for (int32_t i = 0; i < l->g->n_outputs; i++) {
            const size_t ob = qv_engine_output_bytes(e, i);
            memcpy(out + off + (size_t)r0 * ob, qv_engine_output(e, i), (size_t)n * ob);
            off += ob * (size_t)l->rows;
        }
    }
    qv_engine_free(e);
    *ret_bytes = total;
    return out;
}

START_TEST(outputs_identical_for_any_batch)
{
    const struct model_case *m = &mcases[_i];
    struct loaded l = { 0 };
    load_case(m, &l);
    for (int plain = 0; plain < 2; plain++) {
        size_t nb1, nb;
        uint8_t *one = run_batches(&l, m->kind, plain, 1, 0, &nb1);
        /* batches, and passes of 3 rows through the graph (intermediates hold 3 rows) */
        const int64_t batches[4] = { 7, 64, l.rows, 64 }, passes[4] = { 0, 0, 0, 3 };
        for (int k = 0; k < 4; k++) {
            uint8_t *got = run_batches(&l, m->kind, plain, batches[k], passes[k], &nb);
            char what[300];
            snprintf(what, sizeof(what), "%s (%s) batch %lld, passes of %lld, vs 1", m->model,
                     plain ? "plain loops" : "fast path", (long long)batches[k],
                     (long long)passes[k]);
            ck_assert_uint_eq(nb, nb1);
            qvt_assert_bytes_equal(what, got, one, nb, 1);
            free(got);
        }
        free(one);
    }
    free(l.x);
    qv_graph_free(l.g);
}
END_TEST

/* A run of n samples leaves the rows past n of every output untouched. */
START_TEST(partial_batch_computes_its_rows_only)
{
    const struct model_case *m = &mcases[_i];
    struct loaded l = { 0 };
    load_case(m, &l);
    struct qv_error err = QV_ERROR_INIT;
    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    struct qv_engine *e = NULL;
    o.kind = m->kind;
    o.max_batch = 16;
    o.pass_rows = 2;   /* a run of 3 rows takes two passes */
    ck_assert_int_eq(qv_engine_create(l.g, &o, &e, &err), QV_OK);
    const int64_t b = qv_engine_max_batch(e);
    const int64_t n = b > 1 && l.rows >= 3 ? 3 : 1;
    for (int32_t i = 0; i < l.g->n_outputs; i++)
        memset((void *)qv_engine_output(e, i), 0x5A, (size_t)b * qv_engine_output_bytes(e, i));
    memcpy(qv_engine_input(e, 0), l.x, (size_t)n * l.row_bytes);
    ck_assert_int_eq(qv_engine_run(e, n, &err), QV_OK);
    for (int32_t i = 0; i < l.g->n_outputs; i++) {
        const size_t ob = qv_engine_output_bytes(e, i);
        const uint8_t *y = qv_engine_output(e, i);
        for (size_t k = (size_t)n * ob; k < (size_t)b * ob; k++)
            ck_assert_msg(y[k] == 0x5A, "%s: output %d byte %zu past row %lld was written",
                          m->model, (int)i, k, (long long)n);
    }
    qv_engine_free(e);
    free(l.x);
    qv_graph_free(l.g);
}
END_TEST

struct worker {
    const struct loaded *l;
    enum qv_engine_kind kind;
    uint8_t *out;
    size_t bytes;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    /* Check's assertions abort the process from any thread: a failure still fails the test. */
    w->out = run_batches(w->l, w->kind, false, 5, 2, &w->bytes);   /* passes of 2 rows */
    return NULL;
}

START_TEST(engines_run_concurrently_on_one_graph)
{
    const struct model_case *m = &mcases[_i];
    struct loaded l = { 0 };
    load_case(m, &l);
    size_t nb;
    uint8_t *want = run_batches(&l, m->kind, false, 5, 0, &nb);
    struct worker w[3];
    pthread_t th[3];
    for (int t = 0; t < 3; t++) {
        w[t] = (struct worker){ .l = &l, .kind = m->kind };
        ck_assert_int_eq(pthread_create(&th[t], NULL, worker_main, &w[t]), 0);
    }
    for (int t = 0; t < 3; t++) {
        ck_assert_int_eq(pthread_join(th[t], NULL), 0);
        ck_assert_uint_eq(w[t].bytes, nb);
        qvt_assert_bytes_equal(m->model, w[t].out, want, nb, 1);
        free(w[t].out);
    }
    free(want);
    free(l.x);
    qv_graph_free(l.g);
}
END_TEST

/* ---- mixed precision: tests/fixtures/mixed (reference/make_mixed_fixtures.py) ---------------- */

#define MAX_MIXED 16
static char mixed[MAX_MIXED][64];
static int n_mixed;

static void collect_mixed(void)
{
    FILE *f = fopen(qvt_fixture("mixed/cases.txt"), "r");
    char line[1024];
    while (f && n_mixed < MAX_MIXED && fgets(line, sizeof(line), f)) {
        char name[64];
        if (line[0] == '#' || sscanf(line, "%63s", name) != 1)
            continue;
        snprintf(mixed[n_mixed++], sizeof(mixed[0]), "%s", name);
    }
    if (f)
        fclose(f);
}

/* What the observer compares: every node output against litert's tensor of the same index. */
struct mixed_capture {
    const struct qv_graph *g;
    const char *dir;
    int checked;
};

static bool mixed_observe(int32_t node, const struct qv_tensor_view *t, bool ask, void *user)
{
    struct mixed_capture *m = user;
    if (ask)
        return true;
    const int32_t idx = m->g->nodes[node].outputs[0];
    char rel[400];
    snprintf(rel, sizeof(rel), "%s/expected/ref/tensors/t%d.npy", m->dir, (int)idx);
    const enum qv_dtype dt = t->t->dtype;
    int64_t rows, elems;
    void *want = qvt_load_npy(qvt_fixture(rel), dt, false, &rows, &elems);
    if (!want)
        return true;
    char what[512];
    snprintf(what, sizeof(what), "%s: tensor %d ('%s') of node %d (%s, %s)", m->dir, (int)idx,
             t->t->name, (int)node, qv_op_name(m->g->nodes[node].op), qv_dtype_name(dt));
    const int64_t n = qv_shape_elems(&t->shape);
    ck_assert_msg(n == rows * elems, "%s: %lld elements, expected %lld", what, (long long)n,
                  (long long)(rows * elems));
    if (dt == QV_DTYPE_F32)
        qvt_assert_f32_close(what, t->data, want, n, 1e-5, 1e-6);
    else
        qvt_assert_bytes_equal(what, t->data, want, (size_t)n, qv_dtype_size(dt));
    m->checked++;
    free(want);
    return true;
}

/*
 * The int8 engine runs each node by its tensors' dtypes: on converter-made mixed models (float
 * layers among int8 ones, and one int8 conv among float layers) every tensor matches the TFLite
 * interpreter (BUILTIN_REF): integer tensors byte for byte, float ones within DESIGN's float
 * tolerance; the float compute nodes run float kernels and the rest int8 ones.
 */
START_TEST(mixed_precision_matches_litert)
{
    char dir[128], rel[256];
    snprintf(dir, sizeof(dir), "mixed/%s", mixed[_i]);
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    snprintf(rel, sizeof(rel), "%s/model.tflite", dir);
    if (qv_model_load(qvt_fixture(rel), &g, &err) != QV_OK)
        ck_abort_msg("%s: %s", rel, err.msg);
    int64_t rows, elems;
    snprintf(rel, sizeof(rel), "%s/input.npy", dir);
    float *x = qvt_load_npy(qvt_fixture(rel), QV_DTYPE_F32, false, &rows, &elems);
    ck_assert_ptr_nonnull(x);
    struct mixed_capture cap = { .g = g, .dir = dir };
    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    o.kind = QV_ENGINE_INT8;
    o.max_batch = rows;
    o.observe = mixed_observe;
    o.observe_user = &cap;
    struct qv_engine *e = NULL;
    if (qv_engine_create(g, &o, &e, &err) != QV_OK)
        ck_abort_msg("%s: %s", dir, err.msg);
    ck_assert_int_eq(qv_engine_max_batch(e), rows);
    ck_assert_int_eq(qv_engine_input_dtype(e, 0), QV_DTYPE_F32);
    memcpy(qv_engine_input(e, 0), x, (size_t)(rows * elems) * sizeof(float));
    ck_assert_msg(qv_engine_run(e, rows, &err) == QV_OK, "%s", err.msg);
    ck_assert_int_ge(cap.checked, g->n_nodes - 1);
    snprintf(rel, sizeof(rel), "%s/expected/ref/output_0.npy", dir);
    int64_t orows, oelems;
    float *want = qvt_load_npy(qvt_fixture(rel), QV_DTYPE_F32, false, &orows, &oelems);
    ck_assert_ptr_nonnull(want);
    qvt_assert_f32_close(dir, qv_engine_output(e, 0), want, orows * oelems, 1e-5, 1e-6);
    /* each node's kernel family follows its tensors: float compute nodes have float outputs */
    int n_float = 0;
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        const struct qv_node *n = &g->nodes[ni];
        const bool in_f = g->tensors[n->inputs[0]].dtype == QV_DTYPE_F32;
        const bool out_f = g->tensors[n->outputs[0]].dtype == QV_DTYPE_F32;
        const enum qv_exec want_exec = in_f && out_f ? QV_EXEC_FLOAT : QV_EXEC_INT8;
        ck_assert_msg(qv_engine_node_exec(e, ni) == want_exec, "%s node %d (%s) runs %s", dir,
                      (int)ni, qv_op_name(n->op), qv_exec_name(qv_engine_node_exec(e, ni)));
        n_float += want_exec == QV_EXEC_FLOAT;
    }
    if (strcmp(mixed[_i], "int8_all") != 0)
        ck_assert_int_gt(n_float, 0);
    free(want);
    free(x);
    qv_engine_free(e);
    qv_graph_free(g);
}
END_TEST

/*
 * The arena follows the lifetimes: in a chain input -> RELU x4 -> output of 1000 floats each
 * (4096 bytes with alignment and slack), the input and output keep their own bytes and the three
 * intermediate tensors need two places (the first and third are never alive together).
 */
START_TEST(arena_shares_dead_tensors)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    const struct qv_shape s = { 2, { 1, 1000 } }, empty = { 0, { 0 } };
    int32_t t[5];
    ck_assert_int_eq(qv_graph_add_tensor(g, "x", QV_DTYPE_F32, &s, &t[0], &err), QV_OK);
    for (int i = 1; i < 5; i++) {
        char name[8];
        snprintf(name, sizeof(name), "t%d", i);
        ck_assert_int_eq(qv_graph_add_tensor(g, name, QV_DTYPE_F32, &empty, &t[i], &err), QV_OK);
        ck_assert_int_eq(qv_graph_add_node(g, QV_OP_RELU, name, 1, &t[i - 1], 1, &t[i], NULL, NULL,
                                           &err), QV_OK);
    }
    ck_assert_int_eq(qv_graph_set_io(g, 1, &t[0], 1, &t[4], &err), QV_OK);
    ck_assert_msg(qv_graph_finalize(g, &err) == QV_OK, "%s", err.msg);
    for (int64_t batch = 1; batch <= 8; batch *= 8) {
        struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
        struct qv_engine *e = NULL;
        o.max_batch = batch;
        ck_assert_int_eq(qv_engine_create(g, &o, &e, &err), QV_OK);
        const size_t one = (((size_t)batch * 4000 + 63) & ~(size_t)63) + 64;
        ck_assert_uint_eq(qv_engine_arena_bytes(e), 4 * one);
        float *x = qv_engine_input(e, 0);
        for (int64_t i = 0; i < batch * 1000; i++)
            x[i] = (float)(i % 7) - 3.0f;
        ck_assert_int_eq(qv_engine_run(e, batch, &err), QV_OK);
        const float *y = qv_engine_output(e, 0);
        for (int64_t i = 0; i < batch * 1000; i++)
            ck_assert(y[i] == (x[i] > 0 ? x[i] : 0.0f));
        qv_engine_free(e);
    }
    qv_graph_free(g);
}
END_TEST

/* On real models the arena is smaller than one buffer per activation. */
START_TEST(arena_below_sum_of_tensors)
{
    const struct model_case *m = &mcases[_i];
    struct loaded l = { 0 };
    load_case(m, &l);
    struct qv_error err = QV_ERROR_INIT;
    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    struct qv_engine *e = NULL;
    o.kind = m->kind;
    o.max_batch = 8;
    ck_assert_int_eq(qv_engine_create(l.g, &o, &e, &err), QV_OK);
    const int64_t b = qv_engine_max_batch(e);
    size_t sum = 0;
    int32_t n_act = 0;
    for (int32_t t = 0; t < l.g->n_tensors; t++) {
        const struct qv_tensor *ten = &l.g->tensors[t];
        if (ten->data)
            continue;
        const enum qv_dtype dt = m->kind == QV_ENGINE_FLOAT ? QV_DTYPE_F32 : ten->dtype;
        sum += (((size_t)(b * qv_shape_elems(&ten->shape)) * qv_dtype_size(dt) + 63) &
                ~(size_t)63) + 64;
        n_act++;
    }
    if (n_act > 3)
        ck_assert_msg(qv_engine_arena_bytes(e) < sum, "%s: arena %zu, tensors %zu", m->model,
                      qv_engine_arena_bytes(e), sum);
    ck_assert_uint_le(qv_engine_arena_bytes(e), sum);
    qv_engine_free(e);
    free(l.x);
    qv_graph_free(l.g);
}
END_TEST

START_TEST(model_list_present)
{
    ck_assert_int_ge(n_mcases, 10);
    ck_assert_int_ge(n_mixed, 5);
}
END_TEST

Suite *engine_suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("tables");
    tcase_add_test(tc, kernel_tables_complete);
    suite_add_tcase(s, tc);
    collect_models();
    tc = tcase_create("guarantees");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, model_list_present);
    tcase_add_loop_test(tc, outputs_identical_for_any_batch, 0, n_mcases);
    tcase_add_loop_test(tc, partial_batch_computes_its_rows_only, 0, n_mcases);
    tcase_add_loop_test(tc, engines_run_concurrently_on_one_graph, 0, n_mcases);
    tcase_add_test(tc, arena_shares_dead_tensors);
    tcase_add_loop_test(tc, arena_below_sum_of_tensors, 0, n_mcases);
    collect_mixed();
    tcase_add_loop_test(tc, mixed_precision_matches_litert, 0, n_mixed);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(engine)
