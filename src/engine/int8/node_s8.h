/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The int8 engine's glue between graph nodes and the arithmetic of kernels_s8.h. Each op file
 * has two glue functions, listed in the kernel table (kernel_table.c):
 *   qv_<op>_s8_prepare(ctx, err): TFLM's Prepare. Validates the tensors (dtypes, quantization,
 *     shapes) with errors naming the node, tensor and constraint, derives the op's parameter
 *     struct from scales, zero points and attributes, picks the variant, and sizes the scratch
 *     (the op's *_get_buffer_size).
 *   qv_<op>_s8_eval(ctx): TFLM's Eval. Passes the prepared struct, the runtime dims and the data
 *     pointers to the arithmetic; cannot fail.
 * Private to libqvet.
 */
#ifndef QV_ENGINE_INT8_NODE_S8_H
#define QV_ENGINE_INT8_NODE_S8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/int8/kernels_s8.h"
#include "engine/kernel.h"

/*
 * Records <msg> (the violated constraint, naming tensors) as QV_E_INPUT with err->node =
 * c->node_index; qv_engine_create prefixes "node N (OP, 'name'): ".
 */
enum qv_status qv_s8_fail(const struct qv_kernel_ctx *c, struct qv_error *err, const char *fmt,
                          ...) QV_PRINTF(3, 4);

/* Name of input/output k (never NULL). */
const char *qv_s8_in_name(const struct qv_kernel_ctx *c, int32_t k);
const char *qv_s8_out_name(const struct qv_kernel_ctx *c, int32_t k);

/*
 * Fails unless every quantization parameter of input k (out = false) or output k is usable: each
 * scale finite, positive and normal, each zero point within its dtype's range. The message
 * names the tensor as "tensor N ('name'): scale = V" / "zero_point = V" (the load-time checks'
 * form). qv_s8_need_quant runs it; kernels call it for the other tensors they read.
 */
enum qv_status qv_s8_check_quant(const struct qv_kernel_ctx *c, bool out, int32_t k,
                                 struct qv_error *err);

/*
 * QuantizeMultiplier(real) with the rounding of c, for a multiplier that scales toward output
 * `out_k`: fails, naming that output's scale, unless real is finite and the result's shift is
 * at most 31 (an int32 fixed-point multiplier below 2^31; beyond it the requantization would
 * shift past 32 bits). `what` names the multiplier in the message ("requantization").
 */
enum qv_status qv_s8_multiplier(const struct qv_kernel_ctx *c, int32_t out_k, double real,
                                const char *what, int32_t *ret_m, int *ret_shift,
                                struct qv_error *err);

/* Fails unless input k (out = false) or output k (out = true) has dtype `dtype`. */
enum qv_status qv_s8_need_dtype(const struct qv_kernel_ctx *c, bool out, int32_t k,
                                enum qv_dtype dtype, struct qv_error *err);

/*
 * Fails unless input or output k is present, has dtype `dtype` and per-tensor quantization;
 * returns scale[0] and zero_point[0].
 */
enum qv_status qv_s8_need_quant(const struct qv_kernel_ctx *c, bool out, int32_t k,
                                enum qv_dtype dtype, float *ret_scale, int32_t *ret_zp,
                                struct qv_error *err);

/* qv_s8_need_quant on input 0 and output 0 (both int8), in that order. */
enum qv_status qv_s8_need_unary_quant(const struct qv_kernel_ctx *c, float *ret_s_in,
                                      int32_t *ret_z_in, float *ret_s_out, int32_t *ret_z_out,
                                      struct qv_error *err);

/*
 * The tensor checks of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED, in this order: input 0
 * int8 quantized, filter (input 1) int8, output 0 int8 quantized, bias (input 2, when present)
 * int32.
 */
enum qv_status qv_s8_need_filter_op(const struct qv_kernel_ctx *c, float *ret_s_in,
                                    int32_t *ret_z_in, float *ret_s_out, int32_t *ret_z_out,
                                    struct qv_error *err);

/* Per-tensor scales and zero points of input 0 (s1, z1), input 1 (s2, z2) and output 0. */
struct qv_s8_binary_quant {
    float s1, s2, so;
    int32_t z1, z2, zo;
};

/* qv_s8_need_quant on inputs 0 and 1 and output 0 (all int8), in that order. */
enum qv_status qv_s8_need_binary_quant(const struct qv_kernel_ctx *c,
                                       struct qv_s8_binary_quant *ret_q, struct qv_error *err);

/*
 * calloc's `size` bytes (64-byte aligned) as c->params (freed by the engine) and returns it;
 * NULL after recording QV_E_NOMEM.
 */
void *qv_s8_params_alloc(struct qv_kernel_ctx *c, size_t size, struct qv_error *err);

/*
 * Per-channel (M, shift) for conv-like ops: M_c from (double)s_in * (double)s_w[c] /
 * (double)s_out (PopulateConvolutionQuantizationParams), s_w broadcast when the filter has one
 * scale. Fails when the filter is not quantized or has a scale count that is neither 1 nor
 * `channels`.
 */
enum qv_status qv_s8_channel_multipliers(const struct qv_kernel_ctx *c, int32_t filter_k,
                                         int64_t channels, float s_in, float s_out,
                                         int32_t *mult, int32_t *shift, struct qv_error *err);

/*
 * LOGISTIC / TANH: the node's qv_q4_s8_params for input 0's (s_in, z_in). Fails, naming input 0's
 * scale, when the Q4 input rescaling's shift is below -31 (TFLM's RoundingDivideByPOT cannot
 * divide by more than 2^31; a scale below ~2^-58). The fast variants also get the op's results
 * on all 256 codes, computed by op's plain loop, as their table (lut_s8.h) after the struct.
 */
typedef void qv_q4_s8_fn(const struct qv_q4_s8_params *p, int64_t n, const int8_t *in,
                         int8_t *out);
enum qv_status qv_s8_q4_prepare(struct qv_kernel_ctx *c, float s_in, int32_t z_in,
                                qv_q4_s8_fn *op, struct qv_error *err);

/* The variant a node runs: PLAIN with plain_loops, else the best this CPU has. */
enum qv_s8_variant qv_s8_node_variant(const struct qv_kernel_ctx *c);

/* The NHWC dims of a rank-4 view's runtime shape. */
static inline struct qv_dims qv_s8_dims(const struct qv_tensor_view *v)
{
    const struct qv_shape *s = &v->shape;
    return (struct qv_dims){ s->dims[0], s->dims[1], s->dims[2], s->dims[3] };
}

/* Elements of a view's runtime shape. */
static inline int64_t qv_s8_elems(const struct qv_tensor_view *v)
{
    return qv_shape_elems(&v->shape);
}

/* Input k's data, or NULL when the optional input is omitted. */
static inline const void *qv_s8_in_data(const struct qv_kernel_ctx *c, int32_t k)
{
    return k < c->n_in && c->in[k] ? c->in[k]->data : NULL;
}

/*
 * RESHAPE / SQUEEZE: fails unless input 0 and output 0 have the same dtype and element count;
 * qv_s8_copy_eval then copies the bytes (nothing when the buffers are the same).
 */
enum qv_status qv_s8_copy_prepare(const struct qv_kernel_ctx *c, struct qv_error *err);
void qv_s8_copy_eval(const struct qv_kernel_ctx *c);

#endif
