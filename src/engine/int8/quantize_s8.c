/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QUANTIZE (docs/int8-arithmetic.md §5.11): TFLM quantize_common.cc (PrepareQuantizeReference,
 * EvalQuantizeReference).
 * float32 -> int8/uint8/int16: reference_ops::AffineQuantize, out = clamp(round(v / s) + z)
 * (float divide, round half away from zero). Integer -> integer (int8, uint8, int16 in; int8,
 * uint8, int16, int32 out): reference_ops::Requantize with (M, shift) from (double)s_in /
 * (double)s_out. Only per-tensor output quantization.
 */
#include <math.h>

#include "engine/int8/node_s8.h"

static bool out_range(enum qv_dtype t, int32_t *lo, int32_t *hi)
{
    switch (t) {
    case QV_DTYPE_I8: *lo = INT8_MIN; *hi = INT8_MAX; return true;
    case QV_DTYPE_U8: *lo = 0; *hi = UINT8_MAX; return true;
    case QV_DTYPE_I16: *lo = INT16_MIN; *hi = INT16_MAX; return true;
    case QV_DTYPE_I32: *lo = INT32_MIN; *hi = INT32_MAX; return true;
    default: return false;
    }
}

enum qv_status qv_quantize_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_tensor *in = c->in[0]->t, *out = c->out[0]->t;
    float s_out, s_in = 0;
    int32_t z_out, z_in = 0;
    if (!qv_tensor_quant1(out, &s_out, &z_out))
        return qv_s8_fail(c, err, "output '%s' has no quantization parameters", out->name);
    if (out->quant.count > 1)
        return qv_s8_fail(c, err, "output '%s' is quantized per axis; only per-tensor is "
                          "supported", out->name);
    int32_t lo, hi;
    const bool float_in = in->dtype == QV_DTYPE_F32;
    const bool int_in = in->dtype == QV_DTYPE_I8 || in->dtype == QV_DTYPE_U8 ||
                        in->dtype == QV_DTYPE_I16;
    if (!out_range(out->dtype, &lo, &hi) || (float_in && out->dtype == QV_DTYPE_I32) ||
        (!float_in && !int_in))
        return qv_s8_fail(c, err, "%s -> %s is not supported", qv_dtype_name(in->dtype),
                          qv_dtype_name(out->dtype));
    if (int_in && !qv_tensor_quant1(in, &s_in, &z_in))
        return qv_s8_fail(c, err, "input '%s' has no quantization parameters", in->name);
    enum qv_status st = qv_s8_check_quant(c, true, 0, err);
    if (st == QV_OK && int_in)
        st = qv_s8_check_quant(c, false, 0, err);
    if (st != QV_OK)
        return st;
    struct qv_quantize_s8_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    p->in_dtype = in->dtype;
    p->out_dtype = out->dtype;
    p->scale = s_out;
    p->input_zero_point = z_in;
    p->output_zero_point = z_out;
    p->qmin = lo;
    p->qmax = hi;
    p->rounding = c->rounding;
    if (int_in)
        return qv_s8_multiplier(c, 0, (double)s_in / (double)s_out, "requantization",
                                &p->multiplier, &p->shift, err);
    return QV_OK;
}

static int32_t load(const void *data, enum qv_dtype t, int64_t i)
{
    switch (t) {
    case QV_DTYPE_I8: return ((const int8_t *)data)[i];
    case QV_DTYPE_U8: return ((const uint8_t *)data)[i];
    default: return ((const int16_t *)data)[i];
    }
}

static void store(void *data, enum qv_dtype t, int64_t i, int32_t v)
{
    switch (t) {
    case QV_DTYPE_I8: ((int8_t *)data)[i] = (int8_t)v; break;
    case QV_DTYPE_U8: ((uint8_t *)data)[i] = (uint8_t)v; break;
    case QV_DTYPE_I16: ((int16_t *)data)[i] = (int16_t)v; break;
    default: ((int32_t *)data)[i] = v; break;
    }
}

void qv_quantize_s8(const struct qv_quantize_s8_params *p, int64_t n, const void *in, void *out)
{
    const enum qv_dtype it = p->in_dtype, ot = p->out_dtype;
    if (it == QV_DTYPE_F32) {
        const float *x = in;
        for (int64_t i = 0; i < n; i++) {
            /* (int32)round(v / s): saturate the conversion instead of UB on huge values. */
            const float q = roundf(x[i] / p->scale);
            const int32_t qi = q >= 2147483520.0f ? INT32_MAX
                               : (q <= -2147483648.0f ? INT32_MIN : (int32_t)q);
            const int64_t v = (int64_t)qi + p->output_zero_point;
            store(out, ot, i, (int32_t)(v < p->qmin ? p->qmin : (v > p->qmax ? p->qmax : v)));
        }
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        const int32_t v = load(in, it, i) - p->input_zero_point;
        const int64_t o =
            (int64_t)qv_mbqm(v, p->multiplier, p->shift, p->rounding) + p->output_zero_point;
        store(out, ot, i, (int32_t)(o < p->qmin ? p->qmin : (o > p->qmax ? p->qmax : o)));
    }
}

void qv_quantize_s8_eval(const struct qv_kernel_ctx *c)
{
    qv_quantize_s8(c->params, qv_s8_elems(c->in[0]), c->in[0]->data, c->out[0]->data);
}
