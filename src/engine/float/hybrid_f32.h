/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TFLite's hybrid (dynamic-range quantized) kernels: CONV_2D, DEPTHWISE_CONV_2D and
 * FULLY_CONNECTED with float32 activations and int8 constant weights. As TFLite's reference
 * kernels do (conv.cc EvalHybridPerChannel / EvalHybrid, depthwise_conv.cc
 * EvalHybridPerChannel, fully_connected.cc EvalHybrid; tensor_utils AsymmetricQuantizeFloats /
 * SymmetricQuantizeFloats), the float input is quantized on the fly, the products are summed
 * in int32 and the sum is rescaled to float, then bias and the fused activation. The exact
 * float orders are in docs/engine.md ("Hybrid models"); tests/fixtures/hybrid checks them
 * against the TFLite interpreter. Private to libqvet.
 */
#ifndef QV_ENGINE_FLOAT_HYBRID_F32_H
#define QV_ENGINE_FLOAT_HYBRID_F32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/int8/kernels_s8.h"
#include "engine/kernel.h"

/*
 * AsymmetricQuantizeFloats: range [min(0, min x), max(0, max x)]; scale = (float)((double)
 * (float)(rmax - rmin) / 255); zero point from the range end with the smaller error (double),
 * rounded half away from zero, clamped to [-128, 127]; q = round(z + x * (float)(1 / scale)),
 * product and sum in double, clamped. All-zero x: q = 0, scale 1, zero point 0.
 */
void qv_hybrid_quantize_asym(const float *x, int64_t n, int8_t *q, float *ret_scale,
                             int32_t *ret_zero_point);

/*
 * SymmetricQuantizeFloats: r = max |x|; scale = r / 127; q = round(x * (127 / r)) (float
 * product), clamped to [-127, 127]. All-zero x: q = 0, scale 1.
 */
void qv_hybrid_quantize_sym(const float *x, int64_t n, int8_t *q, float *ret_scale);

/* What the three hybrid kernels share. */
struct qv_hybrid_params {
    int32_t stride_h, stride_w, dilation_h, dilation_w, depth_multiplier;
    int64_t pad_h, pad_w;
    float act_min, act_max;
    const float *filter_scale;       /* [channels] or [1] (per_channel false) */
    bool per_channel;
    bool asymmetric;                 /* input quantization (FULLY_CONNECTED's option) */
};

/*
 * CONV_2D: x [N, H, W, Cin] float, filter [Cout, KH, KW, Cin] int8, bias [Cout] float or NULL.
 * Each sample is quantized as a whole (per-channel weights: asymmetric; per-tensor: symmetric).
 * Per-channel: out = ((float)acc * s_w[c]) * s_x + b; per-tensor: (float)acc * (s_x * s_w) + b.
 * scratch: qv_conv_2d_hybrid_get_buffer_size bytes.
 */
size_t qv_conv_2d_hybrid_get_buffer_size(const struct qv_dims *in_dims);
void qv_conv_2d_hybrid(const struct qv_hybrid_params *p, void *scratch,
                       const struct qv_dims *in_dims, const float *in,
                       const struct qv_dims *filter_dims, const int8_t *filter,
                       const float *bias, const struct qv_dims *out_dims, float *out);

/*
 * DEPTHWISE_CONV_2D: filter [1, KH, KW, Cout] int8; each sample quantized asymmetrically;
 * out = (float)acc * (s_w[c] * s_x) + b.
 */
size_t qv_depthwise_conv_2d_hybrid_get_buffer_size(const struct qv_dims *in_dims);
void qv_depthwise_conv_2d_hybrid(const struct qv_hybrid_params *p, void *scratch,
                                 const struct qv_dims *in_dims, const float *in,
                                 const struct qv_dims *filter_dims, const int8_t *filter,
                                 const float *bias, const struct qv_dims *out_dims, float *out);

/*
 * FULLY_CONNECTED: rows of `depth` floats, weights [units, depth] int8; each row quantized on
 * its own (asymmetric when p->asymmetric); acc = sum w * q - z_x * sum w;
 * out = b + (float)acc * (float)(s_x * s_w[u]).
 */
size_t qv_fully_connected_hybrid_get_buffer_size(int64_t depth);
void qv_fully_connected_hybrid(const struct qv_hybrid_params *p, void *scratch, int64_t rows,
                               int64_t units, int64_t depth, const float *in,
                               const int8_t *filter, const float *bias, float *out);

/*
 * Glue for a node the engine runs hybrid (c->hybrid: float input, int8 constant weights at
 * input 1, read raw from the graph; bias a float view): checks the weights (int8, zero point 0,
 * one scale or one per output channel) and fills a struct qv_hybrid_params as c->params, with
 * the scratch size. Called by the CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED float glue.
 */
enum qv_status qv_hybrid_prepare(struct qv_kernel_ctx *c, struct qv_error *err);

#endif
