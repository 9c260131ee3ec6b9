/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQUEEZE: shape inference. attrs.squeeze_dims lists the dims to drop (negative counts from the
 * end; each must have size 1); n_squeeze 0 drops every size-1 dim.
 * Batch: when input 0 carries a batch the stored tensor does not (stored dims[0] == 1, in[0]
 * dims[0] > 1), dim 0 is the batch and is never dropped, so batched engines keep dims[0] = B.
 */
#include "core/op_impl.h"
#include "core/ops/ops_common.h"

enum qv_status qv_squeeze_infer(const struct qv_graph *g, const struct qv_node *n,
                                const struct qv_shape *const in[], struct qv_shape out[],
                                struct qv_error *err)
{
    char b1[160];
    if (n->n_inputs < 1 || !in[0])
        return qv_op_fail(g, n, err, "input 0 is missing");
    const struct qv_shape *x = in[0];
    const struct qv_shape *stored = &g->tensors[n->inputs[0]].shape;
    bool batched = x->rank >= 1 && stored->rank == x->rank && stored->dims[0] == 1 &&
                   x->dims[0] != 1;
    int32_t ns = n->attrs.n_squeeze;
    if (ns < 0 || ns > QV_MAX_RANK)
        return qv_op_fail(g, n, err, "%d squeeze dims, expected 0..%d", ns, QV_MAX_RANK);
    bool drop[QV_MAX_RANK] = { false };
    for (int32_t i = 0; i < ns; i++) {
        int32_t d = n->attrs.squeeze_dims[i];
        if (d < -x->rank || d >= x->rank)
            return qv_op_fail(g, n, err, "squeeze dim %d is outside rank %d of '%s'", d, x->rank,
                              qv_op_in_name(g, n, 0));
        if (d < 0)
            d += x->rank;
        if (d == 0 && batched)
            continue;
        if (x->dims[d] != 1)
            return qv_op_fail(g, n, err, "cannot squeeze dim %d of '%s' %s: size is not 1", d,
                              qv_op_in_name(g, n, 0), qv_shape_str(x, b1, sizeof(b1)));
        drop[d] = true;
    }
    if (ns == 0)
        for (int32_t d = 0; d < x->rank; d++)
            drop[d] = x->dims[d] == 1 && !(d == 0 && batched);
    out[0].rank = 0;
    for (int32_t d = 0; d < x->rank; d++)
        if (!drop[d])
            out[0].dims[out[0].rank++] = x->dims[d];
    return QV_OK;
}

/* 0: a reshape. */
int64_t qv_squeeze_macs(const struct qv_graph *g, const struct qv_node *n)
{
    (void)g;
    (void)n;
    return 0;
}
