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

/* The report set's destination: a lock beside it and a temporary directory for its files. */
struct qv_job_out {
    int lock;
    struct qv_outset *os;
    const char *tmp;                 /* fill this directory; qv_outset_commit renames it */
};

/*
 * Creates out's parent, takes the lock (another run writing out: an error saying so) and the
 * temporary directory. marker: the file that shows an existing out was written by qvet.
 */
enum qv_status qv_job_open_out(const char *out, const char *marker, struct qv_job_out *o,
                               struct qv_error *err);
void qv_job_close_out(struct qv_job_out *o);

/* partial.json of a shard into dir (predictions.part.csv is already there). */
enum qv_status qv_job_write_partial(const struct qv_job_result *r,
                                    const struct qv_job_opts *opts, const char *dir,
                                    struct qv_error *err);

#endif
