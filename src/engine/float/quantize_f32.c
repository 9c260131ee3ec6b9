/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QUANTIZE in the float engine: fake quantization onto the output tensor's grid, so that the
 * float engine sees exactly the values the int8 model carries:
 *     q   = clamp(roundf(x / s) + z, qmin, qmax)   (float division, ties away from zero,
 *                                                  docs/int8-arithmetic.md §5.11)
 *     out = (float)((double)s * (double)(q - z))   (DEQUANTIZE's formula, §5.12)
 * with (s, z) the output's per-tensor parameters and [qmin, qmax] its dtype's range. A quantized
 * input (requantization) is already real-valued here, so the same formula applies.
 */
#include <math.h>
#include <stdlib.h>

#include "engine/kernel.h"
#include "engine/float/float_common.h"

struct quantize_params {
    float scale;
    int32_t zero_point, qmin, qmax;
};

enum qv_status qv_quantize_f32_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_node *n = c->node;
    const struct qv_tensor *t = c->out[0]->t;
    enum qv_status st = qv_f32_unary_prepare(c, err);
    if (st != QV_OK)
        return st;
    /* The codes QUANTIZE writes (TFLite's float kernel: int8, uint8, int16); their range from
     * the dtype traits. */
    static const bool code_dtype[QV_DTYPE_COUNT] = {
        [QV_DTYPE_I8] = true, [QV_DTYPE_U8] = true, [QV_DTYPE_I16] = true
    };
    if ((unsigned)t->dtype >= QV_DTYPE_COUNT || !code_dtype[t->dtype])
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "QUANTIZE '%s': output '%s' is %s, expected int8, uint8 or int16",
                            n->name, t->name, qv_dtype_name(t->dtype));
    const int32_t qmin = (int32_t)qv_dtypes[t->dtype].min, qmax = (int32_t)qv_dtypes[t->dtype].max;
    if (t->quant.count != 1)
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "QUANTIZE '%s': output '%s' needs per-tensor quantization, has %d "
                            "scales",
                            n->name, t->name, t->quant.count);
    int32_t z = t->quant.zero_point[0];
    if (z < qmin || z > qmax)
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "QUANTIZE '%s': output zero point %d is outside %s's %d..%d", n->name,
                            z, qv_dtype_name(t->dtype), qmin, qmax);
    struct quantize_params *p = malloc(sizeof(*p));
    if (!p)
        return qv_fail_node(err, QV_E_NOMEM, c->node_index, "QUANTIZE '%s': out of memory",
                            n->name);
    *p = (struct quantize_params){ .scale = t->quant.scale[0], .zero_point = z,
                                   .qmin = qmin, .qmax = qmax };
    c->params = p;
    return QV_OK;
}

void qv_quantize_f32_eval(const struct qv_kernel_ctx *c)
{
    const struct quantize_params *p = c->params;
    const float *in = c->in[0]->data;
    float *out = c->out[0]->data;
    const int64_t n = qv_shape_elems(&c->out[0]->shape);
    const float lo = (float)p->qmin, hi = (float)p->qmax;
    for (int64_t i = 0; i < n; i++) {
        /* Clamp in float before the integer conversion so huge inputs cannot overflow it. */
        float r = qv_f32_clamp(roundf(in[i] / p->scale) + (float)p->zero_point, lo, hi);
        if (isnan(r)) {          /* NaN has no grid point; keep it visible */
            out[i] = r;
            continue;
        }
        int32_t q = (int32_t)r;
        out[i] = (float)((double)p->scale * (double)(q - p->zero_point));
    }
}
