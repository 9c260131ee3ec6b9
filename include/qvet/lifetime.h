/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tensor lifetimes: when each activation must hold its value, for a finalized graph run in a
 * given execution order. Both the engine (its activation arena) and budget/ (TFLM's arena plan
 * and a tighter one) place buffers from these intervals.
 *
 * Time steps follow TFLM's memory planner (micro_allocation_info.cc), so a TFLM-style plan can
 * use them unchanged:
 *
 *     step 0          the graph inputs are written (before any node runs)
 *     step p + 1      the node at position p of the execution order runs
 *     step n_nodes    the last node runs; graph outputs stay alive until here
 *
 * A tensor is alive over the closed interval [first, last]. Two tensors may share memory only
 * if their intervals are disjoint: a node's inputs and outputs are alive at the node's step, so
 * they never share. Usage:
 *
 *     struct qv_lifetime *lt = calloc(g->n_tensors, sizeof(*lt));
 *     qv_lifetime_compute(g, NULL, lt, err);      // NULL: the graph's own order (g->order)
 *     if (lt[t].first >= 0 && qv_lifetime_overlap(&lt[a], &lt[b])) ...
 */
#ifndef QVET_LIFETIME_H
#define QVET_LIFETIME_H

#include <stdbool.h>
#include <stdint.h>

#include "qvet/error.h"
#include "qvet/graph.h"

/* first/last of a tensor that needs no activation memory (a constant, or never used). */
#define QV_LIFETIME_NONE (-1)

struct qv_lifetime {
    int32_t first;                 /* step that writes it: 0 for graph inputs, else producer + 1 */
    int32_t last;                  /* step of its last reader; n_nodes for graph outputs; an
                                    * output nobody reads ends where it starts */
};

/*
 * Fills ret_lt[0 .. g->n_tensors - 1] for the finalized graph g run in `order` (node indices,
 * each node exactly once, g->n_nodes entries; NULL = g->order). Constants (tensors with data)
 * and activations that no node touches and that are not graph inputs or outputs get
 * QV_LIFETIME_NONE in both fields. Multi-output nodes are handled (every output starts at the
 * node's step). Omitted optional inputs (-1) are skipped.
 *
 * Errors (QV_E_INPUT, naming the node): the graph is not finalized; `order` repeats or omits a
 * node or names one out of range; a node reads an activation before the node producing it runs.
 * ret_lt is written only on success.
 */
enum qv_status qv_lifetime_compute(const struct qv_graph *g, const int32_t *order,
                                   struct qv_lifetime *ret_lt, struct qv_error *err);

/* True when both tensors need memory and their intervals share at least one step. */
bool qv_lifetime_overlap(const struct qv_lifetime *a, const struct qv_lifetime *b);

#endif
