/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the float32 reference kernels (src/engine/float/<op>_f32.c).
 *
 * Kernels see a struct qv_kernel_ctx (src/engine/kernel.h): in[k]->data is float32 for
 * activations and for float or quantized constants (the engine dequantizes them), raw int32 for
 * unquantized integer constants (paddings, axes, shapes). Shapes are the runtime shapes: dims[0]
 * carries the batch. Prepare validates what eval assumes; eval cannot fail.
 */
#ifndef QV_ENGINE_FLOAT_COMMON_H
#define QV_ENGINE_FLOAT_COMMON_H

#include <float.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ops/ops_common.h"
#include "engine/kernel.h"
#include "engine/float/kernels_f32.h"

/* Output range of a fused activation (TFLite CalculateActivationRange for float). */
static inline void qv_f32_act_range(enum qv_act act, float *ret_lo, float *ret_hi)
{
    float lo = -FLT_MAX, hi = FLT_MAX;
    if (act == QV_ACT_RELU) {
        lo = 0.0f;
    } else if (act == QV_ACT_RELU6) {
        lo = 0.0f;
        hi = 6.0f;
    } else if (act == QV_ACT_RELU_N1_TO_1) {
        lo = -1.0f;
        hi = 1.0f;
    }
    *ret_lo = lo;
    *ret_hi = hi;
}

/* TFLite's ActivationFunctionWithMinMax: min(max(v, lo), hi). */
static inline float qv_f32_clamp(float v, float lo, float hi)
{
    v = v < lo ? lo : v;
    return v > hi ? hi : v;
}

/* True when the view holds float32 in the float engine (float, or quantized and dequantized). */
static inline bool qv_f32_is_real(const struct qv_tensor_view *v)
{
    return v->t->dtype == QV_DTYPE_F32 || v->t->quant.count > 0;
}

/* True when the view holds raw int32 (an unquantized integer constant). */
static inline bool qv_f32_is_raw_i32(const struct qv_tensor_view *v)
{
    return v->t->dtype == QV_DTYPE_I32 && v->t->quant.count == 0 && v->data != NULL;
}

/* Geometry of CONV_2D / DEPTHWISE_CONV_2D / pools from the runtime shapes (NHWC). */
struct qv_f32_window {
    int64_t n, in_h, in_w, in_c;    /* input */
    int64_t out_h, out_w, out_c;    /* output */
    int64_t k_h, k_w;               /* filter (or pool window) */
    int64_t stride_h, stride_w, dil_h, dil_w;
    int64_t pad_h, pad_w;           /* leading padding */
};

static inline void qv_f32_window_init(struct qv_f32_window *w, const struct qv_kernel_ctx *c,
                                      int64_t k_h, int64_t k_w, int64_t dil_h, int64_t dil_w)
{
    const struct qv_shape *is = &c->in[0]->shape, *os = &c->out[0]->shape;
    const struct qv_attrs *a = &c->node->attrs;
    w->n = is->dims[0];
    w->in_h = is->dims[1];
    w->in_w = is->dims[2];
    w->in_c = is->dims[3];
    w->out_h = os->dims[1];
    w->out_w = os->dims[2];
    w->out_c = os->dims[3];
    w->k_h = k_h;
    w->k_w = k_w;
    w->stride_h = a->stride_h;
    w->stride_w = a->stride_w;
    w->dil_h = dil_h;
    w->dil_w = dil_w;
    /* Leading padding as TFLite computes it (docs/int8-arithmetic.md §5, extra cell at the
     * end); the output size it also gives equals the runtime shape's, which shape inference
     * produced the same way. */
    qv_compute_padding(w->in_h, (int32_t)k_h, a->stride_h, (int32_t)dil_h, a->padding, NULL,
                       &w->pad_h);
    qv_compute_padding(w->in_w, (int32_t)k_w, a->stride_w, (int32_t)dil_w, a->padding, NULL,
                       &w->pad_w);
}

/* Checks a 4-D NHWC input/output pair and positive strides (and dilations when asked). */
enum qv_status qv_f32_check_window(const struct qv_kernel_ctx *c, bool dilation,
                                   struct qv_error *err);

/*
 * AVERAGE_POOL_2D / MAX_POOL_2D (pool_f32.c): checks the window, filter and channels; runs the
 * window reduction `kind`.
 */
enum qv_status qv_f32_pool_prepare(struct qv_kernel_ctx *c, struct qv_error *err);
void qv_f32_pool(const struct qv_kernel_ctx *c, enum qv_pool_kind kind);

/* ADD / SUB / MUL with numpy broadcasting (binary_f32.c); enum qv_f32_binop in kernels_f32.h. */
enum qv_status qv_f32_binary_prepare(struct qv_kernel_ctx *c, struct qv_error *err);
void qv_f32_binary(const struct qv_kernel_ctx *c, enum qv_f32_binop op);

/* Unary elementwise checks shared by the activation kernels: one real input, same elements. */
enum qv_status qv_f32_unary_prepare(struct qv_kernel_ctx *c, struct qv_error *err);

/* PAD / PADV2 (pad_f32.c): checks the paddings input, pads with value. */
enum qv_status qv_f32_pad_check(struct qv_kernel_ctx *c, struct qv_error *err);
void qv_f32_pad_run(const struct qv_kernel_ctx *c, float value);

/*
 * calloc's `size` bytes as c->params (the engine frees it) and returns it; NULL after recording
 * QV_E_NOMEM with the node. Arrays go after the struct (one allocation, qv_f32_align64).
 */
void *qv_f32_params_alloc(struct qv_kernel_ctx *c, size_t size, struct qv_error *err);

/* Rounds n up to a multiple of 64 (keeps arrays placed after a struct 64-byte aligned). */
static inline size_t qv_f32_align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

/* Copies the input to the output unless they alias (RESHAPE, SQUEEZE, DEQUANTIZE). */
void qv_f32_copy(const struct qv_kernel_ctx *c);

#endif
