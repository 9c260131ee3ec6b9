/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AVX-VNNI micro-kernels of the int8 indirect GEMM (igemm_s8.h): the 256-bit template
 * (igemm_s8_ymm.h) with VEX vpdpbusd, 8 x 8 and 6 x 16 tiles (16 ymm registers). For CPUs with
 * AVX-VNNI and no AVX-512 (Alder Lake and later client cores); compiled with a function target
 * attribute, called only when the CPU has it.
 */
#include "engine/int8/igemm_s8_x86.h"

#ifdef QV_IGEMM_X86
#include <cpuid.h>

bool qv_igemm_have_avxvnni(void)
{
    unsigned eax, ebx, ecx, edx;
    if (!__builtin_cpu_supports("avx2") || __get_cpuid_max(0, NULL) < 7)
        return false;
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    (void)ebx;
    (void)ecx;
    (void)edx;
    return (eax >> 4) & 1;
}

#define YMM_TARGET "avx2,avxvnni"
#define YMM_DPBUSD(a, x, w) _mm256_dpbusd_avx_epi32((a), (x), (w))
#define YMM_NAME(s) s##_avxvnni
#include "engine/int8/igemm_s8_ymm.h"

__attribute__((target(YMM_TARGET))) static void tile8x8(const struct qv_igemm_s8 *g, int64_t m,
                                                        const uint8_t *base, const int32_t *off,
                                                        int8_t *out, int64_t ldo)
{
    tile_avxvnni(8, 1, g, m, base, off, out, ldo);
}

__attribute__((target(YMM_TARGET))) static void tile6x16(const struct qv_igemm_s8 *g, int64_t m,
                                                         const uint8_t *base, const int32_t *off,
                                                         int8_t *out, int64_t ldo)
{
    tile_avxvnni(6, 2, g, m, base, off, out, ldo);
}

void qv_igemm_s8_tile_avxvnni(const struct qv_igemm_s8 *g, int64_t m, const uint8_t *base,
                              const int32_t *off, int8_t *out, int64_t ldo)
{
    if (g->nr == 8)
        tile8x8(g, m, base, off, out, ldo);
    else
        tile6x16(g, m, base, off, out, ldo);
}
#endif
