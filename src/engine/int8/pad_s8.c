/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PAD int8 (docs/int8-arithmetic.md §5.16): TFLM pad.cc (PadPrepare, PadEval) and
 * reference_ops::PadImpl. Input values are copied unchanged; padding cells get the output zero
 * point. The copy and the checks also serve PADV2 (padv2_s8.c), whose pad value is its third input.
 */
#include <string.h>

#include "engine/int8/node_s8.h"
#include "engine/int8/pad_s8.h"

/* Copies dims [d, rank) of one block: recursion over dims, memcpy of the innermost run. */
static void pad_rec(const struct qv_pad_s8_params *p, const struct qv_shape *is,
                    const struct qv_shape *os, int32_t d, const int8_t *in, int8_t *out)
{
    int64_t in_inner = 1, out_inner = 1;
    for (int32_t i = d + 1; i < os->rank; i++) {
        in_inner *= is->dims[i];
        out_inner *= os->dims[i];
    }
    const int64_t before = p->before[d], n = is->dims[d], total = os->dims[d];
    const int64_t after = total - before - n;
    if (d == os->rank - 1) {
        memset(out, p->value, (size_t)before);
        memcpy(out + before, in, (size_t)n);
        memset(out + before + n, p->value, (size_t)(after > 0 ? after : 0));
        return;
    }
    memset(out, p->value, (size_t)(before * out_inner));
    for (int64_t i = 0; i < n; i++)
        pad_rec(p, is, os, d + 1, in + i * in_inner, out + (before + i) * out_inner);
    if (after > 0)
        memset(out + (before + n) * out_inner, p->value, (size_t)(after * out_inner));
}

void qv_pad_s8(const struct qv_pad_s8_params *p, const struct qv_shape *in_shape,
               const int8_t *in, const struct qv_shape *out_shape, int8_t *out)
{
    if (out_shape->rank == 0) {
        out[0] = in[0];
        return;
    }
    if (qv_shape_elems(out_shape) == 0)
        return;
    pad_rec(p, in_shape, out_shape, 0, in, out);
}

enum qv_status qv_pad_s8_prepare_common(struct qv_kernel_ctx *c, struct qv_error *err)
{
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st;
    if ((st = qv_s8_need_unary_quant(c, &s_in, &z_in, &s_out, &z_out, err)) != QV_OK ||
        (st = qv_s8_need_dtype(c, false, 1, QV_DTYPE_I32, err)) != QV_OK)
        return st;
    const struct qv_shape *is = &c->in[0]->shape, *os = &c->out[0]->shape;
    const struct qv_tensor *pt = c->in[1]->t;
    if (!pt->data || qv_shape_elems(&pt->shape) != 2 * (int64_t)is->rank || is->rank != os->rank)
        return qv_s8_fail(c, err, "paddings '%s' must be a constant [%d, 2]", qv_s8_in_name(c, 1),
                          (int)is->rank);
    const int32_t *pads = pt->data;
    for (int32_t d = 0; d < is->rank; d++)
        if (pads[2 * d] < 0 || pads[2 * d + 1] < 0 ||
            is->dims[d] + pads[2 * d] + pads[2 * d + 1] != os->dims[d])
            return qv_s8_fail(c, err, "paddings '%s' dim %d (%d, %d) do not take %lld to %lld",
                              pt->name, (int)d, (int)pads[2 * d], (int)pads[2 * d + 1],
                              (long long)is->dims[d], (long long)os->dims[d]);
    struct qv_pad_s8_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    p->rank = is->rank;
    for (int32_t d = 0; d < is->rank; d++)
        p->before[d] = pads[2 * d];
    p->value = (int8_t)z_out;
    return QV_OK;
}

void qv_pad_s8_eval_common(const struct qv_kernel_ctx *c)
{
    qv_pad_s8(c->params, &c->in[0]->shape, c->in[0]->data, &c->out[0]->shape, c->out[0]->data);
}

enum qv_status qv_pad_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    return qv_pad_s8_prepare_common(c, err);
}

void qv_pad_s8_eval(const struct qv_kernel_ctx *c)
{
    qv_pad_s8_eval_common(c);
}
