/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Task metrics (struct qv_metrics): counts, exact sums and bounded lists, so that any grouping
 * and order of the samples, threads and shards give the same state. docs/metrics.md defines
 * every figure.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/metrics_int.h"

#define REG_CMP 3   /* float vs labels, int8 vs labels, int8 vs float */

static void err_sums_init(struct qv_err_sums *e)
{
    memset(e, 0, sizeof(*e));
    qv_xacc_init(&e->abs);
    qv_xacc_init(&e->sq);
}

static void err_sums_merge(struct qv_err_sums *e, const struct qv_err_sums *s)
{
    e->n += s->n;
    qv_xacc_merge(&e->abs, &s->abs);
    qv_xacc_merge(&e->sq, &s->sq);
    if (s->max_abs > e->max_abs)
        e->max_abs = s->max_abs;
}

static void err_sums_add(struct qv_err_sums *e, double err)
{
    double a = fabs(err);
    e->n++;
    qv_xacc_add(&e->abs, a);
    qv_xacc_add(&e->sq, err * err);
    if (a > e->max_abs)
        e->max_abs = a;
}

void qv_metrics_free(struct qv_metrics *m)
{
    if (!m)
        return;
    free(m->output_div);
    free(m->label_count);
    for (int s = 0; s < QV_SIDES; s++) {
        free(m->cls[s].pred);
        free(m->cls[s].pred_labeled);
        free(m->cls[s].true_pos);
        free(m->cls[s].confusion);
        qv_score_hist_release(&m->auc[s]);
    }
    free(m->flips);
    for (int c = 0; c < REG_CMP; c++)
        free(m->reg_out[c]);
    free(m);
}

enum qv_status qv_metrics_create(const struct qv_task_spec *spec, struct qv_metrics **ret,
                                 struct qv_error *err)
{
    enum qv_status st = qv_task_spec_check(spec, err);
    if (st != QV_OK)
        return st;
    struct qv_metrics *m = calloc(1, sizeof(*m));
    if (!m)
        return qv_fail(err, QV_E_NOMEM, "out of memory for the metrics");
    m->spec = *spec;
    bool ok = (m->output_div = calloc((size_t)spec->n_outputs, sizeof(*m->output_div))) != NULL;
    for (int32_t k = 0; ok && k < spec->n_outputs; k++)
        qv_div_init(&m->output_div[k]);
    if (ok && spec->task == QV_TASK_CLASSIFICATION) {
        size_t c = (size_t)spec->n_classes;
        ok = (m->label_count = calloc(c, sizeof(int64_t))) != NULL &&
             (m->flips = calloc((size_t)spec->max_flips + 1, sizeof(*m->flips))) != NULL;
        for (int s = 0; ok && s < QV_SIDES; s++) {
            ok = (m->cls[s].pred = calloc(c, sizeof(int64_t))) != NULL &&
                 (m->cls[s].pred_labeled = calloc(c, sizeof(int64_t))) != NULL &&
                 (m->cls[s].true_pos = calloc(c, sizeof(int64_t))) != NULL;
            if (ok && spec->n_classes <= QV_TASK_MAX_CONFUSION)
                ok = (m->cls[s].confusion = calloc(c * c, sizeof(int64_t))) != NULL;
        }
    }
    if (ok && spec->task == QV_TASK_REGRESSION) {
        int64_t e = spec->out_elems[spec->scored];
        m->n_detail = e < QV_TASK_MAX_DETAIL ? e : QV_TASK_MAX_DETAIL;
        for (int c = 0; ok && c < REG_CMP; c++) {
            ok = (m->reg_out[c] = calloc((size_t)m->n_detail, sizeof(struct qv_err_sums))) != NULL;
            for (int64_t j = 0; ok && j < m->n_detail; j++)
                err_sums_init(&m->reg_out[c][j]);
            err_sums_init(&m->reg_all[c]);
        }
    }
    for (int s = 0; ok && s < QV_SIDES; s++)
        ok = qv_score_hist_init(&m->auc[s], spec->auc_max_bins, err) == QV_OK;
    qv_xacc_init(&m->sx);
    qv_xacc_init(&m->sy);
    qv_xacc_init(&m->sxx);
    qv_xacc_init(&m->syy);
    qv_xacc_init(&m->sxy);
    if (!ok) {
        qv_metrics_free(m);
        return qv_fail(err, QV_E_NOMEM, "out of memory for the metrics");
    }
    *ret = m;
    return QV_OK;
}

/* ---- adding samples ---------------------------------------------------------------------------- */

/* Keeps the max_flips lowest sample indices, ascending. */
static void insert_flip(struct qv_metrics *m, const struct qv_flip *f)
{
    int32_t cap = m->spec.max_flips;
    if (cap == 0 || (m->n_flips == cap && f->sample >= m->flips[cap - 1].sample))
        return;
    int32_t i = m->n_flips < cap ? m->n_flips++ : cap - 1;
    while (i > 0 && m->flips[i - 1].sample > f->sample) {
        m->flips[i] = m->flips[i - 1];
        i--;
    }
    m->flips[i] = *f;
}

/* First maximum of a finite row; -1 when the row holds a NaN or infinity. */
static int32_t argmax(const float *v, int32_t n)
{
    int32_t best = 0;
    for (int32_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            return -1;
        if (v[i] > v[best])
            best = i;
    }
    return best;
}

/* Position of class c in the ranking (ties rank the lower index first). */
static int32_t rank_of(const float *v, int32_t n, int32_t c)
{
    int32_t r = 0;
    for (int32_t i = 0; i < n; i++)
        r += v[i] > v[c] || (v[i] == v[c] && i < c);
    return r;
}

static bool class_label(double l, int32_t n_classes)
{
    return isfinite(l) && l == floor(l) && l >= 0 && l < n_classes;
}

static void add_classification(struct qv_metrics *m, const struct qv_metrics_rows *r, int64_t i)
{
    int32_t C = m->spec.n_classes;
    bool labeled = false;
    int32_t label = -1;
    if (r->labels) {
        double l = r->labels[i];
        labeled = class_label(l, C);
        if (labeled) {
            label = (int32_t)l;
            m->labeled++;
            m->label_count[label]++;
        } else {
            m->bad_labels++;
        }
    }
    struct qv_flip f = { .sample = r->first + i, .label = r->labels ? r->labels[i] : NAN,
                         .pred = { -1, -1 }, .score = { NAN, NAN } };
    for (int s = 0; s < QV_SIDES; s++) {
        if (!m->has[s])
            continue;
        const float *row = r->out[s][m->spec.scored] + i * C;
        struct qv_class_counts *cc = &m->cls[s];
        int32_t p = argmax(row, C);
        f.pred[s] = p;
        if (p >= 0) {
            f.score[s] = row[p];
            cc->pred[p]++;
        }
        if (!labeled)
            continue;
        if (p >= 0) {
            cc->pred_labeled[p]++;
            if (cc->confusion)
                cc->confusion[(int64_t)label * C + p]++;
        }
        if (p == label) {
            cc->top1++;
            cc->true_pos[label]++;
        }
        if (p >= 0 && rank_of(row, C, label) < 5)
            cc->top5++;
    }
    if (m->has[QV_SIDE_FLOAT] && m->has[QV_SIDE_INT8]) {
        if (f.pred[0] >= 0 && f.pred[0] == f.pred[1]) {
            m->agree++;
        } else if (f.pred[0] != f.pred[1]) {
            m->flips_total++;
            insert_flip(m, &f);
        }
    }
}

static void add_regression(struct qv_metrics *m, const struct qv_metrics_rows *r, int64_t i)
{
    int64_t e = m->spec.out_elems[m->spec.scored];
    const double *lab = r->labels ? r->labels + i * m->spec.label_elems : NULL;
    bool labeled = false;
    if (lab) {
        labeled = true;
        for (int64_t j = 0; j < e && labeled; j++)
            labeled = isfinite(lab[j]);
        if (labeled)
            m->labeled++;
        else
            m->bad_labels++;
    }
    const float *row[QV_SIDES] = { NULL, NULL };
    for (int s = 0; s < QV_SIDES; s++)
        if (m->has[s])
            row[s] = r->out[s][m->spec.scored] + i * e;
    /* per comparison: one exact add per element for the detail, per-sample sums in element
     * order for the totals */
    for (int c = 0; c < REG_CMP; c++) {
        const float *a = c == 2 ? row[QV_SIDE_FLOAT] : row[c];
        const float *b = c == 2 ? row[QV_SIDE_INT8] : NULL;
        if (!a || (c == 2 && !b) || (c < 2 && !labeled))
            continue;
        double sabs = 0, ssq = 0, smax = 0;
        int64_t n = 0;
        for (int64_t j = 0; j < e; j++) {
            double ref = c == 2 ? (double)a[j] : lab[j];
            double val = c == 2 ? (double)b[j] : (double)a[j];
            if (!isfinite(val) || !isfinite(ref))
                continue;
            double d = val - ref;
            if (j < m->n_detail)
                err_sums_add(&m->reg_out[c][j], d);
            sabs += fabs(d);
            ssq += d * d;
            smax = fmax(smax, fabs(d));
            n++;
        }
        struct qv_err_sums *t = &m->reg_all[c];
        t->n += n;
        qv_xacc_add(&t->abs, sabs);
        qv_xacc_add(&t->sq, ssq);
        if (smax > t->max_abs)
            t->max_abs = smax;
    }
}

/* The anomaly score of one sample on one side (NAN when not finite). */
static double score_of(const struct qv_metrics *m, const struct qv_metrics_rows *r, int s,
                       int64_t i)
{
    int64_t e = m->spec.out_elems[m->spec.scored];
    const float *row = r->out[s][m->spec.scored] + i * e;
    double v;
    if (m->spec.score == QV_SCORE_OUTPUT) {
        v = row[0];
    } else {
        const float *x = r->input + i * e;
        double sum = 0;
        for (int64_t j = 0; j < e; j++) {
            double d = (double)row[j] - (double)x[j];
            sum += d * d;
        }
        v = sum / (double)e;
    }
    return isfinite(v) ? v : NAN;
}

static enum qv_status add_anomaly(struct qv_metrics *m, const struct qv_metrics_rows *r,
                                  int64_t i, struct qv_error *err)
{
    bool labeled = false, positive = false;
    if (r->labels) {
        double l = r->labels[i];
        labeled = l == 0 || l == 1;
        positive = l == 1;
        if (labeled)
            m->labeled++;
        else
            m->bad_labels++;
    }
    double sc[QV_SIDES] = { NAN, NAN };
    for (int s = 0; s < QV_SIDES; s++) {
        if (!m->has[s])
            continue;
        sc[s] = score_of(m, r, s, i);
        enum qv_status st;
        if (labeled && !isnan(sc[s]) &&
            (st = qv_score_hist_add(&m->auc[s], sc[s], positive, err)) != QV_OK)
            return st;
    }
    if (m->has[0] && m->has[1] && !isnan(sc[0]) && !isnan(sc[1])) {
        m->n_scores++;
        qv_xacc_add(&m->sx, sc[0]);
        qv_xacc_add(&m->sy, sc[1]);
        qv_xacc_add(&m->sxx, sc[0] * sc[0]);
        qv_xacc_add(&m->syy, sc[1] * sc[1]);
        qv_xacc_add(&m->sxy, sc[0] * sc[1]);
    }
    return QV_OK;
}

enum qv_status qv_metrics_add(struct qv_metrics *m, const struct qv_metrics_rows *r,
                              struct qv_error *err)
{
    bool has[QV_SIDES] = { r->out[0] != NULL, r->out[1] != NULL };
    if (r->n < 0 || r->first < 0)
        return qv_fail(err, QV_E_USAGE, "qv_metrics_add: rows [%lld, +%lld)",
                       (long long)r->first, (long long)r->n);
    if (!has[0] && !has[1])
        return qv_fail(err, QV_E_USAGE, "qv_metrics_add: no model's outputs");
    if (m->started && (has[0] != m->has[0] || has[1] != m->has[1] ||
                       (r->labels != NULL) != m->has_labels))
        return qv_fail(err, QV_E_USAGE, "qv_metrics_add: the models or labels delivered changed "
                       "between calls");
    if (m->spec.task == QV_TASK_ANOMALY && m->spec.score == QV_SCORE_RECONSTRUCTION && !r->input)
        return qv_fail(err, QV_E_USAGE, "qv_metrics_add: the reconstruction score needs the "
                       "input rows");
    m->started = true;
    m->has[0] = has[0];
    m->has[1] = has[1];
    m->has_labels = r->labels != NULL;
    /* non-finite outputs per side, and the per-output divergence */
    for (int s = 0; s < QV_SIDES; s++) {
        if (!has[s])
            continue;
        for (int64_t i = 0; i < r->n; i++) {
            int64_t bad = 0;
            for (int32_t k = 0; k < m->spec.n_outputs; k++) {
                const float *row = r->out[s][k] + i * m->spec.out_elems[k];
                for (int64_t j = 0; j < m->spec.out_elems[k]; j++)
                    bad += !isfinite(row[j]);
            }
            m->nonfinite_elems[s] += bad;
            m->nonfinite_samples[s] += bad > 0;
        }
    }
    if (has[0] && has[1])
        for (int32_t k = 0; k < m->spec.n_outputs; k++)
            qv_div_add_rows(&m->output_div[k], r->out[0][k], r->out[1][k], r->n,
                            m->spec.out_elems[k]);
    for (int64_t i = 0; i < r->n; i++) {
        if (m->spec.task == QV_TASK_CLASSIFICATION) {
            add_classification(m, r, i);
        } else if (m->spec.task == QV_TASK_REGRESSION) {
            add_regression(m, r, i);
        } else if (m->spec.task == QV_TASK_ANOMALY) {
            enum qv_status st = add_anomaly(m, r, i, err);
            if (st != QV_OK)
                return st;
        }
    }
    m->n += r->n;
    return QV_OK;
}

/* ---- merging ------------------------------------------------------------------------------------ */

static void add_counts(int64_t *a, const int64_t *b, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        a[i] += b[i];
}

enum qv_status qv_metrics_merge(struct qv_metrics *m, const struct qv_metrics *src,
                                struct qv_error *err)
{
    char why[160];
    if (!qv_task_spec_equal(&m->spec, &src->spec, why, sizeof(why)))
        return qv_fail(err, QV_E_INPUT, "the metrics to merge differ: %s", why);
    if (!src->started)
        return QV_OK;
    if (m->started && (m->has[0] != src->has[0] || m->has[1] != src->has[1] ||
                       m->has_labels != src->has_labels))
        return qv_fail(err, QV_E_INPUT, "the metrics to merge differ: one has %s%s%s, the other "
                       "%s%s%s", m->has[0] ? "float " : "", m->has[1] ? "int8 " : "",
                       m->has_labels ? "labels" : "no labels", src->has[0] ? "float " : "",
                       src->has[1] ? "int8 " : "", src->has_labels ? "labels" : "no labels");
    enum qv_status st;
    for (int s = 0; s < QV_SIDES; s++)
        if ((st = qv_score_hist_merge(&m->auc[s], &src->auc[s], err)) != QV_OK)
            return st;
    m->started = true;
    m->has[0] = src->has[0];
    m->has[1] = src->has[1];
    m->has_labels = src->has_labels;
    m->n += src->n;
    m->labeled += src->labeled;
    m->bad_labels += src->bad_labels;
    for (int s = 0; s < QV_SIDES; s++) {
        m->nonfinite_samples[s] += src->nonfinite_samples[s];
        m->nonfinite_elems[s] += src->nonfinite_elems[s];
    }
    for (int32_t k = 0; k < m->spec.n_outputs; k++)
        qv_div_merge(&m->output_div[k], &src->output_div[k]);
    if (m->spec.task == QV_TASK_CLASSIFICATION) {
        int64_t C = m->spec.n_classes;
        add_counts(m->label_count, src->label_count, C);
        for (int s = 0; s < QV_SIDES; s++) {
            struct qv_class_counts *a = &m->cls[s];
            const struct qv_class_counts *b = &src->cls[s];
            a->top1 += b->top1;
            a->top5 += b->top5;
            add_counts(a->pred, b->pred, C);
            add_counts(a->pred_labeled, b->pred_labeled, C);
            add_counts(a->true_pos, b->true_pos, C);
            if (a->confusion)
                add_counts(a->confusion, b->confusion, C * C);
        }
        m->agree += src->agree;
        m->flips_total += src->flips_total;
        for (int32_t i = 0; i < src->n_flips; i++)
            insert_flip(m, &src->flips[i]);
    }
    if (m->spec.task == QV_TASK_REGRESSION) {
        for (int c = 0; c < REG_CMP; c++) {
            for (int64_t j = 0; j < m->n_detail; j++)
                err_sums_merge(&m->reg_out[c][j], &src->reg_out[c][j]);
            err_sums_merge(&m->reg_all[c], &src->reg_all[c]);
        }
    }
    m->n_scores += src->n_scores;
    qv_xacc_merge(&m->sx, &src->sx);
    qv_xacc_merge(&m->sy, &src->sy);
    qv_xacc_merge(&m->sxx, &src->sxx);
    qv_xacc_merge(&m->syy, &src->syy);
    qv_xacc_merge(&m->sxy, &src->sxy);
    return QV_OK;
}

/* ---- figures ------------------------------------------------------------------------------------ */

static double ratio(int64_t a, int64_t b)
{
    return b > 0 ? (double)a / (double)b : NAN;
}

void qv_metrics_class(const struct qv_metrics *m, enum qv_side side, int32_t c,
                      struct qv_class_figures *ret)
{
    struct qv_class_figures r = { 0, NAN, NAN, NAN };
    if (m->spec.task == QV_TASK_CLASSIFICATION && c >= 0 && c < m->spec.n_classes &&
        (unsigned)side < QV_SIDES && m->has[side]) {
        int64_t tp = m->cls[side].true_pos[c], pred = m->cls[side].pred_labeled[c];
        r.support = m->label_count[c];
        r.precision = ratio(tp, pred);
        r.recall = ratio(tp, r.support);
        r.f1 = ratio(2 * tp, pred + r.support);
    }
    *ret = r;
}

/* a * b - c * d, with each product split exactly (fma) and the four parts summed exactly. */
static double prod_diff(double a, double b, double c, double d)
{
    double p1 = a * b, p2 = c * d;
    double e1 = fma(a, b, -p1), e2 = fma(c, d, -p2);
    struct qv_xacc x;
    qv_xacc_init(&x);
    qv_xacc_add(&x, p1);
    qv_xacc_add(&x, e1);
    qv_xacc_add(&x, -p2);
    qv_xacc_add(&x, -e2);
    return qv_xacc_value(&x);
}

void qv_metrics_regression(const struct qv_metrics *m, int32_t which, int64_t j,
                           struct qv_err_figures *ret)
{
    struct qv_err_figures r = { 0, NAN, NAN, NAN };
    if (m->spec.task == QV_TASK_REGRESSION && which >= 0 && which < REG_CMP && j >= -1 &&
        j < m->n_detail) {
        const struct qv_err_sums *e = j < 0 ? &m->reg_all[which] : &m->reg_out[which][j];
        r.n = e->n;
        if (e->n > 0) {
            r.mae = qv_xacc_value(&e->abs) / (double)e->n;
            r.rmse = sqrt(qv_xacc_value(&e->sq) / (double)e->n);
            r.max_abs = e->max_abs;
        }
    }
    *ret = r;
}

void qv_metrics_summarize(const struct qv_metrics *m, struct qv_metrics_summary *ret)
{
    struct qv_metrics_summary s;
    memset(&s, 0, sizeof(s));
    s.n = m->n;
    s.labeled = m->labeled;
    s.bad_labels = m->bad_labels;
    s.agreement = s.score_corr = NAN;
    for (int i = 0; i < QV_SIDES; i++) {
        s.nonfinite_samples[i] = m->nonfinite_samples[i];
        s.top1[i] = s.top5[i] = s.macro_f1[i] = NAN;
        s.mae[i] = s.rmse[i] = s.max_err[i] = NAN;
        s.auc[i] = s.auc_bound[i] = NAN;
    }
    /* the output divergence over every output together: exact sums merge exactly */
    struct qv_div all;
    qv_div_init(&all);
    for (int32_t k = 0; k < m->spec.n_outputs; k++)
        qv_div_merge(&all, &m->output_div[k]);
    qv_div_figures(&all, &s.output);
    bool both = m->has[0] && m->has[1];
    if (m->spec.task == QV_TASK_CLASSIFICATION) {
        for (int i = 0; i < QV_SIDES; i++) {
            if (!m->has[i])
                continue;
            s.top1[i] = ratio(m->cls[i].top1, m->labeled);
            s.top5[i] = ratio(m->cls[i].top5, m->labeled);
            if (m->labeled > 0) {
                struct qv_xacc f1;
                qv_xacc_init(&f1);
                int64_t k = 0;
                for (int32_t c = 0; c < m->spec.n_classes; c++) {
                    struct qv_class_figures cf;
                    qv_metrics_class(m, (enum qv_side)i, c, &cf);
                    if (!isnan(cf.f1)) {
                        qv_xacc_add(&f1, cf.f1);
                        k++;
                    }
                }
                s.macro_f1[i] = k ? qv_xacc_value(&f1) / (double)k : NAN;
            }
        }
        if (both) {
            s.agreement = ratio(m->agree, m->n);
            s.flips_total = m->flips_total;
        }
    }
    if (m->spec.task == QV_TASK_REGRESSION) {
        for (int i = 0; i < QV_SIDES; i++) {
            struct qv_err_figures e;
            qv_metrics_regression(m, i, -1, &e);
            s.mae[i] = e.mae;
            s.rmse[i] = e.rmse;
            s.max_err[i] = e.max_abs;
        }
    }
    if (m->spec.task == QV_TASK_ANOMALY) {
        for (int i = 0; i < QV_SIDES; i++)
            if (m->has[i])
                qv_score_hist_auc(&m->auc[i], &s.auc[i], &s.auc_bound[i]);
        if (both && m->n_scores > 1) {
            double n = (double)m->n_scores;
            double sx = qv_xacc_value(&m->sx), sy = qv_xacc_value(&m->sy);
            double cov = prod_diff(n, qv_xacc_value(&m->sxy), sx, sy);
            double vx = prod_diff(n, qv_xacc_value(&m->sxx), sx, sx);
            double vy = prod_diff(n, qv_xacc_value(&m->syy), sy, sy);
            if (vx > 0 && vy > 0)
                s.score_corr = fmax(-1.0, fmin(1.0, cov / (sqrt(vx) * sqrt(vy))));
        }
    }
    *ret = s;
}
