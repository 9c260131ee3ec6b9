/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MEAN: shape inference and MACs (docs/int8-arithmetic.md §5.15). Input 1 is the axis tensor: a
 * constant int32 scalar or 1-D list, negatives count from the end, duplicates ignored. keep_dims
 * keeps each reduced dim as 1, otherwise it is dropped. An empty axis list reduces nothing.
 */
#include "core/op_impl.h"
#include "core/ops/ops_common.h"

enum qv_status qv_mean_infer(const struct qv_graph *g, const struct qv_node *n,
                             const struct qv_shape *const in[], struct qv_shape out[],
                             struct qv_error *err)
{
    const int32_t *axes;
    int64_t count;
    if (n->n_inputs < 2 || !in[0])
        return qv_op_fail(g, n, err, "input 0 is missing");
    enum qv_status st = qv_op_const_i32(g, n, 1, "axis", &axes, &count, err);
    if (st != QV_OK)
        return st;
    const struct qv_tensor *at = &g->tensors[n->inputs[1]];
    if (at->shape.rank > 1)
        return qv_op_fail(g, n, err, "axis '%s' must be a scalar or 1-D, has rank %d", at->name,
                          at->shape.rank);
    const struct qv_shape *x = in[0];
    bool reduce[QV_MAX_RANK] = { false };
    for (int64_t i = 0; i < count; i++) {
        int32_t a = axes[i];
        if (a < -x->rank || a >= x->rank)
            return qv_op_fail(g, n, err, "axis %d (entry %lld of '%s') is outside rank %d of '%s'",
                              a, (long long)i, at->name, x->rank, qv_op_in_name(g, n, 0));
        reduce[a < 0 ? a + x->rank : a] = true;
    }
    out[0].rank = 0;
    for (int32_t d = 0; d < x->rank; d++) {
        if (!reduce[d])
            out[0].dims[out[0].rank++] = x->dims[d];
        else if (n->attrs.keep_dims)
            out[0].dims[out[0].rank++] = 1;
    }
    return QV_OK;
}

/* Input elems: one add per summed term (the final scale per output element is not counted). */
int64_t qv_mean_macs(const struct qv_graph *g, const struct qv_node *n)
{
    return qv_shape_elems(&g->tensors[n->inputs[0]].shape);
}
