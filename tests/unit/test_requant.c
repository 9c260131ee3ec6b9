/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The int8 emulator's arithmetic primitives against every worked example of
 * docs/int8-arithmetic.md (§2.1, §3.1, §3.2, §5.4, §5.6, §5.8, §5.9, §5.10) plus randomized
 * property checks against int64 / long double references.
 */
#include <math.h>
#include <stdlib.h>

#include "engine/int8/requant.h"
#include "support.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int32_t rnd_i32(void)
{
    return (int32_t)(uint32_t)rnd();
}

START_TEST(quantize_multiplier_examples)
{
    static const struct {
        double d;
        int32_t m;
        int shift;
    } ex[] = {
        { 0.0123, 1690499128, -6 },
        { 0.25, 1073741824, -1 },
        { 0.75, 1610612736, 0 },
        { 1.0, 1073741824, 1 },
        { 3.0, 1610612736, 2 },
        { 1.0 - 0x1p-33, 1073741824, 1 },
        { 0x1p-32, 1073741824, -31 },
        { 0x1p-33, 0, 0 },
        { 2147483647.0, 2147483647, 31 },
        { 0.0, 0, 0 },
    };
    for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
        int32_t m;
        int s;
        qv_quantize_multiplier(ex[i].d, QV_ROUNDING_DOUBLE, &m, &s);
        ck_assert_msg(m == ex[i].m && s == ex[i].shift, "QuantizeMultiplier(%.17g) = (%d, %d), "
                      "expected (%d, %d)", ex[i].d, m, s, ex[i].m, ex[i].shift);
    }
    /* Single-rounding build clamps shift > 30. */
    int32_t m;
    int s;
    qv_quantize_multiplier(2147483647.0, QV_ROUNDING_SINGLE, &m, &s);
    ck_assert_int_eq(m, INT32_MAX);
    ck_assert_int_eq(s, 30);
    qv_quantize_multiplier(3.0, QV_ROUNDING_SINGLE, &m, &s);
    ck_assert_int_eq(m, 1610612736);
    ck_assert_int_eq(s, 2);
}
END_TEST

START_TEST(srdhm_rdbpot_examples)
{
    ck_assert_int_eq(qv_srdhm(1, 1 << 30), 1);
    ck_assert_int_eq(qv_srdhm(-1, 1 << 30), 0);
    ck_assert_int_eq(qv_srdhm(3, 1 << 30), 2);
    ck_assert_int_eq(qv_srdhm(-3, 1 << 30), -1);
    ck_assert_int_eq(qv_srdhm(INT32_MIN, INT32_MIN), INT32_MAX);
    ck_assert_int_eq(qv_rdbpot(5, 1), 3);
    ck_assert_int_eq(qv_rdbpot(-5, 1), -3);
    ck_assert_int_eq(qv_rdbpot(-6, 2), -2);
    ck_assert_int_eq(qv_rdbpot(-7, 2), -2);
    ck_assert_int_eq(qv_rdbpot(12345, 0), 12345);
    ck_assert_int_eq(qv_rounding_half_sum(INT32_MAX, 0), 1 << 30);
}
END_TEST

START_TEST(mbqm_examples)
{
    int32_t m;
    int s;
    qv_quantize_multiplier(0.0123, QV_ROUNDING_DOUBLE, &m, &s);
    ck_assert_int_eq(qv_srdhm(-1000, m), -787);
    ck_assert_int_eq(qv_mbqm_double(-1000, m, s), -12);
    ck_assert_int_eq(qv_srdhm(-203, m), -160);
    ck_assert_int_eq(qv_mbqm_double(-203, m, s), -3);
    ck_assert_int_eq(qv_mbqm_single(-203, m, s), -2);
    /* Tie: d = 0.25, x = -6. */
    ck_assert_int_eq(qv_mbqm_double(-6, 1 << 30, -1), -2);
    ck_assert_int_eq(qv_mbqm_single(-6, 1 << 30, -1), -1);
    ck_assert_int_eq(qv_mbqm(-6, 1 << 30, -1, QV_ROUNDING_DOUBLE), -2);
    ck_assert_int_eq(qv_mbqm(-6, 1 << 30, -1, QV_ROUNDING_SINGLE), -1);
    /* Equal scales (2^30, 1) are exact in both flavours. */
    for (int32_t x = -300; x <= 300; x++) {
        ck_assert_int_eq(qv_mbqm_double(x, 1 << 30, 1), x);
        ck_assert_int_eq(qv_mbqm_single(x, 1 << 30, 1), x);
    }
}
END_TEST

START_TEST(add_example)
{
    /* §5.4: s1=0.05f, s2=0.1f, s_out=0.12f, z1=-3, z2=10, z_out=5, q1=-100, q2=50 -> -2. */
    const float s1 = 0.05f, s2 = 0.1f, so = 0.12f;
    const double tm = 2 * (double)s2;
    int32_t m1, m2, mo;
    int sh1, sh2, sho;
    qv_quantize_multiplier((double)s1 / tm, QV_ROUNDING_DOUBLE, &m1, &sh1);
    qv_quantize_multiplier((double)s2 / tm, QV_ROUNDING_DOUBLE, &m2, &sh2);
    qv_quantize_multiplier(tm / ((1 << 20) * (double)so), QV_ROUNDING_DOUBLE, &mo, &sho);
    ck_assert_int_eq(m1, 1 << 30);
    ck_assert_int_eq(sh1, -1);
    ck_assert_int_eq(m2, 1 << 30);
    ck_assert_int_eq(sh2, 0);
    ck_assert_int_eq(mo, 1789569773);
    ck_assert_int_eq(sho, -19);
    const int32_t a = (-100 + 3) * (1 << 20), b = (50 - 10) * (1 << 20);
    ck_assert_int_eq(a, -101711872);
    const int32_t a2 = qv_mbqm_double(a, m1, sh1), b2 = qv_mbqm_double(b, m2, sh2);
    ck_assert_int_eq(a2, -25427968);
    ck_assert_int_eq(b2, 20971520);
    ck_assert_int_eq(qv_mbqm_double(a2 + b2, mo, sho) + 5, -2);
}
END_TEST

START_TEST(softmax_example)
{
    /* §5.8: s_in = 0.1f, beta = 1, q = {10, 0, -20} -> {53, -62, -119}. */
    const double r = 1.0 * (double)0.1f * (double)(1 << 26);
    int32_t m;
    int ls;
    qv_quantize_multiplier(r, QV_ROUNDING_DOUBLE, &m, &ls);
    ck_assert_int_eq(m, 1717986944);
    ck_assert_int_eq(ls, 23);
    ck_assert_int_eq(-qv_input_radius(5, ls), -248);
    const int32_t d[3] = { 0, -10, -30 };
    const int32_t z_want[3] = { 0, -67108865, -201326595 };
    const int32_t e_want[3] = { 2147483647, 790014891, 106916886 };
    const int32_t t_want[3] = { 524288, 192875, 26103 };
    const int32_t o_want[3] = { 53, -62, -119 };
    int32_t ex[3], sum = 0;
    for (int i = 0; i < 3; i++) {
        const int32_t z = qv_mbqm_double(d[i], m, ls);
        ck_assert_int_eq(z, z_want[i]);
        ex[i] = qv_exp_on_negative_values(z, 5);
        ck_assert_int_eq(ex[i], e_want[i]);
        ck_assert_int_eq(qv_rdbpot(ex[i], 12), t_want[i]);
        sum += qv_rdbpot(ex[i], 12);
    }
    ck_assert_int_eq(sum, 743266);
    const int h = __builtin_clz((uint32_t)sum);
    ck_assert_int_eq(h, 12);
    const int32_t xr = (int32_t)(((uint32_t)sum << h) - (1u << 31));
    ck_assert_int_eq(xr, 896933888);
    const int32_t sc = qv_one_over_one_plus_x(xr);
    ck_assert_int_eq(sc, 1514800768);
    const int32_t p_want[3] = { 1514800767, 557263924, 75417469 };
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(qv_srdhm(sc, ex[i]), p_want[i]);
        ck_assert_int_eq(qv_rdbpot(qv_srdhm(sc, ex[i]), 23) - 128, o_want[i]);
    }
}
END_TEST

START_TEST(logistic_tanh_examples)
{
    /* §5.9 / §5.10: s_in = 0.05f, z_in = -1: M = 1717986944, ls = 23, radius = 240. */
    const double real = (double)0.05f * (double)(1 << 27);
    int ls;
    const double q = frexp(real, &ls);
    const int32_t m = (int32_t)round(q * 2147483648.0);
    ck_assert_int_eq(m, 1717986944);
    ck_assert_int_eq(ls, 23);
    ck_assert_int_eq(qv_input_radius(4, ls), 240);
    const int32_t a = qv_mbqm_double(1, m, ls);
    ck_assert_int_eq(a, 6710887);
    /* logistic(q = 0) = 3 */
    const int32_t pos = qv_one_over_one_plus_x(qv_exp_on_negative_values(-a, 4));
    ck_assert_int_eq(qv_rdbpot(pos, 23) - 128, 3);
    /* tanh(q = 0) = 6 */
    const int32_t t = qv_one_minus_x_over_one_plus_x(qv_exp_on_negative_values(-a, 5));
    ck_assert_int_eq(qv_rdbpot(t, 24), 6);
    /* logistic(q = 100): x = 101 < radius */
    const int32_t a100 = qv_mbqm_double(101, m, ls);
    const int32_t p100 = qv_one_over_one_plus_x(qv_exp_on_negative_values(-a100, 4));
    ck_assert_int_eq(qv_clamp_i32(qv_rdbpot(p100, 23) - 128, -128, 127), 126);
    const int32_t t100 = qv_one_minus_x_over_one_plus_x(qv_exp_on_negative_values(-a100, 5));
    ck_assert_int_eq(qv_clamp_i32(qv_rdbpot(t100, 24), -128, 127), 127);
}
END_TEST

static int32_t avgpool_round(int32_t sum, int32_t n)
{
    return sum > 0 ? (sum + n / 2) / n : (sum - n / 2) / n;
}

START_TEST(avgpool_rounding_examples)
{
    ck_assert_int_eq(avgpool_round(-7, 2), -4);
    ck_assert_int_eq(avgpool_round(-5, 4), -1);
    ck_assert_int_eq(avgpool_round(-6, 4), -2);
    ck_assert_int_eq(avgpool_round(6, 4), 2);
    ck_assert_int_eq(avgpool_round(-4, 3), -1);
}
END_TEST

START_TEST(activation_range)
{
    int32_t lo, hi;
    qv_activation_range_s8(QV_ACT_NONE, 0.1f, 3, &lo, &hi);
    ck_assert_int_eq(lo, -128);
    ck_assert_int_eq(hi, 127);
    qv_activation_range_s8(QV_ACT_RELU, 0.1f, -5, &lo, &hi);
    ck_assert_int_eq(lo, -5);
    ck_assert_int_eq(hi, 127);
    qv_activation_range_s8(QV_ACT_RELU6, 0.1f, -5, &lo, &hi);
    ck_assert_int_eq(lo, -5);
    ck_assert_int_eq(hi, 55);
    qv_activation_range_s8(QV_ACT_RELU_N1_TO_1, 0.01f, 0, &lo, &hi);
    ck_assert_int_eq(lo, -100);
    ck_assert_int_eq(hi, 100);
    qv_activation_range_s8(QV_ACT_RELU6, 0.01f, 0, &lo, &hi);
    ck_assert_int_eq(hi, 127);
}
END_TEST

/* Random properties: SRDHM and RDBPOT against int64 / exact references. */
START_TEST(random_properties)
{
    for (int i = 0; i < 100000; i++) {
        const int32_t a = rnd_i32(), b = rnd_i32();
        /* gemmlowp's nudge-and-truncate formulation */
        const int64_t p = (int64_t)a * b;
        const int64_t nudge = p >= 0 ? (1 << 30) : (1 - (1 << 30));
        const bool sat = a == INT32_MIN && b == INT32_MIN;
        const int32_t ref = sat ? INT32_MAX : (int32_t)((p + nudge) / (1ll << 31));
        ck_assert_int_eq(qv_srdhm(a, b), ref);
        const int e = (int)(rnd() % 32);
        /* round half away from zero of a / 2^e, exactly */
        const long double exact = (long double)a / (long double)(1ull << e);
        const int64_t want = (int64_t)(exact < 0 ? -floorl(-exact + 0.5L) : floorl(exact + 0.5L));
        ck_assert_int_eq(qv_rdbpot(a, e), want);
        /* single rounding = floor((x*M + 2^(t-1)) / 2^t) */
        const int32_t m = (int32_t)((rnd() % (1u << 30)) + (1u << 30));
        const int sh = (int)(rnd() % 31) - 31 + 1; /* -30..0 */
        const int32_t x = rnd_i32() >> (rnd() % 31);
        const __int128 prod = (__int128)x * m + ((__int128)1 << (30 - sh));
        const int64_t want_s = (int64_t)(prod >> (31 - sh));
        if (want_s >= INT32_MIN && want_s <= INT32_MAX)
            ck_assert_int_eq(qv_mbqm_single(x, m, sh), (int32_t)want_s);
        /* double rounding is within one unit of single rounding */
        const int32_t dd = qv_mbqm_double(x, m, sh), ss = qv_mbqm_single(x, m, sh);
        ck_assert(dd - ss <= 1 && ss - dd <= 1);
    }
    /* QuantizeMultiplier reconstructs d to 31 bits. */
    for (int i = 0; i < 100000; i++) {
        const double frac = (double)(rnd() >> 11) / 9007199254740992.0 + 0.5;
        const double d = ldexp(frac, (int)(rnd() % 60) - 40);
        int32_t m;
        int s;
        qv_quantize_multiplier(d, QV_ROUNDING_DOUBLE, &m, &s);
        if (s < -31 || m == 0)
            continue;
        ck_assert(m >= (1 << 30));
        const double back = ldexp((double)m, s - 31);
        ck_assert(fabs(back - d) <= ldexp(d, -30));
    }
}
END_TEST

/* exp_on_negative_values and the reciprocal helpers stay close to their real functions. */
START_TEST(fixed_point_functions_accuracy)
{
    for (int i = 0; i < 20000; i++) {
        const int32_t a = -(int32_t)(rnd() % (1u << 31));
        const double x = (double)a / (double)(1u << 26); /* Q5 */
        const double got = (double)qv_exp_on_negative_values(a, 5) / 2147483648.0;
        ck_assert(fabs(got - exp(x)) < 1e-6);
        const int32_t u = (int32_t)(rnd() % (1u << 31));
        const double ux = (double)u / 2147483648.0;
        ck_assert(fabs((double)qv_one_over_one_plus_x(u) / 2147483648.0 - 1.0 / (1.0 + ux)) < 1e-6);
        ck_assert(fabs((double)qv_one_minus_x_over_one_plus_x(u) / 2147483648.0 -
                       (1.0 - ux) / (1.0 + ux)) < 1e-6);
    }
}
END_TEST

static Suite *requant_suite(void)
{
    Suite *s = suite_create("requant");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, quantize_multiplier_examples);
    tcase_add_test(tc, srdhm_rdbpot_examples);
    tcase_add_test(tc, mbqm_examples);
    tcase_add_test(tc, add_example);
    tcase_add_test(tc, softmax_example);
    tcase_add_test(tc, logistic_tanh_examples);
    tcase_add_test(tc, avgpool_rounding_examples);
    tcase_add_test(tc, activation_range);
    tcase_add_test(tc, random_properties);
    tcase_add_test(tc, fixed_point_functions_accuracy);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(requant)
