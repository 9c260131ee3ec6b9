/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TANH int8 (spec §5.10): TFLM tanh.cc (CalculateArithmeticOpData: raw frexp of s_in * 2^27)
 * and reference_integer_ops::Tanh (gemmlowp tanh on a Q4 input). No output check in TFLM: the
 * math assumes output scale 1/128 and zero point 0.
 */
#include <math.h>

#include "core/op_impl.h"
#include "engine/int8/kernels_s8.h"

struct tanh_params {
    int32_t z_in, mult, radius;
    int shift;
};

enum qv_status qv_tanh_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st;
    if ((st = qv_s8_need_quant(c, false, 0, QV_DTYPE_I8, &s_in, &z_in, err)) != QV_OK ||
        (st = qv_s8_need_quant(c, true, 0, QV_DTYPE_I8, &s_out, &z_out, err)) != QV_OK)
        return st;
    struct tanh_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    p->z_in = z_in;
    const double real = (double)s_in * (double)(1 << (31 - 4));
    const double q = frexp(real, &p->shift);
    const int64_t qf = (int64_t)round(q * (double)((int64_t)1 << 31));
    p->mult = qf > INT32_MAX ? INT32_MAX : (int32_t)qf;
    p->radius = qv_input_radius(4, p->shift);
    return QV_OK;
}

void qv_tanh_s8(const struct qv_kernel_ctx *c)
{
    const struct tanh_params *p = c->params;
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
            int32_t y = 0;
            if (a != 0) {
                /* tanh_on_negative_values(-|a|): the raw Q4 value read as Q5 (x2). */
                const int32_t n_abs = a < 0 ? a : -a;
                const int32_t e = qv_exp_on_negative_values(n_abs, 5);
                const int32_t t = qv_one_minus_x_over_one_plus_x(e);
                y = a < 0 ? -t : t;
            }
            out[i] = (int8_t)qv_clamp_i32(qv_rdbpot(y, 24), -128, 127);
        }
    }
}
