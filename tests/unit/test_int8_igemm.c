/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The int8 indirect GEMM (src/engine/int8/igemm_s8.h), checkasm-style: its kernels are called
 * directly, with no graph or engine, on randomized shapes, zero points, biases, multipliers and
 * shifts (edge values included: M = 0, 2^30, 2^31 - 1, shifts from -31 to +7, zero points at
 * -128 and 127, biases near the int32 limits, inputs at -128 and 127), in both rounding
 * flavours, and every variant this CPU runs (portable C, AVX-VNNI, AVX-512 VNNI) must give
 * exactly the bytes of the reference loops written here after TFLM's ConvPerChannel and
 * FullyConnected(PerChannel).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/int8/igemm_s8.h"
#include "engine/int8/requant.h"
#include "int8_random.h"
#include "support.h"

static void *xalloc(size_t n)
{
    const size_t sz = (n + 64 + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, sz);
    ck_assert_ptr_nonnull(p);
    memset(p, 0xA5, sz); /* not zero: the kernels must not rely on zeroed scratch */
    return p;
}

/* Per-channel quantization of a random layer. */
struct rq {
    int32_t *mult, *shift, *bias;
    int32_t z_in, zp, lo, hi;
    enum qv_rounding r;
};

static void rq_init(struct rq *q, int64_t n, enum qv_rounding r)
{
    q->mult = malloc((size_t)n * 4);
    q->shift = malloc((size_t)n * 4);
    q->bias = qvt_rnd() % 4 ? malloc((size_t)n * 4) : NULL;
    const bool same = qvt_rnd() % 3 == 0; /* per-tensor: one multiplier for all */
    for (int64_t j = 0; j < n; j++) {
        q->mult[j] = same && j ? q->mult[0] : qvt_rmult();
        q->shift[j] = same && j ? q->shift[0] : qvt_rshift();
        if (r == QV_ROUNDING_SINGLE && q->shift[j] > 30)
            q->shift[j] = 30;
    }
    if (q->bias)
        qvt_rbias(q->bias, n);
    q->z_in = qvt_rzp();
    q->zp = qvt_rzp();
    q->lo = -128;
    q->hi = 127;
    if (qvt_rnd() % 3 == 0) {
        q->lo = q->zp;
        q->hi = qvt_rnd() % 2 ? 127 : qvt_rint_in(q->zp, 127);
    }
    q->r = r;
}

static void rq_free(struct rq *q)
{
    free(q->mult);
    free(q->shift);
    free(q->bias);
}

static int8_t ref_finish(const struct rq *q, int32_t acc, int64_t j)
{
    if (q->bias)
        acc = qv_wrap_add(acc, q->bias[j]);
    /* wrapping: edge multipliers can put MBQM next to INT32_MAX (the vector kernels wrap too) */
    const int32_t v = qv_wrap_add(qv_mbqm(acc, q->mult[j], q->shift[j], q->r), q->zp);
    return (int8_t)qv_clamp_i32(v, q->lo, q->hi);
}

static void expect_same(const char *what, int i, enum qv_igemm_isa isa, const int8_t *got,
                        const int8_t *want, int64_t n, const char *desc)
{
    for (int64_t k = 0; k < n; k++)
        ck_assert_msg(got[k] == want[k], "%s case %d (%s) variant %s: element %lld is %d, the "
                      "reference gives %d", what, i, desc, qv_igemm_isa_name(isa), (long long)k,
                      got[k], want[k]);
}

/* ---- CONV_2D ------------------------------------------------------------------------------ */

/* reference_integer_ops::ConvPerChannel, loop for loop (one group). */
static void ref_conv(const struct rq *q, int64_t batch, int64_t h, int64_t w, int64_t cin,
                     int64_t oh, int64_t ow, int64_t cout, int64_t kh, int64_t kw, int32_t sh,
                     int32_t sw, int32_t dh, int32_t dw, int64_t ph, int64_t pw, const int8_t *x,
                     const int8_t *f, int8_t *out)
{
    for (int64_t b = 0; b < batch; b++)
        for (int64_t oy = 0; oy < oh; oy++)
            for (int64_t ox = 0; ox < ow; ox++)
                for (int64_t oc = 0; oc < cout; oc++) {
                    int32_t acc = 0;
                    for (int64_t ky = 0; ky < kh; ky++)
                        for (int64_t kx = 0; kx < kw; kx++) {
                            const int64_t iy = oy * sh - ph + ky * dh, ix = ox * sw - pw + kx * dw;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                continue;
                            for (int64_t ic = 0; ic < cin; ic++)
                                acc = qv_wrap_add(acc, f[((oc * kh + ky) * kw + kx) * cin + ic] *
                                                           (x[((b * h + iy) * w + ix) * cin + ic] -
                                                            q->z_in));
                        }
                    out[((b * oh + oy) * ow + ox) * cout + oc] = ref_finish(q, acc, oc);
                }
}

static void conv_case(int i, bool big)
{
    qvt_seed(1, i);
    const enum qv_rounding r = (enum qv_rounding)(qvt_rnd() % QV_ROUNDING_COUNT);
    const int64_t h = big ? qvt_rint_in(8, 20) : qvt_rint_in(1, 12);
    const int64_t w = big ? qvt_rint_in(8, 20) : qvt_rint_in(1, 12);
    const int64_t cin = qvt_rnd() % 2 ? 4 * qvt_rint_in(1, big ? 12 : 6)
                                      : qvt_rint_in(1, big ? 30 : 13);
    const int64_t cout =
        qvt_rnd() % 3 == 0 ? 8 * qvt_rint_in(1, big ? 12 : 6) : qvt_rint_in(1, big ? 130 : 40);
    const int64_t kh = qvt_rint_in(1, big ? 3 : 5), kw = qvt_rint_in(1, big ? 3 : 5);
    const int32_t sh = qvt_rint_in(1, 3), sw = qvt_rint_in(1, 3);
    const int32_t dh = qvt_rnd() % 4 == 0 ? qvt_rint_in(2, 3) : 1;
    const int32_t dw = qvt_rnd() % 4 == 0 ? qvt_rint_in(2, 3) : 1;
    const int64_t batch = big ? 1 : qvt_rint_in(1, 3);
    /* SAME (TFLite's padding: total = max(0, (o - 1) * s + (k - 1) * d + 1 - in), leading half)
     * or VALID when the dilated window fits. */
    const int64_t ekh = (kh - 1) * dh + 1, ekw = (kw - 1) * dw + 1;
    const bool valid = qvt_rnd() % 2 && ekh <= h && ekw <= w;
    const int64_t oh = valid ? (h - ekh) / sh + 1 : (h + sh - 1) / sh;
    const int64_t ow = valid ? (w - ekw) / sw + 1 : (w + sw - 1) / sw;
    int64_t ph = valid ? 0 : ((oh - 1) * sh + ekh - h) / 2;
    int64_t pw = valid ? 0 : ((ow - 1) * sw + ekw - w) / 2;
    if (ph < 0)
        ph = 0;
    if (pw < 0)
        pw = 0;
    struct rq q;
    rq_init(&q, cout, r);
    int8_t *x = xalloc((size_t)(batch * h * w * cin)), *f = xalloc((size_t)(cout * kh * kw * cin));
    qvt_rdata(x, batch * h * w * cin);
    qvt_rdata(f, cout * kh * kw * cin);
    const size_t on = (size_t)(batch * oh * ow * cout);
    int8_t *want = xalloc(on), *got = xalloc(on);
    ref_conv(&q, batch, h, w, cin, oh, ow, cout, kh, kw, sh, sw, dh, dw, ph, pw, x, f, want);
    char desc[200];
    snprintf(desc, sizeof(desc), "batch %lld in %lldx%lldx%lld out %lldx%lldx%lld k %lldx%lld "
             "s %d,%d d %d,%d pad %lld,%lld z_in %d zp %d [%d, %d] rounding %d bias %d",
             (long long)batch, (long long)h, (long long)w, (long long)cin, (long long)oh,
             (long long)ow, (long long)cout, (long long)kh, (long long)kw, sh, sw, dh, dw,
             (long long)ph, (long long)pw, q.z_in, q.zp, q.lo, q.hi, r, q.bias != NULL);
    for (int v = 0; v < QV_IGEMM_ISA_COUNT; v++) {
        const enum qv_igemm_isa isa = (enum qv_igemm_isa)v;
        if (!qv_igemm_isa_available(isa))
            continue;
        struct qv_conv_igemm_s8 c;
        void *mem = xalloc(qv_conv_igemm_s8_size(isa, oh, ow, cout, kh, kw, cin));
        qv_conv_igemm_s8_init(&c, mem, isa, h, w, cin, oh, ow, cout, kh, kw, sh, sw, dh, dw, ph,
                              pw, f, q.bias, q.z_in, q.mult, q.shift, q.zp, q.lo, q.hi, r);
        void *scratch = xalloc(qv_conv_igemm_s8_get_buffer_size(&c));
        memset(got, 0x5A, on);
        qv_conv_igemm_s8(&c, scratch, batch, x, got);
        expect_same("conv", i, isa, got, want, (int64_t)on, desc);
        free(scratch);
        free(mem);
    }
    free(x);
    free(f);
    free(want);
    free(got);
    rq_free(&q);
}

START_TEST(conv_variants_equal_reference)
{
    conv_case(_i, false);
}
END_TEST

START_TEST(conv_large_variants_equal_reference)
{
    conv_case(1000 + _i, true);
}
END_TEST

/* ---- FULLY_CONNECTED ------------------------------------------------------------------------ */

static void fc_case(int i)
{
    qvt_seed(2, i);
    const enum qv_rounding r = (enum qv_rounding)(qvt_rnd() % QV_ROUNDING_COUNT);
    const bool deep = qvt_rnd() % 4 == 0;
    const int64_t depth = deep ? qvt_rint_in(300, 1500) : qvt_rint_in(1, 130);
    const int64_t units = qvt_rnd() % 3 == 0 ? 8 * qvt_rint_in(1, 20) : qvt_rint_in(1, 150);
    const int64_t batches = deep ? qvt_rint_in(1, 9) : qvt_rint_in(1, 40);
    struct rq q;
    rq_init(&q, units, r);
    int8_t *x = xalloc((size_t)(batches * depth)), *wt = xalloc((size_t)(units * depth));
    qvt_rdata(x, batches * depth);
    qvt_rdata(wt, units * depth);
    const size_t on = (size_t)(batches * units);
    int8_t *want = xalloc(on), *got = xalloc(on);
    for (int64_t b = 0; b < batches; b++)
        for (int64_t u = 0; u < units; u++) {
            int32_t acc = 0;
            for (int64_t d = 0; d < depth; d++)
                acc = qv_wrap_add(acc, wt[u * depth + d] * (x[b * depth + d] - q.z_in));
            want[b * units + u] = ref_finish(&q, acc, u);
        }
    char desc[160];
    snprintf(desc, sizeof(desc), "batches %lld depth %lld units %lld z_in %d zp %d [%d, %d] "
             "rounding %d bias %d", (long long)batches, (long long)depth, (long long)units,
             q.z_in, q.zp, q.lo, q.hi, r, q.bias != NULL);
    for (int v = 0; v < QV_IGEMM_ISA_COUNT; v++) {
        const enum qv_igemm_isa isa = (enum qv_igemm_isa)v;
        if (!qv_igemm_isa_available(isa))
            continue;
        struct qv_fc_igemm_s8 f;
        void *mem = xalloc(qv_fc_igemm_s8_size(isa, units, depth));
        qv_fc_igemm_s8_init(&f, mem, isa, units, depth, wt, q.bias, q.z_in, q.mult, q.shift, q.zp,
                            q.lo, q.hi, r);
        void *scratch = xalloc(qv_fc_igemm_s8_get_buffer_size(&f));
        memset(got, 0x5A, on);
        qv_fc_igemm_s8(&f, scratch, batches, x, got);
        expect_same("fc", i, isa, got, want, (int64_t)on, desc);
        free(scratch);
        free(mem);
    }
    free(x);
    free(wt);
    free(want);
    free(got);
    rq_free(&q);
}

START_TEST(fc_variants_equal_reference)
{
    fc_case(_i);
}
END_TEST

/*
 * The micro-kernel's epilogue on the full int32 range: one tap of 4 bytes whose weights select
 * one byte, so that the accumulator is fold + u * w for an extreme fold, through every shift
 * from -31 to +7 and the edge multipliers; rows of every tile size.
 */
START_TEST(tile_epilogue_edges)
{
    qvt_seed(3, _i);
    const enum qv_rounding r = (enum qv_rounding)(_i % QV_ROUNDING_COUNT);
    const int64_t n = qvt_rint_in(1, 100);
    struct rq q;
    rq_init(&q, n, r);
    for (int64_t j = 0; j < n; j++) {
        q.shift[j] = qvt_rint_in(-31, r == QV_ROUNDING_SINGLE ? 7 : 7);
        q.mult[j] = qvt_rmult();
    }
    if (!q.bias)
        q.bias = malloc((size_t)n * 4);
    for (int64_t j = 0; j < n; j++) {
        const int e = (int)(qvt_rnd() % 32);
        switch (qvt_rnd() % 4) {
        case 0: q.bias[j] = (int32_t)(((uint32_t)1 << e) + (uint32_t)qvt_rint_in(-2, 2)); break;
        case 1:
            q.bias[j] = (int32_t)(0u - ((uint32_t)1 << e) + (uint32_t)qvt_rint_in(-2, 2));
            break;
        case 2:
            q.bias[j] = qvt_rnd() % 2 ? INT32_MAX - qvt_rint_in(0, 300)
                                      : INT32_MIN + qvt_rint_in(0, 300);
            break;
        default: q.bias[j] = (int32_t)(((uint32_t)qvt_rnd() << 16) ^ qvt_rnd()); break;
        }
    }
    const int64_t m = qvt_rint_in(1, QV_IGEMM_MR_MAX), depth = 4;
    int8_t *x = xalloc((size_t)(m * depth)), *wt = xalloc((size_t)(n * depth));
    qvt_rdata(x, m * depth);
    for (int64_t k = 0; k < n * depth; k++)
        wt[k] = (int8_t)(k % 4 == 0 ? qvt_rint_in(-128, 127) : 0);
    int8_t *want = xalloc((size_t)(m * n)), *got = xalloc((size_t)(m * n));
    for (int64_t b = 0; b < m; b++)
        for (int64_t u = 0; u < n; u++)
            want[b * n + u] = ref_finish(&q, wt[u * depth] * (x[b * depth] - q.z_in), u);
    for (int v = 0; v < QV_IGEMM_ISA_COUNT; v++) {
        const enum qv_igemm_isa isa = (enum qv_igemm_isa)v;
        if (!qv_igemm_isa_available(isa))
            continue;
        struct qv_fc_igemm_s8 f;
        void *mem = xalloc(qv_fc_igemm_s8_size(isa, n, depth));
        qv_fc_igemm_s8_init(&f, mem, isa, n, depth, wt, q.bias, q.z_in, q.mult, q.shift, q.zp,
                            q.lo, q.hi, r);
        void *scratch = xalloc(qv_fc_igemm_s8_get_buffer_size(&f));
        qv_fc_igemm_s8(&f, scratch, m, x, got);
        expect_same("epilogue", _i, isa, got, want, m * n, "edges");
        free(scratch);
        free(mem);
    }
    free(x);
    free(wt);
    free(want);
    free(got);
    rq_free(&q);
}
END_TEST

/* What this machine runs, in the log (a CPU without VNNI checks the portable variant only). */
START_TEST(variants_listed)
{
    int n = 0;
    for (int v = 0; v < QV_IGEMM_ISA_COUNT; v++)
        if (qv_igemm_isa_available((enum qv_igemm_isa)v)) {
            printf("int8_igemm: variant %s available\n", qv_igemm_isa_name((enum qv_igemm_isa)v));
            n++;
        }
    ck_assert_int_ge(n, 1);
    ck_assert(qv_igemm_isa_available(QV_IGEMM_C));
    ck_assert(qv_igemm_isa_available(qv_igemm_isa_best()));
}
END_TEST

static Suite *int8_igemm_suite(void)
{
    Suite *s = suite_create("int8_igemm");
    TCase *tc = tcase_create("variants");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, variants_listed);
    tcase_add_loop_test(tc, conv_variants_equal_reference, 0, QVT_CASES(250));
    tcase_add_loop_test(tc, conv_large_variants_equal_reference, 0, 10);
    tcase_add_loop_test(tc, fc_variants_equal_reference, 0, QVT_CASES(150));
    tcase_add_loop_test(tc, tile_epilogue_edges, 0, QVT_CASES(300));
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(int8_igemm)
