/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PAD int8 (spec §5.16): TFLM pad.cc (PadPrepare, PadEval) and reference_ops::PadImpl. Input
 * values are copied unchanged; padding cells get the output zero point. The shared copy loop
 * also serves PADV2 (padv2_s8.c), whose pad value is its third input.
 */
#include <string.h>

#include "engine/kernel.h"
#include "engine/int8/kernels_s8.h"
#include "engine/int8/pad_s8.h"

enum qv_status qv_pad_s8_check(struct qv_kernel_ctx *c, int32_t *ret_z_out,
                               struct qv_error *err)
{
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st;
    if ((st = qv_s8_need_unary_quant(c, &s_in, &z_in, &s_out, &z_out, err)) != QV_OK ||
        (st = qv_s8_need_dtype(c, false, 1, QV_DTYPE_I32, err)) != QV_OK)
        return st;
    const struct qv_shape *is = &c->in[0]->shape, *os = &c->out[0]->shape;
    if (qv_shape_elems(&c->in[1]->t->shape) != 2 * (int64_t)is->rank || is->rank != os->rank)
        return qv_s8_fail(c, err, "paddings '%s' must be [%d, 2]", qv_s8_in_name(c, 1),
                          (int)is->rank);
    *ret_z_out = z_out;
    return QV_OK;
}

/* Copies dims [d, rank) of one block: recursion over dims, memcpy of the innermost run. */
static void pad_rec(const struct qv_shape *is, const struct qv_shape *os, const int32_t *pads,
                    int32_t d, const int8_t *in, int8_t *out, int8_t value)
{
    int64_t in_inner = 1, out_inner = 1;
    for (int32_t i = d + 1; i < os->rank; i++) {
        in_inner *= is->dims[i];
        out_inner *= os->dims[i];
    }
    const int64_t before = pads[2 * d], n = is->dims[d], total = os->dims[d];
    const int64_t after = total - before - n;
    if (d == os->rank - 1) {
        memset(out, value, (size_t)before);
        memcpy(out + before, in, (size_t)n);
        memset(out + before + n, value, (size_t)(after > 0 ? after : 0));
        return;
    }
    memset(out, value, (size_t)(before * out_inner));
    for (int64_t i = 0; i < n; i++)
        pad_rec(is, os, pads, d + 1, in + i * in_inner, out + (before + i) * out_inner, value);
    if (after > 0)
        memset(out + (before + n) * out_inner, value, (size_t)(after * out_inner));
}

void qv_pad_s8_run(const struct qv_kernel_ctx *c, int8_t value)
{
    const struct qv_shape *is = &c->in[0]->shape, *os = &c->out[0]->shape;
    if (os->rank == 0) {
        *(int8_t *)c->out[0]->data = *(const int8_t *)c->in[0]->data;
        return;
    }
    if (qv_shape_elems(os) == 0)
        return;
    pad_rec(is, os, c->in[1]->data, 0, c->in[0]->data, c->out[0]->data, value);
}

struct pad_params {
    int32_t z_out;
};

enum qv_status qv_pad_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    int32_t z_out;
    enum qv_status st = qv_pad_s8_check(c, &z_out, err);
    if (st != QV_OK)
        return st;
    struct pad_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    p->z_out = z_out;
    return QV_OK;
}

void qv_pad_s8(const struct qv_kernel_ctx *c)
{
    const struct pad_params *p = c->params;
    qv_pad_s8_run(c, (int8_t)p->z_out);
}
