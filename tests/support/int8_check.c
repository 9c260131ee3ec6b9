/* SPDX-License-Identifier: Apache-2.0 */
#include "int8_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support.h"

#define MAX_SHOW 5

/* A whole .npy file in memory. */
struct arr {
    struct qv_npy_info info;
    void *data;
    size_t row_bytes;
};

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* dir/name with the first "%d" of name replaced by k. */
static void fixture_path(char *buf, size_t size, const char *dir, const char *name, int32_t k)
{
    const char *pct = strstr(name, "%d");
    if (!pct)
        snprintf(buf, size, "%s/%s", dir, name);
    else
        snprintf(buf, size, "%s/%.*s%d%s", dir, (int)(pct - name), name, (int)k, pct + 2);
}

static bool load_npy(const char *path, struct arr *a)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_npy *npy = NULL;
    memset(a, 0, sizeof(*a));
    if (qv_npy_open(path, &npy, &err) != QV_OK) {
        fprintf(stderr, "%s: %s\n", path, err.msg);
        return false;
    }
    a->info = *qv_npy_get_info(npy);
    a->row_bytes = (size_t)a->info.row_elems * qv_dtype_size(a->info.dtype);
    size_t total = a->row_bytes * (size_t)a->info.shape.dims[0];
    a->data = malloc(total + 1);
    int64_t rows = 0;
    bool ok = a->data && qv_npy_read_rows(npy, a->info.shape.dims[0], a->data, true, &rows, &err) ==
                             QV_OK && rows == a->info.shape.dims[0];
    qv_npy_close(npy);
    if (!ok) {
        fprintf(stderr, "%s: %s\n", path, err.msg);
        free(a->data);
        a->data = NULL;
    }
    return ok;
}

struct run_ctx {
    const struct qv_graph *g;
    const char *label, *config;
    struct arr *expected;     /* [n_tensors], data NULL when no expectation */
    int64_t row0;             /* first sample of the current run */
    int64_t k;                /* samples in the current run */
    int64_t n_samples;        /* samples in the fixture */
    int64_t compared, mismatched, tensors_checked;
};

static void coords(const struct qv_shape *s, int64_t flat, char *buf, size_t size)
{
    int64_t idx[QV_MAX_RANK];
    for (int32_t i = s->rank - 1; i >= 0; i--) {
        idx[i] = s->dims[i] ? flat % s->dims[i] : 0;
        flat = s->dims[i] ? flat / s->dims[i] : 0;
    }
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int32_t i = 0; i < s->rank && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? ", " : "",
                                 (long long)idx[i]);
    if (used < size)
        snprintf(buf + used, size - used, "]");
}

static void value_str(enum qv_dtype t, const void *p, int64_t i, char *buf, size_t size)
{
    switch (t) {
    case QV_DTYPE_F32: snprintf(buf, size, "%.9g", (double)((const float *)p)[i]); break;
    case QV_DTYPE_I8: snprintf(buf, size, "%d", ((const int8_t *)p)[i]); break;
    case QV_DTYPE_U8: snprintf(buf, size, "%u", ((const uint8_t *)p)[i]); break;
    case QV_DTYPE_I16: snprintf(buf, size, "%d", ((const int16_t *)p)[i]); break;
    default: snprintf(buf, size, "%d", ((const int32_t *)p)[i]); break;
    }
}

/* Compares rows [row0, row0 + n) of tensor ti against its expectation. */
static void compare_tensor(struct run_ctx *r, int32_t node, int32_t ti, const void *got, int64_t n)
{
    const struct qv_tensor *t = &r->g->tensors[ti];
    struct arr *x = &r->expected[ti];
    if (!x->data)
        return;
    const size_t es = qv_dtype_size(t->dtype);
    if (x->info.dtype != t->dtype || x->info.shape.dims[0] * x->info.row_elems % r->n_samples) {
        fprintf(stderr, "%s [%s]: tensor %d '%s' dtype %s, expectation %s\n", r->label, r->config,
                ti, t->name, qv_dtype_name(t->dtype), qv_dtype_name(x->info.dtype));
        r->mismatched++;
        return;
    }
    /* Expectations are [N, ...] (or [N * d0] for tensors without a batch dim): split evenly. */
    const int64_t total = x->info.shape.dims[0] * x->info.row_elems;
    const int64_t per = total / r->n_samples;
    const int64_t k = n < r->k ? n : r->k;
    const int64_t elems = k * per;
    const char *want = (const char *)x->data + (size_t)(r->row0 * per) * es;
    int64_t bad = 0;
    for (int64_t i = 0; i < elems; i++) {
        if (memcmp((const char *)got + i * es, want + i * es, es) == 0)
            continue;
        if (bad < MAX_SHOW) {
            char c[200], gs[40], ws[40];
            coords(&t->shape, i % per, c, sizeof(c));
            value_str(t->dtype, got, i, gs, sizeof(gs));
            value_str(t->dtype, want, i, ws, sizeof(ws));
            const struct qv_node *nd = node >= 0 ? &r->g->nodes[node] : NULL;
            fprintf(stderr, "%s [%s]: MISMATCH op %s node %d '%s' tensor %d '%s' sample %lld "
                    "flat %lld coords %s got %s expected %s\n", r->label, r->config,
                    nd ? qv_op_name(nd->op) : "-", node, nd ? nd->name : "-", ti, t->name,
                    (long long)(r->row0 + i / per), (long long)(i % per), c, gs, ws);
        }
        bad++;
    }
    if (bad > MAX_SHOW)
        fprintf(stderr, "%s [%s]: tensor %d '%s': %lld of %lld elements differ\n", r->label,
                r->config, ti, t->name, (long long)bad, (long long)elems);
    r->compared += elems;
    r->mismatched += bad;
    r->tensors_checked++;
}

static bool observe(int32_t node, const struct qv_tensor_view *v, bool ask, void *user)
{
    struct run_ctx *r = user;
    if (ask)
        return true;
    const int32_t ti = (int32_t)(v->t - r->g->tensors);
    compare_tensor(r, node, ti, v->data, r->k);
    return true;
}

/* Runs one configuration over all samples; returns mismatched element count (or -1). */
static int64_t run_config(const char *label, const struct qv_graph *g, struct arr *inputs,
                          struct arr *expected, bool plain, int64_t batch, int64_t *ret_compared)
{
    struct qv_error err = QV_ERROR_INIT;
    struct run_ctx r = { .g = g, .label = label, .expected = expected,
                         .n_samples = inputs[0].info.shape.dims[0] };
    char config[64];
    snprintf(config, sizeof(config), "double, %s, batch %lld", plain ? "plain" : "fast",
             (long long)batch);
    r.config = config;
    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    o.kind = QV_ENGINE_INT8;
    o.rounding = QV_ROUNDING_DOUBLE;
    o.plain_loops = plain;
    o.max_batch = batch;
    o.observe = observe;
    o.observe_user = &r;
    struct qv_engine *e = NULL;
    *ret_compared = 0;
    if (qv_engine_create(g, &o, &e, &err) != QV_OK) {
        fprintf(stderr, "%s [%s]: engine: %s\n", label, config, err.msg);
        return -1;
    }
    const int64_t n = inputs[0].info.shape.dims[0], mb = qv_engine_max_batch(e);
    for (int64_t s = 0; s < n; s += mb) {
        const int64_t k = n - s < mb ? n - s : mb;
        for (int32_t i = 0; i < g->n_inputs; i++) {
            const size_t rb = qv_engine_input_bytes(e, i);
            if (rb != inputs[i].row_bytes) {
                fprintf(stderr, "%s: input %d holds %zu bytes per sample, engine wants %zu\n",
                        label, i, inputs[i].row_bytes, rb);
                qv_engine_free(e);
                return -1;
            }
            memcpy(qv_engine_input(e, i), (const char *)inputs[i].data + (size_t)s * rb,
                   (size_t)k * rb);
        }
        r.row0 = s;
        r.k = k;
        if (qv_engine_run(e, k, &err) != QV_OK) {
            fprintf(stderr, "%s [%s]: run: %s\n", label, config, err.msg);
            qv_engine_free(e);
            return -1;
        }
        /* Graph outputs (also covers outputs whose producer is not observed). */
        for (int32_t i = 0; i < g->n_outputs; i++)
            compare_tensor(&r, -1, g->outputs[i], qv_engine_output(e, i), k);
    }
    qv_engine_free(e);
    *ret_compared = r.compared;
    return r.mismatched;
}

void qvt_int8_check_fixture(const struct qvt_int8_fixture *fx, struct qvt_int8_result *ret)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    char path[1200];
    fixture_path(path, sizeof(path), fx->dir, fx->model, 0);
    ck_assert_msg(qv_tflite_load(path, &g, &err) == QV_OK, "%s: %s", fx->label, err.msg);
    struct arr inputs[QV_MAX_INPUTS];
    memset(inputs, 0, sizeof(inputs));
    struct arr *expected = calloc((size_t)g->n_tensors, sizeof(*expected));
    ck_assert_ptr_nonnull(expected);
    for (int32_t i = 0; i < g->n_inputs; i++) {
        fixture_path(path, sizeof(path), fx->dir, fx->input ? fx->input : fx->input_names[i], i);
        ck_assert_msg(load_npy(path, &inputs[i]), "%s: cannot read %s", fx->label, path);
    }
    /* Expectations: intermediate tensors, then graph outputs (the output file wins). */
    for (int32_t ti = 0; fx->tensors && ti < g->n_tensors; ti++) {
        char rel[256];
        snprintf(rel, sizeof(rel), "%s/t%d.npy", fx->tensors, (int)ti);
        fixture_path(path, sizeof(path), fx->dir, rel, 0);
        if (exists(path) && !g->tensors[ti].data)
            ck_assert_msg(load_npy(path, &expected[ti]), "%s: cannot read %s", fx->label, path);
    }
    for (int32_t i = 0; i < g->n_outputs; i++) {
        fixture_path(path, sizeof(path), fx->dir, fx->output, i);
        if (exists(path)) {
            free(expected[g->outputs[i]].data);
            ck_assert_msg(load_npy(path, &expected[g->outputs[i]]), "%s: cannot read %s",
                          fx->label, path);
        } else {
            ck_assert_msg(expected[g->outputs[i]].data, "%s: no expectation for output %d",
                          fx->label, i);
        }
    }
    /* Graph inputs are not checked (they are what we fed). */
    for (int32_t i = 0; i < g->n_inputs; i++) {
        free(expected[g->inputs[i]].data);
        expected[g->inputs[i]].data = NULL;
    }
    const int64_t n = inputs[0].info.shape.dims[0];
    struct qvt_int8_result res = { 0, 0, 0, 0 };
    res.differ_plain = run_config(fx->label, g, inputs, expected, true, 1, &res.compared_plain);
    res.differ_fast = run_config(fx->label, g, inputs, expected, false, n, &res.compared_fast);
    const int64_t ok1 = res.compared_plain - (res.differ_plain > 0 ? res.differ_plain : 0);
    const int64_t ok2 = res.compared_fast - (res.differ_fast > 0 ? res.differ_fast : 0);
    const bool pass = res.differ_plain == 0 && res.differ_fast == 0;
    printf("%-40s %s plain %lld/%lld fast %lld/%lld identical\n", fx->label,
           pass ? "PASS" : "FAIL", (long long)ok1, (long long)res.compared_plain, (long long)ok2,
           (long long)res.compared_fast);
    fflush(stdout);
    for (int32_t i = 0; i < g->n_tensors; i++)
        free(expected[i].data);
    free(expected);
    for (int32_t i = 0; i < g->n_inputs; i++)
        free(inputs[i].data);
    qv_graph_free(g);
    if (ret)
        *ret = res;
    ck_assert_msg(pass, "%s: %lld (plain) / %lld (fast) elements differ from TFLM", fx->label,
                  (long long)res.differ_plain, (long long)res.differ_fast);
    ck_assert_msg(res.compared_plain > 0 && res.compared_fast > 0, "%s: nothing compared",
                  fx->label);
}

int qvt_read_case_ids(const char *path, char (*ids)[64], int max)
{
    char line[512];
    int n = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    while (n < max && fgets(line, sizeof(line), f)) {
        if (line[0] == '#' || sscanf(line, "%63s", ids[n]) != 1)
            continue;
        n++;
    }
    fclose(f);
    return n;
}
