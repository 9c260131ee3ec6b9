/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SOFTMAX: softmax over the last dimension, output shape = input shape (docs/int8-arithmetic.md
 * §5.8).
 * beta must be finite and > 0; the input needs rank >= 1.
 */
#include <math.h>

#include "core/op_impl.h"
#include "core/ops/ops_common.h"

enum qv_status qv_softmax_infer(const struct qv_graph *g, const struct qv_node *n,
                                const struct qv_shape *const in[], struct qv_shape out[],
                                struct qv_error *err)
{
    char b1[160];
    if (!isfinite(n->attrs.beta) || n->attrs.beta <= 0.0f)
        return qv_op_fail(g, n, err, "beta %g must be finite and > 0", (double)n->attrs.beta);
    if (n->n_inputs >= 1 && in[0] && in[0]->rank < 1)
        return qv_op_fail(g, n, err, "input '%s' %s must have rank >= 1",
                          qv_op_in_name(g, n, 0), qv_shape_str(in[0], b1, sizeof(b1)));
    return qv_infer_same_shape(g, n, in, out, err);
}

/* One per output element (nominal). */
int64_t qv_softmax_macs(const struct qv_graph *g, const struct qv_node *n)
{
    return qv_op_out_elems(g, n);
}
