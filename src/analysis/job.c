/* SPDX-License-Identifier: Apache-2.0 */
/* qvet run on one model directory: evaluate both engines in one pass, gate, report. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/eval_internal.h"
#include "qvet/analysis.h"
#include "report/report.h"

static void add_gate(struct qv_job_result *r, const char *name, enum qv_gate_state state,
                     double value, double threshold, const char *fmt, ...) QV_PRINTF(6, 7);

static void add_gate(struct qv_job_result *r, const char *name, enum qv_gate_state state,
                     double value, double threshold, const char *fmt, ...)
{
    if (r->n_gates == QV_MAX_GATES) {
        /* a bug, not an input: never drop a failing gate silently */
        r->passed = false;
        snprintf(r->note, sizeof(r->note), "more than %d gates: '%s' was not recorded",
                 QV_MAX_GATES, name);
        return;
    }
    struct qv_gate_result *g = &r->gates[r->n_gates++];
    va_list ap;
    g->name = name;
    g->state = state;
    g->value = value;
    g->threshold = threshold;
    va_start(ap, fmt);
    vsnprintf(g->detail, sizeof(g->detail), fmt, ap);
    va_end(ap);
    if (state == QV_GATE_FAIL)
        r->passed = false;
}

static void evaluate_gates(struct qv_job_result *r)
{
    const struct qv_gates *gt = &r->manifest.gates;
    bool both = r->has_float && r->has_int8;
    if (gt->has_max_accuracy_drop) {
        if (!both || !r->has_labels)
            add_gate(r, "max_accuracy_drop", QV_GATE_SKIPPED, NAN, gt->max_accuracy_drop,
                     "needs a float model, an int8 model and labels");
        else {
            double drop = r->f.accuracy - r->q.accuracy;
            add_gate(r, "max_accuracy_drop", drop <= gt->max_accuracy_drop + 1e-12 ?
                     QV_GATE_PASS : QV_GATE_FAIL, drop, gt->max_accuracy_drop,
                     "accuracy float %.4f, int8 %.4f: drop %.4f (limit %.4f)", r->f.accuracy,
                     r->q.accuracy, drop, gt->max_accuracy_drop);
        }
    }
    if (gt->has_min_agreement) {
        if (!both)
            add_gate(r, "min_agreement", QV_GATE_SKIPPED, NAN, gt->min_agreement,
                     "needs a float model and an int8 model");
        else
            add_gate(r, "min_agreement", r->agreement + 1e-12 >= gt->min_agreement ?
                     QV_GATE_PASS : QV_GATE_FAIL, r->agreement, gt->min_agreement,
                     "top-1 agreement float vs int8 %.4f (minimum %.4f)", r->agreement,
                     gt->min_agreement);
    }
    if (gt->has_min_output_sqnr_db) {
        if (!both)
            add_gate(r, "min_output_sqnr_db", QV_GATE_SKIPPED, NAN, gt->min_output_sqnr_db,
                     "needs a float model and an int8 model");
        else
            add_gate(r, "min_output_sqnr_db", r->output_sqnr_db >= gt->min_output_sqnr_db ?
                     QV_GATE_PASS : QV_GATE_FAIL, r->output_sqnr_db, gt->min_output_sqnr_db,
                     "output SQNR %.2f dB (minimum %.2f dB)", r->output_sqnr_db,
                     gt->min_output_sqnr_db);
    }
    if (gt->has_sram_headroom)
        add_gate(r, "sram_headroom", QV_GATE_SKIPPED, NAN, gt->sram_headroom,
                 "memory budgets are not computed by this version of qvet");
}

/* Both models over the golden set in one pass: side 0 float (when any), then int8. */
struct job_run {
    struct qv_collector col[2];
};

static enum qv_status job_deliver(void *user, const struct qv_run_rows *rows,
                                  struct qv_error *err)
{
    struct job_run *j = user;
    for (int k = 0; k < 2; k++) {
        if (!j->col[k].r)
            continue;
        enum qv_status st = qv_collect_rows(&j->col[k], rows, err);
        if (st != QV_OK)
            return st;
    }
    return QV_OK;
}

static enum qv_status load_model(const char *path, struct qv_graph **g, int64_t *macs,
                                 size_t *wbytes, struct qv_error *err)
{
    enum qv_status st = qv_model_load(path, g, err);
    if (st != QV_OK)
        return st;
    *macs = qv_graph_total_macs(*g);
    *wbytes = qv_graph_weight_bytes(*g);
    return QV_OK;
}

static enum qv_status evaluate(struct qv_job_result *r, const struct qv_job_opts *opts,
                               struct qv_error *err)
{
    const struct qv_manifest *m = &r->manifest;
    struct qv_graph *gf = NULL, *gq = NULL;
    struct qv_run_opts ro = QV_RUN_OPTS_INIT;
    struct qv_data_spec spec;
    struct job_run j;
    struct qv_run_stats stats;
    enum qv_status st = QV_OK;
    memset(&j, 0, sizeof(j));
    qv_data_spec_from_manifest(m, false, &spec);
    /* what the command line says about the data overrides the directory */
    const struct qv_data_spec *cl = &opts->run.data;
    if (cl->has_preprocess) {
        spec.has_preprocess = true;
        spec.pre_scale = cl->pre_scale;
        spec.pre_offset = cl->pre_offset;
    }
    if (cl->layout != QV_LAYOUT_AS_IS)
        spec.layout = cl->layout;
    spec.allow_nonfinite = cl->allow_nonfinite;
    qv_analysis_run_apply(&opts->run, &ro);
    if (m->model[0]) {
        if ((st = load_model(m->model, &gf, &r->float_macs, &r->float_weight_bytes, err)))
            goto cleanup;
        ro.sides[ro.n_sides] = (struct qv_run_side){ .graph = gf, .name = m->model,
                                                     .engine = QV_ENGINE_OPTS_INIT };
        ro.sides[ro.n_sides].engine.kind = QV_ENGINE_FLOAT;
        r->f.out_elems = qv_shape_elems(&gf->tensors[gf->outputs[0]].shape);
        j.col[0] = (struct qv_collector){ .r = &r->f, .side = ro.n_sides++ };
        r->has_float = true;
        spec.label_classes = qv_label_classes(gf, m->task);
    }
    if (m->int8_model[0]) {
        if ((st = load_model(m->int8_model, &gq, &r->int8_macs, &r->int8_weight_bytes, err)))
            goto cleanup;
        ro.sides[ro.n_sides] = (struct qv_run_side){ .graph = gq, .name = m->int8_model,
                                                     .engine = QV_ENGINE_OPTS_INIT };
        ro.sides[ro.n_sides].engine.kind = QV_ENGINE_INT8;
        ro.sides[ro.n_sides].engine.rounding = opts->rounding;
        r->q.out_elems = qv_shape_elems(&gq->tensors[gq->outputs[0]].shape);
        j.col[1] = (struct qv_collector){ .r = &r->q, .side = ro.n_sides++ };
        r->has_int8 = true;
        if (!gf)
            spec.label_classes = qv_label_classes(gq, m->task);
    } else {
        snprintf(r->note, sizeof(r->note), "no int8 model in %s: int8 emulation, agreement and "
                 "SQNR were not evaluated (add \"int8_model\" to qvet.json)", m->dir);
    }
    if (gf && gq && r->f.out_elems != r->q.out_elems) {
        st = qv_fail_at(err, QV_E_INPUT, m->int8_model, -1, "the int8 model's output 0 has %lld "
                        "values, the float model's %lld", (long long)r->q.out_elems,
                        (long long)r->f.out_elems);
        goto cleanup;
    }
    ro.deliver = job_deliver;
    ro.user = &j;
    if ((st = qv_run(&spec, &ro, &stats, err)) != QV_OK)
        goto cleanup;
    for (int k = 0; k < 2; k++) {
        if (j.col[k].r) {
            qv_collect_finish(&j.col[k]);
            j.col[k].r->stats = stats;
            r->has_labels = j.col[k].r->has_labels;
        }
    }
cleanup:
    qv_graph_free(gf);
    qv_graph_free(gq);
    return st;
}

enum qv_status qv_job_run(const char *dir, const struct qv_job_opts *opts,
                          struct qv_job_result *ret_result, struct qv_error *err)
{
    struct qv_job_result *r = calloc(1, sizeof(*r));
    struct qv_outset *os = NULL;
    enum qv_status st;
    if (!r)
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    r->passed = true;
    r->rounding = opts->rounding;
    st = qv_manifest_load(dir, &r->manifest, err);
    if (st != QV_OK)
        goto fail;
    if (opts->out_dir)
        snprintf(r->out_dir, sizeof(r->out_dir), "%s", opts->out_dir);
    else
        snprintf(r->out_dir, sizeof(r->out_dir), "%s/qvet-out", dir);
    if ((st = evaluate(r, opts, err)) != QV_OK)
        goto fail;
    if (r->has_float && r->has_int8) {
        int64_t agree = 0;
        for (int64_t i = 0; i < r->f.n; i++)
            agree += r->f.pred[i] == r->q.pred[i];
        r->agreement = (double)agree / (double)r->f.n;
        r->output_sqnr_db = qv_sqnr_db(r->f.outputs, r->q.outputs, r->f.n * r->f.out_elems);
    }
    evaluate_gates(r);
    /* the report set is one unit: a temporary directory renamed into place */
    char parent[QV_PATH_MAX];
    snprintf(parent, sizeof(parent), "%s", r->out_dir);
    char *slash = strrchr(parent, '/');
    const char *tmp = NULL;
    if (slash && slash != parent) {
        *slash = '\0';
        if ((st = qv_mkdir_p(parent, err)) != QV_OK)
            goto fail;
    }
    if ((st = qv_outset_create(&os, err)) != QV_OK ||
        (st = qv_outset_add_dir(os, r->out_dir, "summary.json", &tmp, err)) != QV_OK ||
        (st = qv_report_write_all(r, tmp, err)) != QV_OK ||
        (st = qv_outset_commit(os, err)) != QV_OK)
        goto fail;
    qv_outset_free(os);
    *ret_result = *r;
    free(r);
    return QV_OK;
fail:
    qv_outset_free(os);
    qv_job_result_release(r);
    free(r);
    return st;
}

void qv_job_result_release(struct qv_job_result *r)
{
    if (!r)
        return;
    qv_eval_result_release(&r->f);
    qv_eval_result_release(&r->q);
}
