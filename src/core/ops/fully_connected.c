/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FULLY_CONNECTED: shape inference and MACs (docs/int8-arithmetic.md §5.3).
 * Inputs: x (any rank >= 1, read as [batches, depth]), weights [units, depth], bias [units]
 * (optional). batches = elems(x) / depth. Output: keep_num_dims ? x's shape with the last dim
 * replaced by units (x's last dim must be depth) : [batches, units]. A batch carried by x's
 * dims[0] multiplies batches, so batched engines work with either form.
 */
#include "core/op_impl.h"
#include "core/ops/ops_common.h"

enum qv_status qv_fully_connected_infer(const struct qv_graph *g, const struct qv_node *n,
                                        const struct qv_shape *const in[], struct qv_shape out[],
                                        struct qv_error *err)
{
    char b1[160], b2[160];
    enum qv_status st;
    if ((st = qv_op_need_rank(g, n, in, 1, 2, err)) != QV_OK ||
        (st = qv_op_check_act(g, n, err)) != QV_OK)
        return st;
    if (!in[0])
        return qv_op_fail(g, n, err, "input 0 is missing");
    const struct qv_shape *x = in[0], *w = in[1];
    const char *xn = qv_op_in_name(g, n, 0), *wn = qv_op_in_name(g, n, 1);
    int64_t units = w->dims[0], depth = w->dims[1];
    if (units < 1 || depth < 1)
        return qv_op_fail(g, n, err, "weights '%s' have an empty dimension: %s", wn,
                          qv_shape_str(w, b1, sizeof(b1)));
    if (x->rank < 1)
        return qv_op_fail(g, n, err, "input '%s' is a scalar", xn);
    int64_t elems = qv_shape_elems(x);
    if (elems % depth != 0)
        return qv_op_fail(g, n, err, "input '%s' %s has %lld elements, not a multiple of the "
                          "depth %lld of weights '%s' %s", xn, qv_shape_str(x, b1, sizeof(b1)),
                          (long long)elems, (long long)depth, wn, qv_shape_str(w, b2, sizeof(b2)));
    if (n->n_inputs > 2 && in[2] && (in[2]->rank != 1 || in[2]->dims[0] != units))
        return qv_op_fail(g, n, err, "bias '%s' has shape %s, expected [%lld]",
                          qv_op_in_name(g, n, 2), qv_shape_str(in[2], b1, sizeof(b1)),
                          (long long)units);
    if (n->attrs.keep_num_dims) {
        if (x->dims[x->rank - 1] != depth)
            return qv_op_fail(g, n, err, "keep_num_dims: last dim of '%s' %s must equal the "
                              "depth %lld of weights '%s'", xn, qv_shape_str(x, b1, sizeof(b1)),
                              (long long)depth, wn);
        out[0] = *x;
        out[0].dims[x->rank - 1] = units;
    } else {
        out[0] = (struct qv_shape){ 2, { elems / depth, units } };
    }
    return QV_OK;
}

/* batches * units * depth = output elems * depth. */
int64_t qv_fully_connected_macs(const struct qv_graph *g, const struct qv_node *n)
{
    const struct qv_shape *w = &g->tensors[n->inputs[1]].shape;
    if (w->rank != 2)
        return 0;
    return qv_mul_sat(qv_op_out_elems(g, n), w->dims[1]);
}
