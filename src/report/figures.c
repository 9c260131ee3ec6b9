/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The figures of a qvet run, one table shared by every report (summary.json, summary.md,
 * metrics.csv, report.html): the task metrics of each model, then the divergence of the int8
 * model from the float model. Keys are stable (docs/run.md) and match baselines.
 */
#include <math.h>
#include <string.h>

#include "report/report.h"

static void add(struct qv_report_metric *rows, int32_t *n, const char *key, const char *label,
                const char *unit, bool higher, int32_t digits, double f, double q)
{
    if (*n >= QV_FIG_MAX)
        return;
    rows[(*n)++] = (struct qv_report_metric){ key, label, unit, higher, digits,
                                              { f, q, NAN } };
}

void qv_report_figures(const struct qv_job_result *r, struct qv_figures *fig)
{
    const struct qv_metrics_summary *s = &r->summary;
    bool has[QV_SIDES] = { r->models[QV_SIDE_FLOAT].present, r->models[QV_SIDE_INT8].present };
    bool both = has[0] && has[1];
    double v[QV_SIDES][8];
    memset(fig, 0, sizeof(*fig));
    for (int sd = 0; sd < QV_SIDES; sd++) {
        bool ok = has[sd];
        v[sd][0] = ok ? s->top1[sd] : NAN;
        v[sd][1] = ok ? s->top5[sd] : NAN;
        v[sd][2] = ok ? s->macro_f1[sd] : NAN;
        v[sd][3] = ok ? s->mae[sd] : NAN;
        v[sd][4] = ok ? s->rmse[sd] : NAN;
        v[sd][5] = ok ? s->max_err[sd] : NAN;
        v[sd][6] = ok ? s->auc[sd] : NAN;
        v[sd][7] = ok ? (double)s->nonfinite_samples[sd] : NAN;
    }
    struct qv_report_metric *m = fig->metrics;
    int32_t *nm = &fig->n_metrics;
    bool labels = r->has_labels && s->labeled > 0;
    switch (r->spec.task) {
    case QV_TASK_CLASSIFICATION:
        if (labels) {
            add(m, nm, "top1", "top-1 accuracy", NULL, true, 4, v[0][0], v[1][0]);
            if (r->spec.n_classes > 5)
                add(m, nm, "top5", "top-5 accuracy", NULL, true, 4, v[0][1], v[1][1]);
            add(m, nm, "macro_f1", "macro F1", NULL, true, 4, v[0][2], v[1][2]);
        }
        break;
    case QV_TASK_REGRESSION:
        if (labels) {
            add(m, nm, "mae", "mean absolute error", NULL, false, 6, v[0][3], v[1][3]);
            add(m, nm, "rmse", "root mean square error", NULL, false, 6, v[0][4], v[1][4]);
            add(m, nm, "max_error", "max absolute error", NULL, false, 6, v[0][5], v[1][5]);
        }
        break;
    case QV_TASK_ANOMALY:
        if (labels)
            add(m, nm, "auc", "ROC AUC", NULL, true, 4, v[0][6], v[1][6]);
        break;
    default:
        break;
    }
    add(m, nm, "nonfinite_samples", "samples with NaN/Inf outputs", "samples", false, 0,
        v[0][7], v[1][7]);
    if (!both)
        return;
    struct qv_report_metric *d = fig->divergence;
    int32_t *nd = &fig->n_divergence;
    if (r->spec.task == QV_TASK_CLASSIFICATION) {
        add(d, nd, "agreement", "top-1 agreement", NULL, true, 4, NAN, s->agreement);
        add(d, nd, "flipped_samples", "samples whose top-1 changes", "samples", false, 0, NAN,
            (double)s->flips_total);
    }
    if (r->spec.task == QV_TASK_ANOMALY)
        add(d, nd, "score_correlation", "score correlation (Pearson)", NULL, true, 4, NAN,
            s->score_corr);
    add(d, nd, "output_sqnr_db", "output SQNR", "dB", true, 2, NAN, s->output.sqnr_db);
    add(d, nd, "output_cosine", "output cosine similarity", NULL, true, 6, NAN,
        s->output.cosine);
    add(d, nd, "output_rmse", "output RMSE", NULL, false, 6, NAN, s->output.rmse);
    add(d, nd, "output_mae", "output MAE", NULL, false, 6, NAN, s->output.mae);
    add(d, nd, "output_max_abs_error", "output max absolute error", NULL, false, 6, NAN,
        s->output.max_abs);
    add(d, nd, "output_rel_l2", "output relative L2 error", NULL, false, 6, NAN,
        s->output.rel_l2);
}
