/* SPDX-License-Identifier: Apache-2.0 */
/* report.html's task sections from the streaming task metrics (from_metrics.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/from_metrics.h"

static struct qv_report_metric row(const char *key, const char *label, const char *unit,
                                   bool higher, int32_t digits, double f, double q)
{
    return (struct qv_report_metric){ key, label, unit, higher, digits, { f, q, NAN } };
}

static void add_note(struct qv_report_metrics_store *st, enum qv_report_section sec)
{
    st->notes[st->n_notes] = (struct qv_report_note){ sec, st->note_text[st->n_notes] };
    st->n_notes++;
}

enum qv_status qv_report_fill_metrics(struct qv_report *rep, const struct qv_metrics *m,
                                      struct qv_report_metrics_store *st, struct qv_error *err)
{
    struct qv_metrics_summary s;
    qv_metrics_summarize(m, &s);
    memset(st, 0, sizeof(*st));
    enum qv_task task = m->spec.task;
    rep->task = qv_task_name(task);
    rep->samples = s.n;
    rep->has_labels = m->has_labels;
    bool both = m->has[QV_SIDE_FLOAT] && m->has[QV_SIDE_INT8];
    int32_t nm = 0, nd = 0;
    if (task == QV_TASK_CLASSIFICATION && m->has_labels) {
        st->metrics[nm++] = row("top1", "top-1 accuracy", NULL, true, 4, s.top1[0], s.top1[1]);
        if (m->spec.n_classes > 5)
            st->metrics[nm++] = row("top5", "top-5 accuracy", NULL, true, 4, s.top5[0],
                                    s.top5[1]);
        st->metrics[nm++] = row("macro_f1", "macro F1", NULL, true, 4, s.macro_f1[0],
                                s.macro_f1[1]);
    }
    if (task == QV_TASK_REGRESSION && m->has_labels) {
        st->metrics[nm++] = row("mae", "mean absolute error", NULL, false, 4, s.mae[0], s.mae[1]);
        st->metrics[nm++] = row("rmse", "root mean square error", NULL, false, 4, s.rmse[0],
                                s.rmse[1]);
        st->metrics[nm++] = row("max_error", "largest absolute error", NULL, false, 4,
                                s.max_err[0], s.max_err[1]);
    }
    if (task == QV_TASK_ANOMALY && m->has_labels)
        st->metrics[nm++] = row("auc", "ROC AUC", NULL, true, 4, s.auc[0], s.auc[1]);
    st->metrics[nm++] = row("nonfinite_samples", "samples with NaN/Inf outputs", "samples", false,
                            0, m->has[0] ? (double)s.nonfinite_samples[0] : NAN,
                            m->has[1] ? (double)s.nonfinite_samples[1] : NAN);
    if (both) {
        if (task == QV_TASK_CLASSIFICATION) {
            st->divergence[nd++] = row("agreement", "top-1 agreement", NULL, true, 4, NAN,
                                       s.agreement);
            st->divergence[nd++] = row("flips", "flipped samples", NULL, false, 0, NAN,
                                       (double)s.flips_total);
        }
        st->divergence[nd++] = row("output_sqnr_db", "output SQNR", "dB", true, 2, NAN,
                                   s.output.sqnr_db);
        st->divergence[nd++] = row("output_cosine", "output cosine similarity", NULL, true, 6,
                                   NAN, s.output.cosine);
        if (task == QV_TASK_ANOMALY)
            st->divergence[nd++] = row("score_correlation", "score correlation (Pearson)", NULL,
                                       true, 4, NAN, s.score_corr);
    }
    rep->metrics = st->metrics;
    rep->n_metrics = nm;
    rep->divergence = st->divergence;
    rep->n_divergence = nd;
    if (task == QV_TASK_CLASSIFICATION) {
        if (m->spec.n_classes <= QV_REPORT_MAX_CLASSES && m->cls[0].confusion) {
            rep->n_classes = m->spec.n_classes;
            for (int sd = 0; sd < QV_SIDES; sd++)
                rep->confusion[sd == 0 ? QV_REPORT_FLOAT : QV_REPORT_INT8] =
                    m->has[sd] && m->has_labels ? m->cls[sd].confusion : NULL;
        }
        if (both) {
            st->flips = calloc((size_t)m->n_flips + 1, sizeof(*st->flips));
            if (!st->flips)
                return qv_fail(err, QV_E_NOMEM, "out of memory for the flipped samples");
            for (int32_t i = 0; i < m->n_flips; i++) {
                const struct qv_flip *f = &m->flips[i];
                st->flips[i] = (struct qv_report_flip){ f->sample, f->label, f->pred[0],
                                                        f->pred[1], f->score[0], f->score[1] };
            }
            rep->flips = st->flips;
            rep->n_flips = m->n_flips;
            rep->n_flips_total = m->flips_total;
        }
    }
    if (m->bad_labels > 0) {
        snprintf(st->note_text[st->n_notes], sizeof(st->note_text[0]), "%lld samples have a label that "
                 "does not fit the task (%s) and are left out of the label metrics.",
                 (long long)m->bad_labels, rep->task);
        add_note(st, QV_REPORT_SEC_ACCURACY);
    }
    if (task == QV_TASK_ANOMALY && (s.auc_bound[0] > 0 || s.auc_bound[1] > 0)) {
        snprintf(st->note_text[st->n_notes], sizeof(st->note_text[0]), "More distinct scores than the "
                 "AUC histogram holds: the AUC is within %.2g (float) and %.2g (int8) of the "
                 "exact value.", s.auc_bound[0], s.auc_bound[1]);
        add_note(st, QV_REPORT_SEC_ACCURACY);
    }
    if (rep->n_notes == 0 && st->n_notes > 0) {
        rep->notes = st->notes;
        rep->n_notes = st->n_notes;
    }
    return QV_OK;
}

void qv_report_metrics_store_release(struct qv_report_metrics_store *store)
{
    free(store->flips);
    store->flips = NULL;
}
