/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the int8 kernel files (src/engine/int8/<op>_s8.c): Prepare-time checks that
 * name the op, node and violated constraint, the one-allocation params helper, broadcasting
 * and the integer GEMM of the fast path. Private to libqvet.
 */
#ifndef QV_ENGINE_INT8_KERNELS_S8_H
#define QV_ENGINE_INT8_KERNELS_S8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ops/ops_common.h"
#include "engine/int8/requant.h"
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
 * Fails unless input k (out = false) or output k (out = true) is present, has dtype `dtype` and
 * per-tensor quantization; returns scale[0] and zero_point[0]. `dtype` QV_DTYPE_COUNT accepts
 * int8 only (the common case).
 */
enum qv_status qv_s8_need_quant(const struct qv_kernel_ctx *c, bool out, int32_t k,
                                enum qv_dtype dtype, float *ret_scale, int32_t *ret_zp,
                                struct qv_error *err);

/*
 * qv_s8_need_quant on input 0 and output 0 (both int8), in that order: the common check of the
 * one-input ops.
 */
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

/* Fails unless input k / output k has dtype `dtype`. */
enum qv_status qv_s8_need_dtype(const struct qv_kernel_ctx *c, bool out, int32_t k,
                                enum qv_dtype dtype, struct qv_error *err);

/*
 * calloc's `size` bytes as c->params (freed by the engine) and returns it; NULL after recording
 * QV_E_NOMEM. Per-channel arrays go after the struct (one allocation).
 */
void *qv_s8_params_alloc(struct qv_kernel_ctx *c, size_t size, struct qv_error *err);

/*
 * RESHAPE / SQUEEZE: fails unless input 0 and output 0 have the same dtype and element count;
 * qv_s8_copy then copies the bytes (nothing when the engine aliased the buffers).
 */
enum qv_status qv_s8_copy_prepare(const struct qv_kernel_ctx *c, struct qv_error *err);
void qv_s8_copy(const struct qv_kernel_ctx *c);

/* Rounds n up to a multiple of 64 (keeps arrays placed after a struct 64-byte aligned). */
static inline size_t qv_s8_align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

/*
 * Per-channel (M, shift) for conv-like ops: M_c from (double)s_in * (double)s_w[c] /
 * (double)s_out (PopulateConvolutionQuantizationParams), s_w broadcast when the filter has one
 * scale. Fails when the filter is not quantized or has a scale count that is neither 1 nor
 * `channels`.
 */
enum qv_status qv_s8_channel_multipliers(const struct qv_kernel_ctx *c, int32_t filter_k,
                                         int64_t channels, float s_in, float s_out,
                                         int32_t *mult, int32_t *shift, struct qv_error *err);

/* ---- Q4 gemmlowp activations (LOGISTIC, TANH) ------------------------------------------- */

/* Input rescaling to a Q4 fixed-point value and the radius beyond which the output saturates. */
struct qv_q4_params_s8 {
    int32_t z_in, mult, radius;
    int shift;
};

/*
 * Allocates c->params as a struct qv_q4_params_s8 for input zero point z_in and scale s_in:
 * (M, left shift) from the raw frexp of s_in * 2^27 (TFLM CalculateArithmeticOpData /
 * ...Logistic; no 2^31 carry fix) and the radius for 4 integer bits.
 */
enum qv_status qv_s8_q4_prepare(struct qv_kernel_ctx *c, float s_in, int32_t z_in,
                                struct qv_error *err);

/*
 * out[i] = -128 / 127 when x[i] - z_in is at or beyond -radius / radius, else
 * f(MBQM(x[i] - z_in, M, shift)) on the Q4 value: the element loop of reference_integer_ops
 * Logistic and Tanh.
 */
void qv_s8_q4_map(const struct qv_kernel_ctx *c, int8_t (*f)(int32_t q4));

/* ---- pooling (AVERAGE_POOL_2D, MAX_POOL_2D; pool_s8.c) ---------------------------------- */

/*
 * PoolingPrepare: int8 in/out with equal zero points and scales within 1e-6, rank 4; stores
 * strides, window, leading padding and the activation range as c->params.
 */
enum qv_status qv_pool_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err);
/* Walks every output cell's in-image window and reduces it as `kind` says, then clamps. */
void qv_pool_s8(const struct qv_kernel_ctx *c, enum qv_pool_kind kind);

/* ---- broadcasting (ADD, SUB, MUL) --------------------------------------------------------- */

/* Output shape split into rows of the last dimension, with per-input element strides. */
struct qv_bcast {
    int32_t rank;                      /* >= 1 */
    int64_t dims[QV_MAX_RANK];         /* output dims */
    int64_t sa[QV_MAX_RANK], sb[QV_MAX_RANK]; /* element strides, 0 on broadcast dims */
    bool same;                         /* a, b and out have equal shapes (flat loop) */
};

/* Prepares iteration of out = f(a, b) with numpy broadcasting (shapes already checked). */
void qv_bcast_init(struct qv_bcast *bc, const struct qv_shape *a, const struct qv_shape *b,
                   const struct qv_shape *out);
/* Number of rows (product of all but the last dim) and the row length. */
int64_t qv_bcast_rows(const struct qv_bcast *bc);
/* Element offsets into a and b of the first element of output row r. */
void qv_bcast_row_offsets(const struct qv_bcast *bc, int64_t r, int64_t *ret_a, int64_t *ret_b);

/* ---- ADD, SUB, MUL (binary_s8.c) --------------------------------------------------------- */

/* Per-tensor scales and zero points of input 0 (s1, z1), input 1 (s2, z2) and output 0. */
struct qv_s8_binary_quant {
    float s1, s2, so;
    int32_t z1, z2, zo;
};

/* qv_s8_need_quant on inputs 0 and 1 and output 0 (all int8), in that order. */
enum qv_status qv_s8_need_binary_quant(const struct qv_kernel_ctx *c,
                                       struct qv_s8_binary_quant *ret_q, struct qv_error *err);

/* ADD / SUB: each input rescaled to a 2^20-shifted common scale, the sum rescaled to the output. */
struct qv_addsub_params_s8 {
    int32_t in1_offset, in2_offset, out_offset, act_min, act_max;
    int32_t m1, m2, mo;
    int sh1, sh2, sho;
};

/*
 * Allocates c->params as a struct qv_addsub_params_s8 from the real multipliers the op computed
 * in its own precision (r1, r2: inputs; ro: output), quantized with c->rounding. Fails unless
 * ro is in (0, 1) (QuantizeMultiplierSmallerThanOneExp).
 */
enum qv_status qv_s8_addsub_prepare(struct qv_kernel_ctx *c, const struct qv_s8_binary_quant *q,
                                    double r1, double r2, double ro, struct qv_error *err);

/*
 * out = f(c->params, c->rounding, a, b) elementwise with numpy broadcasting (rows of the last
 * dimension; qv_bcast_*). Static inline so each op's f is inlined into its own loop.
 */
static inline void qv_s8_binary_map(const struct qv_kernel_ctx *c,
                                    int8_t (*f)(const void *p, enum qv_rounding r, int8_t a,
                                                int8_t b))
{
    const int8_t *a = c->in[0]->data, *b = c->in[1]->data;
    int8_t *out = c->out[0]->data;
    struct qv_bcast bc;
    qv_bcast_init(&bc, &c->in[0]->shape, &c->in[1]->shape, &c->out[0]->shape);
    const int64_t rows = qv_bcast_rows(&bc), len = bc.dims[bc.rank - 1];
    const int64_t sa = bc.sa[bc.rank - 1], sb = bc.sb[bc.rank - 1];
    for (int64_t r = 0; r < rows; r++) {
        int64_t oa, ob;
        qv_bcast_row_offsets(&bc, r, &oa, &ob);
        for (int64_t i = 0; i < len; i++)
            out[r * len + i] = f(c->params, c->rounding, a[oa + i * sa], b[ob + i * sb]);
    }
}

/* ---- requantization constants of the fast paths (gemm_s8.c) ----------------------------- */

/*
 * Per-channel constants of out = clamp(MBQM(acc + add, M, shift) + zp, lo, hi), derived once at
 * prepare so the vector kernels only load them: rows of v (each npad int32, zero beyond n):
 * add, M, shift, M of the next channel (the odd lanes moved down, for _mm256_mul_epi32),
 * max(shift, 0), max(-shift, 0), 2^max(-shift,0) - 1 and half of it.
 */
enum qv_rq_field {
    QV_RQ_ADD, QV_RQ_MULT, QV_RQ_SHIFT, QV_RQ_MODD, QV_RQ_LEFT, QV_RQ_RIGHT, QV_RQ_MASK,
    QV_RQ_HALF, QV_RQ_FIELD_COUNT
};

struct qv_rq_s8 {
    int32_t *v;                /* [QV_RQ_FIELD_COUNT][npad] */
    int64_t n, npad;           /* channels; row length (n rounded up to 16, plus 16) */
    int32_t zp, lo, hi;
    enum qv_rounding rounding;
    bool vec;                  /* double rounding and every M >= 0: the AVX2 formula is exact */
    bool left;                 /* some shift > 0 */
};

/* Bytes of the v rows for n channels (a multiple of 64). */
size_t qv_rq_s8_size(int64_t n);

/*
 * Fills rq for n channels; mem holds qv_rq_s8_size(n) bytes (kept by rq). add may be NULL (0).
 */
void qv_rq_s8_init(struct qv_rq_s8 *rq, int32_t *mem, int64_t n, const int32_t *add,
                   const int32_t *mult, const int32_t *shift, int32_t zp, int32_t lo, int32_t hi,
                   enum qv_rounding r);

/* out[j] = requantized(acc[j] + add) for channels j0 .. j0 + n of rq: the scalar formula. */
void qv_rq_s8_apply(const struct qv_rq_s8 *rq, const int32_t *acc, int64_t j0, int64_t n,
                    int8_t *out);

static inline const int32_t *qv_rq_s8_row(const struct qv_rq_s8 *rq, enum qv_rq_field f)
{
    return rq->v + (int64_t)f * rq->npad;
}

/* ---- integer GEMM (fast path of CONV_2D and FULLY_CONNECTED; gemm_s8.c) ------------------- */

/* Columns (output channels) per packed block. */
#define QV_GEMM_NB 16

/* Bytes of the packed form of n rows of k weights (k rounded up to even). */
size_t qv_gemm_s8_packed_size(int64_t n, int64_t k);

/*
 * Packs W (n rows of k int8 weights, row stride ldw) plus w_offset into int16 blocks of
 * QV_GEMM_NB columns: [block][kp/2][QV_GEMM_NB][2], zero-filled beyond n and k. Writes
 * wsum[j] = sum_k (W[j][k] + w_offset) for j < n.
 */
void qv_gemm_s8_pack(const int8_t *w, int64_t n, int64_t k, int64_t ldw, int32_t w_offset,
                     int16_t *packed, int32_t *wsum);

/*
 * out[i * ldo + j] = requantized(sum_k A[i][k] * Wp[j][k]) for i < m, j < n, with the constants
 * of channel j0 + j of rq (whose add row carries the folded bias and input offset): the exact
 * integer GEMM with the requantization fused into its tile epilogue.
 * A: m rows of kp int16 (kp even, row stride kp, padding columns multiplied by zero weights).
 * Uses AVX2 when the CPU has it, portable C otherwise.
 */
void qv_gemm_s8_run_rq(const int16_t *a, int64_t m, int64_t kp, const int16_t *packed, int64_t n,
                       const struct qv_rq_s8 *rq, int64_t j0, int8_t *out, int64_t ldo);

/* sum[i] += x[i] for i < n (wrapping int32): MEAN's row sums. */
void qv_s8_accumulate(int32_t *sum, const int8_t *x, int64_t n);

/* dst[i] = src[i] for i < n: int8 to int16 (the GEMM's A rows). */
void qv_s8_widen(const int8_t *src, int16_t *dst, int64_t n);

/*
 * out[j] = clamp(MBQM(acc[j] + add[j], mult[j], shift[j]) + zp, lo, hi) for j < n (add may be
 * NULL); exactly the scalar per-element formula, vectorized (AVX2) for double rounding with
 * mult[j] >= 0.
 */
void qv_requant_row_s8(const int32_t *acc, const int32_t *add, const int32_t *mult,
                       const int32_t *shift, int64_t n, int32_t zp, int32_t lo, int32_t hi,
                       enum qv_rounding r, int8_t *out);

/* acc[j] += w[j] * (x[j] + off) for j < n (wrapping int32); |off| <= 255. */
void qv_dw_accumulate_s8(int32_t *acc, const int8_t *x, const int8_t *w, int32_t off, int64_t n);

/*
 * acc[j] = sum_t ws[t][j] * (xs[t][j] + off) for j < n: one depthwise output pixel with depth
 * multiplier 1 over its n_taps in-image taps (xs: input rows, ws: filter rows).
 */
void qv_dw_pixel_s8(int32_t *acc, const int8_t *const *xs, const int8_t *const *ws, int32_t n_taps,
                    int32_t off, int64_t n);

/*
 * fold[j] = -z_in * wsum[j] + bias[j] (bias may be NULL: 0), wrapping int32: the constant the
 * GEMM fast path adds to each sum(w * x) to get sum(w * (x - z_in)) + bias.
 */
static inline void qv_gemm_s8_fold(int32_t *fold, const int32_t *wsum, const int32_t *bias,
                                   int32_t z_in, int64_t n)
{
    for (int64_t j = 0; j < n; j++)
        fold[j] = qv_wrap_add(qv_wrap_mul(-z_in, wsum[j]), bias ? bias[j] : 0);
}

/*
 * Rows (output pixels or batches) per im2col / input block of kp int16 taps: about 256 KB,
 * at least 4 and at most 1024, at most `total` (itself at least 1).
 */
static inline int64_t qv_gemm_s8_block_rows(int64_t kp, int64_t total)
{
    int64_t rows = (int64_t)(256 * 1024) / (kp * 2 > 0 ? kp * 2 : 1);
    rows = rows < 4 ? 4 : (rows > 1024 ? 1024 : rows);
    if (rows > total)
        rows = total > 0 ? total : 1;
    return rows;
}

/* True when the CPU runs AVX2 (the fast kernels' run-time dispatch). */
bool qv_have_avx2(void);

/* Rounds k up to the even count the packed layout uses. */
static inline int64_t qv_gemm_kp(int64_t k)
{
    return (k + 1) & ~(int64_t)1;
}

#endif
