/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The task against the models (qv_task_check): which output the task metrics read and what it
 * must look like, so that e.g. an argmax never runs over the 75 values of a [1, 5, 5, 3] output.
 */
#include <stdio.h>
#include <string.h>

#include "analysis/metrics_int.h"

static const char *model_name(const struct qv_graph *g, bool is_int8)
{
    if (g->path && g->path[0])
        return g->path;
    return is_int8 ? "the int8 model" : "the float model";
}

static enum qv_status fail_model(const struct qv_graph *g, const char *msg, struct qv_error *err)
{
    return qv_fail_at(err, QV_E_INPUT, g->path ? g->path : "", -1, "%s", msg);
}

/* Every dimension but the last is 1 and the last is >= 2. */
static bool class_shaped(const struct qv_shape *s)
{
    if (s->rank < 1 || s->dims[s->rank - 1] < 2)
        return false;
    for (int32_t r = 0; r + 1 < s->rank; r++)
        if (s->dims[r] != 1)
            return false;
    return true;
}

/* Checks one model's outputs for the task; fills the spec's per-output facts. */
static enum qv_status check_model(enum qv_task task, const struct qv_graph *g, bool is_int8,
                                  struct qv_task_spec *s, struct qv_error *err)
{
    char shape[96], what[320], msg[512];
    if (g->n_outputs < 1 || g->n_outputs > QV_TASK_MAX_OUTPUTS) {
        snprintf(msg, sizeof(msg), "%s has %d outputs; the metrics take 1 to %d",
                 model_name(g, is_int8), g->n_outputs, QV_TASK_MAX_OUTPUTS);
        return fail_model(g, msg, err);
    }
    const struct qv_tensor *out = &g->tensors[g->outputs[0]];
    int64_t elems = qv_shape_elems(&out->shape);
    qv_shape_format(&out->shape, shape, sizeof(shape));
    snprintf(what, sizeof(what), "output 0 '%s' of %s has shape %s", out->name,
             model_name(g, is_int8), shape);
    if (task == QV_TASK_CLASSIFICATION && class_shaped(&out->shape) &&
        elems > QV_TASK_MAX_CLASSES) {
        snprintf(msg, sizeof(msg), "task \"classification\" takes at most %d classes; %s",
                 QV_TASK_MAX_CLASSES, what);
        return fail_model(g, msg, err);
    }
    if (task == QV_TASK_CLASSIFICATION && !class_shaped(&out->shape)) {
        snprintf(msg, sizeof(msg), "task \"classification\" needs output 0 of shape "
                 "[1, classes] (every dimension but the last 1, at least 2 classes); %s", what);
        return fail_model(g, msg, err);
    }
    if (task == QV_TASK_ANOMALY) {
        int64_t in_elems = g->n_inputs > 0 ? qv_shape_elems(&g->tensors[g->inputs[0]].shape) : 0;
        if (elems != 1 && elems != in_elems) {
            snprintf(msg, sizeof(msg), "task \"anomaly\" needs output 0 to hold one score per "
                     "sample, or a reconstruction of input 0 (%lld elements); %s (%lld elements)",
                     (long long)in_elems, what, (long long)elems);
            return fail_model(g, msg, err);
        }
        s->score = elems == 1 ? QV_SCORE_OUTPUT : QV_SCORE_RECONSTRUCTION;
        s->in_elems = in_elems;
    }
    s->n_outputs = g->n_outputs;
    for (int32_t k = 0; k < g->n_outputs; k++)
        s->out_elems[k] = qv_shape_elems(&g->tensors[g->outputs[k]].shape);
    return QV_OK;
}

enum qv_status qv_task_check(enum qv_task task, const struct qv_graph *gf,
                             const struct qv_graph *gq, struct qv_task_spec *ret_spec,
                             struct qv_error *err)
{
    if ((unsigned)task >= QV_TASK_COUNT)
        return qv_fail(err, QV_E_USAGE, "unknown task %d", (int)task);
    if (!gf && !gq)
        return qv_fail(err, QV_E_USAGE, "qv_task_check: no model");
    struct qv_task_spec s = { .task = task, .max_flips = QV_TASK_DEFAULT_FLIPS,
                              .auc_max_bins = QV_AUC_DEFAULT_BINS };
    struct qv_task_spec t = s;
    enum qv_status st;
    if (gf && (st = check_model(task, gf, false, &s, err)) != QV_OK)
        return st;
    if (gq && (st = check_model(task, gq, true, gf ? &t : &s, err)) != QV_OK)
        return st;
    if (gf && gq) {
        if (t.n_outputs != s.n_outputs)
            return qv_fail(err, QV_E_INPUT, "%s has %d outputs, %s has %d", model_name(gf, false),
                           s.n_outputs, model_name(gq, true), t.n_outputs);
        for (int32_t k = 0; k < s.n_outputs; k++)
            if (t.out_elems[k] != s.out_elems[k])
                return qv_fail(err, QV_E_INPUT, "output %d '%s' of %s has %lld elements per "
                               "sample, output %d '%s' of %s has %lld", k,
                               gf->tensors[gf->outputs[k]].name, model_name(gf, false),
                               (long long)s.out_elems[k], k, gq->tensors[gq->outputs[k]].name,
                               model_name(gq, true), (long long)t.out_elems[k]);
        if (task == QV_TASK_ANOMALY && t.score != s.score)
            return qv_fail(err, QV_E_INPUT, "the anomaly score differs: %s and %s differ in "
                           "input 0's size", model_name(gf, false), model_name(gq, true));
    }
    s.scored = 0;
    if (task == QV_TASK_CLASSIFICATION)
        s.n_classes = (int32_t)s.out_elems[0];
    s.label_elems = task == QV_TASK_REGRESSION ? s.out_elems[0] : 1;
    if ((st = qv_task_spec_check(&s, err)) != QV_OK)
        return st;
    *ret_spec = s;
    return QV_OK;
}

enum qv_status qv_task_spec_check(const struct qv_task_spec *s, struct qv_error *err)
{
    if ((unsigned)s->task >= QV_TASK_COUNT)
        return qv_fail(err, QV_E_INPUT, "unknown task %d", (int)s->task);
    if (s->n_outputs < 1 || s->n_outputs > QV_TASK_MAX_OUTPUTS)
        return qv_fail(err, QV_E_INPUT, "%d outputs: the metrics take 1 to %d", s->n_outputs,
                       QV_TASK_MAX_OUTPUTS);
    for (int32_t k = 0; k < s->n_outputs; k++)
        if (s->out_elems[k] < 1 || s->out_elems[k] > QV_MAX_ELEMS)
            return qv_fail(err, QV_E_INPUT, "output %d: %lld elements per sample", k,
                           (long long)s->out_elems[k]);
    if (s->scored < 0 || s->scored >= s->n_outputs)
        return qv_fail(err, QV_E_INPUT, "scored output %d does not exist", s->scored);
    int64_t e = s->out_elems[s->scored];
    if (s->max_flips < 0 || s->max_flips > QV_TASK_MAX_FLIPS)
        return qv_fail(err, QV_E_INPUT, "max_flips %d is outside 0..%d", s->max_flips,
                       QV_TASK_MAX_FLIPS);
    if (s->auc_max_bins < 2 || s->auc_max_bins > (1 << 24))
        return qv_fail(err, QV_E_INPUT, "auc_max_bins %d is outside 2..16777216",
                       s->auc_max_bins);
    switch (s->task) {   /* one check per task, in the one place that defines them */
    case QV_TASK_CLASSIFICATION:
        if (s->n_classes < 2 || s->n_classes > QV_TASK_MAX_CLASSES || s->n_classes != e ||
            s->label_elems != 1)
            return qv_fail(err, QV_E_INPUT, "classification: %d classes for an output of %lld "
                           "elements, %lld labels per sample", s->n_classes, (long long)e,
                           (long long)s->label_elems);
        break;
    case QV_TASK_REGRESSION:
        if (s->label_elems != e)
            return qv_fail(err, QV_E_INPUT, "regression: %lld labels per sample for an output "
                           "of %lld elements", (long long)s->label_elems, (long long)e);
        break;
    case QV_TASK_ANOMALY:
        if (s->label_elems != 1 ||
            (s->score == QV_SCORE_OUTPUT && e != 1) ||
            (s->score == QV_SCORE_RECONSTRUCTION && s->in_elems != e) ||
            (s->score != QV_SCORE_OUTPUT && s->score != QV_SCORE_RECONSTRUCTION))
            return qv_fail(err, QV_E_INPUT, "anomaly: score mode %d for an output of %lld "
                           "elements and an input of %lld", (int)s->score, (long long)e,
                           (long long)s->in_elems);
        break;
    default:
        break;
    }
    return QV_OK;
}

bool qv_task_spec_equal(const struct qv_task_spec *a, const struct qv_task_spec *b, char *why,
                        size_t size)
{
#define DIFF(cond, ...)                                                                           \
    do {                                                                                          \
        if (cond) {                                                                               \
            snprintf(why, size, __VA_ARGS__);                                                     \
            return false;                                                                         \
        }                                                                                         \
    } while (0)
    DIFF(a->task != b->task, "task %s vs %s", qv_task_name(a->task), qv_task_name(b->task));
    DIFF(a->n_outputs != b->n_outputs, "%d outputs vs %d", a->n_outputs, b->n_outputs);
    for (int32_t k = 0; k < a->n_outputs; k++)
        DIFF(a->out_elems[k] != b->out_elems[k], "output %d: %lld elements vs %lld", k,
             (long long)a->out_elems[k], (long long)b->out_elems[k]);
    DIFF(a->scored != b->scored, "scored output %d vs %d", a->scored, b->scored);
    DIFF(a->n_classes != b->n_classes, "%d classes vs %d", a->n_classes, b->n_classes);
    DIFF(a->label_elems != b->label_elems, "%lld labels per sample vs %lld",
         (long long)a->label_elems, (long long)b->label_elems);
    DIFF(a->score != b->score || a->in_elems != b->in_elems, "anomaly score modes differ");
    DIFF(a->max_flips != b->max_flips, "max_flips %d vs %d", a->max_flips, b->max_flips);
    DIFF(a->auc_max_bins != b->auc_max_bins, "auc_max_bins %d vs %d", a->auc_max_bins,
         b->auc_max_bins);
#undef DIFF
    return true;
}
