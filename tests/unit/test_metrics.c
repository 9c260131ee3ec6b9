/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Metrics (include/qvet/metrics.h): exact sums against an independent fsum, divergence figures,
 * int8 levels, AUC against a brute-force Mann-Whitney count, the task check on shipped and
 * hand-made models, task metrics with hand-computed answers, and the contract the runner relies
 * on: any chunking, order and merge tree, with JSON round trips in between, gives byte-identical
 * JSON and summaries. Hostile JSON is refused naming the member.
 */
#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/metrics_int.h"
#include "report/from_metrics.h"
#include "support.h"

/* ---- helpers ---------------------------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

static double uniform(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* A double with a random exponent in [emin, emax] (biased field), mantissa and sign. */
static double rnd_double(int emin, int emax)
{
    uint64_t e = (uint64_t)(emin + (int)(rnd() % (uint64_t)(emax - emin + 1)));
    uint64_t bits = (rnd() & ((1ull << 52) - 1)) | (e << 52) | (rnd() & (1ull << 63));
    double v;
    memcpy(&v, &bits, sizeof(v));
    return v;
}

/* Python's math.fsum (Shewchuk's partials, correctly rounded): an independent exact sum. */
static double fsum(const double *x, int n)
{
    double p[2200];
    int np = 0;
    for (int k = 0; k < n; k++) {
        double v = x[k];
        int i = 0;
        for (int j = 0; j < np; j++) {
            double y = p[j];
            if (fabs(v) < fabs(y)) {
                double t = v;
                v = y;
                y = t;
            }
            double hi = v + y, lo = y - (hi - v);
            if (lo != 0)
                p[i++] = lo;
            v = hi;
        }
        np = i;
        p[np++] = v;
    }
    double hi = 0, lo = 0;
    int m = np;
    if (m > 0) {
        hi = p[--m];
        while (m > 0) {
            double v = hi, y = p[--m];
            hi = v + y;
            double yr = hi - v;
            lo = y - yr;
            if (lo != 0)
                break;
        }
        if (m > 0 && ((lo < 0 && p[m - 1] < 0) || (lo > 0 && p[m - 1] > 0))) {
            double y = lo * 2, v = hi + y, yr = v - hi;
            if (y == yr)
                hi = v;
        }
    }
    return hi;
}

static char *xtext(const struct qv_xacc *a)
{
    static char buf[4][QV_XACC_TEXT_MAX];
    static int k;
    k = (k + 1) % 4;
    qv_xacc_format(a, buf[k], sizeof(buf[k]));
    return buf[k];
}

static void assert_same_double(double a, double b, const char *what)
{
    ck_assert_msg(memcmp(&a, &b, sizeof(a)) == 0 || (isnan(a) && isnan(b)),
                  "%s: %.17g vs %.17g", what, a, b);
}

/* ---- exact sums -------------------------------------------------------------------------------- */

START_TEST(xacc_simple)
{
    struct qv_xacc a;
    qv_xacc_init(&a);
    ck_assert(qv_xacc_is_zero(&a));
    ck_assert_str_eq(xtext(&a), "0");
    qv_xacc_add(&a, 0.1);
    qv_xacc_add(&a, 0.2);
    qv_xacc_add(&a, 0.3);
    double x[3] = { 0.1, 0.2, 0.3 };
    assert_same_double(qv_xacc_value(&a), fsum(x, 3), "0.1+0.2+0.3");
    ck_assert(qv_xacc_value(&a) == 0.6);    /* the correctly rounded sum; 0.1+0.2+0.3 != 0.6 */
    qv_xacc_init(&a);
    qv_xacc_add(&a, 1e308);
    qv_xacc_add(&a, 1.0);
    qv_xacc_add(&a, -1e308);
    ck_assert(qv_xacc_value(&a) == 1.0);
    qv_xacc_init(&a);
    qv_xacc_add(&a, 1.0);
    ck_assert_str_eq(xtext(&a), "1p0");
    qv_xacc_add(&a, 0.5);
    ck_assert_str_eq(xtext(&a), "3p-1");
    qv_xacc_add(&a, -2.0);
    ck_assert_str_eq(xtext(&a), "-1p-1");
    ck_assert(qv_xacc_value(&a) == -0.5);
    qv_xacc_init(&a);
    qv_xacc_add(&a, 4.9406564584124654e-324);   /* the smallest subnormal */
    ck_assert_str_eq(xtext(&a), "1p-1074");
    qv_xacc_add(&a, 4.9406564584124654e-324);
    ck_assert_str_eq(xtext(&a), "1p-1073");
    ck_assert(qv_xacc_value(&a) == 2 * 4.9406564584124654e-324);
    /* 2 DBL_MAX overflows a double but not the accumulator */
    qv_xacc_init(&a);
    qv_xacc_add(&a, DBL_MAX);
    qv_xacc_add(&a, DBL_MAX);
    ck_assert(isinf(qv_xacc_value(&a)) && qv_xacc_value(&a) > 0);
    qv_xacc_add(&a, -DBL_MAX);
    ck_assert(qv_xacc_value(&a) == DBL_MAX);
    /* non-finite values are counted apart */
    qv_xacc_add(&a, INFINITY);
    ck_assert(isinf(qv_xacc_value(&a)));
    qv_xacc_add(&a, -INFINITY);
    ck_assert(isnan(qv_xacc_value(&a)));
    qv_xacc_add(&a, NAN);
    ck_assert_str_eq(xtext(&a), "1fffffffffffffp971,nan:1,+inf:1,-inf:1");
    struct qv_xacc b;
    ck_assert(qv_xacc_parse(xtext(&a), &b));
    ck_assert_str_eq(xtext(&b), xtext(&a));
}
END_TEST

/* Ties: exact sums halfway between two doubles round to even. */
START_TEST(xacc_rounding)
{
    struct qv_xacc a;
    double two53 = 9007199254740992.0;
    double cases[][3] = { { two53, 1.0, two53 },           /* halfway, even below */
                          { two53 + 2, 1.0, two53 + 4 },   /* halfway, even above */
                          { two53, 1.0000001, two53 + 2 }, /* above halfway */
                          { two53, 0.9999999, two53 } };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        qv_xacc_init(&a);
        qv_xacc_add(&a, cases[i][0]);
        qv_xacc_add(&a, cases[i][1]);
        ck_assert_msg(qv_xacc_value(&a) == cases[i][2], "case %zu: %.17g", i, qv_xacc_value(&a));
        assert_same_double(qv_xacc_value(&a), fsum(cases[i], 2), "fsum");
    }
    /* a sticky bit far below the rounding position */
    qv_xacc_init(&a);
    qv_xacc_add(&a, two53);
    qv_xacc_add(&a, 1.0);
    qv_xacc_add(&a, 1e-300);
    ck_assert(qv_xacc_value(&a) == two53 + 2);
}
END_TEST

START_TEST(xacc_random_against_fsum)
{
    static double x[2000];
    rng_state = 0x1234567 + (uint64_t)_i;
    for (int round = 0; round < 40; round++) {
        int n = 1 + (int)(rnd() % 2000);
        /* exponents from subnormal to 2^200: fsum's partials cannot overflow */
        int emin = round % 3 == 0 ? 0 : 900, emax = round % 3 == 2 ? 1100 : 1223;
        for (int i = 0; i < n; i++)
            x[i] = rnd_double(emin, emax);
        if (round % 4 == 1)   /* heavy cancellation */
            for (int i = 0; i + 1 < n; i += 2)
                x[i + 1] = -x[i] * (1 + 0x1p-40 * (double)(rnd() % 3));
        struct qv_xacc a, b, c;
        qv_xacc_init(&a);
        for (int i = 0; i < n; i++)
            qv_xacc_add(&a, x[i]);
        assert_same_double(qv_xacc_value(&a), fsum(x, n), "random sum");
        /* reversed order and a split into merged parts give the same canonical text */
        qv_xacc_init(&b);
        for (int i = n - 1; i >= 0; i--)
            qv_xacc_add(&b, x[i]);
        ck_assert_str_eq(xtext(&a), xtext(&b));
        int cut = (int)(rnd() % (uint64_t)n);
        qv_xacc_init(&b);
        qv_xacc_init(&c);
        for (int i = 0; i < n; i++)
            qv_xacc_add(i < cut ? &b : &c, x[i]);
        qv_xacc_merge(&c, &b);
        ck_assert_str_eq(xtext(&a), xtext(&c));
        /* the text round-trips */
        struct qv_xacc d;
        ck_assert(qv_xacc_parse(xtext(&a), &d));
        ck_assert_str_eq(xtext(&d), xtext(&a));
        assert_same_double(qv_xacc_value(&d), qv_xacc_value(&a), "parsed");
    }
}
END_TEST

START_TEST(xacc_parse_rejects)
{
    static const char *const bad[] = {
        "", "00", "01p3", "2p3", "1p", "p3", "1p-1075", "1P3", "1p3x", "0x1p3", "-0", "1.5p2",
        "Ap0", "1p+3", "1p-1074,", "1p0,nan:0", "1p0,nan:-1", "1p0,+inf:1,nan:1", "1p0,bogus:1",
        "1p1000000000000000000000", "1p2000", "ffffffffffffffffp2000", " 1p0", "1p0 ", NULL,
    };
    struct qv_xacc a;
    for (int i = 0; bad[i]; i++)
        ck_assert_msg(!qv_xacc_parse(bad[i], &a), "accepted '%s'", bad[i]);
    char big[QV_XACC_TEXT_MAX + 10];
    memset(big, '1', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    ck_assert(!qv_xacc_parse(big, &a));
    ck_assert(!qv_xacc_parse(NULL, &a));
    ck_assert(qv_xacc_parse("0", &a) && qv_xacc_is_zero(&a));
    ck_assert(qv_xacc_parse("-3p-2", &a) && qv_xacc_value(&a) == -0.75);
    ck_assert(qv_xacc_parse("0,nan:2", &a) && a.n_nan == 2);
}
END_TEST

START_TEST(exact_double_text)
{
    rng_state = 99;
    char buf[QV_EXACT_DOUBLE_MAX];
    double v;
    for (int i = 0; i < 20000; i++) {
        double x = rnd_double(0, 2046);
        qv_exact_format_double(x, buf, sizeof(buf));
        ck_assert_msg(qv_exact_parse_double(buf, &v), "'%s'", buf);
        assert_same_double(v, x, buf);
    }
    double specials[] = { 0.0, -0.0, INFINITY, -INFINITY, DBL_MAX, -DBL_MIN, 5e-324, 1.0 };
    for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
        qv_exact_format_double(specials[i], buf, sizeof(buf));
        ck_assert(qv_exact_parse_double(buf, &v));
        assert_same_double(v, specials[i], buf);
    }
    qv_exact_format_double(NAN, buf, sizeof(buf));
    ck_assert_str_eq(buf, "nan");
    ck_assert(qv_exact_parse_double(buf, &v) && isnan(v));
    qv_exact_format_double(-0.0, buf, sizeof(buf));
    ck_assert_str_eq(buf, "-0");
    qv_exact_format_double(0.75, buf, sizeof(buf));
    ck_assert_str_eq(buf, "3p-2");
    /* not a double: 54 significant bits, beyond DBL_MAX, the accumulator's extra fields */
    ck_assert(!qv_exact_parse_double("3fffffffffffffp0", &v));
    ck_assert(!qv_exact_parse_double("1p1024", &v));
    ck_assert(!qv_exact_parse_double("1p0,nan:1", &v));
    ck_assert(!qv_exact_parse_double("NaN", &v));
    ck_assert(!qv_exact_parse_double("1e3", &v));
}
END_TEST

/* ---- divergence, levels ----------------------------------------------------------------------- */

START_TEST(div_figures)
{
    struct qv_div d;
    struct qv_div_figures f;
    qv_div_init(&d);
    qv_div_figures(&d, &f);
    ck_assert(f.n == 0 && isnan(f.sqnr_db) && isnan(f.rmse));
    float ref[4] = { 1, 2, 3, NAN }, test[4] = { 1, 2, 4, 5 };
    qv_div_add_rows(&d, ref, test, 1, 4);
    qv_div_figures(&d, &f);
    ck_assert_int_eq(f.n, 3);
    ck_assert_int_eq(f.nonfinite, 1);
    ck_assert_double_eq_tol(f.sqnr_db, 10 * log10(14.0), 1e-12);
    ck_assert_double_eq_tol(f.cosine, 17.0 / sqrt(14.0 * 21.0), 1e-15);
    ck_assert_double_eq_tol(f.rmse, sqrt(1.0 / 3), 1e-15);
    ck_assert_double_eq_tol(f.mae, 1.0 / 3, 1e-15);
    ck_assert(f.max_abs == 1.0);
    ck_assert_double_eq_tol(f.rel_l2, sqrt(1.0 / 14), 1e-15);
    /* identical tensors: infinite SQNR, cosine 1; all-zero reference with an error: -inf */
    qv_div_init(&d);
    qv_div_add_rows(&d, ref, ref, 1, 3);
    qv_div_figures(&d, &f);
    ck_assert(isinf(f.sqnr_db) && f.sqnr_db > 0 && f.cosine == 1.0 && f.rel_l2 == 0);
    float zero[2] = { 0, 0 }, one[2] = { 0, 1 };
    qv_div_init(&d);
    qv_div_add_rows(&d, zero, one, 1, 2);
    qv_div_figures(&d, &f);
    ck_assert(isinf(f.sqnr_db) && f.sqnr_db < 0 && f.cosine == 0 && isinf(f.rel_l2));
    qv_div_init(&d);
    qv_div_add_rows(&d, zero, zero, 2, 1);
    qv_div_figures(&d, &f);
    ck_assert(f.cosine == 1.0 && d.samples == 2);
}
END_TEST

START_TEST(div_stored_dequantizes)
{
    /* int8 codes with scale 0.5 and zero point -3 against the reals they stand for */
    int8_t codes[4] = { -3, -1, 1, 127 };
    float ref[4] = { 0, 1, 2, 65 };
    float scale = 0.5f;
    int32_t zp = -3;
    struct qv_quant q = { .count = 1, .scale = &scale, .zero_point = &zp };
    struct qv_div d;
    struct qv_div_figures f;
    qv_div_init(&d);
    qv_div_add_rows_stored(&d, ref, codes, QV_DTYPE_I8, &q, NULL, 1, 4);
    qv_div_figures(&d, &f);
    ck_assert(isinf(f.sqnr_db) && f.max_abs == 0);
    /* uint8 and int16 take the generic path; per-axis scales on the last dimension */
    uint8_t u[4] = { 0, 1, 2, 3 };
    float scales[2] = { 1.0f, 10.0f };
    int32_t zps[2] = { 0, 1 };
    struct qv_quant qa = { .count = 2, .scale = scales, .zero_point = zps, .axis = 1 };
    struct qv_shape rs = { 2, { 2, 2 } };
    float want[4] = { 0, 0, 2, 20 };
    qv_div_init(&d);
    qv_div_add_rows_stored(&d, want, u, QV_DTYPE_U8, &qa, &rs, 1, 4);
    qv_div_figures(&d, &f);
    ck_assert_msg(isinf(f.sqnr_db), "per-axis dequantization: max error %g", f.max_abs);
    int16_t s16[2] = { -300, 300 };
    float r16[2] = { -300, 301 };
    qv_div_init(&d);
    qv_div_add_rows_stored(&d, r16, s16, QV_DTYPE_I16, NULL, NULL, 2, 1);
    qv_div_figures(&d, &f);
    ck_assert(f.max_abs == 1.0 && f.n == 2 && d.samples == 2);
}
END_TEST

START_TEST(levels_counts)
{
    int8_t c[6] = { -128, -128, 0, 5, 127, 5 };
    struct qv_levels l, m;
    qv_levels_init(&l);
    qv_levels_add(&l, c, QV_DTYPE_I8, 6);
    ck_assert_int_eq(l.n, 6);
    ck_assert_int_eq(l.at_min, 2);
    ck_assert_int_eq(l.at_max, 1);
    ck_assert_int_eq(qv_levels_used(&l), 4);
    uint8_t u[3] = { 0, 255, 7 };
    qv_levels_init(&m);
    qv_levels_add(&m, u, QV_DTYPE_U8, 3);
    ck_assert_int_eq(qv_levels_used(&m), 3);
    ck_assert_int_eq(m.at_min + m.at_max, 2);
    qv_levels_merge(&l, &m);
    ck_assert_int_eq(l.n, 9);
    int16_t s[2] = { -32768, 1 };
    qv_levels_init(&m);
    qv_levels_add(&m, s, QV_DTYPE_I16, 2);
    ck_assert_int_eq(m.at_min, 1);
    ck_assert_int_eq(qv_levels_used(&m), 0);   /* only 8-bit dtypes track codes */
    float f[1] = { 1 };
    qv_levels_init(&m);
    qv_levels_add(&m, f, QV_DTYPE_F32, 1);
    ck_assert_int_eq(m.n, 0);
}
END_TEST

/* ---- AUC ---------------------------------------------------------------------------------------- */

static double brute_auc(const double *s, const bool *pos, int n)
{
    double num = 0, np = 0, nn = 0;
    for (int i = 0; i < n; i++) {
        np += pos[i];
        nn += !pos[i];
        for (int j = 0; pos[i] && j < n; j++)
            if (!pos[j])
                num += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
    }
    return num / (np * nn);
}

START_TEST(auc_exact_and_bounded)
{
    enum { N = 3000 };
    static double s[N];
    static bool pos[N];
    rng_state = 7 + (uint64_t)_i;
    for (int i = 0; i < N; i++) {
        pos[i] = rnd() % 3 == 0;
        /* ties (a coarse grid), signs, -0 and +0, infinities */
        int kind = (int)(rnd() % 10);
        s[i] = kind == 0 ? (double)(int)(rnd() % 7) - 3 : kind == 1 ? -0.0 : kind == 2 ? 0.0
               : kind == 3 ? (rnd() % 2 ? INFINITY : -INFINITY)
                           : (uniform() - 0.5) * 10 + (pos[i] ? 0.8 : 0);
    }
    double want = brute_auc(s, pos, N);
    struct qv_error err = QV_ERROR_INIT;
    int32_t bins[3] = { QV_AUC_DEFAULT_BINS, 64, 2 };
    for (int b = 0; b < 3; b++) {
        struct qv_score_hist h, h1, h2;
        ck_assert_int_eq(qv_score_hist_init(&h, bins[b], &err), QV_OK);
        ck_assert_int_eq(qv_score_hist_init(&h1, bins[b], &err), QV_OK);
        ck_assert_int_eq(qv_score_hist_init(&h2, bins[b], &err), QV_OK);
        for (int i = 0; i < N; i++)
            ck_assert_int_eq(qv_score_hist_add(&h, s[i], pos[i], &err), QV_OK);
        /* reversed halves merged: same level, bins and AUC */
        int cut = (int)(rnd() % N);
        for (int i = N - 1; i >= 0; i--)
            ck_assert_int_eq(qv_score_hist_add(i < cut ? &h1 : &h2, s[i], pos[i], &err), QV_OK);
        ck_assert_int_eq(qv_score_hist_merge(&h2, &h1, &err), QV_OK);
        ck_assert_int_eq(h.level, h2.level);
        ck_assert_int_eq(h.n_bins, h2.n_bins);
        struct qv_bin *x, *y;
        ck_assert_int_eq(qv_score_hist_sorted(&h, &x, &err), QV_OK);
        ck_assert_int_eq(qv_score_hist_sorted(&h2, &y, &err), QV_OK);
        ck_assert(memcmp(x, y, (size_t)h.n_bins * sizeof(*x)) == 0);
        /* the level is the smallest one at which the keys fit */
        if (h.level > 0) {
            int distinct = 0;
            /* distinct keys one level below exceed the bins */
            uint64_t *k = malloc(N * sizeof(*k));
            for (int i = 0; i < N; i++)
                k[i] = qv_score_key(s[i]) >> (h.level - 1);
            for (int i = 0; i < N; i++) {
                bool seen = false;
                for (int j = 0; j < i && !seen; j++)
                    seen = k[j] == k[i];
                distinct += !seen;
            }
            free(k);
            ck_assert_int_gt(distinct, bins[b]);
        }
        free(x);
        free(y);
        double auc, bound, auc2, bound2;
        qv_score_hist_auc(&h, &auc, &bound);
        qv_score_hist_auc(&h2, &auc2, &bound2);
        assert_same_double(auc, auc2, "merged AUC");
        if (b == 0) {
            ck_assert_int_eq(h.level, 0);
            ck_assert(bound == 0);
            ck_assert_msg(fabs(auc - want) < 1e-12, "AUC %.15f, brute force %.15f", auc, want);
        } else {
            ck_assert_int_gt(h.level, 0);
            ck_assert_msg(fabs(auc - want) <= bound + 1e-12, "AUC %.6f, exact %.6f, bound %.6f",
                          auc, want, bound);
        }
        qv_score_hist_release(&h);
        qv_score_hist_release(&h1);
        qv_score_hist_release(&h2);
    }
    struct qv_score_hist h;
    ck_assert_int_eq(qv_score_hist_init(&h, 1, &err), QV_E_USAGE);
}
END_TEST

/* ---- the task check ------------------------------------------------------------------------- */

static struct qv_graph *load(const char *rel)
{
    struct qv_graph *g = NULL;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_msg(qv_model_load(qvt_source(rel), &g, &err) == QV_OK, "%s: %s", rel, err.msg);
    return g;
}

/* x [1, d1, d2, d3] -> RELU -> y (same shape); path "m.tflite" when named. */
static struct qv_graph *relu_model(int64_t d1, int64_t d2, int64_t d3, bool named)
{
    struct qv_graph *g;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    struct qv_shape s = { 4, { 1, d1, d2, d3 } };
    int32_t x, y, n;
    ck_assert_int_eq(qv_graph_add_tensor(g, "x", QV_DTYPE_F32, &s, &x, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_tensor(g, "y", QV_DTYPE_F32, &s, &y, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_RELU, NULL, 1, &x, 1, &y, NULL, &n, &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &x, 1, &y, &err), QV_OK);
    ck_assert_int_eq(qv_graph_finalize(g, &err), QV_OK);
    if (named)
        ck_assert_int_eq(qv_graph_set_path(g, "m.tflite", &err), QV_OK);
    return g;
}

START_TEST(task_check_models)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_task_spec s;
    struct qv_graph *f = load("datasets/digits/model.tflite");
    struct qv_graph *q = load("datasets/digits/model_int8.tflite");
    ck_assert_msg(qv_task_check(QV_TASK_CLASSIFICATION, f, q, &s, &err) == QV_OK, "%s", err.msg);
    ck_assert_int_eq(s.n_classes, 10);
    ck_assert_int_eq(s.n_outputs, 1);
    ck_assert_int_eq(s.label_elems, 1);
    ck_assert_int_eq(qv_task_check(QV_TASK_RAW, f, NULL, &s, &err), QV_OK);
    ck_assert_int_eq(qv_task_check(QV_TASK_REGRESSION, NULL, q, &s, &err), QV_OK);
    ck_assert_int_eq(s.label_elems, 10);
    /* 10 outputs are neither one score nor a reconstruction of the 64 inputs */
    ck_assert_int_eq(qv_task_check(QV_TASK_ANOMALY, f, q, &s, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "task \"anomaly\" needs output 0 to hold one score per sample, "
                         "or a reconstruction of input 0 (64 elements); output 0 'Identity' of")
                      && strstr(err.msg, "has shape [1, 10] (10 elements)"), "%s", err.msg);
    qv_graph_free(f);
    qv_graph_free(q);

    f = load("datasets/breast_cancer_ae/model.tflite");
    q = load("datasets/breast_cancer_ae/model_int8.tflite");
    ck_assert_int_eq(qv_task_check(QV_TASK_ANOMALY, f, q, &s, &err), QV_OK);
    ck_assert_int_eq(s.score, QV_SCORE_OUTPUT);
    ck_assert_int_eq(qv_task_check(QV_TASK_CLASSIFICATION, f, q, &s, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "has shape [1, 1]"), "%s", err.msg);
    qv_graph_free(f);
    qv_graph_free(q);
    f = load("bench/mlperf_tiny/ad_autoencoder_f32.tflite");
    ck_assert_int_eq(qv_task_check(QV_TASK_ANOMALY, f, NULL, &s, &err), QV_OK);
    ck_assert_int_eq(s.score, QV_SCORE_RECONSTRUCTION);
    ck_assert_int_eq(s.in_elems, 640);

    /* the case: argmax over a [1, 5, 5, 3] output must not pass */
    struct qv_graph *g = relu_model(5, 5, 3, true);
    err = (struct qv_error)QV_ERROR_INIT;
    ck_assert_int_eq(qv_task_check(QV_TASK_CLASSIFICATION, g, NULL, &s, &err), QV_E_INPUT);
    ck_assert_str_eq(err.msg, "task \"classification\" needs output 0 of shape [1, classes] "
                              "(every dimension but the last 1, at least 2 classes); output 0 'y' "
                              "of m.tflite has shape [1, 5, 5, 3]");
    ck_assert_str_eq(err.path, "m.tflite");
    qv_graph_free(g);
    g = relu_model(1, 1, QV_TASK_MAX_CLASSES + 1, false);
    ck_assert_int_eq(qv_task_check(QV_TASK_CLASSIFICATION, g, NULL, &s, &err), QV_E_INPUT);
    ck_assert_str_eq(err.msg, "task \"classification\" takes at most 1048576 classes; output 0 "
                              "'y' of the float model has shape [1, 1, 1, 1048577]");
    qv_graph_free(g);
    g = relu_model(1, 1, 7, false);
    ck_assert_int_eq(qv_task_check(QV_TASK_CLASSIFICATION, g, NULL, &s, &err), QV_OK);
    ck_assert_int_eq(s.n_classes, 7);
    /* output sizes of the two models must agree */
    ck_assert_int_eq(qv_task_check(QV_TASK_RAW, f, g, &s, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "has 640 elements per sample, output 0 'y' of the int8 model "
                         "has 7"), "%s", err.msg);
    qv_graph_free(g);
    qv_graph_free(f);
    ck_assert_int_eq(qv_task_check(QV_TASK_RAW, NULL, NULL, &s, &err), QV_E_USAGE);
    ck_assert_int_eq(qv_task_check(QV_TASK_COUNT, NULL, NULL, &s, &err), QV_E_USAGE);
}
END_TEST

/* ---- task metrics: hand-computed ---------------------------------------------------------- */

static struct qv_metrics *make(const struct qv_task_spec *s)
{
    struct qv_metrics *m;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_msg(qv_metrics_create(s, &m, &err) == QV_OK, "%s", err.msg);
    return m;
}

static void add(struct qv_metrics *m, int64_t first, int64_t n, const double *labels,
                const float *fo, const float *qo, const float *in)
{
    const float *fk[1] = { fo }, *qk[1] = { qo };
    struct qv_metrics_rows r = { .first = first, .n = n, .labels = labels,
                                 .out = { fo ? fk : NULL, qo ? qk : NULL }, .input = in };
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_msg(qv_metrics_add(m, &r, &err) == QV_OK, "%s", err.msg);
}

static struct qv_task_spec spec_of(enum qv_task task, int64_t elems)
{
    struct qv_task_spec s = { .task = task, .n_outputs = 1, .out_elems = { elems },
                              .n_classes = task == QV_TASK_CLASSIFICATION ? (int32_t)elems : 0,
                              .label_elems = task == QV_TASK_REGRESSION ? elems : 1,
                              .max_flips = QV_TASK_DEFAULT_FLIPS,
                              .auc_max_bins = QV_AUC_DEFAULT_BINS };
    return s;
}

START_TEST(classification_by_hand)
{
    struct qv_task_spec s = spec_of(QV_TASK_CLASSIFICATION, 3);
    s.max_flips = 2;
    struct qv_metrics *m = make(&s);
    /* 6 samples; float and int8 scores; sample 4's int8 output overflowed; sample 5's label
     * is not a class */
    float fo[6][3] = { { .7f, .2f, .1f }, { .1f, .8f, .1f }, { .3f, .3f, .4f },
                       { .5f, .5f, 0 }, { .2f, .2f, .6f }, { 0, 1, 0 } };
    float qo[6][3] = { { .7f, .2f, .1f }, { .5f, .4f, .1f }, { .3f, .4f, .3f },
                       { .5f, .5f, 0 }, { NAN, .1f, 0 }, { 0, 1, 0 } };
    double lab[6] = { 0, 1, 1, 1, 2, 7 };
    add(m, 100, 3, lab, &fo[0][0], &qo[0][0], NULL);
    add(m, 103, 3, lab + 3, &fo[3][0], &qo[3][0], NULL);
    struct qv_metrics_summary r;
    qv_metrics_summarize(m, &r);
    ck_assert_int_eq(r.n, 6);
    ck_assert_int_eq(r.labeled, 5);
    ck_assert_int_eq(r.bad_labels, 1);
    /* float preds 0 1 2 0(tie->lowest) 2 1; int8 preds 0 0 1 0 -1 1 */
    ck_assert_double_eq(r.top1[QV_SIDE_FLOAT], 3.0 / 5);   /* samples 100, 101, 104 */
    ck_assert_double_eq(r.top1[QV_SIDE_INT8], 2.0 / 5);    /* 100, 102 */
    ck_assert_double_eq(r.top5[QV_SIDE_FLOAT], 1.0);
    ck_assert_double_eq(r.top5[QV_SIDE_INT8], 4.0 / 5);    /* 104 has no prediction */
    ck_assert_double_eq(r.agreement, 3.0 / 6);             /* 100, 103, 105 */
    ck_assert_int_eq(r.flips_total, 3);
    ck_assert_int_eq(r.nonfinite_samples[QV_SIDE_INT8], 1);
    ck_assert_int_eq(m->nonfinite_elems[QV_SIDE_INT8], 1);
    ck_assert_int_eq(r.nonfinite_samples[QV_SIDE_FLOAT], 0);
    ck_assert_int_eq(m->n_flips, 2);                       /* the two lowest of 101, 102, 104 */
    ck_assert_int_eq(m->flips[0].sample, 101);
    ck_assert_int_eq(m->flips[0].pred[0], 1);
    ck_assert_int_eq(m->flips[0].pred[1], 0);
    ck_assert(m->flips[0].score[0] == .8f && m->flips[0].score[1] == .5f);
    ck_assert_int_eq(m->flips[1].sample, 102);
    ck_assert(m->flips[1].label == 1);
    /* confusion (float): row label, column prediction */
    int64_t *cf = m->cls[QV_SIDE_FLOAT].confusion;
    ck_assert_int_eq(cf[0 * 3 + 0], 1);
    ck_assert_int_eq(cf[1 * 3 + 1], 1);
    ck_assert_int_eq(cf[1 * 3 + 2], 1);
    ck_assert_int_eq(cf[1 * 3 + 0], 1);
    ck_assert_int_eq(cf[2 * 3 + 2], 1);
    struct qv_class_figures c;
    qv_metrics_class(m, QV_SIDE_FLOAT, 1, &c);   /* class 1: 3 labeled, 1 TP, 1 predicted */
    ck_assert_int_eq(c.support, 3);
    ck_assert_double_eq(c.precision, 1.0);
    ck_assert_double_eq(c.recall, 1.0 / 3);
    ck_assert_double_eq(c.f1, 2.0 / 4);
    qv_metrics_class(m, QV_SIDE_INT8, 2, &c);    /* class 2: 1 labeled, never predicted */
    ck_assert(isnan(c.precision) && c.recall == 0 && c.f1 == 0);
    /* macro F1 (float): class 0: P 1/2 R 1 -> 2/3; class 1: 1/2; class 2: P 1/2 R 1 -> 2/3 */
    ck_assert_double_eq_tol(r.macro_f1[QV_SIDE_FLOAT], (2.0 / 3 + 0.5 + 2.0 / 3) / 3, 1e-15);
    qv_metrics_free(m);
}
END_TEST

START_TEST(classification_many_classes)
{
    struct qv_task_spec s = spec_of(QV_TASK_CLASSIFICATION, 2000);
    struct qv_metrics *m = make(&s);
    ck_assert_ptr_null(m->cls[0].confusion);
    static float o[2 * 2000];
    o[5] = 1;
    o[2000 + 1999] = 1;
    double lab[2] = { 5, 3 };
    add(m, 0, 2, lab, o, NULL, NULL);
    struct qv_metrics_summary r;
    qv_metrics_summarize(m, &r);
    ck_assert_double_eq(r.top1[0], 0.5);
    ck_assert(isnan(r.top1[1]) && isnan(r.agreement));
    struct qv_class_figures c;
    qv_metrics_class(m, QV_SIDE_FLOAT, 5, &c);
    ck_assert(c.precision == 1 && c.recall == 1);
    /* the JSON of a matrix-less metrics round-trips */
    cJSON *j;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_metrics_to_json(m, &j, &err), QV_OK);
    struct qv_metrics *b;
    ck_assert_msg(qv_metrics_from_json(j, "x.json", &b, &err) == QV_OK, "%s", err.msg);
    cJSON_Delete(j);
    qv_metrics_free(b);
    qv_metrics_free(m);
}
END_TEST

START_TEST(regression_by_hand)
{
    struct qv_task_spec s = spec_of(QV_TASK_REGRESSION, 2);
    struct qv_metrics *m = make(&s);
    float fo[3][2] = { { 1, 10 }, { 2, 20 }, { 3, 30 } };
    float qo[3][2] = { { 1.5f, 10 }, { 2, 22 }, { 3, INFINITY } };
    double lab[3][2] = { { 1, 11 }, { NAN, 0 }, { 4, 30 } };
    add(m, 0, 3, &lab[0][0], &fo[0][0], &qo[0][0], NULL);
    struct qv_metrics_summary r;
    qv_metrics_summarize(m, &r);
    ck_assert_int_eq(r.labeled, 2);
    ck_assert_int_eq(r.bad_labels, 1);
    /* float vs labels: errors 0, -1, -1, 0 */
    ck_assert_double_eq(r.mae[0], 0.5);
    ck_assert_double_eq(r.rmse[0], sqrt(0.5));
    ck_assert_double_eq(r.max_err[0], 1);
    /* int8 vs labels: 0.5, -1, -1 (the infinite output is left out) */
    ck_assert_double_eq(r.mae[1], 2.5 / 3);
    ck_assert_int_eq(r.nonfinite_samples[1], 1);
    struct qv_err_figures e;
    qv_metrics_regression(m, 2, 1, &e);   /* int8 vs float, output 1: 0, 2 */
    ck_assert_int_eq(e.n, 2);
    ck_assert_double_eq(e.mae, 1.0);
    ck_assert_double_eq(e.max_abs, 2.0);
    qv_metrics_regression(m, 0, 0, &e);   /* float vs labels, output 0: 0, -1 */
    ck_assert_double_eq(e.rmse, sqrt(0.5));
    ck_assert(r.output.nonfinite == 1 && r.output.n == 5);
    qv_metrics_free(m);
}
END_TEST

START_TEST(anomaly_by_hand)
{
    struct qv_task_spec s = spec_of(QV_TASK_ANOMALY, 1);
    struct qv_metrics *m = make(&s);
    float fo[5] = { 0.1f, 0.9f, 0.4f, 0.8f, 0.2f }, qo[5] = { 0.1f, 0.8f, 0.5f, 0.8f, 0.2f };
    double lab[5] = { 0, 1, 0, 1, 3 };
    add(m, 0, 5, lab, fo, qo, NULL);
    struct qv_metrics_summary r;
    qv_metrics_summarize(m, &r);
    ck_assert_double_eq(r.auc[0], 1.0);
    ck_assert_double_eq(r.auc[1], 1.0);
    ck_assert(r.auc_bound[0] == 0);
    ck_assert_int_eq(r.bad_labels, 1);
    /* Pearson of the five score pairs */
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < 5; i++) {
        mx += fo[i] / 5.0;
        my += qo[i] / 5.0;
    }
    for (int i = 0; i < 5; i++) {
        sxy += (fo[i] - mx) * (qo[i] - my);
        sxx += (fo[i] - mx) * (fo[i] - mx);
        syy += (qo[i] - my) * (qo[i] - my);
    }
    ck_assert_double_eq_tol(r.score_corr, sxy / sqrt(sxx * syy), 1e-12);
    qv_metrics_free(m);

    /* reconstruction score: mean (out - in)^2 */
    s = spec_of(QV_TASK_ANOMALY, 2);
    s.score = QV_SCORE_RECONSTRUCTION;
    s.in_elems = 2;
    m = make(&s);
    float in[4] = { 0, 0, 1, 1 }, out[4] = { 1, 1, 1, 3 };   /* scores 1 and 2 */
    double l2[2] = { 1, 0 };
    add(m, 0, 2, l2, out, NULL, in);
    qv_metrics_summarize(m, &r);
    ck_assert_double_eq(r.auc[0], 0.0);
    struct qv_metrics_rows rows = { .n = 1, .out = { (const float *const[]){ out }, NULL } };
    struct qv_error err = QV_ERROR_INIT;
    rows.labels = l2;
    ck_assert_int_eq(qv_metrics_add(m, &rows, &err), QV_E_USAGE);   /* no input rows */
    qv_metrics_free(m);
}
END_TEST

START_TEST(add_usage_errors)
{
    struct qv_task_spec s = spec_of(QV_TASK_RAW, 2);
    struct qv_metrics *m = make(&s);
    float o[2] = { 1, 2 };
    struct qv_error err = QV_ERROR_INIT;
    struct qv_metrics_rows r = { .n = 1 };
    ck_assert_int_eq(qv_metrics_add(m, &r, &err), QV_E_USAGE);   /* no side */
    add(m, 0, 1, NULL, o, o, NULL);
    const float *k[1] = { o };
    r.out[0] = k;                                                /* int8 side vanished */
    ck_assert_int_eq(qv_metrics_add(m, &r, &err), QV_E_USAGE);
    r.out[1] = k;
    r.first = -1;
    ck_assert_int_eq(qv_metrics_add(m, &r, &err), QV_E_USAGE);
    qv_metrics_free(m);
    s.n_outputs = 0;
    ck_assert_int_eq(qv_metrics_create(&s, &m, &err), QV_E_INPUT);
    s = spec_of(QV_TASK_CLASSIFICATION, 3);
    s.n_classes = 4;
    ck_assert_int_eq(qv_metrics_create(&s, &m, &err), QV_E_INPUT);
    s = spec_of(QV_TASK_CLASSIFICATION, QV_TASK_MAX_CLASSES + 1);
    ck_assert_int_eq(qv_metrics_create(&s, &m, &err), QV_E_INPUT);
    s = spec_of(QV_TASK_CLASSIFICATION, 3);
    s.max_flips = QV_TASK_MAX_FLIPS + 1;
    ck_assert_int_eq(qv_metrics_create(&s, &m, &err), QV_E_INPUT);
}
END_TEST

/* ---- determinism: chunking, order, merge trees, JSON round trips ----------------------------- */

struct dataset {
    struct qv_task_spec spec;
    int64_t n;
    float *out[QV_SIDES][2];     /* two outputs */
    float *in;
    double *labels;
};

static void dataset_make(struct dataset *d, enum qv_task task, int64_t n, uint64_t seed)
{
    rng_state = seed;
    int64_t e0 = task == QV_TASK_ANOMALY ? 1 : 12, e1 = 5;
    memset(d, 0, sizeof(*d));
    d->spec = spec_of(task, e0);
    d->spec.n_outputs = 2;
    d->spec.out_elems[1] = e1;
    d->spec.max_flips = 17;
    d->spec.auc_max_bins = task == QV_TASK_ANOMALY && seed % 2 ? 50 : QV_AUC_DEFAULT_BINS;
    d->n = n;
    int64_t le = d->spec.label_elems;
    d->labels = malloc((size_t)(n * le) * sizeof(double));
    for (int s = 0; s < QV_SIDES; s++) {
        d->out[s][0] = malloc((size_t)(n * e0) * sizeof(float));
        d->out[s][1] = malloc((size_t)(n * e1) * sizeof(float));
    }
    for (int64_t i = 0; i < n * e0; i++) {
        float f = (float)((uniform() - 0.3) * 4);
        if (rnd() % 50 == 0)
            f = 1.0f;   /* ties */
        float q = rnd() % 5 ? f : (float)(f + (uniform() - 0.5));
        if (rnd() % 300 == 0)
            q = rnd() % 2 ? NAN : INFINITY;
        d->out[0][0][i] = f;
        d->out[1][0][i] = q;
    }
    for (int64_t i = 0; i < n * e1; i++) {
        d->out[0][1][i] = (float)(uniform() * 1e-3);
        d->out[1][1][i] = (float)(uniform() * 1e-3);
    }
    for (int64_t i = 0; i < n * le; i++) {
        double l = task == QV_TASK_CLASSIFICATION ? (double)(rnd() % 12)
                   : task == QV_TASK_ANOMALY      ? (double)(rnd() % 2)
                                                  : (uniform() - 0.5) * 3;
        if (rnd() % 97 == 0)
            l = task == QV_TASK_REGRESSION ? NAN : 12.5;
        d->labels[i] = l;
    }
}

static void dataset_free(struct dataset *d)
{
    for (int s = 0; s < QV_SIDES; s++) {
        free(d->out[s][0]);
        free(d->out[s][1]);
    }
    free(d->labels);
}

static void add_range(struct qv_metrics *m, const struct dataset *d, int64_t a, int64_t b)
{
    const float *f[2] = { d->out[0][0] + a * d->spec.out_elems[0],
                          d->out[0][1] + a * d->spec.out_elems[1] };
    const float *q[2] = { d->out[1][0] + a * d->spec.out_elems[0],
                          d->out[1][1] + a * d->spec.out_elems[1] };
    struct qv_metrics_rows r = { .first = a, .n = b - a,
                                 .labels = d->labels + a * d->spec.label_elems,
                                 .out = { f, q } };
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_msg(qv_metrics_add(m, &r, &err) == QV_OK, "%s", err.msg);
}

static char *json_text(const struct qv_metrics *m)
{
    cJSON *j;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_msg(qv_metrics_to_json(m, &j, &err) == QV_OK, "%s", err.msg);
    char *t = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return t;
}

static struct qv_metrics *round_trip(struct qv_metrics *m)
{
    char *t = json_text(m);
    cJSON *j = cJSON_Parse(t);
    ck_assert_ptr_nonnull(j);
    struct qv_metrics *b;
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_msg(qv_metrics_from_json(j, "part.json", &b, &err) == QV_OK, "%s", err.msg);
    cJSON_Delete(j);
    char *t2 = json_text(b);
    ck_assert_str_eq(t, t2);
    free(t);
    free(t2);
    qv_metrics_free(m);
    return b;
}

static char *summary_text(const struct qv_metrics *m)
{
    struct qv_metrics_summary s;
    qv_metrics_summarize(m, &s);
    char *out = malloc(8192), buf[QV_EXACT_DOUBLE_MAX];
    size_t len = 0;
    /* every double of the summary, exactly */
    double all[] = { s.output.sqnr_db, s.output.cosine, s.output.rmse, s.output.mae,
                     s.output.max_abs, s.output.rel_l2, s.top1[0], s.top1[1], s.top5[0],
                     s.top5[1], s.macro_f1[0], s.macro_f1[1], s.agreement, s.mae[0], s.mae[1],
                     s.rmse[0], s.rmse[1], s.max_err[0], s.max_err[1], s.auc[0], s.auc[1],
                     s.auc_bound[0], s.auc_bound[1], s.score_corr };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        qv_exact_format_double(all[i], buf, sizeof(buf));
        len += (size_t)snprintf(out + len, 8192 - len, "%s ", buf);
    }
    snprintf(out + len, 8192 - len, "%lld %lld %lld", (long long)s.n, (long long)s.labeled,
             (long long)s.flips_total);
    return out;
}

START_TEST(any_grouping_same_bytes)
{
    static const enum qv_task tasks[4] = { QV_TASK_CLASSIFICATION, QV_TASK_REGRESSION,
                                           QV_TASK_ANOMALY, QV_TASK_RAW };
    struct dataset d;
    dataset_make(&d, tasks[_i % 4], 2500, 1000 + (uint64_t)_i);
    struct qv_error err = QV_ERROR_INIT;
    /* one pass */
    struct qv_metrics *one = make(&d.spec);
    add_range(one, &d, 0, d.n);
    char *want = json_text(one), *want_sum = summary_text(one);
    /* chunks of random sizes, each its own accumulator, round-tripped through JSON, merged in
     * a shuffled order into pairs, then the pairs into the total */
    enum { MAXP = 200 };
    struct qv_metrics *parts[MAXP];
    int np = 0;
    for (int64_t a = 0; a < d.n;) {
        int64_t b = a + 1 + (int64_t)(rnd() % 97);
        if (b > d.n || np == MAXP - 1)
            b = d.n;
        parts[np] = make(&d.spec);
        add_range(parts[np], &d, a, b);
        parts[np] = round_trip(parts[np]);
        np++;
        a = b;
    }
    for (int i = np - 1; i > 0; i--) {
        int j = (int)(rnd() % (uint64_t)(i + 1));
        struct qv_metrics *t = parts[i];
        parts[i] = parts[j];
        parts[j] = t;
    }
    while (np > 1) {
        int k = 0;
        for (int i = 0; i < np; i += 2) {
            if (i + 1 < np) {
                ck_assert_msg(qv_metrics_merge(parts[i + 1], parts[i], &err) == QV_OK, "%s",
                              err.msg);
                qv_metrics_free(parts[i]);
                parts[k++] = round_trip(parts[i + 1]);
            } else {
                parts[k++] = parts[i];
            }
        }
        np = k;
    }
    char *got = json_text(parts[0]), *got_sum = summary_text(parts[0]);
    ck_assert_str_eq(got, want);
    ck_assert_str_eq(got_sum, want_sum);
    /* one accumulator fed the chunks backwards */
    struct qv_metrics *back = make(&d.spec);
    for (int64_t b = d.n; b > 0;) {
        int64_t a = b - 1 - (int64_t)(rnd() % 13);
        if (a < 0)
            a = 0;
        add_range(back, &d, a, b);
        b = a;
    }
    char *got2 = json_text(back);
    ck_assert_str_eq(got2, want);
    /* an empty part merges as nothing */
    struct qv_metrics *empty = make(&d.spec);
    ck_assert_int_eq(qv_metrics_merge(back, empty, &err), QV_OK);
    ck_assert_int_eq(qv_metrics_merge(empty, one, &err), QV_OK);
    char *got3 = json_text(empty);
    ck_assert_str_eq(got3, want);
    free(got);
    free(got2);
    free(got3);
    free(got_sum);
    free(want);
    free(want_sum);
    qv_metrics_free(parts[0]);
    qv_metrics_free(back);
    qv_metrics_free(empty);
    qv_metrics_free(one);
    dataset_free(&d);
}
END_TEST

START_TEST(merge_refuses_mismatch)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_task_spec a = spec_of(QV_TASK_CLASSIFICATION, 3), b = a;
    b.max_flips = 5;
    struct qv_metrics *x = make(&a), *y = make(&b);
    ck_assert_int_eq(qv_metrics_merge(x, y, &err), QV_E_INPUT);
    ck_assert_str_eq(err.msg, "the metrics to merge differ: max_flips 100 vs 5");
    qv_metrics_free(y);
    y = make(&a);
    float o[3] = { 1, 0, 0 };
    double l = 0;
    add(x, 0, 1, &l, o, o, NULL);
    add(y, 1, 1, NULL, o, o, NULL);
    ck_assert_int_eq(qv_metrics_merge(x, y, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, "labels"), "%s", err.msg);
    qv_metrics_free(x);
    qv_metrics_free(y);
}
END_TEST

/* ---- hostile JSON ------------------------------------------------------------------------------- */

/* Replaces the first occurrence of `from` in text by `to` and expects the load to fail naming
 * `member`. */
static void expect_refused(const char *text, const char *from, const char *to, const char *member)
{
    const char *p = strstr(text, from);
    ck_assert_msg(p, "'%s' not in the JSON", from);
    size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
    char *t = malloc(n);
    snprintf(t, n, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
    cJSON *j = cJSON_Parse(t);
    struct qv_metrics *m = NULL;
    struct qv_error err = QV_ERROR_INIT;
    enum qv_status st = j ? qv_metrics_from_json(j, "part1.json", &m, &err) : QV_E_INPUT;
    ck_assert_msg(st == QV_E_INPUT, "'%s' -> '%s' was accepted", from, to);
    ck_assert_ptr_null(m);
    if (j) {
        ck_assert_msg(strstr(err.msg, member), "'%s' -> '%s': '%s' does not name %s", from, to,
                      err.msg, member);
        ck_assert_str_eq(err.path, "part1.json");
    }
    cJSON_Delete(j);
    free(t);
}

START_TEST(json_hostile)
{
    struct dataset d;
    dataset_make(&d, QV_TASK_CLASSIFICATION, 300, 5);
    struct qv_metrics *m = make(&d.spec);
    add_range(m, &d, 0, d.n);
    char *t = json_text(m);
    expect_refused(t, "\"qvet-metrics\"", "\"qvet-metric\"", "metrics.format");
    expect_refused(t, "\"version\":1", "\"version\":2", "metrics.version");
    expect_refused(t, "\"started\":true", "\"started\":true,\"extra\":1", "metrics.extra");
    expect_refused(t, "\"n\":300", "\"n\":-300", "metrics.n");
    expect_refused(t, "\"n\":300", "\"n\":300.5", "metrics.n");
    expect_refused(t, "\"n\":300", "\"n\":1e300", "metrics.n");
    expect_refused(t, "\"n\":300", "\"n\":3", "metrics.labeled");
    expect_refused(t, "\"task\":\"classification\"", "\"task\":\"sorting\"", "metrics.spec.task");
    expect_refused(t, "\"classes\":12", "\"classes\":11", "metrics.spec");
    expect_refused(t, "\"classes\":12", "\"classes\":2147483647", "metrics.spec.classes");
    expect_refused(t, "\"max_flips\":17", "\"max_flips\":1000000", "metrics.spec.max_flips");
    expect_refused(t, "\"ref2\":\"", "\"ref2\":\"zz", "metrics.output_div[0].ref2");
    expect_refused(t, "\"max_abs\":\"", "\"max_abs\":\"-", "metrics.output_div[0].max_abs");
    expect_refused(t, "\"top1\":", "\"top1\":-", "metrics.classification.sides[0].top1");
    expect_refused(t, "\"confusion\":[[", "\"confusion\":[[99,", "sides[0].confusion[0]");
    expect_refused(t, "\"confusion\":[[", "\"confusion\":[[0,0,1],[", "sides[0].confusion[1]");
    expect_refused(t, "\"pred_plus_1\":[", "\"pred_plus_1\":[1,1,", "flips[0].pred_plus_1");
    expect_refused(t, "\"label_count\":[", "\"label_count\":[1,", "label_count");
    expect_refused(t, "\"flips\":[{", "\"flips\":[{\"sample\":1e18},{", "metrics.classification.flips");
    free(t);
    qv_metrics_free(m);
    dataset_free(&d);

    dataset_make(&d, QV_TASK_ANOMALY, 300, 6);
    m = make(&d.spec);
    add_range(m, &d, 0, d.n);
    t = json_text(m);
    expect_refused(t, "\"bins\":[[\"", "\"bins\":[[\"x", "metrics.anomaly.auc[0].bins[0]");
    expect_refused(t, "\"n_pos\":", "\"n_pos\":1,\"q\":", "metrics.anomaly.auc[0]");
    expect_refused(t, "\"anomaly\":{", "\"classification\":{},\"anomaly\":{",
                   "metrics.classification");
    expect_refused(t, "\"sxy\":\"", "\"sxy\":\"1p-1075,", "metrics.anomaly.sxy");
    free(t);
    qv_metrics_free(m);
    dataset_free(&d);
}
END_TEST

static char *render_page(const struct qv_report *rep)
{
    struct qv_error err = QV_ERROR_INIT;
    char *html = NULL;
    size_t len;
    FILE *f = open_memstream(&html, &len);
    ck_assert_msg(qv_report_render_html(f, rep, &err) == QV_OK, "%s", err.msg);
    fclose(f);
    return html;
}

START_TEST(report_page_from_metrics)
{
    struct qv_error err = QV_ERROR_INIT;
    struct dataset d;
    dataset_make(&d, QV_TASK_CLASSIFICATION, 400, 77);
    struct qv_metrics *m = make(&d.spec);
    add_range(m, &d, 0, d.n);
    struct qv_report rep = QV_REPORT_INIT;
    struct qv_report_metrics_store st;
    rep.name = "synthetic";
    ck_assert_msg(qv_report_fill_metrics(&rep, m, &st, &err) == QV_OK, "%s", err.msg);
    ck_assert_str_eq(rep.task, "classification");
    ck_assert_int_eq(rep.samples, 400);
    ck_assert_int_eq(rep.n_classes, 12);
    ck_assert_ptr_eq(rep.confusion[QV_REPORT_INT8], m->cls[QV_SIDE_INT8].confusion);
    ck_assert_int_eq(rep.n_flips, m->n_flips);
    ck_assert_int_eq(rep.n_flips_total, m->flips_total);
    ck_assert_str_eq(rep.metrics[0].key, "top1");
    struct qv_metrics_summary s;
    qv_metrics_summarize(m, &s);
    ck_assert(rep.metrics[0].value[QV_REPORT_INT8] == s.top1[QV_SIDE_INT8]);
    ck_assert_int_eq(st.n_notes, 1);   /* labels 12.5 fit no class */
    ck_assert_int_eq(rep.n_notes, 1);
    ck_assert_msg(strstr(rep.notes[0].text, "have a label that does not fit"), "%s",
                  rep.notes[0].text);
    ck_assert_msg(qv_report_validate(&rep, &err) == QV_OK, "%s", err.msg);
    char *html = render_page(&rep);
    ck_assert_ptr_nonnull(strstr(html, "top-1 accuracy"));
    ck_assert_ptr_nonnull(strstr(html, "macro F1"));
    free(html);
    qv_report_metrics_store_release(&st);
    qv_metrics_free(m);
    dataset_free(&d);
    /* anomaly with a bounded AUC says so */
    dataset_make(&d, QV_TASK_ANOMALY, 400, 9);
    ck_assert_int_eq(d.spec.auc_max_bins, 50);
    m = make(&d.spec);
    add_range(m, &d, 0, d.n);
    rep = (struct qv_report)QV_REPORT_INIT;
    ck_assert_int_eq(qv_report_fill_metrics(&rep, m, &st, &err), QV_OK);
    ck_assert_str_eq(rep.metrics[0].key, "auc");
    ck_assert_int_eq(st.n_notes, 2);
    ck_assert_msg(strstr(st.notes[1].text, "the AUC is within"), "%s", st.notes[1].text);
    ck_assert_msg(qv_report_validate(&rep, &err) == QV_OK, "%s", err.msg);
    html = render_page(&rep);
    ck_assert_ptr_nonnull(strstr(html, "ROC AUC"));
    free(html);
    qv_report_metrics_store_release(&st);
    qv_metrics_free(m);
    dataset_free(&d);
}
END_TEST

Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("exact");
    tcase_add_test(tc, xacc_simple);
    tcase_add_test(tc, xacc_rounding);
    tcase_add_loop_test(tc, xacc_random_against_fsum, 0, 4);
    tcase_add_test(tc, xacc_parse_rejects);
    tcase_add_test(tc, exact_double_text);
    suite_add_tcase(s, tc);
    tc = tcase_create("divergence");
    tcase_add_test(tc, div_figures);
    tcase_add_test(tc, div_stored_dequantizes);
    tcase_add_test(tc, levels_counts);
    tcase_add_loop_test(tc, auc_exact_and_bounded, 0, 3);
    suite_add_tcase(s, tc);
    tc = tcase_create("task");
    tcase_add_test(tc, task_check_models);
    tcase_add_test(tc, classification_by_hand);
    tcase_add_test(tc, classification_many_classes);
    tcase_add_test(tc, regression_by_hand);
    tcase_add_test(tc, anomaly_by_hand);
    tcase_add_test(tc, add_usage_errors);
    suite_add_tcase(s, tc);
    tc = tcase_create("merge");
    tcase_add_loop_test(tc, any_grouping_same_bytes, 0, 8);
    tcase_add_test(tc, merge_refuses_mismatch);
    tcase_add_test(tc, json_hostile);
    tcase_add_test(tc, report_page_from_metrics);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(metrics)
