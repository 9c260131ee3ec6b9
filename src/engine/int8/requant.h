/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared integer arithmetic of the int8 emulator: the gemmlowp/TFLM primitives every kernel is
 * built from (docs/int8-arithmetic.md §1–§4). Everything here is bit-exact with TFLM's reference
 * implementation (tensorflow/lite/kernels/internal/common.h, quantization_util.cc, gemmlowp
 * fixedpoint.h). Private to libqvet.
 *
 * Conventions: a "shift" is a left-shift exponent (positive multiplies); int32 overflow that is
 * UB in TFLM's C++ (and cannot happen for converter-made models) wraps here.
 */
#ifndef QV_ENGINE_INT8_REQUANT_H
#define QV_ENGINE_INT8_REQUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/graph.h"

/* ---- int32 primitives (docs/int8-arithmetic.md §1) ------------------------------------------- */

/* Wrapping int32 arithmetic (two's complement; what TFLM computes when it does not overflow). */
static inline int32_t qv_wrap_add(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static inline int32_t qv_wrap_sub(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

static inline int32_t qv_wrap_mul(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a * (uint32_t)b);
}

static inline int32_t qv_clamp_i32(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/*
 * SaturatingRoundingDoublingHighMul (gemmlowp): round(a*b / 2^31), ties toward +inf;
 * INT32_MIN * INT32_MIN saturates to INT32_MAX. Equal to floor((a*b + 2^30) / 2^31).
 */
static inline int32_t qv_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN)
        return INT32_MAX;
    return (int32_t)(((int64_t)a * b + ((int64_t)1 << 30)) >> 31);
}

/* RoundingDivideByPOT (gemmlowp): round(x / 2^e), ties away from zero. @param e 0..31 */
static inline int32_t qv_rdbpot(int32_t x, int e)
{
    const int32_t mask = (int32_t)(((uint32_t)1 << e) - 1);
    const int32_t rem = x & mask;
    const int32_t thr = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (rem > thr ? 1 : 0);
}

/*
 * MultiplyByQuantizedMultiplier, default (double rounding) build, docs/int8-arithmetic.md §3.1:
 * RDBPOT(SRDHM(x * 2^max(shift,0), M), max(-shift,0)); the left shift wraps like TFLM's multiply.
 */
static inline int32_t qv_mbqm_double(int32_t x, int32_t m, int shift)
{
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    return qv_rdbpot(qv_srdhm(qv_wrap_mul(x, (int32_t)((uint32_t)1 << left)), m), right);
}

/*
 * MultiplyByQuantizedMultiplier, TFLITE_SINGLE_ROUNDING build, docs/int8-arithmetic.md §3.2:
 * (x*M + 2^(t-1)) >> t with t = 31 - shift (shift in [-31, 30], guaranteed by
 * qv_quantize_multiplier in single mode).
 */
static inline int32_t qv_mbqm_single(int32_t x, int32_t m, int shift)
{
    const int t = 31 - shift;
    return (int32_t)(((int64_t)x * m + ((int64_t)1 << (t - 1))) >> t);
}

static inline int32_t qv_mbqm(int32_t x, int32_t m, int shift, enum qv_rounding r)
{
    return r == QV_ROUNDING_SINGLE ? qv_mbqm_single(x, m, shift) : qv_mbqm_double(x, m, shift);
}

/*
 * gemmlowp SaturatingRoundingMultiplyByPOT<k> on int32: k > 0 saturating left shift, k < 0
 * RDBPOT(x, -k), k == 0 identity.
 */
static inline int32_t qv_sat_shl(int32_t x, int k)
{
    if (k < 0)
        return qv_rdbpot(x, -k);
    if (k == 0)
        return x;
    const int32_t thr = (int32_t)(((uint32_t)1 << (31 - k)) - 1);
    if (x > thr)
        return INT32_MAX;
    if (x < -thr)
        return INT32_MIN;
    return qv_wrap_mul(x, (int32_t)((uint32_t)1 << k));
}

/* ---- int16 primitives (HARD_SWISH) ----------------------------------------------------------- */

static inline int16_t qv_srdhm16(int16_t a, int16_t b)
{
    if (a == INT16_MIN && b == INT16_MIN)
        return INT16_MAX;
    const int32_t p = (int32_t)a * b;
    const int32_t nudge = p >= 0 ? (1 << 14) : (1 - (1 << 14));
    return (int16_t)((p + nudge) / (1 << 15));
}

/* SaturatingDoublingHighMul (no rounding): trunc(a*b / 2^15); INT16_MIN^2 -> INT16_MAX. */
static inline int16_t qv_sdhm16(int16_t a, int16_t b)
{
    if (a == INT16_MIN && b == INT16_MIN)
        return INT16_MAX;
    return (int16_t)(((int32_t)a * b) / (1 << 15));
}

static inline int16_t qv_rdbpot16(int16_t x, int e)
{
    const int16_t mask = (int16_t)((1 << e) - 1);
    const int16_t rem = (int16_t)(x & mask);
    const int16_t thr = (int16_t)((mask >> 1) + (x < 0 ? 1 : 0));
    return (int16_t)((x >> e) + (rem > thr ? 1 : 0));
}

/* ---- fixed-point transcendental helpers (gemmlowp, docs/int8-arithmetic.md §5.8) ------------- */

/* RoundingHalfSum on int32. */
int32_t qv_rounding_half_sum(int32_t a, int32_t b);
/* exp_on_negative_values: a <= 0 in Q(int_bits) (raw), result in Q0 (raw). int_bits 0..30. */
int32_t qv_exp_on_negative_values(int32_t a, int int_bits);
/* one_over_one_plus_x_for_x_in_0_1: a in Q0 [0, 1), result 1/(1+a) in Q0. */
int32_t qv_one_over_one_plus_x(int32_t a);
/* one_minus_x_over_one_plus_x_for_x_in_0_1: a in Q0 [0, 1), result in Q0. */
int32_t qv_one_minus_x_over_one_plus_x(int32_t a);

/* ---- parameter preparation (docs/int8-arithmetic.md §2, §4) ---------------------------------- */

/*
 * QuantizeMultiplier (quantization_util.cc): d ~= M * 2^(shift - 31), M in [2^30, 2^31) or 0.
 * frexp + round half away from zero, carry at 2^31, flush below 2^-32; in single-rounding mode
 * also the shift clamp (> 30 -> 30, M = INT32_MAX). Negative d gives negative M (LEAKY_RELU).
 */
void qv_quantize_multiplier(double d, enum qv_rounding r, int32_t *ret_m, int *ret_shift);

/*
 * CalculateActivationRangeQuantized for an int8 output with (scale, zp) (docs/int8-arithmetic.md
 * §4): Q(f) = zp + (int32)roundf(f / scale), float divide.
 */
void qv_activation_range_s8(enum qv_act act, float scale, int32_t zp, int32_t *ret_min,
                            int32_t *ret_max);

/*
 * CalculateInputRadius(int_bits, left_shift, 31): floor((2^ib - 1) * 2^(31-ib) / 2^ls),
 * saturated at INT32_MAX.
 */
int32_t qv_input_radius(int int_bits, int left_shift);

/*
 * Quantized (scale, zero point) of a tensor as TFLM's params sees it: scale[0] / zero_point[0].
 * Returns false when the tensor carries no quantization.
 */
bool qv_tensor_quant1(const struct qv_tensor *t, float *ret_scale, int32_t *ret_zp);

#endif
