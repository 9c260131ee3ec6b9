/* SPDX-License-Identifier: Apache-2.0 */
/* qvet run on one model directory: evaluate both engines, gate, report. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qvet/analysis.h"
#include "report/report.h"

static void add_gate(struct qv_run_result *r, const char *name, enum qv_gate_state state,
                     double value, double threshold, const char *fmt, ...) QV_PRINTF(6, 7);

static void add_gate(struct qv_run_result *r, const char *name, enum qv_gate_state state,
                     double value, double threshold, const char *fmt, ...)
{
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

static void evaluate_gates(struct qv_run_result *r)
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

static enum qv_status eval_one(const char *model, enum qv_engine_kind kind,
                               const struct qv_manifest *m, const struct qv_run_opts *o,
                               struct qv_eval_result *res, int64_t *macs, size_t *wbytes,
                               struct qv_error *err)
{
    struct qv_graph *g = NULL;
    struct qv_eval_opts eo = QV_EVAL_OPTS_INIT;
    enum qv_status st = qv_model_load(model, &g, err);
    if (st != QV_OK)
        return st;
    eo.engine.kind = kind;
    eo.engine.rounding = o->rounding;
    eo.batch = o->batch > 0 ? o->batch : 64;
    eo.data.labels_path = m->golden_labels[0] ? m->golden_labels : NULL;
    eo.has_preprocess = m->has_preprocess;
    eo.pre_scale = m->pre_scale;
    eo.pre_offset = m->pre_offset;
    *macs = qv_graph_total_macs(g);
    *wbytes = qv_graph_weight_bytes(g);
    st = qv_eval_run(g, m->golden_inputs, &eo, res, err);
    qv_graph_free(g);
    return st;
}

enum qv_status qv_run_dir(const char *dir, const struct qv_run_opts *opts,
                          struct qv_run_result *ret_result, struct qv_error *err)
{
    struct qv_run_result *r = calloc(1, sizeof(*r));
    enum qv_status st;
    if (!r)
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    r->passed = true;
    r->rounding = opts->rounding;
    st = qv_manifest_load(dir, &r->manifest, err);
    if (st != QV_OK)
        goto fail;
    const struct qv_manifest *m = &r->manifest;
    if (opts->out_dir)
        snprintf(r->out_dir, sizeof(r->out_dir), "%s", opts->out_dir);
    else
        snprintf(r->out_dir, sizeof(r->out_dir), "%s/qvet-out", dir);
    if (m->model[0]) {
        st = eval_one(m->model, QV_ENGINE_FLOAT, m, opts, &r->f, &r->float_macs,
                      &r->float_weight_bytes, err);
        if (st != QV_OK)
            goto fail;
        r->has_float = true;
        r->has_labels = r->f.has_labels;
    }
    if (m->int8_model[0]) {
        st = eval_one(m->int8_model, QV_ENGINE_INT8, m, opts, &r->q, &r->int8_macs,
                      &r->int8_weight_bytes, err);
        if (st != QV_OK)
            goto fail;
        r->has_int8 = true;
        r->has_labels = r->q.has_labels;
    } else {
        snprintf(r->note, sizeof(r->note), "no int8 model in %s: int8 emulation, agreement and "
                 "SQNR were not evaluated (add \"int8_model\" to qvet.json)", dir);
    }
    if (r->has_float && r->has_int8) {
        if (r->f.n != r->q.n || r->f.out_elems != r->q.out_elems) {
            st = qv_fail_at(err, QV_E_INPUT, m->int8_model, -1, "the int8 model gives %lld "
                            "outputs of %lld values, the float model %lld of %lld",
                            (long long)r->q.n, (long long)r->q.out_elems, (long long)r->f.n,
                            (long long)r->f.out_elems);
            goto fail;
        }
        int64_t agree = 0;
        for (int64_t i = 0; i < r->f.n; i++)
            agree += r->f.pred[i] == r->q.pred[i];
        r->agreement = (double)agree / (double)r->f.n;
        r->output_sqnr_db = qv_sqnr_db(r->f.outputs, r->q.outputs, r->f.n * r->f.out_elems);
    }
    evaluate_gates(r);
    st = qv_report_write_all(r, err);
    if (st != QV_OK)
        goto fail;
    *ret_result = *r;
    free(r);
    return QV_OK;
fail:
    qv_run_result_release(r);
    free(r);
    return st;
}

void qv_run_result_release(struct qv_run_result *r)
{
    if (!r)
        return;
    qv_eval_result_release(&r->f);
    qv_eval_result_release(&r->q);
}
