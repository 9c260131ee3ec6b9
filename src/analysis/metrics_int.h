/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/analysis: pieces of the metrics shared by their implementation files. */
#ifndef QV_ANALYSIS_METRICS_INT_H
#define QV_ANALYSIS_METRICS_INT_H

#include "qvet/metrics.h"

/* One bin of a score histogram. */
struct qv_bin {
    uint64_t key;                    /* first member: sorted as a uint64 */
    int64_t pos, neg;
};

/* Order-preserving key of a score: a < b (as doubles, -0 == +0) <=> key(a) < key(b). */
uint64_t qv_score_key(double score);
/* The bins of h in increasing key order (malloc'd, h->n_bins entries). */
enum qv_status qv_score_hist_sorted(const struct qv_score_hist *h, struct qv_bin **ret,
                                    struct qv_error *err);
/* Adds a bin as read from a file (key already at h->level); no coarsening. */
enum qv_status qv_score_hist_put_bin(struct qv_score_hist *h, uint64_t key, int64_t pos,
                                     int64_t neg, struct qv_error *err);

/* Compares two specs; on a difference writes what differs into why and returns false. */
bool qv_task_spec_equal(const struct qv_task_spec *a, const struct qv_task_spec *b, char *why,
                        size_t size);
/* Checks a spec's fields for consistency (what qv_metrics_create needs). */
enum qv_status qv_task_spec_check(const struct qv_task_spec *s, struct qv_error *err);

#endif
