/* SPDX-License-Identifier: Apache-2.0 */
/* qv_quantize: plan, optional auto search, build, verify against TFLM's constraints, report. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/quant_int.h"

void qv_quant_result_release(struct qv_quant_result *r)
{
    if (!r)
        return;
    qv_graph_free(r->graph);
    free(r->tensors);
    qv_sensitivity_release(&r->sens);
    qv_dead_channels_free(r->dead, r->n_dead);
    memset(r, 0, sizeof(*r));
}

static void warn(struct qv_quant_result *r, const char *fmt, ...) QV_PRINTF(2, 3);

static void warn(struct qv_quant_result *r, const char *fmt, ...)
{
    if (r->n_warnings >= 8)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->warnings[r->n_warnings++], sizeof(r->warnings[0]), fmt, ap);
    va_end(ap);
}

/* Builds the int8 graph of the plan's current ranges (a throwaway result for the counters). */
static enum qv_status build_current(struct qv_qplan *p, const struct qv_quant_opts *o,
                                    struct qv_graph **ret, struct qv_error *err)
{
    struct qv_quant_result scratch = { 0 };
    enum qv_status st = qv_qplan_solve(p, err);
    if (st == QV_OK)
        st = qv_qplan_build(p, o, &scratch, ret, err);
    return st;
}

/*
 * auto: start from minmax everywhere; then for each tensor whose own range sets parameters, in
 * execution order, try every other observer and keep the one that raises the output SQNR most
 * (the mean over the samples of each sample's output SQNR).
 */
static enum qv_status auto_search(struct qv_qplan *p, struct qv_sqnr_set *set,
                                  const struct qv_quant_opts *o, struct qv_error *err)
{
    const struct qv_graph *g = p->g;
    struct qv_graph *q = NULL;
    double best;
    enum qv_status st = build_current(p, o, &q, err);
    if (st == QV_OK)
        st = qv_sqnr_set_eval(set, q, NULL, &best, err);
    qv_graph_free(q);
    if (st != QV_OK)
        return st;
    int32_t *order = malloc(((size_t)g->n_tensors + 1) * sizeof(int32_t));
    if (!order)
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    int32_t n_order = 0;
    for (int32_t i = 0; i < g->n_inputs; i++)
        order[n_order++] = g->inputs[i];
    for (int32_t oi = 0; oi < g->n_nodes; oi++)
        order[n_order++] = g->nodes[g->order[oi]].outputs[0];
    for (int32_t k = 0; k < n_order && st == QV_OK; k++) {
        int32_t t = order[k];
        if (p->cls[t] != QV_TC_ACT || p->redundant[t] || p->fixed[t])
            continue;
        enum qv_range_method keep = p->method[t];
        float keep_lo = p->lo[t], keep_hi = p->hi[t];
        for (int m = 0; m < QV_RANGE_METHOD_COUNT && st == QV_OK; m++) {
            if (m == (int)keep)
                continue;
            struct qv_error scratch = QV_ERROR_INIT;
            if (qv_qplan_set_method(p, t, (enum qv_range_method)m, &o->range, &scratch) !=
                QV_OK)
                continue;   /* the statistics lack what this observer needs */
            if (p->lo[t] == keep_lo && p->hi[t] == keep_hi) {
                p->method[t] = keep;
                continue;
            }
            double sqnr = -INFINITY;
            st = build_current(p, o, &q, err);
            if (st == QV_OK)
                st = qv_sqnr_set_eval(set, q, NULL, &sqnr, err);
            qv_graph_free(q);
            q = NULL;
            if (st == QV_OK && sqnr > best + 1e-9) {
                best = sqnr;
                keep = p->method[t];
                keep_lo = p->lo[t];
                keep_hi = p->hi[t];
            } else {
                p->method[t] = keep;
                p->lo[t] = keep_lo;
                p->hi[t] = keep_hi;
            }
        }
    }
    free(order);
    return st;
}

/* The int8 engine's prepare enforces TFLM's constraints: run it once on the new graph. */
static enum qv_status verify(const struct qv_graph *q, struct qv_error *err)
{
    struct qv_engine_opts eo = QV_ENGINE_OPTS_INIT;
    struct qv_engine *e = NULL;
    eo.kind = QV_ENGINE_INT8;
    enum qv_status st = qv_engine_create(q, &eo, &e, err);
    qv_engine_free(e);
    if (st != QV_OK)
        qv_error_prefix(err, NULL, "the int8 model fails TFLM's checks");
    return st;
}

static void report_tensors(const struct qv_qplan *p, struct qv_quant_result *r)
{
    int32_t k = 0;
    for (int32_t t = 0; t < p->nt; t++) {
        if (p->cls[t] != QV_TC_ACT)
            continue;
        struct qv_quant_tensor *qt = &r->tensors[k++];
        qt->tensor = t;
        qt->method = p->method[t];
        qt->from = p->from[t];
        qt->lo = p->lo[t];
        qt->hi = p->hi[t];
        qt->scale = p->scale[t];
        qt->zero_point = p->zp[t];
        int32_t si = p->c->stats_of[t];
        if (si >= 0)
            qv_calib_diagnose(&p->c->stats[si], qt->scale, qt->zero_point, &qt->diag);
    }
    r->n_tensors = k;
}

enum qv_status qv_quantize(const struct qv_graph *g, const struct qv_calib *c,
                           const struct qv_quant_opts *opts, struct qv_quant_result *ret_result,
                           struct qv_error *err)
{
    struct qv_quant_result r = { 0 };
    struct qv_qplan p;
    struct qv_sqnr_set *set = NULL, *owned = NULL, *sens_owned = NULL;
    struct qv_quant_opts o = *opts;
    enum qv_status st = QV_OK;
    if (!g->finalized)
        return qv_fail(err, QV_E_INTERNAL, "quantization of a graph that is not finalized");
    if ((unsigned)o.method >= QV_RANGE_METHOD_COUNT || (unsigned)o.io >= QV_QUANT_IO_COUNT)
        return qv_fail(err, QV_E_USAGE, "unknown quantization method or I/O type");
    if (o.auto_method && !o.data && !c->kept)
        return qv_fail(err, QV_E_USAGE, "method auto needs the calibration data to measure "
                       "the output SQNR");
    if (o.auto_method)
        o.method = QV_RANGE_MINMAX;
    if ((st = qv_graph_check_runnable(g, err)) != QV_OK)
        return st;
    if ((st = qv_qplan_init(&p, g, c, &o, err)) != QV_OK) {
        qv_graph_error_locate(g, err);
        return st;
    }
    r.tensors = calloc((size_t)g->n_tensors + 1, sizeof(*r.tensors));
    if (!r.tensors) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory quantizing");
        goto fail;
    }
    for (int32_t t = 0; t < p.nt; t++)
        r.n_tensors += p.cls[t] == QV_TC_ACT;
    if (o.data && g->n_inputs == 1) {
        st = qv_sqnr_set_open(g, o.data, o.data_opts, o.auto_samples, &set, err);
        if (st != QV_OK)
            goto fail;
        owned = set;
    } else {
        set = c->kept;   /* the samples calibration kept: no second float run */
    }
    if (o.auto_method && !set)
        st = qv_fail(err, QV_E_USAGE, "method auto measures the output SQNR of one-input "
                     "models; the model has %d inputs", g->n_inputs);
    if (st == QV_OK && o.auto_method && (st = qv_qplan_solve(&p, err)) == QV_OK)
        st = auto_search(&p, set, &o, err);
    if (st != QV_OK)
        goto fail;
    if ((st = qv_qplan_solve(&p, err)) != QV_OK)
        goto fail;
    report_tensors(&p, &r);
    if ((st = qv_qplan_build(&p, &o, &r, &r.graph, err)) != QV_OK)
        goto fail;
    if ((st = verify(r.graph, err)) != QV_OK)
        goto fail;
    if ((st = qv_dead_channels_find(g, &r.dead, &r.n_dead, err)) != QV_OK)
        goto fail;
    if (set) {
        if ((st = qv_sqnr_set_eval(set, r.graph, &r.output_sqnr_db, &r.mean_sample_sqnr_db,
                                   err)) != QV_OK)
            goto fail;
        r.has_sqnr = true;
    }
    if (o.sensitivity) {
        struct qv_sqnr_set *sset = set;
        if (o.sens_data && g->n_inputs != 1) {
            st = qv_fail(err, QV_E_USAGE, "the sensitivity analysis measures one-input models; "
                         "this one has %d inputs", g->n_inputs);
            goto fail;
        }
        if (o.sens_data) {
            st = qv_sqnr_set_open(g, o.sens_data, o.data_opts,
                                  o.sens_samples > 0 ? o.sens_samples : 512, &sens_owned, err);
            if (st != QV_OK)
                goto fail;
            sset = sens_owned;
        }
        if (!sset) {
            st = qv_fail(err, QV_E_USAGE, "the sensitivity analysis needs data (and measures "
                         "one-input models)");
            goto fail;
        }
        if ((st = qv_sensitivity_run(&p, &o, sset, &r.sens, err)) != QV_OK)
            goto fail;
        r.has_sensitivity = true;
    }
    for (int32_t i = 0; i < c->n_warnings; i++)
        warn(&r, "%s", c->warnings[i]);
    for (int32_t t = 0; t < p.nt; t++)
        if (p.cls[t] == QV_TC_ACT && p.inherit[t] >= 0)
            warn(&r, "tensor '%s' is constant on the calibration set (range narrower than 1e-6): "
                 "it takes the range of '%s' instead of a scale near 7.8e-9",
                 g->tensors[t].name, g->tensors[p.inherit[t]].name);
    for (int32_t i = 0; i < r.n_dead; i++)
        warn(&r, "weights '%s': %d of %d output channels quantize to all zeros",
             g->tensors[r.dead[i].tensor].name, r.dead[i].n_dead, r.dead[i].n_channels);
    qv_sqnr_set_free(owned);
    qv_sqnr_set_free(sens_owned);
    qv_qplan_release(&p);
    *ret_result = r;
    return QV_OK;
fail:
    qv_graph_error_locate(g, err);
    qv_sqnr_set_free(owned);
    qv_sqnr_set_free(sens_owned);
    qv_qplan_release(&p);
    qv_quant_result_release(&r);
    return st;
}

enum qv_status qv_quantize_mixed(const struct qv_graph *g, const struct qv_calib *c,
                                 const struct qv_quant_opts *opts, const bool *node_float,
                                 struct qv_graph **ret_graph, struct qv_error *err)
{
    struct qv_quant_result r = { 0 };
    struct qv_qplan p;
    struct qv_quant_opts o = *opts;
    enum qv_status st;
    if (!g->finalized)
        return qv_fail(err, QV_E_INTERNAL, "quantization of a graph that is not finalized");
    if (o.auto_method || (unsigned)o.method >= QV_RANGE_METHOD_COUNT)
        return qv_fail(err, QV_E_USAGE, "a mixed graph takes one range method (not auto)");
    o.io = QV_QUANT_IO_FLOAT;
    if ((st = qv_graph_check_runnable(g, err)) != QV_OK)
        return st;
    if ((st = qv_qplan_init(&p, g, c, &o, err)) == QV_OK) {
        st = qv_qplan_solve(&p, err);
        if (st == QV_OK)
            st = qv_qplan_build_mixed(&p, &o, node_float, &r, ret_graph, err);
        qv_qplan_release(&p);
    }
    if (st != QV_OK)
        qv_graph_error_locate(g, err);
    return st;
}
