/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parameter preparation and gemmlowp fixed-point helpers of the int8 emulator
 * (docs/int8-arithmetic.md §1, §2, §4, §5.8). TFLM: quantization_util.cc (QuantizeMultiplier,
 * CalculateInputRadius), kernel_util.cc (CalculateActivationRangeQuantized), gemmlowp fixedpoint.h
 * (exp_on_negative_values, one_over_one_plus_x_for_x_in_0_1,
 * one_minus_x_over_one_plus_x_for_x_in_0_1).
 */
#include "engine/int8/requant.h"

#include <math.h>

int32_t qv_rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t s = (int64_t)a + b;
    return (int32_t)((s + (s >= 0 ? 1 : -1)) / 2);
}

/* exp on [-1/4, 0) in Q0 (gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl). */
static int32_t exp_quarter(int32_t a)
{
    const int32_t constant_term = 1895147668; /* e^(-1/8) */
    const int32_t one_third = 715827883;
    const int32_t x = qv_wrap_add(a, 1 << 28);
    const int32_t x2 = qv_srdhm(x, x);
    const int32_t x3 = qv_srdhm(x2, x);
    const int32_t x4 = qv_srdhm(x2, x2);
    const int32_t x4_over_4 = qv_rdbpot(x4, 2);
    const int32_t poly = qv_rdbpot(qv_wrap_add(qv_srdhm(qv_wrap_add(x4_over_4, x3), one_third), x2),
                                   1);
    return qv_wrap_add(constant_term, qv_srdhm(constant_term, qv_wrap_add(x, poly)));
}

int32_t qv_exp_on_negative_values(int32_t a, int int_bits)
{
    static const int32_t mult[7] = { 1672461947, 1302514674, 790015084, 290630308,
                                     39332535,   720401,     242 };
    const int frac_bits = 31 - int_bits;
    const int32_t quarter = (int32_t)1 << (frac_bits - 2);
    const int32_t amq = (int32_t)((a & (quarter - 1)) - quarter);
    int32_t result = exp_quarter(qv_sat_shl(amq, int_bits));
    const int32_t rem = (int32_t)((uint32_t)amq - (uint32_t)a);
    for (int e = -2; e <= 4; e++) {
        if (int_bits > e) {
            const int shift = frac_bits + e;
            if (rem & (int32_t)((uint32_t)1 << shift))
                result = qv_srdhm(result, mult[e + 2]);
        }
    }
    if (int_bits > 5) {
        const int32_t clamp = -((int32_t)1 << (36 - int_bits));
        if (a < clamp)
            result = 0;
    }
    if (a == 0)
        result = INT32_MAX;
    return result;
}

/* Newton-Raphson core shared by both reciprocal helpers: returns 1/(1+a)*... in Q2 (raw). */
static int32_t nr_reciprocal_q2(int32_t a)
{
    const int32_t hd = qv_rounding_half_sum(a, INT32_MAX);
    int32_t x = qv_wrap_add(1515870810, qv_srdhm(hd, -1010580540));
    for (int i = 0; i < 3; i++) {
        const int32_t hdx = qv_srdhm(hd, x);
        const int32_t one_minus = qv_wrap_add(1 << 29, -hdx);
        x = qv_wrap_add(x, qv_sat_shl(qv_srdhm(x, one_minus), 2));
    }
    return x;
}

int32_t qv_one_over_one_plus_x(int32_t a)
{
    return qv_sat_shl(nr_reciprocal_q2(a), 1);
}

int32_t qv_one_minus_x_over_one_plus_x(int32_t a)
{
    return qv_sat_shl(qv_wrap_add(nr_reciprocal_q2(a), -(1 << 29)), 2);
}

void qv_quantize_multiplier(double d, enum qv_rounding r, int32_t *ret_m, int *ret_shift)
{
    if (d == 0.0) {
        *ret_m = 0;
        *ret_shift = 0;
        return;
    }
    int shift;
    const double q = frexp(d, &shift);
    int64_t q_fixed = (int64_t)round(q * (double)((int64_t)1 << 31));
    if (q_fixed == ((int64_t)1 << 31)) {
        q_fixed /= 2;
        shift++;
    }
    if (shift < -31) {
        shift = 0;
        q_fixed = 0;
    }
    if (r == QV_ROUNDING_SINGLE && shift > 30) {
        shift = 30;
        q_fixed = ((int64_t)1 << 31) - 1;
    }
    *ret_m = (int32_t)q_fixed;
    *ret_shift = shift;
}

/* zp + (int32)roundf(f / scale), saturated instead of overflowing (a tiny scale). */
static int32_t quantized_bound(float f, float scale, int32_t zp)
{
    const float q = roundf(f / scale);
    const int64_t v = (q >= 2147483520.0f ? INT32_MAX
                       : q <= -2147483648.0f ? INT32_MIN
                       : q == q ? (int64_t)q : 0) + (int64_t)zp;
    return v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v);
}

void qv_activation_range_s8(enum qv_act act, float scale, int32_t zp, int32_t *ret_min,
                            int32_t *ret_max)
{
    int32_t lo = -128, hi = 127;
    if (act == QV_ACT_RELU) {
        lo = quantized_bound(0.0f, scale, zp);
    } else if (act == QV_ACT_RELU6) {
        lo = quantized_bound(0.0f, scale, zp);
        hi = quantized_bound(6.0f, scale, zp);
    } else if (act == QV_ACT_RELU_N1_TO_1) {
        lo = quantized_bound(-1.0f, scale, zp);
        hi = quantized_bound(1.0f, scale, zp);
    }
    *ret_min = lo > -128 ? lo : -128;
    *ret_max = hi < 127 ? hi : 127;
}

int32_t qv_input_radius(int int_bits, int left_shift)
{
    /* Division by 2^ls is exact, so ldexp gives TFLM's double quotient for any ls. */
    const double max_rescaled = ldexp(1.0 * (double)((1 << int_bits) - 1) *
                                      (double)((int64_t)1 << (31 - int_bits)), -left_shift);
    /* A tiny input scale (large negative shift) gives a radius past int32: no input reaches
     * it, so INT32_MAX means the same without an out-of-range conversion. */
    return max_rescaled >= 2147483647.0 ? INT32_MAX : (int32_t)floor(max_rescaled);
}

bool qv_tensor_quant1(const struct qv_tensor *t, float *ret_scale, int32_t *ret_zp)
{
    if (t->quant.count < 1 || !t->quant.scale || !t->quant.zero_point)
        return false;
    *ret_scale = t->quant.scale[0];
    *ret_zp = t->quant.zero_point[0];
    return true;
}
