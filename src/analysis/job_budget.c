/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The int8 model's budget on the manifest's targets (budget.h): TFLM arena, flash, SRAM,
 * latency and energy per target, and whether it fits with the SRAM headroom the gates ask for.
 * The figures depend on the model only, so one run and merged shards compute the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/job_internal.h"
#include "qvet/budget.h"

enum qv_status qv_job_budget(struct qv_job_result *r, struct qv_error *err)
{
    const struct qv_manifest *m = &r->manifest;
    const struct qv_job_model *q = &r->models[QV_SIDE_INT8];
    struct qv_budget *b = NULL;
    enum qv_status st;
    if (!q->present)
        return QV_OK;
    /* the bytes TFLM would load: the file itself (a .tflite), else qvet's own export (a native
     * model, or qvet's PTQ: its bytes are already there) */
    struct qv_graph *g = NULL;
    if (r->int8_tflite)
        st = qv_tflite_read(r->int8_tflite, r->int8_tflite_size, q->path, &g, err);
    else
        st = qv_budget_model_load(q->path, &g, &r->int8_tflite, &r->int8_tflite_size, err);
    if (st != QV_OK)
        return st;
    if (m->n_targets == 0) {
        qv_graph_free(g);
        return QV_OK;
    }
    const char *names[QV_JOB_MAX_TARGETS];
    int32_t n = m->n_targets < QV_JOB_MAX_TARGETS ? m->n_targets : QV_JOB_MAX_TARGETS;
    for (int32_t i = 0; i < n; i++)
        names[i] = m->targets[i];
    struct qv_budget_opts bo;
    qv_budget_opts_init(&bo);
    bo.targets = names;
    bo.n_targets = n;
    if (r->limits.has[QV_GATE_SRAM_HEADROOM])
        bo.sram_headroom = r->limits.value[QV_GATE_SRAM_HEADROOM];
    st = qv_budget_create(g, r->int8_tflite, r->int8_tflite_size, &bo, &b, err);
    if (st != QV_OK) {
        qv_error_prefix(err, m->path[0] ? m->path : m->dir, "targets");
        qv_graph_free(g);
        return st;
    }
    for (int32_t i = 0; i < b->n_targets && i < QV_JOB_MAX_TARGETS; i++) {
        const struct qv_budget_target *t = &b->targets[i];
        struct qv_job_target *x = &r->targets[r->n_targets++];
        snprintf(x->name, sizeof(x->name), "%s", t->profile->name);
        snprintf(x->description, sizeof(x->description), "%s", t->profile->description);
        x->arena = (int64_t)t->arena.total;
        x->flash = (int64_t)t->flash_bytes;
        x->flash_budget = (int64_t)t->flash_budget;
        x->sram = (int64_t)t->sram_bytes;
        x->sram_budget = (int64_t)t->sram_budget;
        x->headroom = bo.sram_headroom;
        x->latency_ms = t->latency_ms;
        x->energy_uj = t->energy_uj;
        x->ops_ok = t->ops_ok;
        x->flash_ok = t->flash_ok;
        x->sram_ok = t->sram_ok;
        x->fits = t->fits;
        snprintf(x->unsupported, sizeof(x->unsupported), "%s", t->unsupported);
    }
    if (b->n_targets > 0 && b->targets[0].arena.live && g->n_nodes > 0) {
        r->live_bytes = malloc((size_t)g->n_nodes * sizeof(double));
        if (!r->live_bytes) {
            qv_budget_free(b);
            qv_graph_free(g);
            return qv_fail(err, QV_E_NOMEM, "out of memory");
        }
        for (int32_t i = 0; i < g->n_nodes; i++)
            r->live_bytes[i] = (double)b->targets[0].arena.live[i];
        r->n_steps = g->n_nodes;
    }
    qv_budget_free(b);
    qv_graph_free(g);
    return QV_OK;
}
