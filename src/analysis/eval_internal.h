/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/analysis: collecting per-sample results of one side of a run. */
#ifndef QV_ANALYSIS_EVAL_INTERNAL_H
#define QV_ANALYSIS_EVAL_INTERNAL_H

#include "qvet/analysis.h"

struct qv_collector {
    struct qv_eval_result *r;        /* out_elems set by the caller */
    int32_t side;                    /* which side's output 0 */
    int64_t cap;
    struct qv_npy_writer *outputs;   /* raw output 0 of every sample, or NULL */
};

/* Appends a delivered chunk (argmax, score, label, correct, raw outputs). */
enum qv_status qv_collect_rows(struct qv_collector *c, const struct qv_run_rows *rows,
                               struct qv_error *err);
/* Accuracy once every chunk is in. */
void qv_collect_finish(struct qv_collector *c);

/* Batch, threads, limits and callbacks of an analysis run into runner options. */
void qv_analysis_run_apply(const struct qv_analysis_run *a, struct qv_run_opts *o);

/* Labels of a classification task must be below this (0: no check). */
int64_t qv_label_classes(const struct qv_graph *g, enum qv_task task);

#endif
