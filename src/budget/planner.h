/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Arena offset planners (private to budget/; the engine may use them for its own arena).
 *
 * Buffers are given in the order TFLM adds them to its planner (tensors by index, then scratch
 * buffers by request), each with a size already rounded up to the arena alignment and a closed
 * lifetime [first, last] in the step numbering of qvet/lifetime.h. Two buffers may overlap in
 * memory only when their lifetimes are disjoint.
 */
#ifndef QV_BUDGET_PLANNER_H
#define QV_BUDGET_PLANNER_H

#include <stdbool.h>
#include <stdint.h>

#include "qvet/error.h"

struct qv_plan_buf {
    int64_t size;
    int32_t first, last;
};

/*
 * TFLM's GreedyMemoryPlanner, reproduced: buffers taken largest first (equal sizes: the one
 * added later first), each placed at the lowest offset of the first gap, scanning the placed
 * buffers that are alive at the same time in offset order, that holds it. Writes offsets[n] and
 * the peak (largest offset + size; 0 without buffers).
 */
enum qv_status qv_plan_tflm_greedy(const struct qv_plan_buf *b, int32_t n, int64_t *offsets,
                                   int64_t *ret_peak, struct qv_error *err);

/*
 * The largest sum of sizes alive at one step: no plan can be smaller.
 */
int64_t qv_plan_lower_bound(const struct qv_plan_buf *b, int32_t n);

/*
 * A search for a smaller peak with the same lifetimes: TFLM's greedy plan, first-fit and
 * best-fit placement under several buffer orders, then deterministic perturbations of the best
 * order (at most `effort` tries), stopping early at the lower bound. Never worse than
 * qv_plan_tflm_greedy (it is one of the candidates). Writes offsets[n] and the peak.
 */
enum qv_status qv_plan_search(const struct qv_plan_buf *b, int32_t n, int32_t effort,
                              int64_t *offsets, int64_t *ret_peak, struct qv_error *err);

/* True when no two buffers alive at the same step overlap in memory (a test helper). */
bool qv_plan_valid(const struct qv_plan_buf *b, int32_t n, const int64_t *offsets);

#endif
