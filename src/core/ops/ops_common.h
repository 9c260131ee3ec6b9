/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the per-op files in src/core/ops/ (attribute checks, shape inference, MACs) and
 * reused by the engines: window/padding arithmetic (docs/int8-arithmetic.md §5 "Padding") and numpy
 * broadcasting. Private to libqvet; include as "core/ops/ops_common.h".
 *
 * MAC convention (qv_<op>_macs; every op follows it):
 *   one MAC per multiply or add term of the float computation, counted on the stored shapes:
 *   CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED: one per weight tap (product);
 *   AVERAGE_POOL_2D: output elems * KH * KW (the window's adds, padding cells included);
 *   MEAN: input elems (the summed terms);
 *   ADD, SUB, MUL: one per output element;
 *   SOFTMAX, LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU: one per output element (a nominal cost);
 *   MAX_POOL_2D, RELU, RELU6, PAD, PADV2, CONCATENATION, RESHAPE, SQUEEZE, QUANTIZE,
 *   DEQUANTIZE: 0 (comparisons, clamps, copies and dtype conversions), so an int8 model with
 *   float I/O counts the same MACs as its float original.
 * Counts saturate at INT64_MAX instead of overflowing (hostile shapes).
 */
#ifndef QV_CORE_OPS_COMMON_H
#define QV_CORE_OPS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/graph.h"

/*
 * Output size and leading padding of one spatial dimension (docs/int8-arithmetic.md §5 "Padding",
 * TFLite's ComputePaddingHeightWidth):
 *   eff  = (k - 1) * dilation + 1
 *   out  = SAME: ceil(in / stride);  VALID: floor((in + stride - eff) / stride)
 *   pad_before = max(0, (out - 1) * stride + eff - in) / 2   (the odd extra cell goes after)
 * @param in        input size, 0..2^40
 * @param k         window (filter) size, >= 1
 * @param stride    >= 1
 * @param dilation  >= 1 (1 for pools)
 * @param pad       QV_PADDING_SAME or QV_PADDING_VALID
 * @param ret_out   output size; VALID gives a value <= 0 when the window is larger than the
 *                  input (callers reject it; qv_window_infer does)
 * @param ret_pad_before  cells of padding before the first input cell, >= 0 (0 when out <= 0)
 * No intermediate overflows int64 within those ranges. Either out-pointer may be NULL.
 */
void qv_compute_padding(int64_t in, int32_t k, int32_t stride, int32_t dilation,
                        enum qv_padding pad, int64_t *ret_out, int64_t *ret_pad_before);

/*
 * numpy broadcasting of two shapes (right-aligned; each dim pair equal or one of them 1; a
 * dim of 1 against 0 gives 0). Output rank = max(rank a, rank b) <= QV_MAX_RANK. Returns false
 * (ret_out untouched) when the shapes are incompatible.
 */
bool qv_broadcast_shape(const struct qv_shape *a, const struct qv_shape *b,
                        struct qv_shape *ret_out);

/* a * b for counts >= 0, saturating at INT64_MAX (MAC totals of hostile shapes). */
int64_t qv_mul_sat(int64_t a, int64_t b);

/* ---- for the op files ------------------------------------------------------------------- */

/*
 * Records an input error "OP 'node': <message>" (err->node set to n's index when n lies in
 * g->nodes) and returns QV_E_INPUT.
 */
enum qv_status qv_op_fail(const struct qv_graph *g, const struct qv_node *n, struct qv_error *err,
                          const char *fmt, ...) QV_PRINTF(4, 5);

/* Name of the tensor bound to input k of n ("(omitted)" when -1). Borrowed. */
const char *qv_op_in_name(const struct qv_graph *g, const struct qv_node *n, int32_t k);
/* "[1, 8, 8, 3]" into a caller buffer; returns buf (for use inside a qv_op_fail call). */
const char *qv_shape_str(const struct qv_shape *s, char *buf, size_t size);

/* Fails unless input k is present and has rank `rank`. */
enum qv_status qv_op_need_rank(const struct qv_graph *g, const struct qv_node *n,
                               const struct qv_shape *const in[], int32_t k, int32_t rank,
                               struct qv_error *err);

/* Fails unless attrs.act is a known fused activation. */
enum qv_status qv_op_check_act(const struct qv_graph *g, const struct qv_node *n,
                               struct qv_error *err);

/*
 * Checks the window attributes of one spatial dim (k, stride, dilation >= 1; padding known),
 * then computes its output size; fails when VALID leaves no output. `what` names the dim
 * ("height"/"width") in messages.
 */
enum qv_status qv_window_infer(const struct qv_graph *g, const struct qv_node *n, const char *what,
                               int64_t in, int32_t k, int32_t stride, int32_t dilation,
                               int64_t *ret_out, struct qv_error *err);

/*
 * qv_window_infer for "height" (x dim 1: kh, attrs stride_h, dil_h) then "width" (x dim 2: kw,
 * stride_w, dil_w) of the NHWC input x (rank 4): the spatial output size of a conv or pool.
 */
enum qv_status qv_window2d_infer(const struct qv_graph *g, const struct qv_node *n,
                                 const struct qv_shape *x, int32_t kh, int32_t kw, int32_t dil_h,
                                 int32_t dil_w, int64_t *ret_oh, int64_t *ret_ow,
                                 struct qv_error *err);

/*
 * AVERAGE_POOL_2D / MAX_POOL_2D shapes: x [N, H, W, C] (C >= 1), window filter_h x filter_w,
 * dilation 1; out[0] = [N, OH, OW, C].
 */
enum qv_status qv_pool_infer(const struct qv_graph *g, const struct qv_node *n,
                             const struct qv_shape *const in[], struct qv_shape out[],
                             struct qv_error *err);

/*
 * Returns the data of input k when it is a constant int32 tensor whose stored shape is one of
 * the accepted ones, else fails naming `what` ("paddings", "axis", ...). Sets *ret_count to the
 * element count.
 */
enum qv_status qv_op_const_i32(const struct qv_graph *g, const struct qv_node *n, int32_t k,
                               const char *what, const int32_t **ret_data, int64_t *ret_count,
                               struct qv_error *err);

/* out[0] = *in[0] (elementwise ops); fails when input 0 is omitted. */
enum qv_status qv_infer_same_shape(const struct qv_graph *g, const struct qv_node *n,
                                   const struct qv_shape *const in[], struct qv_shape out[],
                                   struct qv_error *err);

/*
 * out[0] = numpy broadcast of inputs 0 and 1 (ADD, SUB, MUL); checks the fused activation;
 * fails naming both tensors and shapes when they do not broadcast.
 */
enum qv_status qv_infer_broadcast(const struct qv_graph *g, const struct qv_node *n,
                                  const struct qv_shape *const in[], struct qv_shape out[],
                                  struct qv_error *err);

/* PAD / PADV2 shapes: input 1 = constant int32 paddings [rank, 2], each >= 0 (pad.c). */
enum qv_status qv_pad_shape(const struct qv_graph *g, const struct qv_node *n,
                            const struct qv_shape *const in[], struct qv_shape out[],
                            struct qv_error *err);

/* Which window reduction the engines' shared pool kernels run (AVERAGE_POOL_2D, MAX_POOL_2D). */
enum qv_pool_kind { QV_POOL_AVERAGE, QV_POOL_MAX };

/* Element count of n's stored output 0 (for MACs). */
int64_t qv_op_out_elems(const struct qv_graph *g, const struct qv_node *n);

#endif
