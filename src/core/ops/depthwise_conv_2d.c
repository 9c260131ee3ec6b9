/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DEPTHWISE_CONV_2D: attribute checks, shape inference, MACs (docs/int8-arithmetic.md §5
 * "Padding", §5.2).
 * Inputs: x [N, H, W, Cin], filter [1, KH, KW, Cout], bias [Cout] (optional); Cout = Cin * dm.
 * Output: [N, OH, OW, Cout]. TFLM uses the options' depth_multiplier, so it must agree with the
 * shapes; 0 (written by some converters) means "derive it from the shapes".
 */
#include "core/op_impl.h"
#include "core/ops/ops_common.h"

enum qv_status qv_depthwise_conv_2d_infer(const struct qv_graph *g, const struct qv_node *n,
                                          const struct qv_shape *const in[],
                                          struct qv_shape out[], struct qv_error *err)
{
    const struct qv_attrs *a = &n->attrs;
    char b1[160];
    enum qv_status st;
    if ((st = qv_op_need_rank(g, n, in, 0, 4, err)) != QV_OK ||
        (st = qv_op_need_rank(g, n, in, 1, 4, err)) != QV_OK ||
        (st = qv_op_check_act(g, n, err)) != QV_OK)
        return st;
    const struct qv_shape *x = in[0], *w = in[1];
    const char *xn = qv_op_in_name(g, n, 0), *wn = qv_op_in_name(g, n, 1);
    int64_t cin = x->dims[3], kh = w->dims[1], kw = w->dims[2], cout = w->dims[3];
    if (w->dims[0] != 1)
        return qv_op_fail(g, n, err, "filter '%s' must have shape [1, KH, KW, Cout], has %s", wn,
                          qv_shape_str(w, b1, sizeof(b1)));
    if (cout < 1 || kh < 1 || kw < 1 || kh > INT32_MAX || kw > INT32_MAX)
        return qv_op_fail(g, n, err, "filter '%s' has shape %s", wn,
                          qv_shape_str(w, b1, sizeof(b1)));
    if (cin < 1 || cout % cin != 0)
        return qv_op_fail(g, n, err, "filter '%s' has %lld output channels, not a multiple of "
                          "the %lld input channels of '%s'", wn, (long long)cout, (long long)cin,
                          xn);
    if (a->depth_multiplier < 0 || (a->depth_multiplier != 0 && a->depth_multiplier != cout / cin))
        return qv_op_fail(g, n, err, "depth_multiplier %d disagrees with filter '%s' (%lld output "
                          "channels for %lld input channels: %lld)", a->depth_multiplier, wn,
                          (long long)cout, (long long)cin, (long long)(cout / cin));
    if (n->n_inputs > 2 && in[2] && (in[2]->rank != 1 || in[2]->dims[0] != cout))
        return qv_op_fail(g, n, err, "bias '%s' has shape %s, expected [%lld]",
                          qv_op_in_name(g, n, 2), qv_shape_str(in[2], b1, sizeof(b1)),
                          (long long)cout);
    int64_t oh, ow;
    if ((st = qv_window2d_infer(g, n, x, (int32_t)kh, (int32_t)kw, a->dilation_h, a->dilation_w,
                                &oh, &ow, err)) != QV_OK)
        return st;
    out[0] = (struct qv_shape){ 4, { x->dims[0], oh, ow, cout } };
    return QV_OK;
}

/* N * OH * OW * Cout * KH * KW. */
int64_t qv_depthwise_conv_2d_macs(const struct qv_graph *g, const struct qv_node *n)
{
    const struct qv_shape *w = &g->tensors[n->inputs[1]].shape;
    if (w->rank != 4)
        return 0;
    return qv_mul_sat(qv_op_out_elems(g, n), qv_mul_sat(w->dims[1], w->dims[2]));
}
