/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Task metrics to JSON and back, losslessly (docs/metrics.md §6): shards write their partial
 * metrics, `qvet merge` reads and merges them. Same state -> same text; the reader checks every
 * member, length and count and names the member at fault.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/json_util.h"
#include "analysis/metrics_int.h"

#define FORMAT "qvet-metrics"
#define VERSION 1
#define REG_CMP 3

static const char *const score_names[] = { "output", "reconstruction" };

/* ---- writing ---------------------------------------------------------------------------------- */

static bool add_spec(cJSON *o, const struct qv_task_spec *s)
{
    cJSON *j = cJSON_AddObjectToObject(o, "spec");
    if (!j || !qj_add_string(j, "task", qv_task_name(s->task)) ||
        !qj_add_counts(j, "out_elems", s->out_elems, s->n_outputs) ||
        !qj_add_count(j, "scored", s->scored) || !qj_add_count(j, "classes", s->n_classes) ||
        !qj_add_count(j, "label_elems", s->label_elems) ||
        !qj_add_string(j, "score", score_names[s->score == QV_SCORE_RECONSTRUCTION]) ||
        !qj_add_count(j, "in_elems", s->in_elems) || !qj_add_count(j, "max_flips", s->max_flips) ||
        !qj_add_count(j, "auc_max_bins", s->auc_max_bins))
        return false;
    return true;
}

static bool add_sums(cJSON *arr, const struct qv_err_sums *e)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return false;
    cJSON_AddItemToArray(arr, o);
    return qj_add_count(o, "n", e->n) && qj_add_xacc(o, "abs", &e->abs) &&
           qj_add_xacc(o, "sq", &e->sq) && qj_add_double(o, "max_abs", e->max_abs);
}

static bool add_hist(cJSON *arr, const struct qv_score_hist *h)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return false;
    cJSON_AddItemToArray(arr, o);
    struct qv_bin *b;
    if (!qj_add_count(o, "level", h->level) || !qj_add_count(o, "n_pos", h->n_pos) ||
        !qj_add_count(o, "n_neg", h->n_neg) || qv_score_hist_sorted(h, &b, NULL) != QV_OK)
        return false;
    cJSON *bins = cJSON_AddArrayToObject(o, "bins");
    bool ok = bins != NULL;
    for (int32_t i = 0; ok && i < h->n_bins; i++) {
        char key[24];
        snprintf(key, sizeof(key), "%016llx", (unsigned long long)b[i].key);
        cJSON *e = cJSON_CreateArray();
        cJSON *k = cJSON_CreateString(key);
        cJSON *p = cJSON_CreateNumber((double)b[i].pos);
        cJSON *n = cJSON_CreateNumber((double)b[i].neg);
        ok = e && k && p && n;
        if (e)
            cJSON_AddItemToArray(bins, e);
        if (ok) {
            cJSON_AddItemToArray(e, k);
            cJSON_AddItemToArray(e, p);
            cJSON_AddItemToArray(e, n);
        } else {
            cJSON_Delete(k);
            cJSON_Delete(p);
            cJSON_Delete(n);
        }
    }
    free(b);
    return ok;
}

static bool add_classification(cJSON *o, const struct qv_metrics *m)
{
    int64_t C = m->spec.n_classes;
    cJSON *c = cJSON_AddObjectToObject(o, "classification");
    if (!c || !qj_add_counts(c, "label_count", m->label_count, C) ||
        !qj_add_count(c, "agree", m->agree) || !qj_add_count(c, "flips_total", m->flips_total))
        return false;
    cJSON *sides = cJSON_AddArrayToObject(c, "sides");
    for (int s = 0; sides && s < QV_SIDES; s++) {
        const struct qv_class_counts *cc = &m->cls[s];
        cJSON *x = cJSON_CreateObject();
        if (!x)
            return false;
        cJSON_AddItemToArray(sides, x);
        if (!qj_add_count(x, "top1", cc->top1) || !qj_add_count(x, "top5", cc->top5) ||
            !qj_add_counts(x, "pred", cc->pred, C) ||
            !qj_add_counts(x, "pred_labeled", cc->pred_labeled, C) ||
            !qj_add_counts(x, "true_pos", cc->true_pos, C))
            return false;
        /* sparse: [label, prediction, count] for every non-zero cell, row-major */
        cJSON *cm = cJSON_AddArrayToObject(x, "confusion");
        for (int64_t i = 0; cm && cc->confusion && i < C * C; i++) {
            if (!cc->confusion[i])
                continue;
            int64_t cell[3] = { i / C, i % C, cc->confusion[i] };
            cJSON *e = cJSON_CreateArray();
            if (!e)
                return false;
            cJSON_AddItemToArray(cm, e);
            for (int k = 0; k < 3; k++) {
                cJSON *v = cJSON_CreateNumber((double)cell[k]);
                if (!v)
                    return false;
                cJSON_AddItemToArray(e, v);
            }
        }
        if (!cm)
            return false;
    }
    cJSON *fl = cJSON_AddArrayToObject(c, "flips");
    for (int32_t i = 0; fl && i < m->n_flips; i++) {
        const struct qv_flip *f = &m->flips[i];
        cJSON *x = cJSON_CreateObject();
        if (!x)
            return false;
        cJSON_AddItemToArray(fl, x);
        int64_t pred[QV_SIDES] = { f->pred[0] + 1, f->pred[1] + 1 };   /* -1 -> 0 */
        if (!qj_add_count(x, "sample", f->sample) || !qj_add_double(x, "label", f->label) ||
            !qj_add_counts(x, "pred_plus_1", pred, QV_SIDES) ||
            !qj_add_double(x, "score_float", f->score[0]) ||
            !qj_add_double(x, "score_int8", f->score[1]))
            return false;
    }
    return sides && fl;
}

static bool add_regression(cJSON *o, const struct qv_metrics *m)
{
    cJSON *r = cJSON_AddObjectToObject(o, "regression");
    if (!r)
        return false;
    cJSON *all = cJSON_AddArrayToObject(r, "all");
    cJSON *det = cJSON_AddArrayToObject(r, "detail");
    if (!all || !det)
        return false;
    for (int c = 0; c < REG_CMP; c++) {
        if (!add_sums(all, &m->reg_all[c]))
            return false;
        cJSON *d = cJSON_CreateArray();
        if (!d)
            return false;
        cJSON_AddItemToArray(det, d);
        for (int64_t j = 0; j < m->n_detail; j++)
            if (!add_sums(d, &m->reg_out[c][j]))
                return false;
    }
    return true;
}

static bool add_anomaly(cJSON *o, const struct qv_metrics *m)
{
    cJSON *a = cJSON_AddObjectToObject(o, "anomaly");
    cJSON *h = a ? cJSON_AddArrayToObject(a, "auc") : NULL;
    if (!h || !add_hist(h, &m->auc[0]) || !add_hist(h, &m->auc[1]))
        return false;
    return qj_add_count(a, "n_scores", m->n_scores) && qj_add_xacc(a, "sx", &m->sx) &&
           qj_add_xacc(a, "sy", &m->sy) && qj_add_xacc(a, "sxx", &m->sxx) &&
           qj_add_xacc(a, "syy", &m->syy) && qj_add_xacc(a, "sxy", &m->sxy);
}

enum qv_status qv_metrics_to_json(const struct qv_metrics *m, struct cJSON **ret,
                                  struct qv_error *err)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && qj_add_string(o, "format", FORMAT) && qj_add_count(o, "version", VERSION) &&
              add_spec(o, &m->spec) && qj_add_bool(o, "started", m->started);
    cJSON *has = ok ? cJSON_AddArrayToObject(o, "has") : NULL;
    for (int s = 0; has && s < QV_SIDES; s++) {
        cJSON *b = cJSON_CreateBool(m->has[s]);
        ok = ok && b;
        if (b)
            cJSON_AddItemToArray(has, b);
    }
    ok = ok && has && qj_add_bool(o, "has_labels", m->has_labels) && qj_add_count(o, "n", m->n) &&
         qj_add_count(o, "labeled", m->labeled) && qj_add_count(o, "bad_labels", m->bad_labels) &&
         qj_add_counts(o, "nonfinite_samples", m->nonfinite_samples, QV_SIDES) &&
         qj_add_counts(o, "nonfinite_elems", m->nonfinite_elems, QV_SIDES);
    cJSON *div = ok ? cJSON_AddArrayToObject(o, "output_div") : NULL;
    ok = ok && div;
    for (int32_t k = 0; ok && k < m->spec.n_outputs; k++)
        ok = qj_add_div(div, NULL, &m->output_div[k]);
    if (ok && m->spec.task == QV_TASK_CLASSIFICATION)
        ok = add_classification(o, m);
    if (ok && m->spec.task == QV_TASK_REGRESSION)
        ok = add_regression(o, m);
    if (ok && m->spec.task == QV_TASK_ANOMALY)
        ok = add_anomaly(o, m);
    if (!ok) {
        cJSON_Delete(o);
        return qv_fail(err, QV_E_NOMEM, "out of memory writing the metrics as JSON");
    }
    *ret = o;
    return QV_OK;
}

/* ---- reading ---------------------------------------------------------------------------------- */

static enum qv_status read_spec(const struct qj *j, const cJSON *o, struct qv_task_spec *ret)
{
    static const char *const keys[] = { "task", "out_elems", "scored", "classes", "label_elems",
                                        "score", "in_elems", "max_flips", "auc_max_bins", NULL };
    const char *w = "metrics.spec";
    const cJSON *s, *oe;
    const char *task, *score;
    int64_t n_out, v[6];
    struct qv_task_spec sp;
    memset(&sp, 0, sizeof(sp));
    enum qv_status st;
    if ((st = qj_object(j, "metrics", o, "spec", &s)) || (st = qj_only(j, w, s, keys)) ||
        (st = qj_string(j, w, s, "task", &task)) ||
        (st = qj_array(j, w, s, "out_elems", -1, &oe, &n_out)))
        return st;
    int t = 0;
    while (t < QV_TASK_COUNT && strcmp(qv_task_name((enum qv_task)t), task) != 0)
        t++;
    if (t == QV_TASK_COUNT)
        return qj_fail(j, w, "task", "'%s' is not a task", task);
    sp.task = (enum qv_task)t;
    if (n_out < 1 || n_out > QV_TASK_MAX_OUTPUTS)
        return qj_fail(j, w, "out_elems", "expected 1 to %d outputs", QV_TASK_MAX_OUTPUTS);
    sp.n_outputs = (int32_t)n_out;
    if ((st = qj_counts(j, w, s, "out_elems", n_out, QV_MAX_ELEMS, sp.out_elems)) ||
        (st = qj_count(j, w, s, "scored", QV_TASK_MAX_OUTPUTS, &v[0])) ||
        (st = qj_count(j, w, s, "classes", QV_TASK_MAX_CLASSES, &v[1])) ||
        (st = qj_count(j, w, s, "label_elems", QV_MAX_ELEMS, &v[2])) ||
        (st = qj_string(j, w, s, "score", &score)) ||
        (st = qj_count(j, w, s, "in_elems", QV_MAX_ELEMS, &v[3])) ||
        (st = qj_count(j, w, s, "max_flips", QV_TASK_MAX_FLIPS, &v[4])) ||
        (st = qj_count(j, w, s, "auc_max_bins", 1 << 24, &v[5])))
        return st;
    if (strcmp(score, score_names[0]) && strcmp(score, score_names[1]))
        return qj_fail(j, w, "score", "expected \"output\" or \"reconstruction\"");
    sp.scored = (int32_t)v[0];
    sp.n_classes = (int32_t)v[1];
    sp.label_elems = v[2];
    sp.score = strcmp(score, score_names[0]) ? QV_SCORE_RECONSTRUCTION : QV_SCORE_OUTPUT;
    sp.in_elems = v[3];
    sp.max_flips = (int32_t)v[4];
    sp.auc_max_bins = (int32_t)v[5];
    struct qv_error e2 = QV_ERROR_INIT;
    if (qv_task_spec_check(&sp, &e2) != QV_OK)
        return qj_fail(j, w, NULL, "%s", e2.msg);
    *ret = sp;
    return QV_OK;
}

static enum qv_status read_sums(const struct qj *j, const char *w, const cJSON *o,
                                struct qv_err_sums *e)
{
    static const char *const keys[] = { "n", "abs", "sq", "max_abs", NULL };
    enum qv_status st;
    if ((st = qj_only(j, w, o, keys)) || (st = qj_count(j, w, o, "n", -1, &e->n)) ||
        (st = qj_xacc(j, w, o, "abs", &e->abs)) || (st = qj_xacc(j, w, o, "sq", &e->sq)) ||
        (st = qj_double(j, w, o, "max_abs", &e->max_abs)))
        return st;
    if (!(e->max_abs >= 0) || isinf(e->max_abs))
        return qj_fail(j, w, "max_abs", "expected a finite value >= 0");
    return QV_OK;
}

/* An integral JSON number in [min, max] (checked before any conversion). */
static bool num_in(const cJSON *v, int64_t min, int64_t max, int64_t *ret)
{
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= (double)min && v->valuedouble <= (double)max) ||
        v->valuedouble != floor(v->valuedouble))
        return false;
    *ret = (int64_t)v->valuedouble;
    return true;
}

/* Exactly 16 lower-case hex digits. */
static bool hex_key(const char *s, uint64_t *ret)
{
    uint64_t v = 0;
    int n = 0;
    for (; n < 16 && s[n]; n++) {
        char c = s[n];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return false;
        v = v << 4 | (uint64_t)d;
    }
    if (n != 16 || s[16])
        return false;
    *ret = v;
    return true;
}

static enum qv_status read_classification(const struct qj *j, const cJSON *o,
                                          struct qv_metrics *m)
{
    static const char *const keys[] = { "label_count", "agree", "flips_total", "sides", "flips",
                                        NULL };
    static const char *const side_keys[] = { "top1", "top5", "pred", "pred_labeled", "true_pos",
                                             "confusion", NULL };
    static const char *const flip_keys[] = { "sample", "label", "pred_plus_1", "score_float",
                                             "score_int8", NULL };
    const char *w = "metrics.classification";
    char p[256], q[256];
    const cJSON *c, *sides, *fl;
    int64_t C = m->spec.n_classes, nfl;
    enum qv_status st;
    if ((st = qj_object(j, "metrics", o, "classification", &c)) || (st = qj_only(j, w, c, keys)) ||
        (st = qj_counts(j, w, c, "label_count", C, m->labeled, m->label_count)) ||
        (st = qj_count(j, w, c, "agree", m->n, &m->agree)) ||
        (st = qj_count(j, w, c, "flips_total", m->n, &m->flips_total)) ||
        (st = qj_array(j, w, c, "sides", QV_SIDES, &sides, NULL)) ||
        (st = qj_array(j, w, c, "flips", -1, &fl, &nfl)))
        return st;
    int s = 0;
    for (const cJSON *x = sides->child; x; x = x->next, s++) {
        struct qv_class_counts *cc = &m->cls[s];
        qj_path(p, sizeof(p), "metrics.classification.sides", NULL, s);
        const cJSON *cm;
        int64_t ncells;
        if ((st = qj_only(j, p, x, side_keys)) ||
            (st = qj_count(j, p, x, "top1", m->labeled, &cc->top1)) ||
            (st = qj_count(j, p, x, "top5", m->labeled, &cc->top5)) ||
            (st = qj_counts(j, p, x, "pred", C, m->n, cc->pred)) ||
            (st = qj_counts(j, p, x, "pred_labeled", C, m->labeled, cc->pred_labeled)) ||
            (st = qj_counts(j, p, x, "true_pos", C, m->labeled, cc->true_pos)) ||
            (st = qj_array(j, p, x, "confusion", -1, &cm, &ncells)))
            return st;
        if (!cc->confusion && ncells)
            return qj_fail(j, p, "confusion", "expected no cells above %d classes",
                           QV_TASK_MAX_CONFUSION);
        int64_t i = 0, last = -1;
        for (const cJSON *e = cm->child; e; e = e->next, i++) {
            int64_t cell[3];
            char pc[256];
            qj_path(pc, sizeof(pc), p, "confusion", 0);
            qj_path(q, sizeof(q), pc, NULL, i);
            bool ok = cJSON_IsArray(e) && cJSON_GetArraySize(e) == 3 &&
                      num_in(cJSON_GetArrayItem(e, 0), 0, C - 1, &cell[0]) &&
                      num_in(cJSON_GetArrayItem(e, 1), 0, C - 1, &cell[1]) &&
                      num_in(cJSON_GetArrayItem(e, 2), 1, m->labeled, &cell[2]);
            if (!ok)
                return qj_fail(j, q, NULL, "expected [label, prediction, count] with classes "
                               "below %lld and a count of 1..%lld", (long long)C,
                               (long long)m->labeled);
            int64_t at = cell[0] * C + cell[1];
            if (at <= last)
                return qj_fail(j, q, NULL, "cells must be in increasing row-major order");
            last = at;
            cc->confusion[at] = cell[2];
        }
    }
    if (nfl > m->spec.max_flips || nfl > m->flips_total)
        return qj_fail(j, w, "flips", "%lld flips listed, at most %lld allowed", (long long)nfl,
                       (long long)(m->flips_total < m->spec.max_flips ? m->flips_total
                                                                       : m->spec.max_flips));
    if (nfl < m->flips_total && nfl < m->spec.max_flips)
        return qj_fail(j, w, "flips", "%lld flips listed of %lld (the list keeps %d)",
                       (long long)nfl, (long long)m->flips_total, m->spec.max_flips);
    int64_t i = 0;
    for (const cJSON *x = fl->child; x; x = x->next, i++) {
        struct qv_flip *f = &m->flips[i];
        int64_t pred[QV_SIDES];
        qj_path(p, sizeof(p), "metrics.classification.flips", NULL, i);
        if ((st = qj_only(j, p, x, flip_keys)) ||
            (st = qj_count(j, p, x, "sample", -1, &f->sample)) ||
            (st = qj_double(j, p, x, "label", &f->label)) ||
            (st = qj_counts(j, p, x, "pred_plus_1", QV_SIDES, C, pred)) ||
            (st = qj_double(j, p, x, "score_float", &f->score[0])) ||
            (st = qj_double(j, p, x, "score_int8", &f->score[1])))
            return st;
        f->pred[0] = (int32_t)pred[0] - 1;
        f->pred[1] = (int32_t)pred[1] - 1;
        if (f->pred[0] == f->pred[1])
            return qj_fail(j, p, "pred_plus_1", "the two predictions are equal: not a flip");
        if (i > 0 && f->sample <= m->flips[i - 1].sample)
            return qj_fail(j, p, "sample", "flips must be in increasing sample order");
    }
    m->n_flips = (int32_t)nfl;
    return QV_OK;
}

static enum qv_status read_regression(const struct qj *j, const cJSON *o, struct qv_metrics *m)
{
    static const char *const keys[] = { "all", "detail", NULL };
    const char *w = "metrics.regression";
    char p[256];
    const cJSON *r, *all, *det;
    enum qv_status st;
    if ((st = qj_object(j, "metrics", o, "regression", &r)) || (st = qj_only(j, w, r, keys)) ||
        (st = qj_array(j, w, r, "all", REG_CMP, &all, NULL)) ||
        (st = qj_array(j, w, r, "detail", REG_CMP, &det, NULL)))
        return st;
    int c = 0;
    const cJSON *d = det->child;
    for (const cJSON *x = all->child; x; x = x->next, d = d->next, c++) {
        if ((st = read_sums(j, qj_path(p, sizeof(p), "metrics.regression.all", NULL, c), x,
                            &m->reg_all[c])))
            return st;
        qj_path(p, sizeof(p), "metrics.regression.detail", NULL, c);
        if (!cJSON_IsArray(d) || cJSON_GetArraySize(d) != m->n_detail)
            return qj_fail(j, p, NULL, "expected an array of %lld entries",
                           (long long)m->n_detail);
        int64_t k = 0;
        for (const cJSON *y = d->child; y; y = y->next, k++) {
            char q[256];
            if ((st = read_sums(j, qj_path(q, sizeof(q), p, NULL, k), y, &m->reg_out[c][k])))
                return st;
        }
    }
    return QV_OK;
}

static enum qv_status read_hist(const struct qj *j, const char *w, const cJSON *o,
                                struct qv_score_hist *h)
{
    static const char *const keys[] = { "level", "n_pos", "n_neg", "bins", NULL };
    const cJSON *bins;
    int64_t level, n_pos, n_neg, nb;
    enum qv_status st;
    if ((st = qj_only(j, w, o, keys)) || (st = qj_count(j, w, o, "level", 64, &level)) ||
        (st = qj_count(j, w, o, "n_pos", -1, &n_pos)) ||
        (st = qj_count(j, w, o, "n_neg", -1, &n_neg)) ||
        (st = qj_array(j, w, o, "bins", -1, &bins, &nb)))
        return st;
    if (nb > h->max_bins)
        return qj_fail(j, w, "bins", "%lld bins, at most %d", (long long)nb, h->max_bins);
    h->level = (int32_t)level;
    int64_t i = 0, sp = 0, sn = 0;
    uint64_t last = 0;
    for (const cJSON *b = bins->child; b; b = b->next, i++) {
        char p[256], q[256];
        qj_path(p, sizeof(p), w, "bins", 0);
        qj_path(q, sizeof(q), p, NULL, i);
        const cJSON *k = cJSON_GetArrayItem(b, 0), *pp = cJSON_GetArrayItem(b, 1),
                    *nn = cJSON_GetArrayItem(b, 2);
        uint64_t key = 0;
        int64_t pv = 0, nv = 0;
        bool ok = cJSON_IsArray(b) && cJSON_GetArraySize(b) == 3 && cJSON_IsString(k) &&
                  hex_key(k->valuestring, &key) && num_in(pp, 0, QJ_MAX_COUNT, &pv) &&
                  num_in(nn, 0, QJ_MAX_COUNT, &nv) && pv + nv >= 1 &&
                  pv <= QJ_MAX_COUNT - sp && nv <= QJ_MAX_COUNT - sn &&
                  (level == 0 || level >= 64 || key < ((uint64_t)1 << (64 - level))) &&
                  (level < 64 || key == 0);
        if (!ok)
            return qj_fail(j, q, NULL, "expected [\"16 hex digits\", positives, negatives] with "
                           "a key within the level and at least one count");
        if (i > 0 && key <= last)
            return qj_fail(j, q, NULL, "bins must be in increasing key order");
        last = key;
        sp += pv;
        sn += nv;
        if ((st = qv_score_hist_put_bin(h, key, pv, nv, j->err)) != QV_OK)
            return st;
    }
    if (sp != n_pos || sn != n_neg)
        return qj_fail(j, w, "bins", "the bins hold %lld positives and %lld negatives, n_pos "
                       "and n_neg say %lld and %lld", (long long)sp, (long long)sn,
                       (long long)n_pos, (long long)n_neg);
    return QV_OK;
}

static enum qv_status read_anomaly(const struct qj *j, const cJSON *o, struct qv_metrics *m)
{
    static const char *const keys[] = { "auc", "n_scores", "sx", "sy", "sxx", "syy", "sxy",
                                        NULL };
    const char *w = "metrics.anomaly";
    const cJSON *a, *h;
    enum qv_status st;
    if ((st = qj_object(j, "metrics", o, "anomaly", &a)) || (st = qj_only(j, w, a, keys)) ||
        (st = qj_array(j, w, a, "auc", QV_SIDES, &h, NULL)) ||
        (st = read_hist(j, "metrics.anomaly.auc[0]", h->child, &m->auc[0])) ||
        (st = read_hist(j, "metrics.anomaly.auc[1]", h->child->next, &m->auc[1])) ||
        (st = qj_count(j, w, a, "n_scores", m->n, &m->n_scores)) ||
        (st = qj_xacc(j, w, a, "sx", &m->sx)) || (st = qj_xacc(j, w, a, "sy", &m->sy)) ||
        (st = qj_xacc(j, w, a, "sxx", &m->sxx)) || (st = qj_xacc(j, w, a, "syy", &m->syy)) ||
        (st = qj_xacc(j, w, a, "sxy", &m->sxy)))
        return st;
    for (int s = 0; s < QV_SIDES; s++)
        if (m->auc[s].n_pos + m->auc[s].n_neg > m->labeled)
            return qj_fail(j, w, "auc", "more scores than labeled samples");
    return QV_OK;
}

enum qv_status qv_metrics_from_json(const struct cJSON *o, const char *path,
                                    struct qv_metrics **ret, struct qv_error *err)
{
    static const char *const keys[] = { "format", "version", "spec", "started", "has",
                                        "has_labels", "n", "labeled", "bad_labels",
                                        "nonfinite_samples", "nonfinite_elems", "output_div",
                                        "classification", "regression", "anomaly", NULL };
    struct qj j = { path, err };
    const char *w = "metrics";
    const char *fmt;
    int64_t version;
    const cJSON *has, *div;
    struct qv_task_spec spec;
    struct qv_metrics *m = NULL;
    enum qv_status st;
    if ((st = qj_only(&j, w, o, keys)) || (st = qj_string(&j, w, o, "format", &fmt)))
        return st;
    if (strcmp(fmt, FORMAT))
        return qj_fail(&j, w, "format", "expected \"%s\"", FORMAT);
    if ((st = qj_int(&j, w, o, "version", VERSION, VERSION, &version)) ||
        (st = read_spec(&j, o, &spec)) || (st = qv_metrics_create(&spec, &m, err)))
        return st;
    if ((st = qj_bool(&j, w, o, "started", &m->started)) ||
        (st = qj_array(&j, w, o, "has", QV_SIDES, &has, NULL)) ||
        (st = qj_bool(&j, w, o, "has_labels", &m->has_labels)) ||
        (st = qj_count(&j, w, o, "n", -1, &m->n)) ||
        (st = qj_count(&j, w, o, "labeled", m->n, &m->labeled)) ||
        (st = qj_count(&j, w, o, "bad_labels", m->n - m->labeled, &m->bad_labels)) ||
        (st = qj_counts(&j, w, o, "nonfinite_samples", QV_SIDES, m->n, m->nonfinite_samples)) ||
        (st = qj_counts(&j, w, o, "nonfinite_elems", QV_SIDES, -1, m->nonfinite_elems)) ||
        (st = qj_array(&j, w, o, "output_div", spec.n_outputs, &div, NULL)))
        goto fail;
    int s = 0;
    for (const cJSON *b = has->child; b; b = b->next, s++) {
        if (!cJSON_IsBool(b)) {
            st = qj_fail(&j, "metrics.has", NULL, "expected two booleans");
            goto fail;
        }
        m->has[s] = cJSON_IsTrue(b);
    }
    if (m->started != (m->has[0] || m->has[1]) || (!m->started && m->n)) {
        st = qj_fail(&j, w, "has", "inconsistent with started and n");
        goto fail;
    }
    int32_t k = 0;
    for (const cJSON *d = div->child; d; d = d->next, k++) {
        char p[64];
        if ((st = qj_div(&j, qj_path(p, sizeof(p), "metrics.output_div", NULL, k), d, NULL,
                         &m->output_div[k])))
            goto fail;
    }
    const char *section = spec.task == QV_TASK_CLASSIFICATION ? "classification"
                          : spec.task == QV_TASK_REGRESSION   ? "regression"
                          : spec.task == QV_TASK_ANOMALY      ? "anomaly"
                                                              : NULL;
    static const char *const sections[] = { "classification", "regression", "anomaly" };
    for (int i = 0; i < 3; i++) {
        bool present = cJSON_GetObjectItemCaseSensitive(o, sections[i]) != NULL;
        if (present != (section && !strcmp(section, sections[i]))) {
            st = qj_fail(&j, w, sections[i], present ? "not expected for task %s"
                                                     : "missing (task %s)",
                         qv_task_name(spec.task));
            goto fail;
        }
    }
    if ((spec.task == QV_TASK_CLASSIFICATION && (st = read_classification(&j, o, m))) ||
        (spec.task == QV_TASK_REGRESSION && (st = read_regression(&j, o, m))) ||
        (spec.task == QV_TASK_ANOMALY && (st = read_anomaly(&j, o, m))))
        goto fail;
    *ret = m;
    return QV_OK;
fail:
    qv_metrics_free(m);
    return st;
}
