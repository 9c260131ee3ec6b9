/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sensitivity analysis: for every node of the float graph, the model with only that node in
 * int8 (the rest float) and with only that node in float (the rest int8), both built by the
 * mixed-graph builder from the same plan as the int8 model and run by the int8 engine, which
 * picks each node's kernel by its tensors' dtypes (docs/engine.md). Each is compared with the
 * float model's outputs (output SQNR) and, when the samples have labels, scored with the task
 * metric. The node whose int8 version alone hurts most comes first: the culprit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/quant_int.h"

static const char *const metric_names[QV_SENS_METRIC_COUNT] = {
    [QV_SENS_NONE] = "none",
    [QV_SENS_ACCURACY] = "accuracy",
    [QV_SENS_RMSE] = "rmse",
    [QV_SENS_AUC] = "auc",
};

const char *qv_sens_metric_name(enum qv_sens_metric m)
{
    return (unsigned)m < QV_SENS_METRIC_COUNT ? metric_names[m] : "?";
}

bool qv_sens_metric_from_name(const char *name, enum qv_sens_metric *ret_metric)
{
    for (int i = 0; i < QV_SENS_METRIC_COUNT; i++)
        if (strcmp(name, metric_names[i]) == 0) {
            *ret_metric = (enum qv_sens_metric)i;
            return true;
        }
    return false;
}

void qv_sensitivity_release(struct qv_sensitivity *s)
{
    if (!s)
        return;
    free(s->layers);
    memset(s, 0, sizeof(*s));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : (x > y);
}

/* ROC AUC of scores against 0/1 labels (ties count half); NaN without both classes. */
static double auc(const double *score_label, int64_t n)
{
    /* score_label: [n][2] = (score, label), sorted by score */
    double pos = 0, neg = 0, rank_sum = 0;
    for (int64_t i = 0; i < n;) {
        int64_t j = i;
        while (j < n && score_label[2 * j] == score_label[2 * i])
            j++;
        double mid = 0.5 * (double)(i + j + 1);   /* average 1-based rank of the tie group */
        for (int64_t k = i; k < j; k++) {
            if (score_label[2 * k + 1] > 0.5) {
                pos++;
                rank_sum += mid;
            } else {
                neg++;
            }
        }
        i = j;
    }
    if (pos == 0 || neg == 0)
        return NAN;
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

/* The task metric of outputs y ([n][stride], output 0 first, of out0 elements). */
static double task_metric(enum qv_sens_metric m, const float *y, int64_t n, int64_t stride,
                          int64_t out0, const double *labels)
{
    if (m == QV_SENS_ACCURACY) {
        int64_t correct = 0;
        for (int64_t k = 0; k < n; k++) {
            const float *o = y + k * stride;
            int64_t best = 0;
            for (int64_t j = 1; j < out0; j++)
                if (o[j] > o[best])
                    best = j;
            correct += fabs(labels[k] - (double)best) < 0.5;
        }
        return (double)correct / (double)n;
    }
    if (m == QV_SENS_RMSE) {
        double se = 0;
        for (int64_t k = 0; k < n; k++) {
            double d = (double)y[k * stride] - labels[k];
            se += d * d;
        }
        return sqrt(se / (double)n);
    }
    if (m == QV_SENS_AUC) {
        double *sl = malloc((size_t)(2 * n + 2) * sizeof(double));
        if (!sl)
            return NAN;
        for (int64_t k = 0; k < n; k++) {
            sl[2 * k] = y[k * stride];
            sl[2 * k + 1] = labels[k];
        }
        qsort(sl, (size_t)n, 2 * sizeof(double), cmp_double);
        double a = auc(sl, n);
        free(sl);
        return a;
    }
    return NAN;
}

/* One mixed graph over the set: output SQNR and metric. */
static enum qv_status evaluate(const struct qv_qplan *p, const struct qv_quant_opts *o,
                               struct qv_sqnr_set *set, const bool *node_float, float *out,
                               enum qv_sens_metric metric, double *ret_sqnr, double *ret_metric,
                               struct qv_error *err)
{
    struct qv_quant_result scratch = { 0 };
    struct qv_graph *m = NULL;
    int64_t stride;
    const float *ref = qv_sqnr_set_reference(set, &stride);
    int64_t n = qv_sqnr_set_samples(set);
    enum qv_status st = qv_qplan_build_mixed(p, o, node_float, &scratch, &m, err);
    if (st == QV_OK)
        st = qv_sqnr_set_run(set, m, out, err);
    qv_graph_free(m);
    if (st != QV_OK)
        return st;
    *ret_sqnr = qv_quant_sqnr_db(ref, out, n * stride);
    *ret_metric = metric == QV_SENS_NONE ? NAN
                                         : task_metric(metric, out, n, stride,
                                                       qv_shape_elems(&p->g->tensors[
                                                           p->g->outputs[0]].shape),
                                                       qv_sqnr_set_labels(set));
    return QV_OK;
}

static int cmp_layer(const void *a, const void *b)
{
    const struct qv_sens_layer *x = a, *y = b;
    if (x->sqnr_alone_int8_db != y->sqnr_alone_int8_db)
        return x->sqnr_alone_int8_db < y->sqnr_alone_int8_db ? -1 : 1;
    return x->node - y->node;
}

enum qv_status qv_sensitivity_run(const struct qv_qplan *p, const struct qv_quant_opts *o,
                                  struct qv_sqnr_set *set, struct qv_sensitivity *ret,
                                  struct qv_error *err)
{
    const struct qv_graph *g = p->g;
    struct qv_sensitivity s = { 0 };
    struct qv_quant_opts mo = *o;
    int64_t stride;
    qv_sqnr_set_reference(set, &stride);
    int64_t n = qv_sqnr_set_samples(set);
    mo.io = QV_QUANT_IO_FLOAT;
    s.samples = n;
    s.metric = qv_sqnr_set_labels(set) ? o->sens_metric : QV_SENS_NONE;
    bool *mask = calloc((size_t)g->n_nodes + 1, sizeof(bool));
    float *out = malloc((size_t)(n * stride + 1) * sizeof(float));
    s.layers = calloc((size_t)g->n_nodes + 1, sizeof(*s.layers));
    enum qv_status st = QV_OK;
    if (!mask || !out || !s.layers)
        st = qv_fail(err, QV_E_NOMEM, "out of memory for the sensitivity analysis");
    if (st == QV_OK && s.metric != QV_SENS_NONE) {
        const float *ref = qv_sqnr_set_reference(set, &stride);
        s.metric_float = task_metric(s.metric, ref, n, stride,
                                     qv_shape_elems(&g->tensors[g->outputs[0]].shape),
                                     qv_sqnr_set_labels(set));
    }
    /* the all-int8 model (no node float) */
    if (st == QV_OK)
        st = evaluate(p, &mo, set, mask, out, s.metric, &s.sqnr_int8_db, &s.metric_int8, err);
    for (int32_t oi = 0; oi < g->n_nodes && st == QV_OK; oi++) {
        int32_t ni = g->order[oi];
        if (qv_quant_rules[g->nodes[ni].op].kind == QV_QK_FOLD)
            continue;
        struct qv_sens_layer *l = &s.layers[s.n_layers];
        l->node = ni;
        for (int32_t k = 0; k < g->n_nodes; k++)
            mask[k] = k != ni;                      /* only ni in int8 */
        st = evaluate(p, &mo, set, mask, out, s.metric, &l->sqnr_alone_int8_db,
                      &l->metric_alone_int8, err);
        if (st != QV_OK)
            break;
        for (int32_t k = 0; k < g->n_nodes; k++)
            mask[k] = k == ni;                      /* only ni in float */
        st = evaluate(p, &mo, set, mask, out, s.metric, &l->sqnr_alone_float_db,
                      &l->metric_alone_float, err);
        s.n_layers++;
    }
    free(mask);
    free(out);
    if (st != QV_OK) {
        qv_sensitivity_release(&s);
        return st;
    }
    qsort(s.layers, (size_t)s.n_layers, sizeof(*s.layers), cmp_layer);
    *ret = s;
    return QV_OK;
}
