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

/* value[QV_REPORT_INT8_ALT] of every row from the metrics of qvet's own PTQ beside the given
 * int8 model (its value[QV_REPORT_INT8] there). */
static void add_alt(const struct qv_job_result *r, struct qv_figures *fig)
{
    struct qv_report rep = QV_REPORT_INIT;
    struct qv_report_metrics_store store;
    if (qv_report_fill_metrics(&rep, r->alt_metrics, &store, NULL) == QV_OK) {
        for (int32_t i = 0; i < fig->n_metrics; i++)
            for (int32_t k = 0; k < rep.n_metrics; k++)
                if (strcmp(fig->metrics[i].key, rep.metrics[k].key) == 0)
                    fig->metrics[i].value[QV_REPORT_INT8_ALT] =
                        rep.metrics[k].value[QV_REPORT_INT8];
        for (int32_t i = 0; i < fig->n_divergence; i++)
            for (int32_t k = 0; k < rep.n_divergence; k++)
                if (strcmp(fig->divergence[i].key, rep.divergence[k].key) == 0)
                    fig->divergence[i].value[QV_REPORT_INT8_ALT] =
                        rep.divergence[k].value[QV_REPORT_INT8];
    }
    qv_report_metrics_store_release(&store);
    const struct qv_div_figures *o = &r->alt_summary.output;
    const double out[4] = { o->rmse, o->mae, o->max_abs, o->rel_l2 };
    static const char *const keys[4] = { "output_rmse", "output_mae", "output_max_abs_error",
                                         "output_rel_l2" };
    for (int32_t i = 0; i < fig->n_divergence; i++)
        for (int k = 0; k < 4; k++)
            if (strcmp(fig->divergence[i].key, keys[k]) == 0)
                fig->divergence[i].value[QV_REPORT_INT8_ALT] = out[k];
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
    if (r->alt_metrics)
        add_alt(r, fig);
}
