/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PAD, float32: out = input surrounded by zeros; paddings is a constant int32 [rank, 2] tensor of
 * (before, after) per dim. The float engine pads with real 0.0, which is what the int8 model's
 * output zero point stands for (docs/int8-arithmetic.md §5.16). qv_f32_pad_run is shared with
 * PADV2.
 */
#include "engine/kernel.h"
#include "engine/float/float_common.h"

enum qv_status qv_f32_pad_check(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_node *n = c->node;
    const struct qv_shape *is = &c->in[0]->shape, *os = &c->out[0]->shape;
    const struct qv_tensor_view *pv = c->in[1];
    const char *op = qv_op_name(n->op);
    if (!qv_f32_is_real(c->in[0]))
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "%s '%s': input '%s' is %s without quantization", op, n->name,
                            c->in[0]->t->name, qv_dtype_name(c->in[0]->t->dtype));
    if (!qv_f32_is_raw_i32(pv) || pv->shape.rank != 2 || pv->shape.dims[0] != is->rank ||
        pv->shape.dims[1] != 2)
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "%s '%s': paddings '%s' must be a constant int32 [%d, 2] tensor", op,
                            n->name, pv->t->name, is->rank);
    const int32_t *pad = pv->data;
    if (os->rank != is->rank)
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "%s '%s': output rank %d differs from input rank %d", op, n->name,
                            os->rank, is->rank);
    for (int32_t d = 0; d < is->rank; d++) {
        if (pad[2 * d] < 0 || pad[2 * d + 1] < 0 ||
            is->dims[d] + pad[2 * d] + pad[2 * d + 1] != os->dims[d])
            return qv_fail_node(err, QV_E_INPUT, c->node_index,
                                "%s '%s': dim %d: %lld + paddings (%d, %d) does not give the "
                                "output's %lld",
                                op, n->name, d, (long long)is->dims[d], pad[2 * d],
                                pad[2 * d + 1], (long long)os->dims[d]);
    }
    return QV_OK;
}

void qv_f32_pad_run(const struct qv_kernel_ctx *c, float value)
{
    const struct qv_shape *is = &c->in[0]->shape, *os = &c->out[0]->shape;
    const int32_t *pad = c->in[1]->data;
    const float *in = c->in[0]->data;
    float *out = c->out[0]->data;
    const int32_t rank = is->rank;
    const int64_t n_out = qv_shape_elems(os), n_in = qv_shape_elems(is);

    for (int64_t i = 0; i < n_out; i++)
        out[i] = value;
    if (n_in == 0)
        return;
    if (rank == 0) {
        out[0] = in[0];
        return;
    }
    /* Output strides, and the offset of input element 0 in the output. */
    int64_t ostride[QV_MAX_RANK], idx[QV_MAX_RANK] = { 0 }, s = 1, base = 0;
    for (int32_t d = rank - 1; d >= 0; d--) {
        ostride[d] = s;
        base += pad[2 * d] * s;
        s *= os->dims[d];
    }
    /* Copy the input row by row (last dim contiguous in both). */
    const int64_t row = is->dims[rank - 1], rows = n_in / row;
    int64_t o = base;
    for (int64_t r = 0; r < rows; r++, in += row) {
        for (int64_t i = 0; i < row; i++)
            out[o + i] = in[i];
        for (int32_t d = rank - 2; d >= 0; d--) {
            o += ostride[d];
            if (++idx[d] < is->dims[d])
                break;
            o -= ostride[d] * is->dims[d];
            idx[d] = 0;
        }
    }
}

enum qv_status qv_pad_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_f32_pad_check(c, err);
}

void qv_pad_f32_eval(const struct qv_kernel_ctx *c)
{
    qv_f32_pad_run(c, 0.0f);
}
