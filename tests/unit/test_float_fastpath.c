/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The float GEMM's variants, checkasm-style: every instruction-set variant this CPU runs
 * (portable C, AVX2+FMA, AVX-512) is called directly on randomized shapes (rows and columns
 * around the tile and panel sizes, k across the k blocks, k = 0), biases, activation ranges and
 * edge values (NaN, infinities, -0, subnormals, huge magnitudes), dense and indirect A (taps of
 * cin channels, rows pointing anywhere, a channel offset), and must give exactly the bits of the
 * defining order (gemm_f32.h), computed here independently:
 *     total = 0; for each tap, for each block of 16 channels of it (the last shorter):
 *         s = 0; for k in the block: s = fmaf(a[i][k], b[j][k], s);  total += s
 *     c[i][j] = clamp(total + bias[j])
 * The DEPTHWISE_CONV_2D variants likewise against TFLite's reference order (kernels_f32.h), and
 * CONV_2D through the float engine (indirect GEMM over a tap table, bordered samples, groups,
 * strides, dilations, batches) against the GEMM's order written out per output element.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/float/float_common.h"
#include "engine/float/gemm_f32.h"
#include "engine/float/kernels_f32.h"
#include "support.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static int64_t rint_in(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rnd() % (uint32_t)(hi - lo + 1));
}

/* Mostly ordinary values; with `edges`, now and then a NaN, an infinity, -0, a subnormal or a
 * huge magnitude. */
static float rvalue(bool edges)
{
    if (edges) {
        switch (rnd() % 64) {
        case 0: return NAN;
        case 1: return INFINITY;
        case 2: return -INFINITY;
        case 3: return -0.0f;
        case 4: return 1e-40f;
        case 5: return 3e38f;
        case 6: return -3e38f;
        default: break;
        }
    }
    return ((float)(rnd() % 2000001) / 1000000.0f - 1.0f) * (rnd() % 8 == 0 ? 1000.0f : 1.0f);
}

/* The defining order, element by element: a[i] is row i's k = taps * cin values. */
static void reference(int64_t m, int64_t n, int64_t taps, int64_t cin, const float *const *a,
                      const float *b, const float *bias, float lo, float hi, float *c)
{
    const int64_t k = taps * cin;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            float total = 0.0f;
            for (int64_t t = 0; t < taps; t++) {
                float s = 0.0f;
                for (int64_t ch = 0; ch < cin; ch++) {
                    s = fmaf(a[i][t * cin + ch], b[j * k + t * cin + ch], s);
                    if (ch % 16 == 15 || ch == cin - 1) {
                        total += s;
                        s = 0.0f;
                    }
                }
            }
            c[i * n + j] = qv_f32_clamp(total + bias[j], lo, hi);
        }
}

/* The wide order (gemm_f32.h), element by element: sums in double. */
static void reference_wide(int64_t m, int64_t n, int64_t taps, int64_t cin,
                           const float *const *a, const float *b, const float *bias, float lo,
                           float hi, float *c)
{
    const int64_t k = taps * cin;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double acc = 0.0;
            for (int64_t kk = 0; kk < k; kk++)
                acc = acc + (double)a[i][kk] * (double)b[j * k + kk];
            c[i * n + j] = qv_f32_clamp((float)(acc + (double)bias[j]), lo, hi);
        }
}

/*
 * One random case: m x n over taps x cin. Dense (taps 1, qv_sgemm_run) or indirect: each row's
 * taps are at random offsets into a pool (several rows may share one).
 */
static void check_variant(const struct qv_sgemm_kernel *kv, int it)
{
    const bool edges = it % 3 == 2, dense = it % 2 == 0;
    int64_t m = rint_in(0, 40), n = rint_in(1, 70), taps = dense ? 1 : rint_in(0, 12);
    int64_t cin = dense ? rint_in(0, 40) : rint_in(0, 40);
    if (it % 7 == 0)
        m = rint_in(230, 260);   /* across the row blocks */
    else if (it % 5 == 0)
        cin = rint_in(150, 700); /* across the k chunks (within a tap when dense) */
    else if (it % 11 == 1)
        cin = 16 * rint_in(1, 4);
    const int64_t k = taps * cin;
    const int64_t pool_rows = m + 3, pool_len = cin + 6;
    float *pool = malloc((size_t)(pool_rows * pool_len) * sizeof(float));
    int64_t *idx = malloc((size_t)(m * taps + 1) * sizeof(*idx));
    float **rows = malloc((size_t)(m + 1) * sizeof(*rows));   /* the reference's dense A */
    float *b = malloc((size_t)(n * k + 1) * sizeof(float));
    float *bias = malloc((size_t)n * sizeof(float));
    float *want = malloc((size_t)(m * n + 1) * sizeof(float));
    /* c has a guard column on each row: the kernel must write columns [0, n) only. */
    const int64_t ldc = n + 3;
    float *got = malloc((size_t)(m * ldc + 1) * sizeof(float));
    float *packed = malloc(qv_sgemm_packed_size(kv, n, k) + sizeof(float));
    ck_assert(pool && idx && rows && b && bias && want && got && packed);
    for (int64_t i = 0; i < pool_rows * pool_len; i++)
        pool[i] = rvalue(edges);
    for (int64_t i = 0; i < m; i++) {
        rows[i] = malloc((size_t)(k + 1) * sizeof(float));
        ck_assert(rows[i]);
        for (int64_t t = 0; t < taps; t++) {
            /* Any row of the pool, at any of its first 6 values. */
            idx[i * taps + t] = dense ? i * pool_len
                                      : rint_in(0, pool_rows - 1) * pool_len + rint_in(0, 5);
            memcpy(rows[i] + t * cin, pool + idx[i * taps + t], (size_t)cin * sizeof(float));
        }
    }
    for (int64_t i = 0; i < n * k; i++)
        b[i] = rvalue(edges);
    for (int64_t j = 0; j < n; j++)
        bias[j] = rvalue(edges);
    for (int64_t i = 0; i < m * ldc; i++)
        got[i] = 12345.0f;
    static const enum qv_act acts[4] = { QV_ACT_NONE, QV_ACT_RELU, QV_ACT_RELU6,
                                         QV_ACT_RELU_N1_TO_1 };
    struct qv_sgemm_epilogue ep = { .bias = bias };
    qv_f32_act_range(acts[it % 4], &ep.lo, &ep.hi);
    if (kv->wide)
        reference_wide(m, n, taps, cin, (const float *const *)rows, b, bias, ep.lo, ep.hi, want);
    else
        reference(m, n, taps, cin, (const float *const *)rows, b, bias, ep.lo, ep.hi, want);
    qv_sgemm_pack(kv, b, n, k, k, packed);
    if (dense)
        qv_sgemm_run(kv, m, n, k, pool, pool_len, packed, &ep, got, ldc);
    else
        qv_sgemm_run_indirect(kv, m, n, taps, cin, pool, idx, packed, &ep, got, ldc);
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < n; j++)
            /* Bit for bit; a NaN's payload is not compared (any NaN matches any NaN). */
            ck_assert_msg(memcmp(&got[i * ldc + j], &want[i * n + j], sizeof(float)) == 0 ||
                              (isnan(got[i * ldc + j]) && isnan(want[i * n + j])),
                          "%s case %d (m %lld n %lld taps %lld cin %lld act %d): c[%lld][%lld] "
                          "= %a, expected %a", kv->name, it, (long long)m, (long long)n,
                          (long long)taps, (long long)cin, it % 4, (long long)i, (long long)j,
                          (double)got[i * ldc + j], (double)want[i * n + j]);
        for (int64_t j = n; j < ldc; j++)
            ck_assert_msg(got[i * ldc + j] == 12345.0f, "%s case %d: column %lld written",
                          kv->name, it, (long long)j);
    }
    for (int64_t i = 0; i < m; i++)
        free(rows[i]);
    free(rows);
    free(idx);
    free(pool);
    free(b);
    free(bias);
    free(want);
    free(got);
    free(packed);
}

START_TEST(sgemm_variants_exact)
{
    int count;
    const struct qv_sgemm_kernel *const *kv = qv_sgemm_kernels(&count);
    ck_assert_int_ge(count, 1);
    ck_assert_str_eq(kv[0]->name, "c");
    for (int v = 0; v < count; v++) {
        rng = 0x9E3779B97F4A7C15ull ^ ((uint64_t)(_i + 1) * 0xBF58476D1CE4E5B9ull);
        check_variant(kv[v], _i);
    }
}
END_TEST

/* The selected variant is one of those this CPU runs, whatever the width. */
/* The wide order's variants, on the same random cases. */
START_TEST(sgemm_wide_variants_exact)
{
    int count;
    const struct qv_sgemm_kernel *const *kv = qv_sgemm_kernels_wide(&count);
    ck_assert_int_ge(count, 1);
    ck_assert_str_eq(kv[0]->name, "c-wide");
    for (int v = 0; v < count; v++) {
        ck_assert(kv[v]->wide);
        rng = 0x5851F42D4C957F2Dull ^ ((uint64_t)(_i + 1) * 0xBF58476D1CE4E5B9ull);
        check_variant(kv[v], _i);
    }
}
END_TEST

START_TEST(sgemm_select_runs_here)
{
    int count;
    const struct qv_sgemm_kernel *const *kv = qv_sgemm_kernels(&count);
    for (int64_t n = 1; n <= 100; n++) {
        const struct qv_sgemm_kernel *s = qv_sgemm_select(n);
        bool found = false;
        for (int v = 0; v < count; v++)
            found = found || kv[v] == s;
        ck_assert_msg(found, "n %lld: selected kernel %s is not available", (long long)n,
                      s->name);
    }
}
END_TEST

/* ---- DEPTHWISE_CONV_2D -------------------------------------------------------------------- */

/* TFLite's reference order, element by element: taps inside the image, product then sum. */
static void dw_reference(const struct qv_depthwise_conv_2d_f32_params *p,
                         const struct qv_dims *id, const float *in, const struct qv_dims *fd,
                         const float *filt, const float *bias, const struct qv_dims *od,
                         float *out)
{
    const int64_t dm = p->depth_multiplier;
    for (int64_t b = 0; b < od->n; b++)
        for (int64_t oy = 0; oy < od->h; oy++)
            for (int64_t ox = 0; ox < od->w; ox++)
                for (int64_t oc = 0; oc < od->c; oc++) {
                    float total = 0.0f;
                    for (int64_t ky = 0; ky < fd->h; ky++)
                        for (int64_t kx = 0; kx < fd->w; kx++) {
                            const int64_t iy = oy * p->stride_h - p->pad_h + ky * p->dilation_h;
                            const int64_t ix = ox * p->stride_w - p->pad_w + kx * p->dilation_w;
                            if (iy < 0 || iy >= id->h || ix < 0 || ix >= id->w)
                                continue;
                            const float x = in[((b * id->h + iy) * id->w + ix) * id->c + oc / dm];
                            const float prod = x * filt[(ky * fd->w + kx) * od->c + oc];
                            total = total + prod;
                        }
                    *out++ = qv_f32_clamp(total + (bias ? bias[oc] : 0.0f), p->act_min,
                                          p->act_max);
                }
}

static bool same_bits(float a, float b)
{
    return memcmp(&a, &b, sizeof(float)) == 0 || (isnan(a) && isnan(b));
}

START_TEST(dwconv_variants_exact)
{
    rng = 0xD1B54A32D192ED03ull ^ ((uint64_t)(_i + 1) * 0x94D049BB133111EBull);
    const bool edges = _i % 3 == 2;
    struct qv_depthwise_conv_2d_f32_params p = {
        .stride_h = (int32_t)rint_in(1, 3), .stride_w = (int32_t)rint_in(1, 3),
        .dilation_h = (int32_t)rint_in(1, 2), .dilation_w = (int32_t)rint_in(1, 3),
        .depth_multiplier = _i % 5 == 4 ? (int32_t)rint_in(2, 3) : 1,
    };
    /* Every seventh case 64..150 channels (four vectors at a time even for AVX-512). */
    const int64_t channels = _i % 7 == 3 ? rint_in(64, 150) : rint_in(1, 40);
    const struct qv_dims id = { rint_in(1, 3), rint_in(1, 14), rint_in(1, 14), channels };
    /* Every fourth case 3 x 3 (the vector variants' unrolled path for windows inside the image). */
    const int64_t kh = _i % 4 == 1 ? 3 : rint_in(1, 5), kw = _i % 4 == 1 ? 3 : rint_in(1, 5);
    const struct qv_dims fd = { 1, kh, kw, id.c * p.depth_multiplier };
    p.pad_h = rint_in(0, fd.h - 1);
    p.pad_w = rint_in(0, fd.w - 1);
    /* Up to a window past the end of the image on each side (all its taps skipped). */
    const struct qv_dims od = { id.n, rint_in(1, (id.h + 2 * p.pad_h) / p.stride_h + 1),
                                rint_in(1, (id.w + 2 * p.pad_w) / p.stride_w + 1), fd.c };
    static const enum qv_act acts[4] = { QV_ACT_NONE, QV_ACT_RELU, QV_ACT_RELU6,
                                         QV_ACT_RELU_N1_TO_1 };
    qv_f32_act_range(acts[_i % 4], &p.act_min, &p.act_max);
    const int64_t n_in = id.n * id.h * id.w * id.c, n_f = fd.h * fd.w * fd.c;
    const int64_t n_out = od.n * od.h * od.w * od.c;
    float *in = malloc((size_t)n_in * sizeof(float)), *filt = malloc((size_t)n_f * sizeof(float));
    float *bias = malloc((size_t)fd.c * sizeof(float));
    float *want = malloc((size_t)n_out * sizeof(float));
    float *got = malloc((size_t)(n_out + 1) * sizeof(float));
    ck_assert(in && filt && bias && want && got);
    for (int64_t i = 0; i < n_in; i++)
        in[i] = rvalue(edges);
    for (int64_t i = 0; i < n_f; i++)
        filt[i] = rvalue(edges);
    for (int64_t i = 0; i < fd.c; i++)
        bias[i] = rvalue(edges);
    const float *b = _i % 6 == 1 ? NULL : bias;
    dw_reference(&p, &id, in, &fd, filt, b, &od, want);
    for (int v = 0; v < QV_F32_VARIANT_COUNT; v++) {
        if (!qv_f32_variant_available((enum qv_f32_variant)v))
            continue;
        p.variant = (enum qv_f32_variant)v;
        got[n_out] = 12345.0f;
        qv_depthwise_conv_2d_f32(&p, &id, in, &fd, filt, b, &od, got);
        ck_assert_msg(got[n_out] == 12345.0f, "%s case %d: wrote past the output",
                      qv_f32_variant_name(p.variant), _i);
        for (int64_t i = 0; i < n_out; i++)
            ck_assert_msg(same_bits(got[i], want[i]),
                          "%s case %d (in %lldx%lldx%lldx%lld, filter %lldx%lld, M %d, stride "
                          "%dx%d, dilation %dx%d, pad %lldx%lld): out[%lld] = %a, expected %a",
                          qv_f32_variant_name(p.variant), _i, (long long)id.n, (long long)id.h,
                          (long long)id.w, (long long)id.c, (long long)fd.h, (long long)fd.w,
                          p.depth_multiplier, p.stride_h, p.stride_w, p.dilation_h,
                          p.dilation_w, (long long)p.pad_h, (long long)p.pad_w, (long long)i,
                          (double)got[i], (double)want[i]);
    }
    free(in);
    free(filt);
    free(bias);
    free(want);
    free(got);
}
END_TEST

/* ---- ADD / SUB / MUL, same shapes -------------------------------------------------------- */

START_TEST(binary_variants_exact)
{
    rng = 0x94D049BB133111EBull ^ ((uint64_t)(_i + 1) * 0x9E3779B97F4A7C15ull);
    const bool edges = _i % 3 == 2;
    const int64_t len = _i % 5 == 0 ? rint_in(100, 2000) : rint_in(0, 70);
    float *a = malloc((size_t)(len + 1) * sizeof(float));
    float *b = malloc((size_t)(len + 1) * sizeof(float));
    float *want = malloc((size_t)(len + 1) * sizeof(float));
    float *got = malloc((size_t)(len + 1) * sizeof(float));
    ck_assert(a && b && want && got);
    for (int64_t i = 0; i < len; i++) {
        a[i] = rvalue(edges);
        b[i] = rvalue(edges);
    }
    static const enum qv_act acts[4] = { QV_ACT_NONE, QV_ACT_RELU, QV_ACT_RELU6,
                                         QV_ACT_RELU_N1_TO_1 };
    float lo, hi;
    qv_f32_act_range(acts[_i % 4], &lo, &hi);
    for (int op = QV_F32_ADD; op <= QV_F32_MUL; op++) {
        for (int64_t i = 0; i < len; i++) {
            const float v = op == QV_F32_ADD ? a[i] + b[i] : op == QV_F32_SUB ? a[i] - b[i]
                                                                               : a[i] * b[i];
            want[i] = qv_f32_clamp(v, lo, hi);
        }
        for (int v = 0; v < QV_F32_VARIANT_COUNT; v++) {
            if (!qv_f32_variant_available((enum qv_f32_variant)v))
                continue;
            got[len] = 12345.0f;
            qv_f32_binary_flat((enum qv_f32_variant)v, (enum qv_f32_binop)op, len, a, b, got, lo,
                               hi);
            ck_assert_msg(got[len] == 12345.0f, "%s op %d: wrote past the end",
                          qv_f32_variant_name((enum qv_f32_variant)v), op);
            for (int64_t i = 0; i < len; i++)
                ck_assert_msg(same_bits(got[i], want[i]),
                              "%s op %d case %d (len %lld): out[%lld] = %a, expected %a",
                              qv_f32_variant_name((enum qv_f32_variant)v), op, _i,
                              (long long)len, (long long)i, (double)got[i], (double)want[i]);
        }
    }
    free(a);
    free(b);
    free(want);
    free(got);
}
END_TEST

/* ---- CONV_2D through the engine ----------------------------------------------------------- */

/* TFLite's output size and leading padding for one dimension. */
static void conv_dim(int64_t in, int64_t k, int64_t stride, int64_t dil, enum qv_padding pad,
                     int64_t *ret_out, int64_t *ret_lead)
{
    const int64_t eff = (k - 1) * dil + 1;
    if (pad == QV_PADDING_VALID) {
        *ret_out = (in - eff + stride) / stride;
        *ret_lead = 0;
        return;
    }
    *ret_out = (in + stride - 1) / stride;
    const int64_t total = (*ret_out - 1) * stride + eff - in;
    *ret_lead = total > 0 ? total / 2 : 0;
}

/* The fast path's order per output element (gemm_f32.h): per tap (a padded tap reads zeros),
 * fused chains over blocks of 16 channels of the group added into the total, + bias, clamp. */
static float conv_element(const float *img, int64_t h, int64_t w, int64_t cin, const float *f,
                          int64_t kh, int64_t kw, int64_t cin_g, int64_t ic0, int64_t y0,
                          int64_t x0, int64_t dh, int64_t dw)
{
    float total = 0.0f;
    for (int64_t ky = 0; ky < kh; ky++)
        for (int64_t kx = 0; kx < kw; kx++) {
            const int64_t iy = y0 + ky * dh, ix = x0 + kx * dw;
            const bool inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
            float s = 0.0f;
            for (int64_t c = 0; c < cin_g; c++) {
                const float x = inside ? img[(iy * w + ix) * cin + ic0 + c] : 0.0f;
                s = fmaf(x, f[(ky * kw + kx) * cin_g + c], s);
                if (c % 16 == 15 || c == cin_g - 1) {
                    total += s;
                    s = 0.0f;
                }
            }
        }
    return total;
}

START_TEST(conv_engine_exact)
{
    rng = 0x2545F4914F6CDD1Dull ^ ((uint64_t)(_i + 1) * 0x9E3779B97F4A7C15ull);
    const bool edges = _i % 4 == 3;
    const int64_t groups = _i % 7 == 3 ? rint_in(2, 3) : 1;
    const int64_t cin_g = _i % 5 == 0 ? 16 * rint_in(1, 3) : rint_in(1, 20);
    const int64_t cout_g = rint_in(1, 40), cin = cin_g * groups, cout = cout_g * groups;
    const int64_t n = rint_in(1, 3), h = rint_in(1, 12), w = rint_in(1, 12);
    const int64_t kh = _i % 6 == 0 ? 1 : rint_in(1, 4), kw = _i % 6 == 0 ? 1 : rint_in(1, 4);
    struct qv_attrs a;
    qv_attrs_init(&a);
    a.stride_h = _i % 6 == 0 ? 1 : (int32_t)rint_in(1, 3);
    a.stride_w = _i % 6 == 0 ? 1 : (int32_t)rint_in(1, 3);
    a.dilation_h = _i % 6 == 0 ? 1 : (int32_t)rint_in(1, 2);
    a.dilation_w = _i % 6 == 0 ? 1 : (int32_t)rint_in(1, 2);
    a.padding = _i % 2 ? QV_PADDING_SAME : QV_PADDING_VALID;
    a.act = (enum qv_act)(_i % 3 == 1 ? QV_ACT_RELU : QV_ACT_NONE);
    int64_t oh, ow, pad_h, pad_w;
    conv_dim(h, kh, a.stride_h, a.dilation_h, a.padding, &oh, &pad_h);
    conv_dim(w, kw, a.stride_w, a.dilation_w, a.padding, &ow, &pad_w);
    if (oh < 1 || ow < 1) {   /* VALID window larger than the image: make it SAME */
        a.padding = QV_PADDING_SAME;
        conv_dim(h, kh, a.stride_h, a.dilation_h, a.padding, &oh, &pad_h);
        conv_dim(w, kw, a.stride_w, a.dilation_w, a.padding, &ow, &pad_w);
    }
    const int64_t n_x = n * h * w * cin, n_f = cout * kh * kw * cin_g, n_y = n * oh * ow * cout;
    float *x = malloc((size_t)n_x * sizeof(float)), *f = malloc((size_t)n_f * sizeof(float));
    float *bias = malloc((size_t)cout * sizeof(float)), *want = malloc((size_t)n_y * sizeof(float));
    ck_assert(x && f && bias && want);
    for (int64_t i = 0; i < n_x; i++)
        x[i] = rvalue(false);
    for (int64_t i = 0; i < n_f; i++)
        f[i] = rvalue(edges);
    for (int64_t i = 0; i < cout; i++)
        bias[i] = rvalue(edges);
    float lo, hi;
    qv_f32_act_range(a.act, &lo, &hi);
    float *y = want;
    for (int64_t b = 0; b < n; b++)
        for (int64_t oy = 0; oy < oh; oy++)
            for (int64_t ox = 0; ox < ow; ox++)
                for (int64_t oc = 0; oc < cout; oc++) {
                    const float t = conv_element(x + b * h * w * cin, h, w, cin,
                                                 f + oc * kh * kw * cin_g, kh, kw, cin_g,
                                                 oc / cout_g * cin_g, oy * a.stride_h - pad_h,
                                                 ox * a.stride_w - pad_w, a.dilation_h,
                                                 a.dilation_w);
                    *y++ = qv_f32_clamp(t + bias[oc], lo, hi);
                }

    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    struct qv_engine *e = NULL;
    int32_t t[4];
    struct qv_shape empty = { 0, { 0 } };
    ck_assert_int_eq(qv_graph_create(&g, &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_tensor(g, "x", QV_DTYPE_F32,
                                         &(struct qv_shape){ 4, { 1, h, w, cin } }, &t[0], &err),
                     QV_OK);
    ck_assert_int_eq(qv_graph_add_tensor(g, "f", QV_DTYPE_F32,
                                         &(struct qv_shape){ 4, { cout, kh, kw, cin_g } }, &t[1],
                                         &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_data(g, t[1], f, (size_t)n_f * sizeof(float), &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_tensor(g, "b", QV_DTYPE_F32, &(struct qv_shape){ 1, { cout } },
                                         &t[2], &err), QV_OK);
    ck_assert_int_eq(qv_graph_set_data(g, t[2], bias, (size_t)cout * sizeof(float), &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_tensor(g, "y", QV_DTYPE_F32, &empty, &t[3], &err), QV_OK);
    ck_assert_int_eq(qv_graph_add_node(g, QV_OP_CONV_2D, "conv", 3, t, 1, &t[3], &a, NULL, &err),
                     QV_OK);
    ck_assert_int_eq(qv_graph_set_io(g, 1, &t[0], 1, &t[3], &err), QV_OK);
    if (qv_graph_finalize(g, &err) != QV_OK)
        ck_abort_msg("finalize: %s", err.msg);
    struct qv_engine_opts o = QV_ENGINE_OPTS_INIT;
    o.kind = QV_ENGINE_FLOAT;
    o.max_batch = 4;
    if (qv_engine_create(g, &o, &e, &err) != QV_OK)
        ck_abort_msg("engine: %s", err.msg);
    ck_assert_int_eq((int64_t)qv_engine_output_bytes(e, 0),
                     oh * ow * cout * (int64_t)sizeof(float));
    memcpy(qv_engine_input(e, 0), x, (size_t)n_x * sizeof(float));
    ck_assert_int_eq(qv_engine_run(e, n, &err), QV_OK);
    const float *got = qv_engine_output(e, 0);
    for (int64_t i = 0; i < n_y; i++)
        ck_assert_msg(same_bits(got[i], want[i]),
                      "case %d (x %lldx%lldx%lldx%lld, filter %lldx%lldx%lldx%lld, groups %lld, "
                      "stride %dx%d, dilation %dx%d, %s): y[%lld] = %a, expected %a", _i,
                      (long long)n, (long long)h, (long long)w, (long long)cin, (long long)cout,
                      (long long)kh, (long long)kw, (long long)cin_g, (long long)groups,
                      a.stride_h, a.stride_w, a.dilation_h, a.dilation_w,
                      a.padding == QV_PADDING_SAME ? "SAME" : "VALID", (long long)i,
                      (double)got[i], (double)want[i]);
    qv_engine_free(e);
    qv_graph_free(g);
    free(x);
    free(f);
    free(bias);
    free(want);
}
END_TEST

static Suite *float_fastpath_suite(void)
{
    Suite *s = suite_create("float_fastpath");
    TCase *tc = tcase_create("sgemm");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, sgemm_variants_exact, 0, QVT_CASES(300));
    tcase_add_loop_test(tc, sgemm_wide_variants_exact, 0, QVT_CASES(300));
    tcase_add_test(tc, sgemm_select_runs_here);
    suite_add_tcase(s, tc);
    tc = tcase_create("dwconv");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, dwconv_variants_exact, 0, QVT_CASES(300));
    suite_add_tcase(s, tc);
    tc = tcase_create("binary");
    tcase_add_loop_test(tc, binary_variants_exact, 0, QVT_CASES(200));
    suite_add_tcase(s, tc);
    tc = tcase_create("conv");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, conv_engine_exact, 0, QVT_CASES(200));
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(float_fastpath)
