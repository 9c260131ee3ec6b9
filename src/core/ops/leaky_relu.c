/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LEAKY_RELU: elementwise x > 0 ? x : alpha * x, output shape = input shape
 * (docs/int8-arithmetic.md §5.18).
 * alpha must be finite.
 */
#include <math.h>

#include "core/op_impl.h"
#include "core/ops/ops_common.h"

enum qv_status qv_leaky_relu_infer(const struct qv_graph *g, const struct qv_node *n,
                                   const struct qv_shape *const in[], struct qv_shape out[],
                                   struct qv_error *err)
{
    if (!isfinite(n->attrs.alpha))
        return qv_op_fail(g, n, err, "alpha %g is not finite", (double)n->attrs.alpha);
    return qv_infer_same_shape(g, n, in, out, err);
}

/* One per output element (the multiply by alpha). */
int64_t qv_leaky_relu_macs(const struct qv_graph *g, const struct qv_node *n)
{
    return qv_op_out_elems(g, n);
}
