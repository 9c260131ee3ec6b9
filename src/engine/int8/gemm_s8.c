/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exact integer GEMM of the int8 fast path: C = A * W^T with int16 operands and int32
 * accumulators. Products of int16 pairs are summed two at a time (pmaddwd): each pair sum is at
 * most 2 * 255 * 32768 < 2^31 for our operands (|A| <= 128, |W| <= 255), so nothing saturates
 * and the result equals the plain loop's wrapping int32 sum. Weights are packed once, at
 * prepare, into blocks of QV_GEMM_NB output channels with k pairs interleaved:
 * packed[block][k / 2][QV_GEMM_NB][2].
 *
 * The AVX2 micro-kernel computes 4 rows x 16 channels, starting from the channels' folded
 * constants, and requantizes the tile while it is in registers. The building blocks of every
 * variant are gathered in one table per variant (qv_s8_blocks); a node picks its variant once,
 * at prepare, from the CPU's features (__builtin_cpu_supports; no -march flags: the library
 * stays portable). The portable C blocks compute the same integers (build with
 * -DQV_INT8_NO_SIMD to run them alone on x86).
 */
#include <string.h>

#include "engine/int8/simd_s8.h"

#define MR 4

#ifdef QV_S8_X86
/* libgcc's constructor initializes the CPU model before main; no __builtin_cpu_init needed. */
bool qv_have_avx2(void)
{
    return __builtin_cpu_supports("avx2");
}
#else
bool qv_have_avx2(void)
{
    return false;
}
#endif

bool qv_s8_variant_available(enum qv_s8_variant v)
{
    switch (v) {
    case QV_S8_PLAIN:
    case QV_S8_C: return true;
    case QV_S8_AVX2: return qv_have_avx2();
    case QV_S8_AVXVNNI: return qv_have_avx2() && qv_igemm_isa_available(QV_IGEMM_AVXVNNI);
    case QV_S8_AVX512: return qv_have_avx2() && qv_igemm_isa_available(QV_IGEMM_AVX512VNNI);
    default: return false;
    }
}

const char *qv_s8_variant_name(enum qv_s8_variant v)
{
    static const char *const names[QV_S8_VARIANT_COUNT] = {
        [QV_S8_PLAIN] = "plain", [QV_S8_C] = "c", [QV_S8_AVX2] = "avx2",
        [QV_S8_AVXVNNI] = "avxvnni", [QV_S8_AVX512] = "avx512",
    };
    return (unsigned)v < QV_S8_VARIANT_COUNT ? names[v] : "?";
}

enum qv_s8_variant qv_s8_variant_best(void)
{
    for (int v = QV_S8_VARIANT_COUNT - 1; v > QV_S8_C; v--)
        if (qv_s8_variant_available((enum qv_s8_variant)v))
            return (enum qv_s8_variant)v;
    return QV_S8_C;
}

enum qv_lut_isa qv_s8_variant_lut(enum qv_s8_variant v)
{
    if (v == QV_S8_AVX512 && qv_lut_isa_available(QV_LUT_AVX512))
        return QV_LUT_AVX512;
    return qv_s8_variant_avx2(v) ? QV_LUT_AVX2 : QV_LUT_C;
}

size_t qv_gemm_s8_packed_size(int64_t n, int64_t k)
{
    const int64_t blocks = (n + QV_GEMM_NB - 1) / QV_GEMM_NB;
    return (size_t)blocks * (size_t)qv_gemm_kp(k) * QV_GEMM_NB * sizeof(int16_t);
}

void qv_gemm_s8_pack(const int8_t *w, int64_t n, int64_t k, int64_t ldw, int32_t w_offset,
                     int16_t *packed, int32_t *wsum)
{
    const int64_t kp = qv_gemm_kp(k), blocks = (n + QV_GEMM_NB - 1) / QV_GEMM_NB;
    memset(packed, 0, qv_gemm_s8_packed_size(n, k));
    for (int64_t j = 0; j < n; j++) {
        const int64_t blk = j / QV_GEMM_NB, col = j % QV_GEMM_NB;
        int16_t *dst = packed + blk * kp * QV_GEMM_NB;
        int32_t sum = 0;
        for (int64_t i = 0; i < k; i++) {
            const int32_t v = w[j * ldw + i] + w_offset;
            dst[(i / 2) * QV_GEMM_NB * 2 + col * 2 + (i % 2)] = (int16_t)v;
            sum = qv_wrap_add(sum, v);
        }
        wsum[j] = sum;
    }
    (void)blocks;
}

size_t qv_rq_s8_size(int64_t n)
{
    const int64_t npad = ((n + 15) & ~(int64_t)15) + 16;
    return qv_s8_align64((size_t)QV_RQ_FIELD_COUNT * (size_t)npad * sizeof(int32_t));
}

void qv_rq_s8_init(struct qv_rq_s8 *rq, int32_t *mem, int64_t n, const int32_t *add,
                   const int32_t *mult, const int32_t *shift, int32_t zp, int32_t lo, int32_t hi,
                   enum qv_rounding r)
{
    const int64_t npad = ((n + 15) & ~(int64_t)15) + 16;
    memset(mem, 0, qv_rq_s8_size(n));
    rq->v = mem;
    rq->n = n;
    rq->npad = npad;
    rq->zp = zp;
    rq->lo = lo;
    rq->hi = hi;
    rq->rounding = r;
    rq->vec = r == QV_ROUNDING_DOUBLE;
    rq->left = false;
    int32_t *row[QV_RQ_FIELD_COUNT];
    for (int f = 0; f < QV_RQ_FIELD_COUNT; f++)
        row[f] = mem + (int64_t)f * npad;
    for (int64_t j = 0; j < n; j++) {
        const int32_t sh = shift[j], right = sh > 0 ? 0 : -sh;
        row[QV_RQ_ADD][j] = add ? add[j] : 0;
        row[QV_RQ_MULT][j] = mult[j];
        row[QV_RQ_SHIFT][j] = sh;
        if (j > 0)
            row[QV_RQ_MODD][j - 1] = mult[j]; /* any start offset: lane 2i holds M[j + 2i + 1] */
        row[QV_RQ_LEFT][j] = sh > 0 ? sh : 0;
        row[QV_RQ_RIGHT][j] = right;
        row[QV_RQ_MASK][j] = (int32_t)(((uint32_t)1 << right) - 1);
        row[QV_RQ_HALF][j] = row[QV_RQ_MASK][j] >> 1;
        rq->vec = rq->vec && mult[j] >= 0;
        rq->left = rq->left || sh > 0;
    }
}

void qv_rq_s8_apply(const struct qv_rq_s8 *rq, const int32_t *acc, int64_t j0, int64_t n,
                     int8_t *out)
{
    const int32_t *add = qv_rq_s8_row(rq, QV_RQ_ADD) + j0;
    const int32_t *mult = qv_rq_s8_row(rq, QV_RQ_MULT) + j0;
    const int32_t *shift = qv_rq_s8_row(rq, QV_RQ_SHIFT) + j0;
    for (int64_t j = 0; j < n; j++) {
        const int32_t v = qv_mbqm(qv_wrap_add(acc[j], add[j]), mult[j], shift[j], rq->rounding);
        out[j] = (int8_t)qv_clamp_i32(qv_wrap_add(v, rq->zp), rq->lo, rq->hi);
    }
}

/* One tile: rows a[0..mr) (stride kp) x block of QV_GEMM_NB packed columns -> out[MR][NB]. */
static void tile_c(const int16_t *a, int64_t mr, int64_t kp, const int16_t *b,
                   int32_t out[MR][QV_GEMM_NB])
{
    for (int64_t r = 0; r < MR; r++)
        for (int j = 0; j < QV_GEMM_NB; j++)
            out[r][j] = 0;
    for (int64_t r = 0; r < mr; r++) {
        const int16_t *ar = a + r * kp;
        int32_t acc[QV_GEMM_NB] = { 0 };
        for (int64_t k2 = 0; k2 < kp / 2; k2++) {
            const int32_t a0 = ar[2 * k2], a1 = ar[2 * k2 + 1];
            const int16_t *bk = b + k2 * QV_GEMM_NB * 2;
            for (int j = 0; j < QV_GEMM_NB; j++)
                acc[j] = qv_wrap_add(acc[j], a0 * bk[2 * j] + a1 * bk[2 * j + 1]);
        }
        for (int j = 0; j < QV_GEMM_NB; j++)
            out[r][j] = acc[j];
    }
}

static void gemm_c(const int16_t *a, int64_t m, int64_t kp, const int16_t *packed, int64_t n,
                   const struct qv_rq_s8 *rq, int64_t j0, int8_t *out, int64_t ldo)
{
    const int64_t blocks = (n + QV_GEMM_NB - 1) / QV_GEMM_NB;
    int32_t tile[MR][QV_GEMM_NB];
    for (int64_t i = 0; i < m; i += MR) {
        const int64_t mr = m - i < MR ? m - i : MR;
        for (int64_t blk = 0; blk < blocks; blk++) {
            const int64_t jb = blk * QV_GEMM_NB;
            const int64_t nc = n - jb < QV_GEMM_NB ? n - jb : QV_GEMM_NB;
            tile_c(a + i * kp, mr, kp, packed + blk * kp * QV_GEMM_NB, tile);
            for (int64_t r = 0; r < mr; r++)
                qv_rq_s8_apply(rq, tile[r], j0 + jb, nc, out + (i + r) * ldo + jb);
        }
    }
}

static void widen_c(const int8_t *src, int16_t *dst, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        dst[i] = src[i];
}

static void accumulate_c(int32_t *sum, const int8_t *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        sum[i] = qv_wrap_add(sum[i], x[i]);
}

/* Scalar requantization of one row (both rounding flavours). */
static void requant_row_c(const int32_t *acc, const int32_t *add, const int32_t *mult,
                          const int32_t *shift, int64_t n, int32_t zp, int32_t lo, int32_t hi,
                          enum qv_rounding r, int8_t *out)
{
    for (int64_t j = 0; j < n; j++) {
        const int32_t v = add ? qv_wrap_add(acc[j], add[j]) : acc[j];
        out[j] = (int8_t)qv_clamp_i32(qv_wrap_add(qv_mbqm(v, mult[j], shift[j], r), zp), lo, hi);
    }
}

static void dw_acc_c(int32_t *acc, const int8_t *x, const int8_t *w, int32_t off, int64_t n)
{
    for (int64_t j = 0; j < n; j++)
        acc[j] = qv_wrap_add(acc[j], w[j] * (x[j] + off));
}

static void dw_pixel_c(int32_t *acc, const int8_t *const *xs, const int8_t *const *ws,
                       int32_t n_taps, int32_t off, int64_t n)
{
    for (int64_t j = 0; j < n; j++)
        acc[j] = 0;
    for (int32_t t = 0; t < n_taps; t++)
        dw_acc_c(acc, xs[t], ws[t], off, n);
}

static const struct qv_s8_blocks blocks_c = {
    .gemm = gemm_c,
    .widen = widen_c,
    .accumulate = accumulate_c,
    .requant_row = requant_row_c,
    .dw_pixel = dw_pixel_c,
};

#ifdef QV_S8_X86
/* Two adjacent int16 of a row as one int32, broadcast to every lane. */
static inline int32_t pair32(const int16_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/*
 * One tile, requantized: rows a[0..mr) (stride kp) x block of QV_GEMM_NB packed columns,
 * channels j .. j + nc of rq, to out (row stride ldo). Rows past mr read row 0 again (valid
 * memory) and are not stored.
 */
__attribute__((target("avx2"))) static void tile_rq_avx2(const int16_t *a, int64_t mr, int64_t kp,
                                                         const int16_t *b,
                                                         const struct qv_rq_s8 *rq, int64_t j,
                                                         int64_t nc, int8_t *out, int64_t ldo)
{
    const int16_t *a0 = a, *a1 = mr > 1 ? a + kp : a, *a2 = mr > 2 ? a + 2 * kp : a;
    const int16_t *a3 = mr > 3 ? a + 3 * kp : a;
    const int32_t *add = qv_rq_s8_row(rq, QV_RQ_ADD) + j;
    __m256i c00 = _mm256_loadu_si256((const __m256i *)add);
    __m256i c01 = _mm256_loadu_si256((const __m256i *)(add + 8));
    __m256i c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
    for (int64_t k = 0; k < kp; k += 2) {
        const __m256i b0 = _mm256_loadu_si256((const __m256i *)(b + k * QV_GEMM_NB));
        const __m256i b1 = _mm256_loadu_si256((const __m256i *)(b + k * QV_GEMM_NB + 16));
        __m256i x = _mm256_set1_epi32(pair32(a0 + k));
        c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(x, b0));
        c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(x, b1));
        x = _mm256_set1_epi32(pair32(a1 + k));
        c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(x, b0));
        c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(x, b1));
        x = _mm256_set1_epi32(pair32(a2 + k));
        c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(x, b0));
        c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(x, b1));
        x = _mm256_set1_epi32(pair32(a3 + k));
        c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(x, b0));
        c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(x, b1));
    }
    /* Pair layout: column j of the block occupies int32 lane j (b holds [k/2][16][2]). */
    qv_store_rq16_avx2(rq, c00, c01, j, nc, out);
    if (mr > 1)
        qv_store_rq16_avx2(rq, c10, c11, j, nc, out + ldo);
    if (mr > 2)
        qv_store_rq16_avx2(rq, c20, c21, j, nc, out + 2 * ldo);
    if (mr > 3)
        qv_store_rq16_avx2(rq, c30, c31, j, nc, out + 3 * ldo);
}

/* int8 to int16, 32 then 8 per step (never reads past src + n). */
__attribute__((target("avx2"))) static void widen_avx2(const int8_t *src, int16_t *dst, int64_t n)
{
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i lo = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(src + i)));
        const __m256i hi = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(src + i + 16)));
        _mm256_storeu_si256((__m256i *)(dst + i), lo);
        _mm256_storeu_si256((__m256i *)(dst + i + 16), hi);
    }
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i),
                         _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(src + i))));
    for (; i < n; i++)
        dst[i] = src[i];
}
#endif

#ifdef QV_S8_X86
__attribute__((target("avx2"))) static void accumulate_avx2(int32_t *sum, const int8_t *x,
                                                            int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i v = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(x + i)));
        _mm256_storeu_si256((__m256i *)(sum + i),
                            _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(sum + i)), v));
    }
    for (; i < n; i++)
        sum[i] = qv_wrap_add(sum[i], x[i]);
}
#endif

#ifdef QV_S8_X86
/* requant_row_c on 8 lanes per step (double rounding and mult[j] >= 0 only; r is not read):
 * qv_mbqm8_avx2 on constants derived per call. */
__attribute__((target("avx2"))) static void requant_row_avx2(const int32_t *acc,
                                                             const int32_t *add,
                                                             const int32_t *mult,
                                                             const int32_t *shift, int64_t n,
                                                             int32_t zp, int32_t lo, int32_t hi,
                                                             enum qv_rounding r, int8_t *out)
{
    const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1);
    const __m256i vzp = _mm256_set1_epi32(zp), vlo = _mm256_set1_epi32(lo);
    const __m256i vhi = _mm256_set1_epi32(hi);
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(acc + j));
        if (add)
            x = _mm256_add_epi32(x, _mm256_loadu_si256((const __m256i *)(add + j)));
        const __m256i sh = _mm256_loadu_si256((const __m256i *)(shift + j));
        const __m256i m = _mm256_loadu_si256((const __m256i *)(mult + j));
        const __m256i right = _mm256_max_epi32(_mm256_sub_epi32(zero, sh), zero);
        const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, right), one);
        x = _mm256_sllv_epi32(x, _mm256_max_epi32(sh, zero));
        __m256i v = qv_mbqm8_avx2(x, m, _mm256_srli_epi64(m, 32), right, mask,
                          _mm256_srli_epi32(mask, 1));
        v = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(v, vzp), vlo), vhi);
        const __m256i v16 = _mm256_packs_epi32(v, v);
        const __m256i v8 = _mm256_packs_epi16(v16, v16);
        const int32_t w0 = _mm256_extract_epi32(v8, 0), w1 = _mm256_extract_epi32(v8, 4);
        memcpy(out + j, &w0, 4);
        memcpy(out + j + 4, &w1, 4);
    }
    if (j < n)
        requant_row_c(acc + j, add ? add + j : NULL, mult + j, shift + j, n - j, zp, lo, hi, r,
                      out + j);
}
#endif

#ifdef QV_S8_X86
/*
 * One depthwise output pixel (depth multiplier 1), 16 channels per step kept in registers
 * across the taps: acc = sum over taps of w * (x + off); taps[t] are the in-image input rows.
 */
__attribute__((target("avx2"))) static void dw_pixel_avx2(int32_t *acc, const int8_t *const *xs,
                                                         const int8_t *const *ws, int32_t n_taps,
                                                         int32_t off, int64_t n)
{
    const __m256i voff = _mm256_set1_epi16((int16_t)off);
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
        __m256i lo = _mm256_setzero_si256(), hi = _mm256_setzero_si256();
        for (int32_t t = 0; t < n_taps; t++) {
            const __m256i xv = _mm256_add_epi16(
                _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(xs[t] + j))), voff);
            const __m256i wv = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(ws[t] + j)));
            const __m256i prod = _mm256_mullo_epi16(xv, wv);
            lo = _mm256_add_epi32(lo, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(prod)));
            hi = _mm256_add_epi32(hi, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(prod, 1)));
        }
        _mm256_storeu_si256((__m256i *)(acc + j), lo);
        _mm256_storeu_si256((__m256i *)(acc + j + 8), hi);
    }
    for (; j < n; j++) {
        int32_t a = 0;
        for (int32_t t = 0; t < n_taps; t++)
            a = qv_wrap_add(a, ws[t][j] * (xs[t][j] + off));
        acc[j] = a;
    }
}
#endif

#ifdef QV_S8_X86
/* Rows outer: the 4 rows of A stay in L1 while every block of packed weights passes. */
__attribute__((target("avx2"))) static void gemm_avx2(const int16_t *a, int64_t m, int64_t kp,
                                                      const int16_t *packed, int64_t n,
                                                      const struct qv_rq_s8 *rq, int64_t j0,
                                                      int8_t *out, int64_t ldo)
{
    const int64_t blocks = (n + QV_GEMM_NB - 1) / QV_GEMM_NB;
    for (int64_t i = 0; i < m; i += MR) {
        const int64_t mr = m - i < MR ? m - i : MR;
        for (int64_t blk = 0; blk < blocks; blk++) {
            const int64_t jb = blk * QV_GEMM_NB;
            const int64_t nc = n - jb < QV_GEMM_NB ? n - jb : QV_GEMM_NB;
            tile_rq_avx2(a + i * kp, mr, kp, packed + blk * kp * QV_GEMM_NB, rq, j0 + jb, nc,
                         out + i * ldo + jb, ldo);
        }
    }
}

static const struct qv_s8_blocks blocks_avx2 = {
    .gemm = gemm_avx2,
    .widen = widen_avx2,
    .accumulate = accumulate_avx2,
    .requant_row = requant_row_avx2,
    .dw_pixel = dw_pixel_avx2,
};
#endif

const struct qv_s8_blocks *qv_s8_blocks(enum qv_s8_variant v)
{
#ifdef QV_S8_X86
    if (qv_s8_variant_avx2(v))
        return &blocks_avx2;
#endif
    (void)v;
    return &blocks_c;
}
