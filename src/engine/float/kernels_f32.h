/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Float kernels' arithmetic with plain parameter structs (as src/engine/int8/kernels_s8.h for
 * int8): a function of derived numbers and (dims, data) pairs, output last; it cannot fail and
 * never allocates. The glue (<op>_f32.c's prepare / eval) derives the struct and picks the
 * variant once; tests/unit/test_float_fastpath.c calls every variant directly against the C
 * one. Private to libqvet.
 *
 * Variants compute the same bits: each output element's operations are the same, in the same
 * order, whatever the vector width (docs/engine.md, "Float kernels").
 */
#ifndef QV_ENGINE_FLOAT_KERNELS_F32_H
#define QV_ENGINE_FLOAT_KERNELS_F32_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/int8/kernels_s8.h"   /* struct qv_dims */

/* QV_F32_C: portable C (also the plain loops). The others: the same arithmetic on vectors,
 * compiled for their instruction set (function target attributes) and run when the CPU has it. */
enum qv_f32_variant { QV_F32_C, QV_F32_AVX2, QV_F32_AVX512, QV_F32_VARIANT_COUNT };

/* True when this CPU runs variant v (C always). */
bool qv_f32_variant_available(enum qv_f32_variant v);
/* "c", "avx2", "avx512". */
const char *qv_f32_variant_name(enum qv_f32_variant v);
/* The best variant this CPU runs. */
enum qv_f32_variant qv_f32_variant_best(void);

/* ---- ADD / SUB / MUL, same shapes (binary_f32.c) ----------------------------------------- */

enum qv_f32_binop { QV_F32_ADD, QV_F32_SUB, QV_F32_MUL };

/* out[i] = clamp(a[i] op b[i], lo, hi) for i < len (qv_f32_clamp's order: NaN passes). */
void qv_f32_binary_flat(enum qv_f32_variant v, enum qv_f32_binop op, int64_t len, const float *a,
                        const float *b, float *out, float lo, float hi);

/* ---- DEPTHWISE_CONV_2D (depthwise_conv_2d_f32.c) ------------------------------------------ */

struct qv_depthwise_conv_2d_f32_params {
    int32_t stride_h, stride_w, dilation_h, dilation_w;   /* >= 1 */
    int32_t depth_multiplier;                             /* >= 1; out c = in c * M */
    int64_t pad_h, pad_w;                                 /* leading padding (>= 0) */
    float act_min, act_max;                               /* fused activation range */
    enum qv_f32_variant variant;   /* vector variants run M == 1; other M run the C loop */
};

/*
 * TFLite's reference DepthwiseConv (float): in [N, H, W, C], filter [1, KH, KW, C * M], bias
 * [C * M] or NULL, out [N, OH, OW, C * M]; output channel c * M + m reads input channel c.
 * Per output element: total = +0; for each tap (ky, kx) inside the image, in order: total =
 * total + in * w (the product rounded, then the sum); out = clamp(total + bias (+0 without),
 * act_min, act_max). Taps in the padding are skipped.
 */
void qv_depthwise_conv_2d_f32(const struct qv_depthwise_conv_2d_f32_params *p,
                              const struct qv_dims *in_dims, const float *in,
                              const struct qv_dims *filter_dims, const float *filter,
                              const float *bias, const struct qv_dims *out_dims, float *out);

#endif
