/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Two-operand int8 tables (lut_s8.h): the C loop, and 8 / 16 lanes per step with AVX2 /
 * AVX-512 gathers (function target attributes, chosen at run time). A gather reads the 4 bytes
 * at lut + index; the low byte is the entry. One-operand tables: a byte loop, or two 128-entry
 * vpermi2b lookups blended by the index's top bit (AVX-512 VBMI).
 */
#include "engine/int8/lut_s8.h"

#include "engine/int8/kernels_s8.h"

#if defined(__GNUC__) && defined(__x86_64__) && !defined(QV_INT8_NO_SIMD)
#define LUT_X86 1
#include <immintrin.h>
#endif

bool qv_lut_isa_available(enum qv_lut_isa isa)
{
    switch (isa) {
    case QV_LUT_C:
        return true;
#ifdef LUT_X86
    case QV_LUT_AVX2:
        return __builtin_cpu_supports("avx2");
    case QV_LUT_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
#endif
    default:
        return false;
    }
}

enum qv_lut_isa qv_lut_isa_best(void)
{
    for (int i = QV_LUT_ISA_COUNT - 1; i > 0; i--)
        if (qv_lut_isa_available((enum qv_lut_isa)i))
            return (enum qv_lut_isa)i;
    return QV_LUT_C;
}

const char *qv_lut_isa_name(enum qv_lut_isa isa)
{
    static const char *const names[QV_LUT_ISA_COUNT] = {
        [QV_LUT_C] = "c", [QV_LUT_AVX2] = "avx2", [QV_LUT_AVX512] = "avx512" };
    return (unsigned)isa < QV_LUT_ISA_COUNT ? names[isa] : "?";
}

static void row_c(const int8_t *lut, int64_t n, const int8_t *a, int64_t sa, const int8_t *b,
                  int64_t sb, int8_t *out)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = lut[qv_lut2_s8_index(a[i * sa], b[i * sb])];
}

#ifdef LUT_X86
/* Operand bytes as zero-extended int32 lanes: 8 from p, or p[0] in every lane (stride 0). */
__attribute__((target("avx2"), always_inline)) static inline __m256i ld8(const int8_t *p,
                                                                         int64_t s)
{
    if (s == 0)
        return _mm256_set1_epi32((uint8_t)p[0]);
    return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p));
}

__attribute__((target("avx2"))) static void row_avx2(const int8_t *lut, int64_t n,
                                                     const int8_t *a, int64_t sa,
                                                     const int8_t *b, int64_t sb, int8_t *out)
{
    const __m256i byte = _mm256_set1_epi32(0xFF);
    const __m256i pick = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                          -1, -1, 0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1,
                                          -1, -1, -1, -1);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i idx = _mm256_or_si256(_mm256_slli_epi32(ld8(a + i * sa, sa), 8),
                                            ld8(b + i * sb, sb));
        const __m256i v = _mm256_and_si256(
            _mm256_i32gather_epi32((const int *)(const void *)lut, idx, 1), byte);
        const __m256i p = _mm256_shuffle_epi8(v, pick);
        const int32_t lo = _mm256_extract_epi32(p, 0), hi = _mm256_extract_epi32(p, 4);
        __builtin_memcpy(out + i, &lo, 4);
        __builtin_memcpy(out + i + 4, &hi, 4);
    }
    row_c(lut, n - i, a + i * sa, sa, b + i * sb, sb, out + i);
}

#define Z_TARGET "avx512f,avx512bw,avx512vl"

__attribute__((target(Z_TARGET), always_inline)) static inline __m512i ld16(const int8_t *p,
                                                                           int64_t s, __mmask16 k)
{
    if (s == 0)
        return _mm512_set1_epi32((uint8_t)p[0]);
    return _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(k, p));
}

__attribute__((target(Z_TARGET))) static void row_avx512(const int8_t *lut, int64_t n,
                                                         const int8_t *a, int64_t sa,
                                                         const int8_t *b, int64_t sb, int8_t *out)
{
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 k = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        const __m512i idx = _mm512_or_si512(_mm512_slli_epi32(ld16(a + i * sa, sa, k), 8),
                                            ld16(b + i * sb, sb, k));
        const __m512i v = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), k, idx, lut, 1);
        _mm_mask_storeu_epi8(out + i, k, _mm512_cvtepi32_epi8(v));
    }
}
#endif

void qv_lut2_s8_row(enum qv_lut_isa isa, const int8_t *lut, int64_t n, const int8_t *a,
                    int64_t sa, const int8_t *b, int64_t sb, int8_t *out)
{
#ifdef LUT_X86
    const bool unit = (sa == 0 || sa == 1) && (sb == 0 || sb == 1);
    if (unit && isa == QV_LUT_AVX512) {
        row_avx512(lut, n, a, sa, b, sb, out);
        return;
    }
    if (unit && isa == QV_LUT_AVX2) {
        row_avx2(lut, n, a, sa, b, sb, out);
        return;
    }
#endif
    (void)isa;
    row_c(lut, n, a, sa, b, sb, out);
}

void qv_lut2_s8(enum qv_lut_isa isa, const int8_t *lut, const struct qv_shape *a_shape,
                const int8_t *a, const struct qv_shape *b_shape, const int8_t *b,
                const struct qv_shape *out_shape, int8_t *out)
{
    struct qv_bcast bc;
    qv_bcast_init(&bc, a_shape, b_shape, out_shape);
    if (bc.same) {
        qv_lut2_s8_row(isa, lut, qv_shape_elems(out_shape), a, 1, b, 1, out);
        return;
    }
    const int64_t rows = qv_bcast_rows(&bc), len = bc.dims[bc.rank - 1];
    const int64_t sa = bc.sa[bc.rank - 1], sb = bc.sb[bc.rank - 1];
    for (int64_t r = 0; r < rows; r++) {
        int64_t oa, ob;
        qv_bcast_row_offsets(&bc, r, &oa, &ob);
        qv_lut2_s8_row(isa, lut, len, a + oa, sa, b + ob, sb, out + r * len);
    }
}

void qv_lut1_s8_codes(int8_t codes[256])
{
    for (int i = 0; i < 256; i++)
        codes[i] = (int8_t)(uint8_t)i;
}

#ifdef LUT_X86
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) static void lut1_vbmi(const int8_t *lut,
                                                                            int64_t n,
                                                                            const int8_t *in,
                                                                            int8_t *out)
{
    const __m512i t0 = _mm512_loadu_si512(lut), t1 = _mm512_loadu_si512(lut + 64);
    const __m512i t2 = _mm512_loadu_si512(lut + 128), t3 = _mm512_loadu_si512(lut + 192);
    for (int64_t i = 0; i < n; i += 64) {
        const __mmask64 k = n - i >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << (n - i)) - 1;
        const __m512i x = _mm512_maskz_loadu_epi8(k, in + i);
        const __m512i lo = _mm512_permutex2var_epi8(t0, x, t1);   /* entries 0..127 */
        const __m512i hi = _mm512_permutex2var_epi8(t2, x, t3);   /* entries 128..255 */
        _mm512_mask_storeu_epi8(out + i, k, _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), lo, hi));
    }
}
#endif

void qv_lut1_s8(const int8_t *lut, int64_t n, const int8_t *in, int8_t *out)
{
#ifdef LUT_X86
    if (__builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512bw")) {
        lut1_vbmi(lut, n, in, out);
        return;
    }
#endif
    for (int64_t i = 0; i < n; i++)
        out[i] = lut[(uint8_t)in[i]];
}
