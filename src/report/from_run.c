/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.html from a qvet run's result: the bridge between what the run computes (struct
 * qv_job_result: accumulators, gates, notes) and struct qv_report. Everything comes from bounded
 * accumulators (confusion matrices, the flips list, the error histogram), so the page is the same
 * for one run and for merged shards.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qvet/qvet.h"
#include "report/from_layers.h"
#include "report/from_metrics.h"
#include "report/report.h"

#define MAX_NOTES 12

struct run_page {
    struct qv_report rep;
    struct qv_report_gate gates[QV_MAX_GATES];
    struct qv_report_note notes[MAX_NOTES];
    struct qv_figures fig;
    struct qv_report_metrics_store store;
    struct qv_report_size sizes[4];
    struct qv_report_histogram hist;
    struct qv_report_kv options[4];
    char opt_text[4][96];
    struct qv_report_artifact artifacts[2 + QV_JOB_MODELS + QV_DATA_MAX_FILES];
    struct qv_report_layer *layers;
    struct qv_report_target targets[QV_JOB_MAX_TARGETS];
    struct qv_report base;           /* the baseline's figures, matched by key on the page */
    struct qv_report_metric base_metrics[QV_BASELINE_MAX_FIGURES];
    struct qv_report_metric base_div[QV_BASELINE_MAX_FIGURES];
    struct qv_report_size base_sizes[3];
    struct qv_report_gate base_gates[QV_MAX_GATES];
    struct qv_report_layer *base_layers;
    char target_detail[QV_JOB_MAX_TARGETS][160];
    char task_note[200], labels_note[200], targets_note[400], hist_title[96];
};

static void add_note(struct run_page *pg, enum qv_report_section s, const char *text)
{
    if (pg->rep.n_notes < MAX_NOTES)
        pg->notes[pg->rep.n_notes++] = (struct qv_report_note){ s, text };
}

static void add_artifact(struct run_page *pg, const char *role, const char *path,
                         const char *sha256, double bytes)
{
    if (path && path[0] && pg->rep.n_artifacts < (int32_t)(sizeof(pg->artifacts) /
                                                           sizeof(pg->artifacts[0])))
        pg->artifacts[pg->rep.n_artifacts++] = (struct qv_report_artifact){
            role, path, sha256 && sha256[0] ? sha256 : NULL, bytes };
}

static enum qv_report_origin origin(enum qv_gate_origin o)
{
    return o == QV_GATE_FROM_DEFAULT ? QV_REPORT_FROM_DEFAULT
           : (o == QV_GATE_FROM_CLI ? QV_REPORT_FROM_CLI : QV_REPORT_FROM_MANIFEST);
}

static void histogram(struct run_page *pg, const struct qv_job_result *r)
{
    const struct qv_job_hist *h = &r->hist;
    if (!h->present)
        return;
    struct qv_report_histogram *x = &pg->hist;
    snprintf(pg->hist_title, sizeof(pg->hist_title), "Output %d error, int8 − float32 "
             "(bins of one output step)", r->spec.scored);
    x->title = pg->hist_title;
    x->x_label = "int8 − float32 output value (real units)";
    x->lo = -(QV_JOB_HIST_BINS / 2 + 0.5) * h->step;
    x->hi = (QV_JOB_HIST_BINS / 2 + 0.5) * h->step;
    x->n_bins = QV_JOB_HIST_BINS;
    x->counts = h->counts;
    x->below = h->below;
    x->above = h->above;
    x->nonfinite = h->nonfinite;
    pg->rep.histograms = x;
    pg->rep.n_histograms = 1;
}

static enum qv_status fill(struct run_page *pg, const struct qv_job_result *r,
                           struct qv_error *err)
{
    const struct qv_manifest *m = &r->manifest;
    struct qv_report *rep = &pg->rep;
    rep->name = m->name;
    rep->dir = m->dir;
    rep->task = qv_task_name(r->spec.task);
    rep->qvet_version = QV_VERSION_STRING;
    rep->rounding = r->rounding == QV_ROUNDING_SINGLE ? "single" : "double";
    rep->samples = r->samples;
    rep->has_labels = r->has_labels;
    rep->passed = r->passed;
    rep->notes = pg->notes;
    /* models[] and the report's model slots agree: float, int8, qvet's PTQ beside a given int8 */
    for (int s = 0; s < QV_JOB_MODELS; s++)
        if (r->models[s].present)
            rep->models[s] = (struct qv_report_model){ r->models[s].label, r->models[s].path };
    for (int32_t i = 0; i < r->n_gates; i++) {
        const struct qv_gate_result *g = &r->gates[i];
        pg->gates[i] = (struct qv_report_gate){ g->name, g->state, g->value, g->threshold,
                                                g->detail, origin(g->origin) };
    }
    rep->gates = pg->gates;
    rep->n_gates = r->n_gates;
    for (int32_t i = 0; i < r->n_notes; i++)
        add_note(pg, QV_REPORT_SEC_VERDICT, r->notes[i]);

    /* task sections from the accumulators (from_metrics.c), the shared figures table */
    if (r->metrics) {
        int32_t before = rep->n_notes;
        enum qv_status st = qv_report_fill_metrics(rep, r->metrics, &pg->store, err);
        if (st != QV_OK)
            return st;
        rep->n_notes = before;   /* the store's notes join the page's own */
        const struct qv_metrics *am = r->alt_metrics;
        if (am && rep->n_classes > 0 && am->has_labels && am->has[QV_SIDE_INT8])
            rep->confusion[QV_REPORT_INT8_ALT] = am->cls[QV_SIDE_INT8].confusion;
        for (int32_t i = 0; i < pg->store.n_notes; i++)
            add_note(pg, pg->store.notes[i].section, pg->store.notes[i].text);
        rep->notes = pg->notes;
    }
    rep->task = qv_task_name(r->spec.task);
    rep->samples = r->samples;
    rep->has_labels = r->has_labels;
    qv_report_figures(r, &pg->fig);
    rep->metrics = pg->fig.metrics;
    rep->n_metrics = pg->fig.n_metrics;
    rep->divergence = pg->fig.divergence;
    rep->n_divergence = pg->fig.n_divergence;
    if (r->spec.task != QV_TASK_RAW && !r->has_labels) {
        snprintf(pg->task_note, sizeof(pg->task_note), "The golden set has no labels: the %s "
                 "metrics need them; only the divergence is shown.", rep->task);
        add_note(pg, QV_REPORT_SEC_ACCURACY, pg->task_note);
    }
    histogram(pg, r);
    if (r->layers) {
        enum qv_status st = qv_report_fill_layers(rep, r->layers, r->layer_threshold_db,
                                                  &pg->layers, err);
        if (st != QV_OK)
            return st;
    }

    static const char *const keys[3] = { "weight_bytes", "file_bytes", "macs" };
    static const char *const labels[3] = { "weights and biases", "model file",
                                           "multiply-accumulates per sample" };
    static const char *const units[3] = { "bytes", "bytes", "MACs" };
    for (int k = 0; k < 3; k++) {
        pg->sizes[k] = (struct qv_report_size){ keys[k], labels[k], units[k], { NAN, NAN, NAN } };
        for (int s = 0; s < QV_JOB_MODELS; s++) {
            const struct qv_job_model *jm = &r->models[s];
            if (jm->present)
                pg->sizes[k].value[s] = k == 0 ? (double)jm->weight_bytes
                                        : (k == 1 ? (double)jm->file_bytes : (double)jm->macs);
        }
    }
    rep->sizes = pg->sizes;
    rep->n_sizes = 3;

    for (int32_t i = 0; i < r->n_targets; i++) {
        const struct qv_job_target *t = &r->targets[i];
        if (!t->fits)
            snprintf(pg->target_detail[i], sizeof(pg->target_detail[i]), "%s%s%s%s",
                     t->ops_ok ? "" : "ops TFLM cannot run; ", t->sram_ok ? "" : "SRAM over "
                     "budget; ", t->flash_ok ? "" : "flash over budget; ", t->unsupported);
        pg->targets[i] = (struct qv_report_target){
            .name = t->name, .description = t->description[0] ? t->description : NULL,
            .flash_used = (double)t->flash, .flash_capacity = (double)t->flash_budget,
            .sram_used = (double)t->sram,
            .sram_capacity = t->headroom < 1 ? (double)t->sram_budget / (1.0 - t->headroom)
                                             : NAN,
            .arena = (double)t->arena, .headroom = t->headroom, .latency_ms = t->latency_ms,
            .energy_mj = t->energy_uj / 1000.0, .fits = t->fits ? QV_GATE_PASS : QV_GATE_FAIL,
            .detail = t->fits ? NULL : pg->target_detail[i] };
    }
    rep->targets = pg->targets;
    rep->n_targets = r->n_targets;
    if (r->n_steps > 0) {
        rep->timeline.n_steps = r->n_steps;
        rep->timeline.live_bytes = r->live_bytes;
        rep->timeline.arena_bytes = r->n_targets ? (double)r->targets[0].arena : NAN;
    }
    if (m->n_targets > 0 && r->n_targets == 0)
        add_note(pg, QV_REPORT_SEC_BUDGET, "qvet.json lists targets, but no budget was computed "
                 "(no int8 model).");

    if (r->baseline) {
        const struct qv_job_baseline *b = r->baseline;
        struct qv_report *x = &pg->base;
        *x = (struct qv_report)QV_REPORT_INIT;
        x->qvet_version = b->version[0] ? b->version : NULL;
        for (int32_t i = 0; i < b->n_figures; i++) {
            const struct qv_job_baseline_figure *f = &b->figures[i];
            struct qv_report_metric row = { f->key, f->key, NULL, true, 4,
                                            { f->value[0], f->value[1], NAN } };
            if (f->per_model)
                pg->base_metrics[x->n_metrics++] = row;
            else
                pg->base_div[x->n_divergence++] = row;
        }
        x->metrics = pg->base_metrics;
        x->divergence = pg->base_div;
        for (int k = 0; k < 3; k++)
            pg->base_sizes[k] = (struct qv_report_size){ pg->sizes[k].key, NULL, NULL,
                                                         { b->sizes[k][0], b->sizes[k][1],
                                                           NAN } };
        x->sizes = pg->base_sizes;
        x->n_sizes = 3;
        for (int32_t i = 0; i < b->n_gates; i++)
            pg->base_gates[i] = (struct qv_report_gate){ b->gate_names[i], b->gate_states[i],
                                                         b->gate_values[i], NAN, NULL,
                                                         QV_REPORT_FROM_MANIFEST };
        x->gates = pg->base_gates;
        x->n_gates = b->n_gates;
        if (b->n_layers > 0) {
            pg->base_layers = calloc((size_t)b->n_layers, sizeof(*pg->base_layers));
            if (!pg->base_layers)
                return qv_fail(err, QV_E_NOMEM, "out of memory for the baseline");
            for (int32_t i = 0; i < b->n_layers; i++) {
                pg->base_layers[i] = (struct qv_report_layer){ .name = b->layer_names[i],
                                                               .pairing = "name", .node = -1 };
                pg->base_layers[i].propagated = (struct qv_report_error){
                    .sqnr_db = b->layer_sqnr_db[i], .cosine = NAN, .rmse = NAN, .mae = NAN,
                    .max_abs = NAN, .rel_l2 = NAN };
                pg->base_layers[i].local = (struct qv_report_error){
                    NAN, NAN, NAN, NAN, NAN, NAN };
                pg->base_layers[i].clip_low = pg->base_layers[i].clip_high = NAN;
            }
            x->layers = pg->base_layers;
            x->n_layers = b->n_layers;
        }
        rep->baseline = x;
        rep->baseline_path = b->path;
    }

    int32_t no = 0;
    pg->options[no++] = (struct qv_report_kv){ "rounding", rep->rounding };
    pg->options[no++] = (struct qv_report_kv){ "gates", r->default_gates ? "qvet's defaults"
                                                        : "qvet.json / command line" };
    rep->options = pg->options;
    rep->n_options = no;
    rep->artifacts = pg->artifacts;
    add_artifact(pg, "manifest", m->path, NULL, NAN);
    static const char *const kinds[QV_JOB_MODELS] = { "float model", "int8 model",
                                                      "int8 model (qvet PTQ)" };
    for (int s = 0; s < QV_JOB_MODELS; s++)
        if (r->models[s].present)
            add_artifact(pg, kinds[s], r->models[s].path, r->models[s].sha256,
                         (double)r->models[s].file_bytes);
    for (int32_t i = 0; i < m->golden.n_files; i++)
        add_artifact(pg, "golden inputs", m->golden.files[i], r->data_sha256[i], NAN);
    add_artifact(pg, "golden labels", m->golden.labels, r->data_sha256[QV_DATA_MAX_FILES], NAN);
    return QV_OK;
}

enum qv_status qv_report_write_run_html(const struct qv_job_result *r, const char *path,
                                        struct qv_error *err)
{
    struct run_page *pg = calloc(1, sizeof(*pg));
    if (!pg)
        return qv_fail(err, QV_E_NOMEM, "out of memory for report.html");
    pg->rep = (struct qv_report)QV_REPORT_INIT;
    enum qv_status st = fill(pg, r, err);
    if (st == QV_OK)
        st = qv_report_write_html(&pg->rep, path, err);
    qv_report_metrics_store_release(&pg->store);
    free(pg->layers);
    free(pg->base_layers);
    free(pg);
    return st;
}
