/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The gates of qvet run. Thresholds: the command line's, else qvet.json's; when neither sets any
 * gate, the defaults (so that a passing run means something); max_nonfinite_outputs is 0 unless
 * set. Each gate needs certain figures; without them it is skipped and says why.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "analysis/job_internal.h"

/* Documented in docs/run.md ("Default gates"). */
#define DEFAULT_MAX_ACCURACY_DROP 0.02
#define DEFAULT_MIN_AGREEMENT 0.95
#define DEFAULT_MIN_OUTPUT_SQNR_DB 15.0

void qv_job_default_gates(enum qv_task task, struct qv_gates *g)
{
    memset(g, 0, sizeof(*g));
    if (task == QV_TASK_CLASSIFICATION) {
        g->has[QV_GATE_MAX_ACCURACY_DROP] = true;
        g->value[QV_GATE_MAX_ACCURACY_DROP] = DEFAULT_MAX_ACCURACY_DROP;
        g->has[QV_GATE_MIN_AGREEMENT] = true;
        g->value[QV_GATE_MIN_AGREEMENT] = DEFAULT_MIN_AGREEMENT;
    }
    g->has[QV_GATE_MIN_OUTPUT_SQNR_DB] = true;
    g->value[QV_GATE_MIN_OUTPUT_SQNR_DB] = DEFAULT_MIN_OUTPUT_SQNR_DB;
    g->has[QV_GATE_MAX_NONFINITE_OUTPUTS] = true;
    g->value[QV_GATE_MAX_NONFINITE_OUTPUTS] = 0;
}

/* Why a target does not fit, with the figures: "SRAM 132354 of 26214 bytes; flash ...". */
static const char *misfit(const struct qv_job_target *x, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!x->ops_ok)
        snprintf(buf + strlen(buf), size - strlen(buf), "ops TFLM cannot run there%s%s",
                 x->unsupported[0] ? ": " : "", x->unsupported);
    if (!x->sram_ok)
        snprintf(buf + strlen(buf), size - strlen(buf), "%sSRAM %lld of %lld bytes",
                 buf[0] ? "; " : "", (long long)x->sram, (long long)x->sram_budget);
    if (!x->flash_ok)
        snprintf(buf + strlen(buf), size - strlen(buf), "%sflash %lld of %lld bytes",
                 buf[0] ? "; " : "", (long long)x->flash, (long long)x->flash_budget);
    return buf;
}

static void add_gate(struct qv_job_result *r, int id, const char *name, enum qv_gate_state state,
                     double value, const char *fmt, ...) QV_PRINTF(6, 7);

static void add_gate(struct qv_job_result *r, int id, const char *name, enum qv_gate_state state,
                     double value, const char *fmt, ...)
{
    if (r->n_gates == QV_MAX_GATES) {
        /* a bug, not an input: never drop a failing gate silently */
        r->passed = false;
        qv_job_note(r, "more than %d gates: '%s' was not recorded", QV_MAX_GATES, name);
        return;
    }
    struct qv_gate_result *g = &r->gates[r->n_gates++];
    va_list ap;
    snprintf(g->name, sizeof(g->name), "%s", name);
    g->state = state;
    g->origin = id >= 0 ? r->origin[id] : QV_GATE_FROM_MANIFEST;
    g->value = value;
    g->threshold = id >= 0 ? r->limits.value[id] : NAN;
    va_start(ap, fmt);
    vsnprintf(g->detail, sizeof(g->detail), fmt, ap);
    va_end(ap);
    if (state == QV_GATE_FAIL)
        r->passed = false;
}

void qv_job_gates(struct qv_job_result *r, const struct qv_job_opts *opts)
{
    qv_job_resolve_gates(r, opts);
    qv_job_eval_gates(r);
}

void qv_job_resolve_gates(struct qv_job_result *r, const struct qv_job_opts *opts)
{
    const struct qv_gates *man = &r->manifest.gates, *cli = &opts->gates;
    bool any = man->present;
    for (int i = 0; i < QV_GATE_ID_COUNT; i++)
        any = any || cli->has[i];
    struct qv_gates def;
    qv_job_default_gates(r->manifest.task, &def);
    memset(&r->limits, 0, sizeof(r->limits));
    r->default_gates = !any;
    for (int i = 0; i < QV_GATE_ID_COUNT; i++) {
        if (cli->has[i]) {
            r->limits.has[i] = true;
            r->limits.value[i] = cli->value[i];
            r->origin[i] = QV_GATE_FROM_CLI;
        } else if (man->has[i]) {
            r->limits.has[i] = true;
            r->limits.value[i] = man->value[i];
            r->origin[i] = QV_GATE_FROM_MANIFEST;
        } else if (def.has[i] && (!any || i == QV_GATE_MAX_NONFINITE_OUTPUTS)) {
            r->limits.has[i] = true;
            r->limits.value[i] = def.value[i];
            r->origin[i] = QV_GATE_FROM_DEFAULT;
        }
    }
}

static const char *fmt_db(double v, char *buf, size_t size)
{
    if (isinf(v))
        snprintf(buf, size, "%sinf dB", v < 0 ? "-" : "");
    else if (isnan(v))
        snprintf(buf, size, "undefined");
    else
        snprintf(buf, size, "%.2f dB", v);
    return buf;
}

/* Name of layer i of the int8 model ("tensor (OP)"). */
static void layer_name(const struct qv_job_result *r, int32_t i, char *buf, size_t size)
{
    const struct qv_layer_pair *lp = &r->pairing->pairs[i];
    const struct qv_graph *gq = r->pairing->gq;
    snprintf(buf, size, "'%s' (%s)", gq->tensors[lp->tensor_q].name,
             lp->node_q >= 0 ? qv_op_name(gq->nodes[lp->node_q].op) : "input");
}

/* Every paired quantized layer's propagated SQNR against the threshold; names the worst layer
 * and, when one breaks it, where the error is born. */
static void layer_gate(struct qv_job_result *r, int id, const char *name, double t)
{
    if (!r->layers) {
        add_gate(r, id, name, QV_GATE_SKIPPED, NAN, "needs a float and an int8 model");
        return;
    }
    int32_t worst = -1;
    double worst_db = INFINITY;
    for (int32_t i = 0; i < r->pairing->n_pairs; i++) {
        const struct qv_layer_pair *lp = &r->pairing->pairs[i];
        if (lp->how == QV_PAIR_NONE || !lp->quantized)
            continue;
        struct qv_layer_figures f;
        qv_layer_stats_figures(r->layers, i, &f);
        if (worst < 0 || f.prop.sqnr_db < worst_db || isnan(f.prop.sqnr_db)) {
            worst = i;
            worst_db = f.prop.sqnr_db;
            if (isnan(worst_db))
                break;
        }
    }
    if (worst < 0) {
        add_gate(r, id, name, QV_GATE_SKIPPED, NAN, "no quantized layer is paired with the "
                 "float model");
        return;
    }
    char wn[160], cn[160], db[32];
    layer_name(r, worst, wn, sizeof(wn));
    bool pass = worst_db >= t;
    if (pass || r->culprit < 0) {
        add_gate(r, id, name, pass ? QV_GATE_PASS : QV_GATE_FAIL, worst_db, "lowest layer SQNR "
                 "%s at %s (minimum %.2f dB)", fmt_db(worst_db, db, sizeof(db)), wn, t);
        return;
    }
    struct qv_layer_figures f;
    qv_layer_stats_figures(r->layers, r->culprit, &f);
    layer_name(r, r->culprit, cn, sizeof(cn));
    add_gate(r, id, name, QV_GATE_FAIL, worst_db, "lowest layer SQNR %.2f dB at %s (minimum "
             "%.2f dB); the error is born at %s, local SQNR %.2f dB", worst_db, wn, t, cn,
             f.local.sqnr_db);
}

/* Arena, flash and SRAM headroom over every target of the budget. */
static void budget_gate(struct qv_job_result *r, int id, const char *name, double t)
{
    if (r->n_targets == 0) {
        add_gate(r, id, name, QV_GATE_SKIPPED, NAN, "needs an int8 model and \"targets\" in "
                 "qvet.json");
        return;
    }
    int32_t worst = 0;
    for (int32_t i = 1; i < r->n_targets; i++) {
        const struct qv_job_target *a = &r->targets[i], *b = &r->targets[worst];
        bool worse = id == QV_GATE_MAX_ARENA ? a->arena > b->arena
                     : (id == QV_GATE_MAX_FLASH ? a->flash > b->flash
                                                : (!a->sram_ok && b->sram_ok));
        if (worse)
            worst = i;
    }
    const struct qv_job_target *w = &r->targets[worst];
    if (id == QV_GATE_MAX_ARENA)
        add_gate(r, id, name, (double)w->arena <= t ? QV_GATE_PASS : QV_GATE_FAIL,
                 (double)w->arena, "TFLM arena %lld bytes on %s (limit %.0f)",
                 (long long)w->arena, w->name, t);
    else if (id == QV_GATE_MAX_FLASH)
        add_gate(r, id, name, (double)w->flash <= t ? QV_GATE_PASS : QV_GATE_FAIL,
                 (double)w->flash, "flash %lld bytes on %s (limit %.0f)", (long long)w->flash,
                 w->name, t);
    else
        add_gate(r, id, name, w->sram_ok ? QV_GATE_PASS : QV_GATE_FAIL, (double)w->sram,
                 "SRAM %lld bytes on %s, %lld available with %.0f%% kept free", (long long)w->sram,
                 w->name, (long long)w->sram_budget, 100.0 * t);
}

void qv_job_eval_gates(struct qv_job_result *r)
{
    /* the layer threshold (culprit): the layer gate's, else the output gate's, else 20 dB */
    r->layer_threshold_db = r->limits.has[QV_GATE_MIN_LAYER_SQNR_DB]
                                ? r->limits.value[QV_GATE_MIN_LAYER_SQNR_DB]
                                : (r->limits.has[QV_GATE_MIN_OUTPUT_SQNR_DB]
                                       ? r->limits.value[QV_GATE_MIN_OUTPUT_SQNR_DB] : 20.0);
    r->culprit = r->layers ? qv_layer_culprit(r->layers, r->layer_threshold_db) : -1;
    const struct qv_metrics_summary *s = &r->summary;
    const struct qv_gates *g = &r->limits;
    bool both = r->models[QV_SIDE_FLOAT].present && r->models[QV_SIDE_INT8].present;
    bool classify = r->spec.task == QV_TASK_CLASSIFICATION;
    char a[64];
    r->n_gates = 0;
    r->passed = true;
    for (int id = 0; id < QV_GATE_ID_COUNT; id++) {
        if (!g->has[id])
            continue;
        const char *name = qv_gate_defs[id].key;
        double t = g->value[id];
        bool dflt = r->origin[id] == QV_GATE_FROM_DEFAULT;
        switch (id) {
        case QV_GATE_MAX_ACCURACY_DROP: {
            if (!classify || !both || !r->has_labels || s->labeled == 0) {
                if (!dflt)
                    add_gate(r, id, name, QV_GATE_SKIPPED, NAN, "needs a classification task, "
                             "a float and an int8 model, and labels");
                break;
            }
            double drop = s->top1[QV_SIDE_FLOAT] - s->top1[QV_SIDE_INT8];
            add_gate(r, id, name, drop <= t + 1e-12 ? QV_GATE_PASS : QV_GATE_FAIL, drop,
                     "top-1 accuracy float %.4f, int8 %.4f: drop %.4f (limit %.4f)",
                     s->top1[QV_SIDE_FLOAT], s->top1[QV_SIDE_INT8], drop, t);
            break;
        }
        case QV_GATE_MIN_AGREEMENT:
            if (!classify || !both) {
                if (!dflt)
                    add_gate(r, id, name, QV_GATE_SKIPPED, NAN, "needs a classification task "
                             "and a float and an int8 model");
                break;
            }
            add_gate(r, id, name, s->agreement + 1e-12 >= t ? QV_GATE_PASS : QV_GATE_FAIL,
                     s->agreement, "top-1 agreement float vs int8 %.4f (minimum %.4f)",
                     s->agreement, t);
            break;
        case QV_GATE_MIN_OUTPUT_SQNR_DB:
            if (!both) {
                if (!dflt)
                    add_gate(r, id, name, QV_GATE_SKIPPED, NAN, "needs a float and an int8 "
                             "model");
                break;
            }
            add_gate(r, id, name, s->output.sqnr_db >= t ? QV_GATE_PASS : QV_GATE_FAIL,
                     s->output.sqnr_db, "output SQNR %s (minimum %.2f dB)",
                     fmt_db(s->output.sqnr_db, a, sizeof(a)), t);
            break;
        case QV_GATE_MAX_NONFINITE_OUTPUTS: {
            int64_t worst = s->nonfinite_samples[0] > s->nonfinite_samples[1]
                                ? s->nonfinite_samples[0] : s->nonfinite_samples[1];
            add_gate(r, id, name, (double)worst <= t ? QV_GATE_PASS : QV_GATE_FAIL,
                     (double)worst, "samples with NaN/Inf outputs: float %lld, int8 %lld "
                     "(limit %.0f)", (long long)s->nonfinite_samples[0],
                     (long long)s->nonfinite_samples[1], t);
            break;
        }
        case QV_GATE_MIN_LAYER_SQNR_DB:
            layer_gate(r, id, name, t);
            break;
        case QV_GATE_MAX_ARENA:
        case QV_GATE_MAX_FLASH:
        case QV_GATE_SRAM_HEADROOM:
            budget_gate(r, id, name, t);
            break;
        case QV_GATE_MAX_REGRESSION: {
            if (!r->baseline) {
                add_gate(r, id, name, QV_GATE_SKIPPED, NAN, "needs a baseline (--baseline "
                         "OLD/summary.json)");
                break;
            }
            const char *key;
            double old, now, worse = qv_job_regression(r, &key, &old, &now);
            if (isnan(worse)) {
                add_gate(r, id, name, QV_GATE_SKIPPED, NAN, "the baseline has no %s to compare",
                         key);
                break;
            }
            add_gate(r, id, name, worse <= t + 1e-12 ? QV_GATE_PASS : QV_GATE_FAIL, worse,
                     "%s %.6g, baseline %.6g: %s by %.6g (limit %.6g)", key, now, old,
                     worse > 0 ? "worse" : "better", fabs(worse), t);
            break;
        }
        default:
            break;
        }
    }
    /* each target of qvet.json (or of --target): does the int8 model fit? */
    for (int32_t i = 0; i < r->n_targets; i++) {
        const struct qv_job_target *x = &r->targets[i];
        char gname[64], why[512];
        snprintf(gname, sizeof(gname), "fits:%s", x->name);
        if (x->fits)
            add_gate(r, -1, gname, QV_GATE_PASS, (double)x->sram, "arena %lld, SRAM %lld of %lld, "
                     "flash %lld of %lld bytes", (long long)x->arena, (long long)x->sram,
                     (long long)x->sram_budget, (long long)x->flash, (long long)x->flash_budget);
        else
            add_gate(r, -1, gname, QV_GATE_FAIL, (double)x->sram, "does not fit: %s",
                     misfit(x, why, sizeof(why)));
    }
    for (int32_t i = r->n_gates - r->n_targets; r->targets_from_cli && i < r->n_gates; i++)
        r->gates[i].origin = QV_GATE_FROM_CLI;
}
