/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The int8 kernels' variants, checkasm-style: the arithmetic (kernels_s8.h) is called directly,
 * with no graph or engine, on randomized shapes, zero points, multipliers and shifts (edge
 * values included: M = 0, 2^30, 2^31 - 1, shifts from -31 to +7, zero points at -128 and 127,
 * biases at the int32 limits, inputs at -128 and 127), and every variant this CPU runs must
 * give exactly the bytes of QV_S8_PLAIN (TFLM's reference loops). The building blocks of each
 * variant (GEMM tile, widen, accumulate, requantization row, depthwise pixel) are checked
 * against the portable C ones the same way, and the AVX2 requantization core against the scalar
 * formula on the full int32 range.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/int8/kernels_s8.h"
#include "engine/int8/simd_s8.h"
#include "int8_random.h"
#include "support.h"

static int32_t rint32(void)
{
    return (int32_t)(((uint32_t)qvt_rnd() << 16) ^ qvt_rnd());
}

static void ract(int32_t zp, int32_t *lo, int32_t *hi)
{
    *lo = -128;
    *hi = 127;
    if (qvt_rnd() % 3 == 0) {
        *lo = zp;
        *hi = qvt_rnd() % 2 ? 127 : qvt_rint_in(zp, 127);
    }
}

static void *xalloc(size_t n)
{
    void *p = aligned_alloc(64, (n + 64) & ~(size_t)63);
    ck_assert_ptr_nonnull(p);
    memset(p, 0, (n + 64) & ~(size_t)63);
    return p;
}

static void expect_same(const char *what, int kind, int i, enum qv_s8_variant v,
                        const int8_t *got, const int8_t *want, int64_t n, const char *desc)
{
    for (int64_t k = 0; k < n; k++)
        ck_assert_msg(got[k] == want[k], "%s case %d (%s) variant %s: element %lld is %d, plain "
                      "gives %d", what, i, desc, qv_s8_variant_name(v), (long long)k, got[k],
                      want[k]);
    (void)kind;
}

/* ---- CONV_2D ------------------------------------------------------------------------------ */

START_TEST(conv_variants_equal_plain)
{
    qvt_seed(1, _i);
    struct qv_conv_2d_s8_params p = { 0 };
    const int64_t groups = qvt_rnd() % 4 == 0 ? qvt_rint_in(2, 3) : 1;
    struct qv_dims fd = { groups * qvt_rint_in(1, _i % 5 == 0 ? 24 : 12), qvt_rint_in(1, 5),
                          qvt_rint_in(1, 5), qvt_rint_in(1, _i % 5 == 0 ? 24 : 9) };
    struct qv_dims xd = { qvt_rint_in(1, 3), qvt_rint_in(1, 12), qvt_rint_in(1, 12),
                          fd.c * groups };
    p.stride_h = qvt_rint_in(1, 3);
    p.stride_w = qvt_rint_in(1, 3);
    p.dilation_h = qvt_rnd() % 3 == 0 ? qvt_rint_in(2, 3) : 1;
    p.dilation_w = qvt_rnd() % 3 == 0 ? qvt_rint_in(2, 3) : 1;
    if (_i % 7 == 0) {   /* pointwise */
        p.stride_h = p.stride_w = 1;
        fd.h = fd.w = 1;
    }
    const int64_t eff_h = (fd.h - 1) * p.dilation_h + 1, eff_w = (fd.w - 1) * p.dilation_w + 1;
    p.pad_h = qvt_rnd() % 2 ? qvt_rint_in(0, (int32_t)eff_h - 1) : 0;
    p.pad_w = qvt_rnd() % 2 ? qvt_rint_in(0, (int32_t)eff_w - 1) : 0;
    if (fd.h == 1 && fd.w == 1)
        p.pad_h = p.pad_w = 0;
    if (xd.h + 2 * p.pad_h < eff_h)
        xd.h = eff_h;
    if (xd.w + 2 * p.pad_w < eff_w)
        xd.w = eff_w;
    const struct qv_dims od = { xd.n, (xd.h + 2 * p.pad_h - eff_h) / p.stride_h + 1,
                                (xd.w + 2 * p.pad_w - eff_w) / p.stride_w + 1, fd.n };
    p.input_offset = -qvt_rzp();
    p.output_offset = qvt_rzp();
    ract(p.output_offset, &p.act_min, &p.act_max);
    p.rounding = qvt_rnd() % 4 == 0 ? QV_ROUNDING_SINGLE : QV_ROUNDING_DOUBLE;
    int32_t *mult = xalloc((size_t)fd.n * 4), *shift = xalloc((size_t)fd.n * 4);
    for (int64_t c = 0; c < fd.n; c++) {
        mult[c] = qvt_rmult();
        shift[c] = qvt_rshift();
        if (p.rounding == QV_ROUNDING_SINGLE && shift[c] > 30)
            shift[c] = 30;
    }
    p.multiplier = mult;
    p.shift = shift;
    const int64_t nx = xd.n * xd.h * xd.w * xd.c, nw = fd.n * fd.h * fd.w * fd.c;
    const int64_t no = od.n * od.h * od.w * od.c;
    int8_t *x = xalloc((size_t)nx), *w = xalloc((size_t)nw);
    int32_t *bias = qvt_rnd() % 4 ? xalloc((size_t)fd.n * 4) : NULL;
    qvt_rdata(x, nx);
    qvt_rdata(w, nw);
    if (bias)
        qvt_rbias(bias, fd.n);
    int8_t *want = xalloc((size_t)no), *got = xalloc((size_t)no);
    char desc[200];
    snprintf(desc, sizeof(desc), "x %lldx%lldx%lldx%lld f %lldx%lldx%lldx%lld s %d,%d d %d,%d "
             "pad %lld,%lld rounding %d", (long long)xd.n, (long long)xd.h, (long long)xd.w,
             (long long)xd.c, (long long)fd.n, (long long)fd.h, (long long)fd.w, (long long)fd.c,
             p.stride_h, p.stride_w, p.dilation_h, p.dilation_w, (long long)p.pad_h,
             (long long)p.pad_w, (int)p.rounding);
    p.variant = QV_S8_PLAIN;
    qv_conv_2d_s8(&p, NULL, &xd, x, &fd, w, bias, &od, want);
    void *fast_mem = xalloc(qv_conv_2d_s8_fast_size(&xd, &fd, &od));
    p.fast = qv_conv_2d_s8_fast_init(fast_mem, &p, &xd, &fd, w, bias, &od,
                                     od.n * od.h * od.w);
    for (int v = QV_S8_C; v < QV_S8_VARIANT_COUNT; v++) {
        if (!qv_s8_variant_available((enum qv_s8_variant)v))
            continue;
        if (v == QV_S8_AVX2 && !p.fast->rq.vec)
            continue;   /* the AVX2 requantization's precondition; prepare picks C then */
        p.variant = (enum qv_s8_variant)v;
        void *scratch = xalloc(qv_conv_2d_s8_get_buffer_size(&p, &xd));
        memset(got, 0x55, (size_t)no);
        qv_conv_2d_s8(&p, scratch, &xd, x, &fd, w, bias, &od, got);
        expect_same("CONV_2D", 1, _i, p.variant, got, want, no, desc);
        free(scratch);
    }
    free(fast_mem);
    free(mult);
    free(shift);
    free(x);
    free(w);
    free(bias);
    free(want);
    free(got);
}
END_TEST

/* ---- DEPTHWISE_CONV_2D ------------------------------------------------------------------ */

START_TEST(depthwise_variants_equal_plain)
{
    qvt_seed(2, _i);
    struct qv_depthwise_conv_2d_s8_params p = { 0 };
    p.depth_multiplier = qvt_rnd() % 3 == 0 ? qvt_rint_in(2, 4) : 1;
    const int64_t cin = qvt_rint_in(1, _i % 4 == 0 ? 48 : 20);
    const struct qv_dims fd = { 1, qvt_rint_in(1, 5), qvt_rint_in(1, 5), cin * p.depth_multiplier };
    struct qv_dims xd = { qvt_rint_in(1, 3), qvt_rint_in(1, 14), qvt_rint_in(1, 14), cin };
    p.stride_h = qvt_rint_in(1, 3);
    p.stride_w = qvt_rint_in(1, 3);
    p.dilation_h = qvt_rnd() % 3 == 0 ? qvt_rint_in(2, 3) : 1;
    p.dilation_w = qvt_rnd() % 3 == 0 ? qvt_rint_in(2, 3) : 1;
    const int64_t eff_h = (fd.h - 1) * p.dilation_h + 1, eff_w = (fd.w - 1) * p.dilation_w + 1;
    p.pad_h = qvt_rnd() % 2 ? qvt_rint_in(0, (int32_t)eff_h - 1) : 0;
    p.pad_w = qvt_rnd() % 2 ? qvt_rint_in(0, (int32_t)eff_w - 1) : 0;
    if (xd.h + 2 * p.pad_h < eff_h)
        xd.h = eff_h;
    if (xd.w + 2 * p.pad_w < eff_w)
        xd.w = eff_w;
    const struct qv_dims od = { xd.n, (xd.h + 2 * p.pad_h - eff_h) / p.stride_h + 1,
                                (xd.w + 2 * p.pad_w - eff_w) / p.stride_w + 1, fd.c };
    p.input_offset = -qvt_rzp();
    p.output_offset = qvt_rzp();
    ract(p.output_offset, &p.act_min, &p.act_max);
    p.rounding = qvt_rnd() % 4 == 0 ? QV_ROUNDING_SINGLE : QV_ROUNDING_DOUBLE;
    int32_t *mult = xalloc((size_t)fd.c * 4), *shift = xalloc((size_t)fd.c * 4);
    for (int64_t c = 0; c < fd.c; c++) {
        mult[c] = qvt_rmult();
        shift[c] = qvt_rshift();
    }
    p.multiplier = mult;
    p.shift = shift;
    const int64_t nx = xd.n * xd.h * xd.w * xd.c, nw = fd.h * fd.w * fd.c;
    const int64_t no = od.n * od.h * od.w * od.c;
    int8_t *x = xalloc((size_t)nx), *w = xalloc((size_t)nw);
    int32_t *bias = qvt_rnd() % 4 ? xalloc((size_t)fd.c * 4) : NULL;
    qvt_rdata(x, nx);
    qvt_rdata(w, nw);
    if (bias)
        qvt_rbias(bias, fd.c);
    int8_t *want = xalloc((size_t)no), *got = xalloc((size_t)no);
    char desc[200];
    snprintf(desc, sizeof(desc), "x %lldx%lldx%lldx%lld k %lldx%lld dm %d s %d,%d d %d,%d "
             "pad %lld,%lld rounding %d", (long long)xd.n, (long long)xd.h, (long long)xd.w,
             (long long)xd.c, (long long)fd.h, (long long)fd.w, p.depth_multiplier, p.stride_h,
             p.stride_w, p.dilation_h, p.dilation_w, (long long)p.pad_h, (long long)p.pad_w,
             (int)p.rounding);
    p.variant = QV_S8_PLAIN;
    qv_depthwise_conv_2d_s8(&p, NULL, &xd, x, &fd, w, bias, &od, want);
    void *fast_mem = xalloc(qv_depthwise_conv_2d_s8_fast_size(&fd));
    const struct qv_depthwise_conv_2d_s8_fast *fast =
        qv_depthwise_conv_2d_s8_fast_init(fast_mem, &p, &xd, &fd, w, bias, &od);
    for (int v = QV_S8_C; v < QV_S8_VARIANT_COUNT; v++) {
        if (!qv_s8_variant_available((enum qv_s8_variant)v))
            continue;
        p.variant = (enum qv_s8_variant)v;
        /* C: the generic channel loop; AVX2: the packed kernel, when rq.vec (as prepare);
         * AVX512: the VNNI kernel when the CPU has it (any rounding), else AVX2's. */
        const bool vnni = v == QV_S8_AVX512 && fast->vnni;
        p.fast = qv_s8_variant_avx2((enum qv_s8_variant)v) ? fast : NULL;
        if (qv_s8_variant_avx2((enum qv_s8_variant)v) && !fast->rq.vec && !vnni)
            continue;
        void *scratch = xalloc(qv_depthwise_conv_2d_s8_get_buffer_size(&p, &xd, &fd));
        memset(got, 0x55, (size_t)no);
        qv_depthwise_conv_2d_s8(&p, scratch, &xd, x, &fd, w, bias, &od, got);
        expect_same("DEPTHWISE_CONV_2D", 2, _i, p.variant, got, want, no, desc);
        free(scratch);
    }
    free(fast_mem);
    free(mult);
    free(shift);
    free(x);
    free(w);
    free(bias);
    free(want);
    free(got);
}
END_TEST

/* ---- FULLY_CONNECTED ------------------------------------------------------------------- */

START_TEST(fc_variants_equal_plain)
{
    qvt_seed(3, _i);
    struct qv_fully_connected_s8_params p = { 0 };
    const int64_t batches = qvt_rint_in(1, 9);
    const int64_t units = qvt_rint_in(1, _i % 5 == 0 ? 100 : 40);
    const int64_t depth = qvt_rint_in(1, _i % 5 == 0 ? 800 : 70);
    const bool per_tensor = qvt_rnd() % 2;
    p.input_offset = -qvt_rzp();
    p.output_offset = qvt_rzp();
    p.filter_offset = per_tensor && qvt_rnd() % 3 == 0 ? qvt_rint_in(-127, 127) : 0;
    ract(p.output_offset, &p.act_min, &p.act_max);
    p.rounding = qvt_rnd() % 4 == 0 ? QV_ROUNDING_SINGLE : QV_ROUNDING_DOUBLE;
    int32_t *mult = xalloc((size_t)units * 4), *shift = xalloc((size_t)units * 4);
    const int32_t m0 = qvt_rmult(), s0 = qvt_rshift();
    for (int64_t u = 0; u < units; u++) {
        mult[u] = per_tensor ? m0 : qvt_rmult();
        shift[u] = per_tensor ? s0 : qvt_rshift();
    }
    p.multiplier = mult;
    p.shift = shift;
    int8_t *x = xalloc((size_t)(batches * depth)), *w = xalloc((size_t)(units * depth));
    int32_t *bias = qvt_rnd() % 4 ? xalloc((size_t)units * 4) : NULL;
    qvt_rdata(x, batches * depth);
    qvt_rdata(w, units * depth);
    if (bias)
        qvt_rbias(bias, units);
    int8_t *want = xalloc((size_t)(batches * units)), *got = xalloc((size_t)(batches * units));
    char desc[160];
    snprintf(desc, sizeof(desc), "batches %lld units %lld depth %lld filter offset %d rounding %d",
             (long long)batches, (long long)units, (long long)depth, p.filter_offset,
             (int)p.rounding);
    p.variant = QV_S8_PLAIN;
    qv_fully_connected_s8(&p, NULL, batches, units, depth, x, w, bias, want);
    void *fast_mem = xalloc(qv_fully_connected_s8_fast_size(units, depth));
    p.fast = qv_fully_connected_s8_fast_init(fast_mem, &p, units, depth, w, bias, batches);
    for (int v = QV_S8_C; v < QV_S8_VARIANT_COUNT; v++) {
        if (!qv_s8_variant_available((enum qv_s8_variant)v))
            continue;
        if (v == QV_S8_AVX2 && !p.fast->rq.vec)
            continue;
        p.variant = (enum qv_s8_variant)v;
        void *scratch = xalloc(qv_fully_connected_s8_get_buffer_size(&p));
        memset(got, 0x55, (size_t)(batches * units));
        qv_fully_connected_s8(&p, scratch, batches, units, depth, x, w, bias, got);
        expect_same("FULLY_CONNECTED", 3, _i, p.variant, got, want, batches * units, desc);
        free(scratch);
    }
    free(fast_mem);
    free(mult);
    free(shift);
    free(x);
    free(w);
    free(bias);
    free(want);
    free(got);
}
END_TEST

/* ---- pools and MEAN ---------------------------------------------------------------------- */

START_TEST(pool_variants_equal_plain)
{
    qvt_seed(4, _i);
    struct qv_pool_s8_params p = { 0 };
    p.filter_h = qvt_rint_in(1, 5);
    p.filter_w = qvt_rint_in(1, 5);
    p.stride_h = qvt_rint_in(1, 3);
    p.stride_w = qvt_rint_in(1, 3);
    p.pad_h = qvt_rnd() % 2 ? qvt_rint_in(0, p.filter_h - 1) : 0;
    p.pad_w = qvt_rnd() % 2 ? qvt_rint_in(0, p.filter_w - 1) : 0;
    struct qv_dims xd = { qvt_rint_in(1, 3), qvt_rint_in(1, 12), qvt_rint_in(1, 12),
                          qvt_rint_in(1, 70) };
    if (xd.h + 2 * p.pad_h < p.filter_h)
        xd.h = p.filter_h;
    if (xd.w + 2 * p.pad_w < p.filter_w)
        xd.w = p.filter_w;
    const struct qv_dims od = { xd.n, (xd.h + 2 * p.pad_h - p.filter_h) / p.stride_h + 1,
                                (xd.w + 2 * p.pad_w - p.filter_w) / p.stride_w + 1, xd.c };
    ract(qvt_rzp(), &p.act_min, &p.act_max);
    const int64_t nx = xd.n * xd.h * xd.w * xd.c, no = od.n * od.h * od.w * od.c;
    int8_t *x = xalloc((size_t)nx), *want = xalloc((size_t)no), *got = xalloc((size_t)no);
    qvt_rdata(x, nx);
    for (int avg = 0; avg < 2; avg++) {
        p.variant = QV_S8_PLAIN;
        (avg ? qv_average_pool_2d_s8 : qv_max_pool_2d_s8)(&p, &xd, x, &od, want);
        for (int v = QV_S8_C; v < QV_S8_VARIANT_COUNT; v++) {
            if (!qv_s8_variant_available((enum qv_s8_variant)v))
                continue;
            p.variant = (enum qv_s8_variant)v;
            memset(got, 0x55, (size_t)no);
            (avg ? qv_average_pool_2d_s8 : qv_max_pool_2d_s8)(&p, &xd, x, &od, got);
            expect_same(avg ? "AVERAGE_POOL_2D" : "MAX_POOL_2D", 4, _i, p.variant, got, want,
                        no, "");
        }
    }
    free(x);
    free(want);
    free(got);
}
END_TEST

START_TEST(mean_variants_equal_plain)
{
    qvt_seed(5, _i);
    struct qv_mean_s8_params p = { 0 };
    struct qv_shape is = { qvt_rint_in(1, 4), { 0 } }, os = { 0, { 0 } };
    for (int32_t d = 0; d < is.rank; d++)
        is.dims[d] = qvt_rint_in(1, 9);
    os.rank = is.rank;
    bool any = false;
    for (int32_t d = 0; d < is.rank; d++) {
        p.reduced[d] = qvt_rnd() % 2;
        any = any || p.reduced[d];
    }
    if (!any)
        p.reduced[is.rank - 1] = true;
    for (int32_t d = 0; d < is.rank; d++)
        os.dims[d] = p.reduced[d] ? 1 : is.dims[d];
    p.input_zero_point = qvt_rzp();
    p.output_zero_point = qvt_rzp();
    p.multiplier = qvt_rmult();
    p.shift = qvt_rint_in(-20, 2);
    p.rounding = qvt_rnd() % 4 == 0 ? QV_ROUNDING_SINGLE : QV_ROUNDING_DOUBLE;
    const int64_t nx = qv_shape_elems(&is), no = qv_shape_elems(&os);
    int8_t *x = xalloc((size_t)nx), *want = xalloc((size_t)no), *got = xalloc((size_t)no);
    void *scratch = xalloc(qv_mean_s8_get_buffer_size(&os));
    qvt_rdata(x, nx);
    p.variant = QV_S8_PLAIN;
    qv_mean_s8(&p, scratch, &is, x, &os, want);
    for (int v = QV_S8_C; v < QV_S8_VARIANT_COUNT; v++) {
        if (!qv_s8_variant_available((enum qv_s8_variant)v))
            continue;
        p.variant = (enum qv_s8_variant)v;
        memset(got, 0x55, (size_t)no);
        qv_mean_s8(&p, scratch, &is, x, &os, got);
        expect_same("MEAN", 5, _i, p.variant, got, want, no, "");
    }
    free(scratch);
    free(x);
    free(want);
    free(got);
}
END_TEST

/* ---- building blocks --------------------------------------------------------------------- */

/* Every variant's blocks against the C blocks on the same random inputs. */
START_TEST(blocks_equal_c)
{
    qvt_seed(6, _i);
    const struct qv_s8_blocks *c = qv_s8_blocks(QV_S8_C);
    for (int v = QV_S8_C + 1; v < QV_S8_VARIANT_COUNT; v++) {
        if (!qv_s8_variant_available((enum qv_s8_variant)v))
            continue;
        const struct qv_s8_blocks *b = qv_s8_blocks((enum qv_s8_variant)v);
        const char *name = qv_s8_variant_name((enum qv_s8_variant)v);
        /* gemm: A int8-valued int16, W with the FC filter offset range. */
        const int64_t m = qvt_rint_in(1, 13), n = qvt_rint_in(1, 50), k = qvt_rint_in(1, 300);
        const int64_t kp = qv_gemm_kp(k);
        int16_t *a = xalloc((size_t)(m * kp) * 2);
        int8_t *w = xalloc((size_t)(n * k));
        int32_t *wsum = xalloc((size_t)n * 4), *add = xalloc((size_t)n * 4);
        int32_t *mult = xalloc((size_t)n * 4), *shift = xalloc((size_t)n * 4);
        int16_t *packed = xalloc(qv_gemm_s8_packed_size(n, k));
        int32_t *rqmem = xalloc(qv_rq_s8_size(n));
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < kp; j++)
                a[i * kp + j] = (int16_t)(j < k ? qvt_rint_in(-128, 127) : 0);
        qvt_rdata(w, n * k);
        for (int64_t j = 0; j < n; j++) {
            add[j] = rint32() >> qvt_rint_in(0, 31);
            mult[j] = qvt_rmult();
            shift[j] = qvt_rshift();
        }
        qv_gemm_s8_pack(w, n, k, k, qvt_rnd() % 3 ? 0 : qvt_rint_in(-127, 127), packed, wsum);
        struct qv_rq_s8 rq;
        const int32_t zp = qvt_rzp();
        int32_t lo, hi;
        ract(zp, &lo, &hi);
        qv_rq_s8_init(&rq, rqmem, n, add, mult, shift, zp, lo, hi, QV_ROUNDING_DOUBLE);
        int8_t *want = xalloc((size_t)(m * n)), *got = xalloc((size_t)(m * n));
        c->gemm(a, m, kp, packed, n, &rq, 0, want, n);
        b->gemm(a, m, kp, packed, n, &rq, 0, got, n);
        for (int64_t i = 0; i < m * n; i++)
            ck_assert_msg(got[i] == want[i], "%s gemm case %d (m %lld n %lld k %lld): element "
                          "%lld is %d, C gives %d", name, _i, (long long)m, (long long)n,
                          (long long)k, (long long)i, got[i], want[i]);
        /* widen and accumulate */
        const int64_t len = qvt_rint_in(0, 200);
        int8_t *src = xalloc((size_t)len);
        int16_t *w1 = xalloc((size_t)len * 2), *w2 = xalloc((size_t)len * 2);
        int32_t *s1 = xalloc((size_t)len * 4), *s2 = xalloc((size_t)len * 4);
        qvt_rdata(src, len);
        for (int64_t i = 0; i < len; i++)
            s1[i] = s2[i] = rint32();
        c->widen(src, w1, len);
        b->widen(src, w2, len);
        c->accumulate(s1, src, len);
        b->accumulate(s2, src, len);
        ck_assert_msg(memcmp(w1, w2, (size_t)len * 2) == 0, "%s widen case %d", name, _i);
        ck_assert_msg(memcmp(s1, s2, (size_t)len * 4) == 0, "%s accumulate case %d", name, _i);
        /* requant_row (double rounding, M >= 0: the AVX2 entry's domain) */
        int32_t *acc = xalloc((size_t)len * 4);
        int8_t *r1 = xalloc((size_t)len), *r2 = xalloc((size_t)len);
        int32_t *rm = xalloc((size_t)len * 4), *rs = xalloc((size_t)len * 4);
        int32_t *ra = xalloc((size_t)len * 4);
        for (int64_t i = 0; i < len; i++) {
            acc[i] = rint32() >> qvt_rint_in(0, 31);
            ra[i] = qvt_rint_in(-100000, 100000);
            rm[i] = qvt_rmult();
            rs[i] = qvt_rint_in(-31, 12);
        }
        const bool use_add = qvt_rnd() % 2;
        c->requant_row(acc, use_add ? ra : NULL, rm, rs, len, zp, lo, hi, QV_ROUNDING_DOUBLE, r1);
        b->requant_row(acc, use_add ? ra : NULL, rm, rs, len, zp, lo, hi, QV_ROUNDING_DOUBLE, r2);
        ck_assert_msg(memcmp(r1, r2, (size_t)len) == 0, "%s requant_row case %d", name, _i);
        /* dw_pixel over up to 25 taps */
        const int32_t taps = qvt_rint_in(0, 25);
        const int8_t *xs[25], *ws[25];
        int8_t *rows = xalloc((size_t)(2 * 25 * (len + 1)));
        qvt_rdata(rows, 2 * 25 * (len + 1));
        for (int32_t t = 0; t < taps; t++) {
            xs[t] = rows + 2 * t * (len + 1);
            ws[t] = rows + (2 * t + 1) * (len + 1);
        }
        const int32_t off = -qvt_rzp();
        c->dw_pixel(s1, xs, ws, taps, off, len);
        b->dw_pixel(s2, xs, ws, taps, off, len);
        ck_assert_msg(memcmp(s1, s2, (size_t)len * 4) == 0, "%s dw_pixel case %d", name, _i);
        free(a);
        free(w);
        free(wsum);
        free(add);
        free(mult);
        free(shift);
        free(packed);
        free(rqmem);
        free(want);
        free(got);
        free(src);
        free(w1);
        free(w2);
        free(s1);
        free(s2);
        free(acc);
        free(r1);
        free(r2);
        free(rm);
        free(rs);
        free(ra);
        free(rows);
    }
}
END_TEST

/* The C requantization row against the scalar formula, both roundings, any M and shift. */
START_TEST(requant_row_c_equals_formula)
{
    enum { N = 1003 };
    static int32_t acc[N], add[N], mult[N], shift[N];
    static int8_t out[N];
    qvt_seed(7, _i);
    const struct qv_s8_blocks *c = qv_s8_blocks(QV_S8_C);
    for (int rep = 0; rep < 50; rep++) {
        const int32_t zp = qvt_rzp(), lo = qvt_rint_in(-128, 0), hi = qvt_rint_in(0, 127);
        for (int j = 0; j < N; j++) {
            acc[j] = rint32() >> qvt_rint_in(0, 31);
            add[j] = qvt_rint_in(-100000, 100000);
            mult[j] = qvt_rmult();
            shift[j] = qvt_rint_in(-31, 12);
        }
        for (int r = 0; r < QV_ROUNDING_COUNT; r++) {
            const int64_t n = qvt_rint_in(1, N);
            const bool use_add = qvt_rnd() % 2;
            c->requant_row(acc, use_add ? add : NULL, mult, shift, n, zp, lo, hi,
                           (enum qv_rounding)r, out);
            for (int64_t j = 0; j < n; j++) {
                if (r == QV_ROUNDING_SINGLE && shift[j] > 30)
                    continue;
                const int32_t v = use_add ? (int32_t)((uint32_t)acc[j] + (uint32_t)add[j]) : acc[j];
                const int32_t want =
                    qv_clamp_i32(qv_mbqm(v, mult[j], shift[j], (enum qv_rounding)r) + zp, lo, hi);
                ck_assert_msg(out[j] == want, "lane %lld: acc %d M %d shift %d: got %d want %d",
                              (long long)j, v, mult[j], shift[j], out[j], want);
            }
        }
    }
}
END_TEST

#ifdef QV_S8_X86
/*
 * The AVX2 double-rounding core against the scalar MBQM on the full int32 result (no clamp to
 * hide an error), with inputs aimed at the edges: INT32_MIN/MAX accumulators, powers of two
 * +-2 (ties), multipliers 0, 2^30 and 2^31 - 1, every shift from -31 to 31.
 */
static int32_t edge_x(void)
{
    const int e = (int)(qvt_rnd() % 32);
    switch (qvt_rnd() % 8) {
    case 0: return rint32();
    case 1: return rint32() >> (qvt_rnd() % 32);
    /* +-2^e +- 2, wrapping at e = 31 (computed unsigned: no signed overflow) */
    case 2: return (int32_t)(((uint32_t)1 << e) + (uint32_t)qvt_rint_in(-2, 2));
    case 3: return (int32_t)(0u - ((uint32_t)1 << e) + (uint32_t)qvt_rint_in(-2, 2));
    case 4: return INT32_MIN + qvt_rint_in(0, 3);
    case 5: return INT32_MAX - qvt_rint_in(0, 3);
    default: return qvt_rint_in(-1000, 1000);
    }
}

static int32_t edge_m(void)
{
    switch (qvt_rnd() % 6) {
    case 0: return 0;
    case 1: return INT32_MAX - qvt_rint_in(0, 2);
    case 2: return (1 << 30) + qvt_rint_in(0, 2);
    case 3: return qvt_rint_in(0, 7);
    default: return (int32_t)((uint32_t)rint32() >> 1);
    }
}

__attribute__((target("avx2"))) static int64_t mbqm8_mismatches(int64_t rounds, char *first,
                                                                size_t size)
{
    int64_t bad = 0;
    for (int64_t it = 0; it < rounds; it++) {
        int32_t x[8], m[8], sh[8], want[8], got[8];
        for (int i = 0; i < 8; i++) {
            x[i] = edge_x();
            m[i] = edge_m();
            sh[i] = qvt_rint_in(-31, 31);
            want[i] = qv_mbqm_double(x[i], m[i], sh[i]);
        }
        const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1);
        const __m256i vs = _mm256_loadu_si256((const __m256i *)sh);
        const __m256i vm = _mm256_loadu_si256((const __m256i *)m);
        const __m256i right = _mm256_max_epi32(_mm256_sub_epi32(zero, vs), zero);
        const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, right), one);
        __m256i vx = _mm256_sllv_epi32(_mm256_loadu_si256((const __m256i *)x),
                                       _mm256_max_epi32(vs, zero));
        vx = qv_mbqm8_avx2(vx, vm, _mm256_srli_epi64(vm, 32), right, mask,
                           _mm256_srli_epi32(mask, 1));
        _mm256_storeu_si256((__m256i *)got, vx);
        for (int i = 0; i < 8; i++) {
            if (got[i] != want[i] && bad++ == 0)
                snprintf(first, size, "x %d M %d shift %d: got %d want %d", x[i], m[i], sh[i],
                         got[i], want[i]);
        }
    }
    return bad;
}
#endif

START_TEST(mbqm8_equals_scalar_full_int32)
{
#ifdef QV_S8_X86
    if (!qv_s8_variant_available(QV_S8_AVX2))
        return;
    qvt_seed(8, 0);
    char first[160] = "";
    int64_t bad = mbqm8_mismatches(250000, first, sizeof(first));   /* 2 M lanes */
    ck_assert_msg(bad == 0, "%lld of 2000000 lanes differ; first: %s", (long long)bad, first);
#endif
}
END_TEST

/* Names and availability agree; the best variant is available. */
START_TEST(variants_listed)
{
    ck_assert(qv_s8_variant_available(QV_S8_PLAIN));
    ck_assert(qv_s8_variant_available(QV_S8_C));
    ck_assert(qv_s8_variant_available(qv_s8_variant_best()));
    ck_assert_str_eq(qv_s8_variant_name(QV_S8_AVX2), "avx2");
}
END_TEST

static Suite *int8_kernels_suite(void)
{
    Suite *s = suite_create("int8_kernels");
    TCase *tc = tcase_create("variants");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, variants_listed);
    tcase_add_loop_test(tc, conv_variants_equal_plain, 0, QVT_CASES(300));
    tcase_add_loop_test(tc, depthwise_variants_equal_plain, 0, QVT_CASES(300));
    tcase_add_loop_test(tc, fc_variants_equal_plain, 0, QVT_CASES(300));
    tcase_add_loop_test(tc, pool_variants_equal_plain, 0, QVT_CASES(200));
    tcase_add_loop_test(tc, mean_variants_equal_plain, 0, QVT_CASES(200));
    tcase_add_loop_test(tc, blocks_equal_c, 0, QVT_CASES(200));
    tcase_add_loop_test(tc, requant_row_c_equals_formula, 0, 4);
    tcase_add_test(tc, mbqm8_equals_scalar_full_int32);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(int8_kernels)
