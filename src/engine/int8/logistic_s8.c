/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LOGISTIC int8 (docs/int8-arithmetic.md §5.9): TFLM logistic_common.cc
 * (CalculateArithmeticOpDataLogistic: raw frexp of s_in * 2^27, no carry fix) and
 * reference_integer_ops::Logistic (gemmlowp logistic on a Q4 input). Prepare requires output zero
 * point -128; the output scale is assumed 1/256. The input rescaling and saturation are shared with
 * TANH (qv_q4_s8_params_init).
 */
#include "engine/int8/node_s8.h"

/* gemmlowp logistic of the Q4 value a, as int8 with zero point -128 and scale 1/256. */
static int8_t logistic_q4(int32_t a)
{
    int32_t y;
    if (a == 0) {
        y = 1 << 30; /* RoundingHalfSum(One, Zero) */
    } else {
        const int32_t abs_a = a > 0 ? a : -a;
        const int32_t pos = qv_one_over_one_plus_x(qv_exp_on_negative_values(-abs_a, 4));
        y = a > 0 ? pos : INT32_MAX - pos;
    }
    return (int8_t)qv_clamp_i32(qv_rdbpot(y, 23) - 128, -128, 127);
}

void qv_logistic_s8(const struct qv_q4_s8_params *p, int64_t n, const int8_t *in, int8_t *out)
{
    if (p->lut) {   /* a fast variant: this loop's results on all 256 codes */
        qv_lut1_s8(p->lut, n, in, out);
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        const int32_t v = in[i] + p->input_offset;
        if (v <= -p->radius)
            out[i] = -128;
        else if (v >= p->radius)
            out[i] = 127;
        else
            out[i] = logistic_q4(qv_mbqm(v, p->multiplier, p->shift, p->rounding));
    }
}

enum qv_status qv_logistic_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st = qv_s8_need_unary_quant(c, &s_in, &z_in, &s_out, &z_out, err);
    if (st != QV_OK)
        return st;
    if (z_out != -128)
        return qv_s8_fail(c, err, "output '%s' zero point must be -128, is %d",
                          qv_s8_out_name(c, 0), (int)z_out);
    return qv_s8_q4_prepare(c, s_in, z_in, qv_logistic_s8, err);
}

void qv_logistic_s8_eval(const struct qv_kernel_ctx *c)
{
    qv_logistic_s8(c->params, qv_s8_elems(c->in[0]), c->in[0]->data, c->out[0]->data);
}
