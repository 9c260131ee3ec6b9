/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DEQUANTIZE (docs/int8-arithmetic.md §5.12): TFLM dequantize_common.cc and
 * reference_ops::Dequantize: out = (float)((double)s * (q - z)), per-tensor. int8, uint8, int16
 * inputs; float32 output.
 */
#include "engine/int8/node_s8.h"

enum qv_status qv_dequantize_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_tensor *in = c->in[0]->t;
    float s;
    int32_t z;
    enum qv_status st = qv_s8_need_dtype(c, true, 0, QV_DTYPE_F32, err);
    if (st != QV_OK)
        return st;
    if (in->dtype != QV_DTYPE_I8 && in->dtype != QV_DTYPE_U8 && in->dtype != QV_DTYPE_I16)
        return qv_s8_fail(c, err, "input '%s' must be int8, uint8 or int16, is %s", in->name,
                          qv_dtype_name(in->dtype));
    if (!qv_tensor_quant1(in, &s, &z))
        return qv_s8_fail(c, err, "input '%s' has no quantization parameters", in->name);
    if ((st = qv_s8_check_quant(c, false, 0, err)) != QV_OK)
        return st;
    struct qv_dequantize_s8_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    p->in_dtype = in->dtype;
    p->scale = (double)s;
    p->zero_point = z;
    return QV_OK;
}

void qv_dequantize_s8(const struct qv_dequantize_s8_params *p, int64_t n, const void *x,
                      float *out)
{
    /* The traits' load is exact for these codes: the same double as (q - zero_point). */
    const struct qv_dtype_traits *d = &qv_dtypes[p->in_dtype];
    const double z = p->zero_point;
    for (int64_t i = 0; i < n; i++)
        out[i] = (float)(p->scale * (d->load(x, i) - z));
}

void qv_dequantize_s8_eval(const struct qv_kernel_ctx *c)
{
    qv_dequantize_s8(c->params, qv_s8_elems(c->in[0]), c->in[0]->data, c->out[0]->data);
}
