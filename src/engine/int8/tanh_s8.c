/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TANH int8 (docs/int8-arithmetic.md §5.10): TFLM tanh.cc (CalculateArithmeticOpData: raw frexp of
 * s_in * 2^27) and reference_integer_ops::Tanh (gemmlowp tanh on a Q4 input). No output check in
 * TFLM: the math assumes output scale 1/128 and zero point 0. The input rescaling and saturation
 * are shared with LOGISTIC (qv_q4_s8_params_init).
 */
#include "engine/int8/node_s8.h"

/* gemmlowp tanh of the Q4 value a, as int8 with zero point 0 and scale 1/128. */
static int8_t tanh_q4(int32_t a)
{
    int32_t y = 0;
    if (a != 0) {
        /* tanh_on_negative_values(-|a|): the raw Q4 value read as Q5 (x2). */
        const int32_t n_abs = a < 0 ? a : -a;
        const int32_t e = qv_exp_on_negative_values(n_abs, 5);
        const int32_t t = qv_one_minus_x_over_one_plus_x(e);
        y = a < 0 ? -t : t;
    }
    return (int8_t)qv_clamp_i32(qv_rdbpot(y, 24), -128, 127);
}

void qv_tanh_s8(const struct qv_q4_s8_params *p, int64_t n, const int8_t *in, int8_t *out)
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
            out[i] = tanh_q4(qv_mbqm(v, p->multiplier, p->shift, p->rounding));
    }
}

enum qv_status qv_tanh_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st = qv_s8_need_unary_quant(c, &s_in, &z_in, &s_out, &z_out, err);
    if (st != QV_OK)
        return st;
    return qv_s8_q4_prepare(c, s_in, z_in, qv_tanh_s8, err);
}

void qv_tanh_s8_eval(const struct qv_kernel_ctx *c)
{
    qv_tanh_s8(c->params, qv_s8_elems(c->in[0]), c->in[0]->data, c->out[0]->data);
}
