/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/core: what graph.c, infer.c, graph_edit.c and unsupported.c share. */
#ifndef QV_CORE_GRAPH_INT_H
#define QV_CORE_GRAPH_INT_H

#include <stdbool.h>

#include "qvet/graph.h"

/* Zeroed, 16-byte aligned memory from the graph arena; NULL (err filled) when out of memory. */
void *qv_graph_arena_alloc(struct qv_graph *g, size_t size, struct qv_error *err);

/*
 * Fills *n with a node built from the arguments after checking the op, the input and output
 * counts against the op table (index idx only names the node in messages). Tensor indices are
 * checked by qv_graph_finalize.
 */
enum qv_status qv_graph_build_node(struct qv_graph *g, int32_t idx, enum qv_op op,
                                   const char *name, int32_t n_inputs, const int32_t *inputs,
                                   int32_t n_outputs, const int32_t *outputs,
                                   const struct qv_attrs *attrs, struct qv_node *n,
                                   struct qv_error *err);

/* Appends a node built by the caller (no checks). */
enum qv_status qv_graph_append_node(struct qv_graph *g, const struct qv_node *n,
                                    int32_t *ret_index, struct qv_error *err);

/*
 * The shape-inference walk behind qv_graph_infer_shapes, over g->order (which finalize fills
 * before calling it). strict (finalize): each inferred output must equal the output's stored
 * shape, unless the stored one is empty (rank 0, not a constant); the first difference fails,
 * naming the node. shapes: [g->n_tensors].
 */
enum qv_status qv_graph_infer_walk(const struct qv_graph *g, const struct qv_shape *in_shapes,
                                   bool strict, struct qv_shape *shapes, struct qv_error *err);

/* Shape inference and MACs of QV_OP_UNSUPPORTED (src/core/unsupported.c). */
enum qv_status qv_unsupported_infer(const struct qv_graph *g, const struct qv_node *n,
                                    const struct qv_shape *const in[], struct qv_shape out[],
                                    struct qv_error *err);
int64_t qv_unsupported_macs(const struct qv_graph *g, const struct qv_node *n);

#endif
