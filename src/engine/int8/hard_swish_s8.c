/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HARD_SWISH int8 (docs/int8-arithmetic.md §5.17): TFLM hard_swish_common.cc (HardSwishPrepare:
 * float scales, DownScaleInt32ToInt16Multiplier) and reference_ops::HardSwish (16-bit fixed point,
 * the non-rounding SaturatingDoublingHighMul at the end). Prepare fails when the output multiplier
 * exponent is > 0.
 */
#include "engine/int8/node_s8.h"

static int16_t downscale16(int32_t m)
{
    if (m >= INT32_MAX - (1 << 15))
        return INT16_MAX;
    return (int16_t)((m + (1 << 15)) >> 16);
}

static int16_t sat_shl16(int16_t v, int k)
{
    const int64_t r = (int64_t)v * ((int64_t)1 << k);
    return (int16_t)(r > INT16_MAX ? INT16_MAX : (r < INT16_MIN ? INT16_MIN : r));
}

enum qv_status qv_hard_swish_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st = qv_s8_need_unary_quant(c, &s_in, &z_in, &s_out, &z_out, err);
    if (st != QV_OK)
        return st;
    const float hires = (1.0f / 128.0f) * s_in;
    const float reluish_scale = 3.0f / 32768.0f;
    int32_t m_out32, m_relu32;
    int e_out, e_relu;
    if ((st = qv_s8_multiplier(c, 0, (double)(hires / s_out), "output", &m_out32, &e_out,
                               err)) != QV_OK)
        return st;
    if (e_out > 0)
        return qv_s8_fail(c, err, "output multiplier exponent %d > 0: input scale / (128 * "
                          "output scale) must be < 1", e_out);
    if ((st = qv_s8_multiplier(c, 0, (double)(hires / reluish_scale), "reluish", &m_relu32,
                               &e_relu, err)) != QV_OK)
        return st;
    /* the fast variants' table of the op (lut_s8.h) after the struct */
    const bool table = qv_s8_node_variant(c) != QV_S8_PLAIN;
    const size_t head = qv_s8_align64(sizeof(struct qv_hard_swish_s8_params));
    struct qv_hard_swish_s8_params *p = qv_s8_params_alloc(c, head + (table ? 256 : 0), err);
    if (!p)
        return QV_E_NOMEM;
    p->input_zero_point = z_in;
    p->output_zero_point = z_out;
    p->m_out = downscale16(m_out32);
    p->m_relu = downscale16(m_relu32);
    p->e_out = e_out;
    p->e_relu = e_relu;
    if (table) {
        int8_t codes[256];
        qv_lut1_s8_codes(codes);
        qv_hard_swish_s8(p, 256, codes, (int8_t *)p + head);   /* p->lut is still NULL: the loop */
        p->lut = (int8_t *)p + head;
    }
    return QV_OK;
}

void qv_hard_swish_s8(const struct qv_hard_swish_s8_params *p, int64_t n, const int8_t *x,
                      int8_t *out)
{
    if (p->lut) {   /* a fast variant: this loop's results on all 256 codes */
        qv_lut1_s8(p->lut, n, x, out);
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        const int16_t v = (int16_t)(x[i] - p->input_zero_point);
        const int16_t hi = (int16_t)(v * (1 << 7));
        const int16_t pre = qv_srdhm16(hi, p->m_out);
        int16_t r = hi;
        if (p->e_relu > 0)
            r = sat_shl16(r, p->e_relu - 1);
        r = qv_srdhm16(r, p->m_relu);
        if (p->e_relu > 0)
            r = sat_shl16(r, 1);
        if (p->e_relu < 0)
            r = qv_rdbpot16(r, -p->e_relu);
        r = (int16_t)((r + (1 << 15)) >> 1);
        const int16_t o = qv_sdhm16(r, pre);
        /* TFLM adds the zero point in int16 (wraps), then clamps. */
        int16_t ov = qv_rdbpot16(o, -p->e_out);
        ov = (int16_t)(ov + p->output_zero_point);
        out[i] = (int8_t)(ov > 127 ? 127 : (ov < -128 ? -128 : ov));
    }
}

void qv_hard_swish_s8_eval(const struct qv_kernel_ctx *c)
{
    qv_hard_swish_s8(c->params, qv_s8_elems(c->in[0]), c->in[0]->data, c->out[0]->data);
}
