/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.html's accuracy, divergence, confusion and flips sections from the task metrics of
 * include/qvet/metrics.h (the streaming accumulators), so that a run keeps no per-sample arrays.
 */
#ifndef QV_REPORT_FROM_METRICS_H
#define QV_REPORT_FROM_METRICS_H

#include "qvet/metrics.h"
#include "report/report.h"

/* What the filled fields point to: keep it alive until the page is rendered. */
struct qv_report_metrics_store {
    struct qv_report_metric metrics[8], divergence[8];
    struct qv_report_flip *flips;      /* malloc'd */
    int32_t n_notes;
    struct qv_report_note notes[2];    /* what the page should say about the metrics */
    char note_text[2][200];
};

/*
 * Fills rep->task, samples, has_labels, metrics (keys "top1", "top5", "macro_f1", "mae",
 * "rmse", "max_error", "auc", "nonfinite_samples" as the task has them, per model), divergence
 * (int8 against float: "agreement", "flips", "output_sqnr_db", "output_cosine",
 * "score_correlation"), the confusion matrices (borrowed from m, up to QV_REPORT_MAX_CLASSES
 * classes), and the flipped samples and their total. Up to two notes (labels that fit no class,
 * a bounded AUC) go to store->notes: rep->notes points to them when rep has no notes yet,
 * otherwise the caller adds them to its own. m and store must outlive the rendering.
 * QV_REPORT_INT8 holds the int8 figures.
 */
enum qv_status qv_report_fill_metrics(struct qv_report *rep, const struct qv_metrics *m,
                                      struct qv_report_metrics_store *store,
                                      struct qv_error *err);
void qv_report_metrics_store_release(struct qv_report_metrics_store *store);

#endif
