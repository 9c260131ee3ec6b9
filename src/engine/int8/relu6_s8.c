/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RELU6 int8 standalone (docs/int8-arithmetic.md §5.19): TFLM activations_common.cc (Relu6Prepare)
 * and Relu6Quantized. No requantization: clamps q to [z_in, z_in + round(6 / s_in)] using the
 * input's parameters only (FloatToQuantizedType clamps the bound to int8).
 */
#include <math.h>

#include "engine/int8/node_s8.h"

void qv_relu6_s8(const struct qv_relu6_s8_params *p, int64_t n, const int8_t *in, int8_t *out)
{
    for (int64_t i = 0; i < n; i++) {
        const int32_t v = in[i];
        out[i] = (int8_t)(v > p->hi ? p->hi : (v < p->lo ? p->lo : v));
    }
}

enum qv_status qv_relu6_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    float s_in;
    int32_t z_in;
    enum qv_status st;
    if ((st = qv_s8_need_quant(c, false, 0, QV_DTYPE_I8, &s_in, &z_in, err)) != QV_OK ||
        (st = qv_s8_need_dtype(c, true, 0, QV_DTYPE_I8, err)) != QV_OK)
        return st;
    /* TFLM reads only the input's parameters; the output's must still be usable downstream. */
    if (c->out[0]->t->quant.count > 0 && (st = qv_s8_check_quant(c, true, 0, err)) != QV_OK)
        return st;
    /* FloatToQuantizedType<int8_t>(6.0f, s_in, z_in): round in float, clamp to int8 (the
     * clamp in float first: a tiny scale must not overflow the conversion). */
    float six_f = roundf(6.0f / s_in) + (float)z_in;
    six_f = six_f > 127.0f ? 127.0f : (six_f < -128.0f ? -128.0f : six_f);
    const int32_t six = (int32_t)six_f;
    struct qv_relu6_s8_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    p->lo = z_in;
    p->hi = six;
    return QV_OK;
}

void qv_relu6_s8_eval(const struct qv_kernel_ctx *c)
{
    qv_relu6_s8(c->params, qv_s8_elems(c->in[0]), c->in[0]->data, c->out[0]->data);
}
