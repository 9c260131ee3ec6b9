/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PADV2: PAD with an optional third input, constant_values: a one-element tensor (the fill
 * value), docs/int8-arithmetic.md §5.16. Shapes as PAD.
 */
#include "core/op_impl.h"
#include "core/ops/ops_common.h"

enum qv_status qv_padv2_infer(const struct qv_graph *g, const struct qv_node *n,
                              const struct qv_shape *const in[], struct qv_shape out[],
                              struct qv_error *err)
{
    char b1[160];
    if (n->n_inputs > 2 && in[2] && qv_shape_elems(in[2]) != 1)
        return qv_op_fail(g, n, err, "constant_values '%s' has shape %s, expected one element",
                          qv_op_in_name(g, n, 2), qv_shape_str(in[2], b1, sizeof(b1)));
    return qv_pad_shape(g, n, in, out, err);
}

/* 0: a copy. */
int64_t qv_padv2_macs(const struct qv_graph *g, const struct qv_node *n)
{
    (void)g;
    (void)n;
    return 0;
}
