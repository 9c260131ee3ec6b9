/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/analysis: the pieces of qvet run (job.c), its gates and its partial results. */
#ifndef QV_ANALYSIS_JOB_INTERNAL_H
#define QV_ANALYSIS_JOB_INTERNAL_H

#include "qvet/analysis.h"

/* Adds a note (what was not evaluated and why) to the result. */
void qv_job_note(struct qv_job_result *r, const char *fmt, ...) QV_PRINTF(2, 3);

/*
 * The gates of a run: thresholds from the command line, else qvet.json, else the defaults
 * (docs/run.md); each evaluated on r's figures into r->gates, r->passed.
 */
void qv_job_gates(struct qv_job_result *r, const struct qv_job_opts *opts);
/* Evaluates the thresholds already in r->limits / r->origin (a merge of shards). */
void qv_job_eval_gates(struct qv_job_result *r);

/* The int8 model's bytes and its budget on the manifest's targets (after the gates' limits
 * are resolved: the SRAM headroom is one). */
enum qv_status qv_job_budget(struct qv_job_result *r, struct qv_error *err);
/* The thresholds in force: command line, else qvet.json, else the defaults. */
void qv_job_resolve_gates(struct qv_job_result *r, const struct qv_job_opts *opts);

/* --baseline: a previous run's summary.json (errors name the file and key). */
enum qv_status qv_job_baseline_load(const char *path, struct qv_job_baseline **ret,
                                    struct qv_error *err);
void qv_job_baseline_free(struct qv_job_baseline *b);
/* How much the task's headline figure (top1, mae, auc or output_sqnr_db of the int8 model)
 * worsened since the baseline; NAN when the baseline lacks it. */
double qv_job_regression(const struct qv_job_result *r, const char **ret_key, double *ret_old,
                         double *ret_new);

/* The path recorded for an int8 model qvet made (partial results carry its bytes). */
/* Fewer calibration samples than this draw a warning (as qvet quantize's). */
#define QV_JOB_MIN_CALIB 100
#define QV_JOB_PTQ_PATH "model_int8.tflite (qvet PTQ)"

/*
 * qvet's own PTQ of the float model gf (qvet.json's calibration settings): the new int8 graph
 * and r->models[slot] described, a note added. slot QV_SIDE_INT8 (no int8 model given): its
 * bytes in r->int8_tflite, exported; slot QV_JOB_ALT (beside a given int8 model): compared only.
 */
enum qv_status qv_job_ptq(struct qv_job_result *r, const struct qv_job_opts *opts,
                          const struct qv_graph *gf, int slot, struct qv_graph **ret_int8,
                          struct qv_error *err);

/* The path recorded for qvet's PTQ beside a given int8 model (not written anywhere). */
#define QV_JOB_ALT_PATH "(qvet PTQ of the float model)"

/* Pairing and per-layer statistics when the result holds both graphs (none otherwise). */
enum qv_status qv_job_layers_init(struct qv_job_result *r, struct qv_error *err);

#endif
