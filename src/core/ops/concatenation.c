/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CONCATENATION: shape inference (docs/int8-arithmetic.md §5.14). 1..10 inputs of the same
 * rank (>= 1), all dims equal except `axis` (negative counts from the end); the output's axis dim
 * is their sum.
 */
#include "core/op_impl.h"
#include "core/ops/ops_common.h"

enum qv_status qv_concatenation_infer(const struct qv_graph *g, const struct qv_node *n,
                                      const struct qv_shape *const in[], struct qv_shape out[],
                                      struct qv_error *err)
{
    char b1[160], b2[160];
    enum qv_status st = qv_op_check_act(g, n, err);
    if (st != QV_OK)
        return st;
    if (n->n_inputs < 1 || n->n_inputs > QV_MAX_INPUTS)
        return qv_op_fail(g, n, err, "%d inputs, expected 1..%d", n->n_inputs, QV_MAX_INPUTS);
    for (int32_t k = 0; k < n->n_inputs; k++)
        if (!in[k])
            return qv_op_fail(g, n, err, "input %d is omitted", k);
    const struct qv_shape *x0 = in[0];
    int32_t rank = x0->rank;
    if (rank < 1)
        return qv_op_fail(g, n, err, "input '%s' is a scalar", qv_op_in_name(g, n, 0));
    int32_t axis = n->attrs.axis;
    if (axis < -rank || axis >= rank)
        return qv_op_fail(g, n, err, "axis %d is outside rank %d of '%s'", axis, rank,
                          qv_op_in_name(g, n, 0));
    if (axis < 0)
        axis += rank;
    out[0] = *x0;
    for (int32_t k = 1; k < n->n_inputs; k++) {
        const struct qv_shape *x = in[k];
        bool ok = x->rank == rank;
        for (int32_t d = 0; ok && d < rank; d++)
            ok = d == axis || x->dims[d] == x0->dims[d];
        if (!ok)
            return qv_op_fail(g, n, err, "'%s' %s does not match '%s' %s outside axis %d",
                              qv_op_in_name(g, n, k), qv_shape_str(x, b1, sizeof(b1)),
                              qv_op_in_name(g, n, 0), qv_shape_str(x0, b2, sizeof(b2)), axis);
        out[0].dims[axis] += x->dims[axis];   /* <= 10 * 2^40: no overflow */
    }
    return QV_OK;
}

/* 0: a copy. */
int64_t qv_concatenation_macs(const struct qv_graph *g, const struct qv_node *n)
{
    (void)g;
    (void)n;
    return 0;
}
