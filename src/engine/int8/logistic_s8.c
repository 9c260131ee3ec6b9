/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LOGISTIC int8 (spec §5.9): TFLM logistic_common.cc (CalculateArithmeticOpDataLogistic: raw
 * frexp of s_in * 2^27, no carry fix) and reference_integer_ops::Logistic (gemmlowp logistic on
 * a Q4 input). Prepare requires output zero point -128; the output scale is assumed 1/256.
 */
#include <math.h>

#include "core/op_impl.h"
#include "engine/int8/kernels_s8.h"

struct logistic_params {
    int32_t z_in, mult, radius;
    int shift;
};

/* Shared with TANH: (M, left shift, radius) from the raw frexp of s_in * 2^27. */
static void q4_input_params(float s_in, int32_t *m, int *shift, int32_t *radius)
{
    const double real = (double)s_in * (double)(1 << (31 - 4));
    const double q = frexp(real, shift);
    /* TFLM casts round(q * 2^31) to int32 without the 2^31 carry; keep it in range. */
    const int64_t qf = (int64_t)round(q * (double)((int64_t)1 << 31));
    *m = qf > INT32_MAX ? INT32_MAX : (int32_t)qf;
    *radius = qv_input_radius(4, *shift);
}

enum qv_status qv_logistic_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st;
    if ((st = qv_s8_need_quant(c, false, 0, QV_DTYPE_I8, &s_in, &z_in, err)) != QV_OK ||
        (st = qv_s8_need_quant(c, true, 0, QV_DTYPE_I8, &s_out, &z_out, err)) != QV_OK)
        return st;
    if (z_out != -128)
        return qv_s8_fail(c, err, "output '%s' zero point must be -128, is %d",
                          qv_s8_out_name(c, 0), (int)z_out);
    struct logistic_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    p->z_in = z_in;
    q4_input_params(s_in, &p->mult, &p->shift, &p->radius);
    return QV_OK;
}

void qv_logistic_s8(const struct qv_kernel_ctx *c)
{
    const struct logistic_params *p = c->params;
    const int8_t *x = c->in[0]->data;
    int8_t *out = c->out[0]->data;
    const int64_t n = qv_shape_elems(&c->in[0]->shape);
    for (int64_t i = 0; i < n; i++) {
        const int32_t v = x[i] - p->z_in;
        if (v <= -p->radius) {
            out[i] = -128;
        } else if (v >= p->radius) {
            out[i] = 127;
        } else {
            const int32_t a = qv_mbqm(v, p->mult, p->shift, c->rounding); /* Q4 */
            int32_t y;
            if (a == 0) {
                y = 1 << 30; /* RoundingHalfSum(One, Zero) */
            } else {
                const int32_t abs_a = a > 0 ? a : -a;
                const int32_t pos = qv_one_over_one_plus_x(qv_exp_on_negative_values(-abs_a, 4));
                y = a > 0 ? pos : INT32_MAX - pos;
            }
            out[i] = (int8_t)qv_clamp_i32(qv_rdbpot(y, 23) - 128, -128, 127);
        }
    }
}
