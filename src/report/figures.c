/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The figures of a qvet run, one table shared by every report (summary.json, summary.md,
 * metrics.csv, report.html): the rows report.html's task sections show (from_metrics.c: task
 * metrics per model, then the int8 model's divergence from the float model), plus the remaining
 * output divergence figures. Keys are stable (docs/run.md) and match baselines.
 */
#include <math.h>
#include <string.h>

#include "report/from_metrics.h"
#include "report/report.h"

static void add(struct qv_report_metric *rows, int32_t *n, const char *key, const char *label,
                const char *unit, bool higher, int32_t digits, double q)
{
    if (*n >= QV_FIG_MAX)
        return;
    rows[(*n)++] = (struct qv_report_metric){ key, label, unit, higher, digits,
                                              { NAN, q, NAN } };
}

void qv_report_figures(const struct qv_job_result *r, struct qv_figures *fig)
{
    memset(fig, 0, sizeof(*fig));
    if (!r->metrics)
        return;
    struct qv_report rep = QV_REPORT_INIT;
    struct qv_report_metrics_store store;
    if (qv_report_fill_metrics(&rep, r->metrics, &store, NULL) != QV_OK) {
        qv_report_metrics_store_release(&store);
        return;
    }
    for (int32_t i = 0; i < rep.n_metrics && i < QV_FIG_MAX; i++)
        fig->metrics[fig->n_metrics++] = rep.metrics[i];
    for (int32_t i = 0; i < rep.n_divergence && i < QV_FIG_MAX; i++)
        fig->divergence[fig->n_divergence++] = rep.divergence[i];
    qv_report_metrics_store_release(&store);
    if (!r->metrics->has[QV_SIDE_FLOAT] || !r->metrics->has[QV_SIDE_INT8])
        return;
    const struct qv_div_figures *o = &r->summary.output;
    add(fig->divergence, &fig->n_divergence, "output_rmse", "output RMSE", NULL, false, 6,
        o->rmse);
    add(fig->divergence, &fig->n_divergence, "output_mae", "output MAE", NULL, false, 6, o->mae);
    add(fig->divergence, &fig->n_divergence, "output_max_abs_error", "output max absolute error",
        NULL, false, 6, o->max_abs);
    add(fig->divergence, &fig->n_divergence, "output_rel_l2", "output relative L2 error", NULL,
        false, 6, o->rel_l2);
}
