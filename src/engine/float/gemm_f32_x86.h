/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x86 variants of the float kernels (gemm_f32_x86.c): compiled with function target attributes
 * only, selected at run time. QV_F32_X86 is defined where they exist (GCC or Clang on x86,
 * unless built with -DQV_FLOAT_NO_SIMD, which tests the portable kernels alone). Private.
 */
#ifndef QV_ENGINE_FLOAT_GEMM_F32_X86_H
#define QV_ENGINE_FLOAT_GEMM_F32_X86_H

#include <stdbool.h>

#include "engine/float/gemm_f32.h"
#include "engine/float/kernels_f32.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && !defined(QV_FLOAT_NO_SIMD)
#define QV_F32_X86 1

/* The CPU (and OS) run AVX2 with FMA / AVX-512 F. */
bool qv_f32_have_avx2_fma(void);
bool qv_f32_have_avx512(void);

/* 3 x 16 tiles (AVX2 + FMA); 8 x 16 and 7 x 32 tiles (AVX-512 F). */
extern const struct qv_sgemm_kernel qv_sgemm_kernel_avx2;
extern const struct qv_sgemm_kernel qv_sgemm_kernel_avx512x16;
extern const struct qv_sgemm_kernel qv_sgemm_kernel_avx512x32;
/* The wide order: 4 x 8 (AVX2 + FMA), 16 x 8 (AVX-512 F). */
extern const struct qv_sgemm_kernel qv_sgemm_kernel_avx2_wide;
extern const struct qv_sgemm_kernel qv_sgemm_kernel_avx512_wide;

/* DEPTHWISE_CONV_2D with depth multiplier 1 on 8 / 16 channels per vector (kernels_f32.h). */
void qv_dwconv_f32_avx2(const struct qv_depthwise_conv_2d_f32_params *p,
                        const struct qv_dims *in_dims, const float *in,
                        const struct qv_dims *filter_dims, const float *filter,
                        const float *bias, const struct qv_dims *out_dims, float *out);
void qv_dwconv_f32_avx512(const struct qv_depthwise_conv_2d_f32_params *p,
                          const struct qv_dims *in_dims, const float *in,
                          const struct qv_dims *filter_dims, const float *filter,
                          const float *bias, const struct qv_dims *out_dims, float *out);
#endif

#endif
