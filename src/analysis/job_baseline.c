/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --baseline OLD/summary.json: a previous run's figures (task metrics, divergence, sizes, gates,
 * per-layer SQNR) to show what changed, and the max_regression gate: how much the task's headline
 * figure may worsen. Reads summary.json schema 1 (docs/run.md); errors name the file and key.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/job_internal.h"

static const char *const side_keys[QV_SIDES] = { "float", "int8" };
static const char *const size_keys[3] = { "weight_bytes", "bytes", "macs" };

const struct qv_job_baseline_figure *qv_job_baseline_find(const struct qv_job_baseline *b,
                                                           const char *key)
{
    for (int32_t i = 0; b && i < b->n_figures; i++)
        if (strcmp(b->figures[i].key, key) == 0)
            return &b->figures[i];
    return NULL;
}

void qv_job_baseline_free(struct qv_job_baseline *b)
{
    if (!b)
        return;
    for (int32_t i = 0; b->layer_names && i < b->n_layers; i++)
        free(b->layer_names[i]);
    free(b->layer_names);
    free(b->layer_sqnr_db);
    free(b);
}

/* A number or null (NAN); anything else is an error naming the key. */
static enum qv_status number(const cJSON *v, const char *path, const char *key, double *ret,
                             struct qv_error *err)
{
    if (!v || cJSON_IsNull(v)) {
        *ret = NAN;
        return QV_OK;
    }
    if (!cJSON_IsNumber(v))
        return qv_fail_at(err, QV_E_INPUT, path, -1, "%s: expected a number or null", key);
    *ret = v->valuedouble;
    return QV_OK;
}

static enum qv_status parse(struct qv_job_baseline *b, const cJSON *root, struct qv_error *err)
{
    const char *p = b->path;
    char key[96];
    enum qv_status st;
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    if (!cJSON_IsObject(root) || !cJSON_IsNumber(schema) || schema->valueint != 1)
        return qv_fail_at(err, QV_E_INPUT, p, -1, "schema: not a qvet summary.json of schema 1");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "qvet_version");
    if (cJSON_IsString(version))
        snprintf(b->version, sizeof(b->version), "%s", version->valuestring);
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(root, "metrics");
    if (!cJSON_IsObject(metrics))
        return qv_fail_at(err, QV_E_INPUT, p, -1, "metrics: expected an object");
    for (const cJSON *it = metrics->child; it; it = it->next) {
        if (b->n_figures == QV_BASELINE_MAX_FIGURES)
            return qv_fail_at(err, QV_E_INPUT, p, -1, "metrics: more than %d figures",
                              QV_BASELINE_MAX_FIGURES);
        struct qv_job_baseline_figure *f = &b->figures[b->n_figures++];
        snprintf(f->key, sizeof(f->key), "%s", it->string);
        f->value[0] = f->value[1] = NAN;
        if (cJSON_IsObject(it)) {
            f->per_model = true;
            for (int s = 0; s < QV_SIDES; s++) {
                snprintf(key, sizeof(key), "metrics.%s.%s", it->string, side_keys[s]);
                st = number(cJSON_GetObjectItemCaseSensitive(it, side_keys[s]), p, key,
                            &f->value[s], err);
                if (st != QV_OK)
                    return st;
            }
        } else {
            snprintf(key, sizeof(key), "metrics.%s", it->string);
            if ((st = number(it, p, key, &f->value[QV_SIDE_INT8], err)) != QV_OK)
                return st;
        }
    }
    const cJSON *models = cJSON_GetObjectItemCaseSensitive(root, "models");
    for (int s = 0; s < QV_SIDES; s++) {
        const cJSON *m = cJSON_IsObject(models) ? cJSON_GetObjectItemCaseSensitive(
                                                      models, side_keys[s]) : NULL;
        for (int k = 0; k < 3; k++) {
            snprintf(key, sizeof(key), "models.%s.%s", side_keys[s], size_keys[k]);
            st = number(cJSON_IsObject(m) ? cJSON_GetObjectItemCaseSensitive(m, size_keys[k])
                                          : NULL, p, key, &b->sizes[k][s], err);
            if (st != QV_OK)
                return st;
        }
    }
    const cJSON *gates = cJSON_GetObjectItemCaseSensitive(root, "gates");
    for (const cJSON *g = cJSON_IsArray(gates) ? gates->child : NULL; g; g = g->next) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(g, "name");
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(g, "state");
        if (!cJSON_IsString(name) || !cJSON_IsString(state))
            return qv_fail_at(err, QV_E_INPUT, p, -1, "gates[%d]: expected name and state",
                              b->n_gates);
        if (b->n_gates == QV_MAX_GATES)
            break;
        int32_t i = b->n_gates++;
        snprintf(b->gate_names[i], sizeof(b->gate_names[i]), "%s", name->valuestring);
        b->gate_states[i] = strcmp(state->valuestring, "pass") == 0 ? QV_GATE_PASS
                            : (strcmp(state->valuestring, "fail") == 0 ? QV_GATE_FAIL
                                                                       : QV_GATE_SKIPPED);
        if ((st = number(cJSON_GetObjectItemCaseSensitive(g, "value"), p, "gates[].value",
                         &b->gate_values[i], err)) != QV_OK)
            return st;
    }
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    int32_t n = cJSON_IsArray(layers) ? cJSON_GetArraySize(layers) : 0;
    if (n > 0) {
        b->layer_names = calloc((size_t)n, sizeof(char *));
        b->layer_sqnr_db = calloc((size_t)n, sizeof(double));
        if (!b->layer_names || !b->layer_sqnr_db)
            return qv_fail(err, QV_E_NOMEM, "out of memory reading '%s'", p);
        for (const cJSON *l = layers->child; l; l = l->next) {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(l, "tensor");
            if (!cJSON_IsString(t))
                return qv_fail_at(err, QV_E_INPUT, p, -1, "layers[%d].tensor: expected a string",
                                  b->n_layers);
            int32_t i = b->n_layers;
            if (!(b->layer_names[i] = strdup(t->valuestring)))
                return qv_fail(err, QV_E_NOMEM, "out of memory reading '%s'", p);
            b->n_layers++;
            if ((st = number(cJSON_GetObjectItemCaseSensitive(l, "sqnr_db"), p,
                             "layers[].sqnr_db", &b->layer_sqnr_db[i], err)) != QV_OK)
                return st;
        }
    }
    return QV_OK;
}

enum qv_status qv_job_baseline_load(const char *path, struct qv_job_baseline **ret,
                                    struct qv_error *err)
{
    uint8_t *text = NULL;
    size_t size = 0;
    struct qv_job_baseline *b = calloc(1, sizeof(*b));
    if (!b)
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    snprintf(b->path, sizeof(b->path), "%s", path);
    enum qv_status st = qv_file_read_all(path, (size_t)64 << 20, &text, &size, err);
    if (st == QV_OK)
        st = qv_sha256_file(path, b->sha256, err);
    cJSON *root = NULL;
    if (st == QV_OK) {
        const char *end = NULL;
        root = cJSON_ParseWithLengthOpts((const char *)text, size + 1, &end, 1);
        if (!root)
            st = qv_fail_at(err, QV_E_INPUT, path, end ? (int64_t)(end - (const char *)text) : -1,
                            "invalid JSON (not a qvet summary.json?)");
    }
    if (st == QV_OK)
        st = parse(b, root, err);
    cJSON_Delete(root);
    free(text);
    if (st != QV_OK) {
        qv_job_baseline_free(b);
        return st;
    }
    *ret = b;
    return QV_OK;
}

/* The task's headline figure: its key, the model side and whether higher is better. */
static void headline(enum qv_task task, const char **key, bool *higher)
{
    switch (task) {
    case QV_TASK_CLASSIFICATION: *key = "top1"; *higher = true; break;
    case QV_TASK_REGRESSION: *key = "mae"; *higher = false; break;
    case QV_TASK_ANOMALY: *key = "auc"; *higher = true; break;
    default: *key = "output_sqnr_db"; *higher = true; break;
    }
}

/* How much the headline figure worsened since the baseline (NAN: not comparable). */
double qv_job_regression(const struct qv_job_result *r, const char **ret_key, double *ret_old,
                         double *ret_new)
{
    const char *key;
    bool higher;
    headline(r->spec.task, &key, &higher);
    *ret_key = key;
    *ret_old = *ret_new = NAN;
    const struct qv_job_baseline_figure *f = qv_job_baseline_find(r->baseline, key);
    if (!f)
        return NAN;
    const struct qv_metrics_summary *s = &r->summary;
    double now = NAN;
    int side = r->models[QV_SIDE_INT8].present ? QV_SIDE_INT8 : QV_SIDE_FLOAT;
    if (strcmp(key, "top1") == 0)
        now = s->top1[side];
    else if (strcmp(key, "mae") == 0)
        now = s->mae[side];
    else if (strcmp(key, "auc") == 0)
        now = s->auc[side];
    else
        now = s->output.sqnr_db;
    double old = f->per_model ? f->value[side] : f->value[QV_SIDE_INT8];
    *ret_old = old;
    *ret_new = now;
    return higher ? old - now : now - old;
}
