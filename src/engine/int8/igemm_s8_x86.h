/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x86 micro-kernels of the int8 indirect GEMM (igemm_s8.h), compiled with function target
 * attributes only and called when the CPU has the instructions. QV_IGEMM_X86 is defined where
 * they exist (GCC or Clang on x86-64, unless built with -DQV_INT8_NO_SIMD). Private.
 */
#ifndef QV_ENGINE_INT8_IGEMM_S8_X86_H
#define QV_ENGINE_INT8_IGEMM_S8_X86_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/int8/igemm_s8.h"

#if defined(__GNUC__) && defined(__x86_64__) && !defined(QV_INT8_NO_SIMD)
#define QV_IGEMM_X86 1

/* AVX-512 F, BW, VL, DQ and VNNI (with the OS saving zmm state). */
bool qv_igemm_have_avx512vnni(void);
/* AVX2 and AVX-VNNI (CPUID.(7,1):EAX bit 4). */
bool qv_igemm_have_avxvnni(void);

/* qv_igemm_s8_tile for g->isa == QV_IGEMM_AVX512VNNI / QV_IGEMM_AVXVNNI. */
void qv_igemm_s8_tile_avx512vnni(const struct qv_igemm_s8 *g, int64_t m, const uint8_t *base,
                                 const int32_t *off, int8_t *out, int64_t ldo);
/* qv_igemm_s8_tile for a paired g (two rows per zmm: 16 rows of 8 channels or fewer). */
void qv_igemm_s8_tile_pairs_avx512vnni(const struct qv_igemm_s8 *g, int64_t m,
                                       const uint8_t *base, const int32_t *off, int8_t *out,
                                       int64_t ldo);
/* qv_igemm_s8_pair_rows: m rows of kc bytes (kc % 4 == 0) as pairs interleaved every 4 bytes. */
void qv_igemm_s8_pair_avx512(const uint8_t *rows, int64_t m, int64_t kc, uint8_t *pairs);
void qv_igemm_s8_tile_avxvnni(const struct qv_igemm_s8 *g, int64_t m, const uint8_t *base,
                              const int32_t *off, int8_t *out, int64_t ldo);

/* qv_dwconv_s8 (dwconv_s8.h) on AVX-512 VNNI. */
struct qv_dwconv_s8;
void qv_dwconv_s8_avx512(const struct qv_dwconv_s8 *d, void *scratch, int64_t batch,
                         const int8_t *x, int8_t *out);

/* qv_s8_to_u8 on 64 bytes per step (AVX-512 BW). */
void qv_s8_to_u8_avx512(const int8_t *src, uint8_t *dst, int64_t n);
#endif

#endif
