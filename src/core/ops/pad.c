/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PAD: shape inference (docs/int8-arithmetic.md §5.16). Input 1 is the paddings tensor: constant
 * int32 [rank, 2] of (before, after) pairs, each >= 0; output dim d = in + before + after.
 * qv_pad_shape is shared with PADV2.
 */
#include "core/op_impl.h"
#include "core/ops/ops_common.h"

enum qv_status qv_pad_shape(const struct qv_graph *g, const struct qv_node *n,
                            const struct qv_shape *const in[], struct qv_shape out[],
                            struct qv_error *err)
{
    char b1[160], b2[160];
    const int32_t *p;
    int64_t count;
    if (n->n_inputs < 2 || !in[0])
        return qv_op_fail(g, n, err, "input 0 is missing");
    enum qv_status st = qv_op_const_i32(g, n, 1, "paddings", &p, &count, err);
    if (st != QV_OK)
        return st;
    const struct qv_tensor *pt = &g->tensors[n->inputs[1]];
    const struct qv_shape *x = in[0];
    if (pt->shape.rank != 2 || pt->shape.dims[0] != x->rank || pt->shape.dims[1] != 2)
        return qv_op_fail(g, n, err, "paddings '%s' has shape %s, expected [%d, 2] for '%s' %s",
                          pt->name, qv_shape_str(&pt->shape, b1, sizeof(b1)), x->rank,
                          qv_op_in_name(g, n, 0), qv_shape_str(x, b2, sizeof(b2)));
    out[0] = *x;
    for (int32_t d = 0; d < x->rank; d++) {
        if (p[2 * d] < 0 || p[2 * d + 1] < 0)
            return qv_op_fail(g, n, err, "paddings '%s' for dim %d are (%d, %d), must be >= 0",
                              pt->name, d, p[2 * d], p[2 * d + 1]);
        /* <= 2^40 + 2^32: no overflow; the element count is checked by the caller. */
        out[0].dims[d] = x->dims[d] + p[2 * d] + p[2 * d + 1];
    }
    return QV_OK;
}

enum qv_status qv_pad_infer(const struct qv_graph *g, const struct qv_node *n,
                            const struct qv_shape *const in[], struct qv_shape out[],
                            struct qv_error *err)
{
    return qv_pad_shape(g, n, in, out, err);
}

/* 0: a copy. */
int64_t qv_pad_macs(const struct qv_graph *g, const struct qv_node *n)
{
    (void)g;
    (void)n;
    return 0;
}
