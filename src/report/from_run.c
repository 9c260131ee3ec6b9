/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.html from today's struct qv_job_result: the bridge between what qvet run computes and
 * struct qv_report. Figures the run computes are copied; the confusion matrices, the flipped
 * samples and the output error histogram are derived from the per-sample arrays the run keeps
 * (pred, label, outputs). When the run accumulates these itself (issue 11: bounded memory), it
 * fills the same fields and this derivation goes away.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qvet/qvet.h"
#include "report/report.h"

#define HIST_BINS 41   /* odd: zero error is the middle bin */

struct run_page {
    struct qv_report rep;
    struct qv_report_gate gates[8];
    struct qv_report_note notes[4];
    struct qv_report_metric metrics[1], divergence[3];
    struct qv_report_size sizes[2];
    struct qv_report_histogram hist;
    int64_t hist_counts[HIST_BINS];
    struct qv_report_kv options[2];
    struct qv_report_artifact artifacts[4 + QV_DATA_MAX_FILES];
    int64_t *confusion[QV_REPORT_MODELS];
    struct qv_report_flip *flips;
    char task_note[160], labels_note[200], targets_note[400];
};

/* Row = label, column = prediction; labels that are not a class index are left out and
 * counted in *ret_skipped. */
static int64_t *confusion_of(const struct qv_eval_result *e, int32_t n, int64_t *ret_skipped)
{
    int64_t *cm = calloc((size_t)n * (size_t)n, sizeof(*cm));
    if (!cm)
        return NULL;
    int64_t skipped = 0;
    for (int64_t i = 0; i < e->n; i++) {
        double l = e->label[i];
        int32_t p = e->pred[i];
        if (!(l >= 0 && l < n && l == floor(l)) || p < 0 || p >= n) {
            skipped++;
            continue;
        }
        cm[(int64_t)l * n + p]++;
    }
    *ret_skipped = skipped;
    return cm;
}

static void error_histogram(struct run_page *pg, const struct qv_job_result *r)
{
    int64_t n = r->f.n * r->f.out_elems;
    double max = 0;
    int64_t nonfinite = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = (double)r->q.outputs[i] - (double)r->f.outputs[i];
        if (isfinite(d))
            max = fmax(max, fabs(d));
    }
    if (max == 0)
        max = 1e-6;
    struct qv_report_histogram *h = &pg->hist;
    h->title = "Output error, int8 − float32";
    h->x_label = "int8 − float32 output value (real units)";
    h->lo = -max;
    h->hi = max;
    h->n_bins = HIST_BINS;
    h->counts = pg->hist_counts;
    for (int64_t i = 0; i < n; i++) {
        double d = (double)r->q.outputs[i] - (double)r->f.outputs[i];
        if (!isfinite(d)) {
            nonfinite++;
            continue;
        }
        int64_t b = (int64_t)floor((d + max) / (2 * max) * HIST_BINS);
        if (b >= HIST_BINS)   /* d == max falls in the last bin */
            b = HIST_BINS - 1;
        if (b < 0)
            b = 0;
        pg->hist_counts[b]++;
    }
    h->nonfinite = nonfinite;
    pg->rep.histograms = h;
    pg->rep.n_histograms = 1;
}

static enum qv_status flips_of(struct run_page *pg, const struct qv_job_result *r,
                               struct qv_error *err)
{
    int64_t total = 0;
    for (int64_t i = 0; i < r->f.n; i++)
        total += r->f.pred[i] != r->q.pred[i];
    pg->rep.n_flips_total = total;
    if (total == 0)
        return QV_OK;
    int32_t keep = total < 1000 ? (int32_t)total : 1000;   /* the page lists fewer still */
    pg->flips = calloc((size_t)keep, sizeof(*pg->flips));
    if (!pg->flips)
        return qv_fail(err, QV_E_NOMEM, "out of memory listing flipped samples");
    int32_t k = 0;
    for (int64_t i = 0; i < r->f.n && k < keep; i++) {
        if (r->f.pred[i] == r->q.pred[i])
            continue;
        struct qv_report_flip *x = &pg->flips[k++];
        x->sample = i;
        x->label = r->has_labels ? r->f.label[i] : NAN;
        x->float_pred = r->f.pred[i];
        x->int8_pred = r->q.pred[i];
        x->float_score = r->f.score[i];
        x->int8_score = r->q.score[i];
    }
    pg->rep.flips = pg->flips;
    pg->rep.n_flips = k;
    return QV_OK;
}

static void add_note(struct run_page *pg, enum qv_report_section s, const char *text)
{
    if (pg->rep.n_notes < (int32_t)(sizeof(pg->notes) / sizeof(pg->notes[0])))
        pg->notes[pg->rep.n_notes++] = (struct qv_report_note){ s, text };
}

static void add_artifact(struct run_page *pg, const char *role, const char *path)
{
    if (path && path[0])
        pg->artifacts[pg->rep.n_artifacts++] = (struct qv_report_artifact){ role, path, NULL, NAN };
}

static enum qv_status fill(struct run_page *pg, const struct qv_job_result *r,
                           struct qv_error *err)
{
    const struct qv_manifest *m = &r->manifest;
    struct qv_report *rep = &pg->rep;
    bool both = r->has_float && r->has_int8;
    bool classify = m->task == QV_TASK_CLASSIFICATION;
    rep->name = m->name;
    rep->dir = m->dir;
    rep->task = qv_task_name(m->task);
    rep->qvet_version = QV_VERSION_STRING;
    rep->rounding = r->rounding == QV_ROUNDING_SINGLE ? "single" : "double";
    rep->samples = r->has_float ? r->f.n : (r->has_int8 ? r->q.n : -1);
    rep->has_labels = r->has_labels;
    rep->passed = r->passed;
    rep->notes = pg->notes;
    if (r->has_float)
        rep->models[QV_REPORT_FLOAT] = (struct qv_report_model){ "float32", m->model };
    if (r->has_int8)
        rep->models[QV_REPORT_INT8] = (struct qv_report_model){ "int8", m->int8_model };

    for (int32_t i = 0; i < r->n_gates && i < 8; i++) {
        const struct qv_gate_result *g = &r->gates[i];
        pg->gates[i] = (struct qv_report_gate){ g->name, g->state, g->value, g->threshold,
                                                g->detail, QV_REPORT_FROM_MANIFEST };
    }
    rep->gates = pg->gates;
    rep->n_gates = r->n_gates < 8 ? r->n_gates : 8;
    if (r->note[0])
        add_note(pg, QV_REPORT_SEC_VERDICT, r->note);

    if (classify && r->has_labels) {
        struct qv_report_metric *t = &pg->metrics[0];
        *t = (struct qv_report_metric){ "top1", "top-1 accuracy", NULL, true, 4,
                                        { NAN, NAN, NAN } };
        if (r->has_float)
            t->value[QV_REPORT_FLOAT] = r->f.accuracy;
        if (r->has_int8)
            t->value[QV_REPORT_INT8] = r->q.accuracy;
        rep->metrics = pg->metrics;
        rep->n_metrics = 1;
    } else if (!classify) {
        snprintf(pg->task_note, sizeof(pg->task_note), "Task \"%s\": this version of qvet "
                 "computes task metrics for classification only.", rep->task);
        add_note(pg, QV_REPORT_SEC_ACCURACY, pg->task_note);
    }
    if (both) {
        int32_t k = 0;
        if (classify)
            pg->divergence[k++] = (struct qv_report_metric){ "agreement", "top-1 agreement",
                                                             NULL, true, 4,
                                                             { NAN, r->agreement, NAN } };
        pg->divergence[k++] = (struct qv_report_metric){ "output_sqnr_db", "output SQNR", "dB",
                                                         true, 2,
                                                         { NAN, r->output_sqnr_db, NAN } };
        rep->divergence = pg->divergence;
        rep->n_divergence = k;
        error_histogram(pg, r);
        if (classify) {
            enum qv_status st = flips_of(pg, r, err);
            if (st != QV_OK)
                return st;
            pg->divergence[k] = (struct qv_report_metric){ "flips", "flipped samples", NULL,
                                                           false, 0,
                                                           { NAN, (double)rep->n_flips_total,
                                                             NAN } };
            rep->n_divergence = k + 1;
        }
    }
    int64_t classes = r->has_float ? r->f.out_elems : (r->has_int8 ? r->q.out_elems : 0);
    if (classify && r->has_labels && classes > QV_REPORT_MAX_CLASSES) {
        snprintf(pg->labels_note, sizeof(pg->labels_note), "The output has %lld values: too "
                 "many classes for confusion matrices (at most %d).", (long long)classes,
                 QV_REPORT_MAX_CLASSES);
        add_note(pg, QV_REPORT_SEC_CONFUSION, pg->labels_note);
    } else if (classify && r->has_labels && classes >= 2) {
        int64_t skipped = 0;
        rep->n_classes = (int32_t)classes;
        const struct qv_eval_result *ev[2] = { r->has_float ? &r->f : NULL,
                                               r->has_int8 ? &r->q : NULL };
        for (int s = 0; s < 2; s++) {
            if (!ev[s])
                continue;
            pg->confusion[s] = confusion_of(ev[s], (int32_t)classes, &skipped);
            if (!pg->confusion[s])
                return qv_fail(err, QV_E_NOMEM, "out of memory for a confusion matrix");
            rep->confusion[s] = pg->confusion[s];
        }
        if (skipped) {
            snprintf(pg->labels_note, sizeof(pg->labels_note), "%lld samples have a label that "
                     "is not a class index of the %lld-value output; they are left out of the "
                     "confusion matrices.", (long long)skipped, (long long)classes);
            add_note(pg, QV_REPORT_SEC_CONFUSION, pg->labels_note);
        }
    }

    pg->sizes[0] = (struct qv_report_size){ "weight_bytes", "weights and biases", "bytes",
                                            { NAN, NAN, NAN } };
    pg->sizes[1] = (struct qv_report_size){ "macs", "multiply-accumulates per sample", "MACs",
                                            { NAN, NAN, NAN } };
    if (r->has_float) {
        pg->sizes[0].value[QV_REPORT_FLOAT] = (double)r->float_weight_bytes;
        pg->sizes[1].value[QV_REPORT_FLOAT] = (double)r->float_macs;
    }
    if (r->has_int8) {
        pg->sizes[0].value[QV_REPORT_INT8] = (double)r->int8_weight_bytes;
        pg->sizes[1].value[QV_REPORT_INT8] = (double)r->int8_macs;
    }
    rep->sizes = pg->sizes;
    rep->n_sizes = 2;

    if (m->n_targets > 0) {
        int o = snprintf(pg->targets_note, sizeof(pg->targets_note), "qvet.json lists the "
                         "targets");
        for (int32_t i = 0; i < m->n_targets && o > 0 && (size_t)o < sizeof(pg->targets_note);
             i++)
            o += snprintf(pg->targets_note + o, sizeof(pg->targets_note) - (size_t)o, "%s %s",
                          i ? "," : "", m->targets[i]);
        if (o > 0 && (size_t)o < sizeof(pg->targets_note))
            snprintf(pg->targets_note + o, sizeof(pg->targets_note) - (size_t)o, "; this "
                     "version of qvet run does not compute their budgets.");
        add_note(pg, QV_REPORT_SEC_BUDGET, pg->targets_note);
    }

    pg->options[0] = (struct qv_report_kv){ "rounding", rep->rounding };
    pg->options[1] = (struct qv_report_kv){ "out", r->out_dir };
    rep->options = pg->options;
    rep->n_options = 2;
    rep->artifacts = pg->artifacts;
    add_artifact(pg, "manifest", m->path);
    add_artifact(pg, "float model", m->model);
    add_artifact(pg, "int8 model", m->int8_model);
    for (int32_t i = 0; i < m->golden.n_files; i++)
        add_artifact(pg, "golden inputs", m->golden.files[i]);
    add_artifact(pg, "golden labels", m->golden.labels);
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
    for (int s = 0; s < QV_REPORT_MODELS; s++)
        free(pg->confusion[s]);
    free(pg->flips);
    free(pg);
    return st;
}
