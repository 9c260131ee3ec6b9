/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qvet run's report set (docs/run.md): the analysis' figures (analysis.h) written as one unit,
 * under a lock, into the output directory. The report layer sits above analysis: it asks the
 * analysis for a run's figures and writes them.
 *
 *     struct qv_job_opts o = QV_JOB_OPTS_INIT;
 *     struct qv_job_result r;
 *     qv_job_run("models/kws", &o, &r, err);   // models/kws/qvet-out/{summary.json,...}
 *     printf("%s\n", r.passed ? "pass" : "fail");
 *     qv_job_result_release(&r);
 */
#ifndef QVET_REPORT_H
#define QVET_REPORT_H

#include "qvet/analysis.h"

/*
 * Evaluates a model directory (qv_job_evaluate) and writes its report set (summary.json,
 * summary.md, metrics.csv, layers.csv, predictions.csv, junit.xml, report.html), or with
 * opts->partial a shard's partial result, into the output directory: a temporary directory
 * beside it renamed into place when everything is written, under an exclusive lock
 * (".<out>.qvet-lock" beside it: a second run into the same directory fails at once). A failed
 * gate is not an error (ret->passed); on any error nothing is written.
 */
enum qv_status qv_job_run(const char *dir, const struct qv_job_opts *opts,
                          struct qv_job_result *ret_result, struct qv_error *err);

/*
 * qvet merge: the N shards' partial results (qv_job_parts_merge) written into out as the report
 * set one run would have written, byte for byte (give the run's --baseline again, or NULL).
 */
enum qv_status qv_job_merge(const char *out, int32_t n_parts, const char *const *parts,
                            const char *baseline, struct qv_job_result *ret_result,
                            struct qv_error *err);

#endif
