/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AVERAGE_POOL_2D / MAX_POOL_2D int8 (docs/int8-arithmetic.md §5.6, §5.7): TFLM pooling_common.cc
 * (PoolingPrepare: in/out zero points equal, scales within 1e-6) and the window walk shared by
 * reference_integer_ops::AveragePool and MaxPool. Only the in-image cells of a window are read.
 *
 * AVX2 variant: per output cell, channels innermost. MAX: _mm_max_epi8 over
 * the cells, 16 channels at a time. AVERAGE: int32 sums of 8 channels, then the rounding
 * division in double: |sum +- n / 2| < 2^31, so the correctly rounded quotient is within
 * 2^-22 / n of the exact one while a non-integer quotient is at least 1 / n from an integer,
 * and truncation gives the integer division's result. Leftover channels use the plain loop.
 */
#include <math.h>

#include "core/ops/ops_common.h"
#include "engine/int8/node_s8.h"
#include "engine/int8/pool_s8.h"
#include "engine/int8/simd_s8.h"

/* ---- engine glue (shared by AVERAGE_POOL_2D and MAX_POOL_2D) ---------------------------- */

enum qv_status qv_pool_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_attrs *a = &c->node->attrs;
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st = qv_s8_need_unary_quant(c, &s_in, &z_in, &s_out, &z_out, err);
    if (st != QV_OK)
        return st;
    if (z_in != z_out)
        return qv_s8_fail(c, err, "input zero point %d must equal output zero point %d",
                          (int)z_in, (int)z_out);
    if (!(fabs((double)s_in - (double)s_out) <= 1e-6))
        return qv_s8_fail(c, err, "input scale %.9g must equal output scale %.9g (within 1e-6)",
                          (double)s_in, (double)s_out);
    const struct qv_shape *x = &c->in[0]->shape;
    if (x->rank != 4 || c->out[0]->shape.rank != 4)
        return qv_s8_fail(c, err, "input and output must have rank 4");
    struct qv_pool_s8_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    qv_activation_range_s8(a->act, s_out, z_out, &p->act_min, &p->act_max);
    p->stride_h = a->stride_h;
    p->stride_w = a->stride_w;
    p->filter_h = a->filter_h;
    p->filter_w = a->filter_w;
    qv_compute_padding(x->dims[1], a->filter_h, a->stride_h, 1, a->padding, NULL, &p->pad_h);
    qv_compute_padding(x->dims[2], a->filter_w, a->stride_w, 1, a->padding, NULL, &p->pad_w);
    p->variant = qv_s8_node_variant(c);
    return QV_OK;
}

/* ---- arithmetic ------------------------------------------------------------------------- */

/*
 * AveragePool: mean of the raw q values of the rows x cols cells at px (row stride `row`,
 * column stride `ch`), rounding half away from zero with the sign-split formula.
 */
static int32_t window_average(const int8_t *px, int64_t rows, int64_t cols, int64_t row,
                              int64_t ch)
{
    int32_t sum = 0, n = 0;
    for (int64_t fy = 0; fy < rows; fy++)
        for (int64_t fx = 0; fx < cols; fx++) {
            sum += px[fy * row + fx * ch];
            n++;
        }
    /* n == 0 cannot happen for consistent shapes (TFLM would divide by 0). */
    int32_t avg = 0;
    if (n > 0)
        avg = sum > 0 ? (sum + n / 2) / n : (sum - n / 2) / n;
    return avg;
}

/* MaxPool: max of the same cells, starting from -128. */
static int32_t window_max(const int8_t *px, int64_t rows, int64_t cols, int64_t row, int64_t ch)
{
    int32_t m = -128;
    for (int64_t fy = 0; fy < rows; fy++)
        for (int64_t fx = 0; fx < cols; fx++) {
            const int32_t v = px[fy * row + fx * ch];
            m = v > m ? v : m;
        }
    return m;
}

/* Output cell's channels c0 .. ch of window (rows x cols at px), the plain loop. */
static void cell_plain(const struct qv_pool_s8_params *p, enum qv_pool_kind kind, const int8_t *px,
                       int64_t rows, int64_t cols, int64_t row, int64_t ch, int64_t c0,
                       int8_t *out)
{
    for (int64_t cc = c0; cc < ch; cc++) {
        const int32_t v = kind == QV_POOL_AVERAGE ? window_average(px + cc, rows, cols, row, ch)
                                                  : window_max(px + cc, rows, cols, row, ch);
        out[cc] = (int8_t)qv_clamp_i32(v, p->act_min, p->act_max);
    }
}

#ifdef QV_S8_X86
/* One output cell with rows, cols >= 1: the vector blocks, then cell_plain for the rest. */
__attribute__((target("avx2"))) static void cell_avx2(const struct qv_pool_s8_params *p,
                                                      enum qv_pool_kind kind, const int8_t *px,
                                                      int64_t rows, int64_t cols, int64_t row,
                                                      int64_t ch, int8_t *out)
{
    int64_t c0 = 0;
    if (kind == QV_POOL_MAX) {
        const __m128i lo = _mm_set1_epi8((int8_t)p->act_min),
                      hi = _mm_set1_epi8((int8_t)p->act_max);
        for (; c0 + 16 <= ch; c0 += 16) {
            __m128i m = _mm_set1_epi8(-128);
            for (int64_t fy = 0; fy < rows; fy++)
                for (int64_t fx = 0; fx < cols; fx++)
                    m = _mm_max_epi8(
                        m, _mm_loadu_si128((const __m128i *)(px + fy * row + fx * ch + c0)));
            _mm_storeu_si128((__m128i *)(out + c0), _mm_min_epi8(_mm_max_epi8(m, lo), hi));
        }
    } else {
        const int32_t n = (int32_t)(rows * cols);
        const __m256i half = _mm256_set1_epi32(n / 2), zero = _mm256_setzero_si256();
        const __m256d dn = _mm256_set1_pd((double)n);
        const __m256i lo = _mm256_set1_epi32(p->act_min), hi = _mm256_set1_epi32(p->act_max);
        for (; c0 + 8 <= ch; c0 += 8) {
            __m256i sum = zero;
            for (int64_t fy = 0; fy < rows; fy++)
                for (int64_t fx = 0; fx < cols; fx++)
                    sum = _mm256_add_epi32(
                        sum, _mm256_cvtepi8_epi32(
                                 _mm_loadl_epi64((const __m128i *)(px + fy * row + fx * ch + c0))));
            /* sum > 0 ? sum + n / 2 : sum - n / 2 (sum 0: 0, whose quotient is 0 either way),
             * then the truncating division by n. */
            const __m256i num = _mm256_add_epi32(sum, _mm256_sign_epi32(half, sum));
            const __m128i q0 = _mm256_cvttpd_epi32(
                _mm256_div_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(num)), dn));
            const __m128i q1 = _mm256_cvttpd_epi32(
                _mm256_div_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(num, 1)), dn));
            __m256i q = _mm256_inserti128_si256(_mm256_castsi128_si256(q0), q1, 1);
            q = _mm256_min_epi32(_mm256_max_epi32(q, lo), hi);
            const __m128i q16 =
                _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
            _mm_storel_epi64((__m128i *)(out + c0), _mm_packs_epi16(q16, q16));
        }
    }
    cell_plain(p, kind, px, rows, cols, row, ch, c0, out);
}
#endif

static void pool(const struct qv_pool_s8_params *p, enum qv_pool_kind kind,
                 const struct qv_dims *xd, const int8_t *x, const struct qv_dims *od, int8_t *out)
{
#ifdef QV_S8_X86
    const bool avx2 = qv_s8_variant_avx2(p->variant);
#endif
    const int64_t h = xd->h, w = xd->w, ch = xd->c;
    const int64_t oh = od->h, ow = od->w;
    for (int64_t b = 0; b < od->n; b++)
        for (int64_t oy = 0; oy < oh; oy++)
            for (int64_t ox = 0; ox < ow; ox++) {
                const int64_t iy0 = oy * p->stride_h - p->pad_h, ix0 = ox * p->stride_w - p->pad_w;
                const int64_t fy0 = iy0 < 0 ? -iy0 : 0, fx0 = ix0 < 0 ? -ix0 : 0;
                const int64_t fy1 = p->filter_h < h - iy0 ? p->filter_h : h - iy0;
                const int64_t fx1 = p->filter_w < w - ix0 ? p->filter_w : w - ix0;
                const int64_t rows = fy1 - fy0, cols = fx1 - fx0;
                /* First in-image cell of the window (only formed when there is one). */
                const int8_t *px = x;
                if (rows > 0 && cols > 0)
                    px = x + ((b * h + iy0 + fy0) * w + ix0 + fx0) * ch;
                int8_t *o = out + ((b * oh + oy) * ow + ox) * ch;
#ifdef QV_S8_X86
                if (avx2 && rows > 0 && cols > 0) {
                    cell_avx2(p, kind, px, rows, cols, w * ch, ch, o);
                    continue;
                }
#endif
                cell_plain(p, kind, px, rows, cols, w * ch, ch, 0, o);
            }
}

void qv_average_pool_2d_s8(const struct qv_pool_s8_params *p, const struct qv_dims *in_dims,
                           const int8_t *in, const struct qv_dims *out_dims, int8_t *out)
{
    pool(p, QV_POOL_AVERAGE, in_dims, in, out_dims, out);
}

void qv_max_pool_2d_s8(const struct qv_pool_s8_params *p, const struct qv_dims *in_dims,
                       const int8_t *in, const struct qv_dims *out_dims, int8_t *out)
{
    pool(p, QV_POOL_MAX, in_dims, in, out_dims, out);
}
