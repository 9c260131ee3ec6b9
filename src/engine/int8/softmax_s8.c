/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SOFTMAX int8 -> int8 (docs/int8-arithmetic.md §5.8): TFLM softmax_common.cc
 * (CalculateSoftmaxParams, PreprocessSoftmaxScaling, CalculateInputRadius) and
 * reference_ops::Softmax (the gemmlowp fixed-point exp on Q5 differences, Q12 accumulation and the
 * Newton reciprocal). Prepare requires output zero point -128 and output scale exactly 1.0f / 256.
 */
#include "engine/int8/node_s8.h"

enum qv_status qv_softmax_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st = qv_s8_need_unary_quant(c, &s_in, &z_in, &s_out, &z_out, err);
    if (st != QV_OK)
        return st;
    if (z_out != -128)
        return qv_s8_fail(c, err, "output '%s' zero point must be -128, is %d",
                          qv_s8_out_name(c, 0), (int)z_out);
    if (s_out != 1.0f / 256)
        return qv_s8_fail(c, err, "output '%s' scale must be exactly 1/256, is %.9g",
                          qv_s8_out_name(c, 0), (double)s_out);
    if (c->in[0]->shape.rank < 1)
        return qv_s8_fail(c, err, "input must have rank >= 1");
    struct qv_softmax_s8_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    /* PreprocessSoftmaxScaling(beta, s_in, kScaledDiffIntegerBits = 5); the single-rounding
     * build caps at 2^30 - 1 instead of 2^31 - 1. */
    const double cap = c->rounding == QV_ROUNDING_SINGLE ? (double)((1LL << 30) - 1)
                                                           : (double)((1LL << 31) - 1);
    double r = (double)c->node->attrs.beta * (double)s_in * (double)(1 << 26);
    r = r < cap ? r : cap;
    if (!(r > 1.0))
        return qv_s8_fail(c, err, "beta * input scale * 2^26 = %g must be > 1 "
                          "(QuantizeMultiplierGreaterThanOne)", r);
    if ((st = qv_s8_multiplier(c, 0, r, "input", &p->multiplier, &p->shift, err)) != QV_OK)
        return st;
    p->diff_min = -qv_input_radius(5, p->shift);
    p->rounding = c->rounding;
    return QV_OK;
}

void qv_softmax_s8(const struct qv_softmax_s8_params *p, int64_t outer, int64_t depth,
                   const int8_t *x, int8_t *out)
{
    for (int64_t i = 0; i < outer; i++) {
        const int8_t *row = x + i * depth;
        int8_t *orow = out + i * depth;
        int32_t mx = -128;
        for (int64_t j = 0; j < depth; j++)
            mx = row[j] > mx ? row[j] : mx;
        int32_t sum = 0; /* Q12 */
        for (int64_t j = 0; j < depth; j++) {
            const int32_t d = row[j] - mx;
            if (d >= p->diff_min) {
                /* MultiplyByQuantizedMultiplierGreaterThanOne */
                const int32_t z = qv_mbqm(d, p->multiplier, p->shift, p->rounding);
                sum = qv_wrap_add(sum, qv_rdbpot(qv_exp_on_negative_values(z, 5), 12));
            }
        }
        /* GetReciprocal(sum, 12) */
        const int h = sum ? __builtin_clz((uint32_t)sum) : 32;
        const int nb = 12 - h;
        const int32_t xr = (int32_t)(((uint64_t)(uint32_t)sum << h) - ((uint64_t)1 << 31));
        const int32_t scale = qv_one_over_one_plus_x(xr);
        int e = nb + 31 - 8;
        e = e < 0 ? 0 : (e > 31 ? 31 : e); /* TFLM asserts 0..31; unreachable for sane rows */
        for (int64_t j = 0; j < depth; j++) {
            const int32_t d = row[j] - mx;
            if (d >= p->diff_min) {
                const int32_t z = qv_mbqm(d, p->multiplier, p->shift, p->rounding);
                const int32_t ex = qv_exp_on_negative_values(z, 5);
                const int32_t v = qv_rdbpot(qv_srdhm(scale, ex), e) - 128;
                orow[j] = (int8_t)qv_clamp_i32(v, -128, 127);
            } else {
                orow[j] = -128;
            }
        }
    }
}

void qv_softmax_s8_eval(const struct qv_kernel_ctx *c)
{
    const struct qv_shape *s = &c->in[0]->shape;
    const int64_t depth = s->dims[s->rank - 1];
    const int64_t rows = depth > 0 ? qv_shape_elems(s) / depth : 0;
    qv_softmax_s8(c->params, rows, depth, c->in[0]->data, c->out[0]->data);
}
