/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The int8 kernels' arithmetic, CMSIS-NN style: each op is a function of a plain parameter
 * struct (derived numbers: offsets, multipliers, shifts, activation range, geometry, rounding)
 * and (dims, data) pairs, output last; it cannot fail and never allocates (scratch comes from
 * the caller, sized by the op's *_get_buffer_size). No graph, tensor or engine types: the
 * engine's glue (each file's *_prepare / *_eval, see node_s8.h) derives the parameters from
 * the tensors and calls these; tests call them directly.
 *
 * Every kernel is bit-exact with TFLM's reference kernel (docs/int8-arithmetic.md); fast
 * variants compute the same integers. The variant is chosen once, at prepare, and stored in
 * the parameters (enum qv_s8_variant); tests run each available variant against
 * QV_S8_PLAIN (tests/unit/test_int8_kernels.c, as dav1d's checkasm does).
 *
 * Conventions: tensors are row-major NHWC; `offset` fields hold -zero_point for inputs and
 * +zero_point for outputs (TFLM's params); multipliers and shifts are QuantizeMultiplier's
 * (M in [2^30, 2^31) or 0, shift a left-shift exponent); act_min <= act_max within [-128, 127].
 * Private to libqvet.
 */
#ifndef QV_ENGINE_INT8_KERNELS_S8_H
#define QV_ENGINE_INT8_KERNELS_S8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/int8/dwconv_s8.h"
#include "engine/int8/igemm_s8.h"
#include "engine/int8/lut_s8.h"
#include "engine/int8/requant.h"
#include "qvet/graph.h"

/* Dimensions of a 4-D NHWC tensor (CMSIS-NN's cmsis_nn_dims). */
struct qv_dims {
    int64_t n, h, w, c;
};

/* ---- implementation variants ----------------------------------------------------------- */

/*
 * QV_S8_PLAIN: TFLM's reference loops, loop for loop. QV_S8_C: the fast algorithm (GEMM,
 * channel-inner loops) in portable C. QV_S8_AVX2: the same with AVX2 building blocks.
 * QV_S8_AVXVNNI / QV_S8_AVX512: AVX2 plus VNNI (AVX-VNNI, or AVX-512 F/BW/VL/DQ + VNNI): CONV_2D
 * and FULLY_CONNECTED by the indirect GEMM (igemm_s8.h), DEPTHWISE_CONV_2D by vpdpbusd over
 * taps, the rest as AVX2 (qv_s8_variant_avx2). Kernels without a fast algorithm accept any
 * variant and run their one loop.
 */
enum qv_s8_variant {
    QV_S8_PLAIN, QV_S8_C, QV_S8_AVX2, QV_S8_AVXVNNI, QV_S8_AVX512, QV_S8_VARIANT_COUNT
};

/* True when variant v runs AVX2 (its AVX2 building blocks and kernels). */
static inline bool qv_s8_variant_avx2(enum qv_s8_variant v)
{
    return v == QV_S8_AVX2 || v == QV_S8_AVXVNNI || v == QV_S8_AVX512;
}

/* The indirect GEMM's instruction set for a VNNI variant; QV_IGEMM_C for the others. */
static inline enum qv_igemm_isa qv_s8_variant_igemm(enum qv_s8_variant v)
{
    return v == QV_S8_AVX512 ? QV_IGEMM_AVX512VNNI
                             : (v == QV_S8_AVXVNNI ? QV_IGEMM_AVXVNNI : QV_IGEMM_C);
}

/* True when this CPU runs variant v (PLAIN and C always). */
bool qv_s8_variant_available(enum qv_s8_variant v);
/* "plain", "c", "avx2", "avxvnni", "avx512". */
const char *qv_s8_variant_name(enum qv_s8_variant v);
/* The best variant this CPU runs (the engine's default unless plain loops are asked for). */
enum qv_s8_variant qv_s8_variant_best(void);

/* ---- per-channel requantization constants (fast paths) --------------------------------- */

/*
 * Per-channel constants of out = clamp(MBQM(acc + add, M, shift) + zp, lo, hi), derived once
 * so the vector kernels only load them: rows of v, each npad int32 (zero beyond n): add, M,
 * shift, M of the next channel (the odd lanes moved down, for _mm256_mul_epi32), max(shift,
 * 0), max(-shift, 0), 2^max(-shift,0) - 1 and half of it.
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
/* Fills rq for n channels; mem holds qv_rq_s8_size(n) bytes (kept by rq). add may be NULL. */
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

/* Rounds k up to the even count the packed layout uses. */
static inline int64_t qv_gemm_kp(int64_t k)
{
    return (k + 1) & ~(int64_t)1;
}

/* Bytes of the packed form of n rows of k weights. */
size_t qv_gemm_s8_packed_size(int64_t n, int64_t k);

/*
 * Packs W (n rows of k int8 weights, row stride ldw) plus w_offset into int16 blocks of
 * QV_GEMM_NB columns: [block][kp/2][QV_GEMM_NB][2], zero-filled beyond n and k. Writes
 * wsum[j] = sum_k (W[j][k] + w_offset) for j < n.
 */
void qv_gemm_s8_pack(const int8_t *w, int64_t n, int64_t k, int64_t ldw, int32_t w_offset,
                     int16_t *packed, int32_t *wsum);

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

/*
 * The building blocks of the fast algorithms, one table per variant (qv_s8_blocks). Every
 * entry computes exactly what the C entry computes.
 *  - gemm: out[i * ldo + j] = requantized(sum_k A[i][k] * Wp[j][k]) for i < m, j < n, with the
 *    constants of channel j0 + j of rq (its add row carries the folded bias and input offset).
 *    A: m rows of kp int16 (kp even, row stride kp; |A| <= 128 after the offset fold, padding
 *    columns multiplied by zero weights); Wp: qv_gemm_s8_pack's layout (|W| <= 255).
 *    The AVX2 entry needs rq->vec.
 *  - widen: dst[i] = src[i] for i < n (int8 to int16).
 *  - accumulate: sum[i] += x[i] for i < n (wrapping int32).
 *  - requant_row: out[j] = clamp(MBQM(acc[j] + add[j], mult[j], shift[j]) + zp, lo, hi) for
 *    j < n (add may be NULL); the AVX2 entry needs double rounding and mult[j] >= 0.
 *  - dw_pixel: acc[j] = sum_t ws[t][j] * (xs[t][j] + off) for j < n over n_taps rows (xs:
 *    input rows, ws: filter rows; |off| <= 255).
 */
struct qv_s8_blocks {
    void (*gemm)(const int16_t *a, int64_t m, int64_t kp, const int16_t *packed, int64_t n,
                 const struct qv_rq_s8 *rq, int64_t j0, int8_t *out, int64_t ldo);
    void (*widen)(const int8_t *src, int16_t *dst, int64_t n);
    void (*accumulate)(int32_t *sum, const int8_t *x, int64_t n);
    void (*requant_row)(const int32_t *acc, const int32_t *add, const int32_t *mult,
                        const int32_t *shift, int64_t n, int32_t zp, int32_t lo, int32_t hi,
                        enum qv_rounding r, int8_t *out);
    void (*dw_pixel)(int32_t *acc, const int8_t *const *xs, const int8_t *const *ws,
                     int32_t n_taps, int32_t off, int64_t n);
};

/* The blocks of variant v (QV_S8_PLAIN gives the C blocks); v must be available. */
const struct qv_s8_blocks *qv_s8_blocks(enum qv_s8_variant v);

/* ---- CONV_2D (conv_2d_s8.c) -------------------------------------------------------------- */

/*
 * x [N, H, W, Cin] int8, filter [Cout, KH, KW, Cin / groups] int8 (its zero point ignored),
 * bias [Cout] int32 or NULL, out [N, OH, OW, Cout] int8; groups = Cin / filter Cin.
 */
struct qv_conv_2d_s8_params {
    int32_t input_offset;            /* -z_in, in [-127, 128] */
    int32_t output_offset;           /* z_out, in [-128, 127] */
    int32_t stride_h, stride_w;      /* >= 1 */
    int32_t dilation_h, dilation_w;  /* >= 1 */
    int64_t pad_h, pad_w;            /* leading padding, >= 0 */
    int32_t act_min, act_max;
    enum qv_rounding rounding;
    const int32_t *multiplier;       /* [Cout] */
    const int32_t *shift;            /* [Cout] */
    enum qv_s8_variant variant;      /* PLAIN, or a fast one with `fast` set */
    const struct qv_conv_2d_s8_fast *fast;   /* qv_conv_2d_s8_fast_init; NULL: PLAIN only */
};

/*
 * What the fast variants precompute from the constant filter and bias (one block of memory,
 * qv_conv_2d_s8_fast_size bytes; the struct heads it, the arrays follow).
 */
struct qv_conv_2d_s8_fast {
    int64_t groups, k, kp;       /* taps per output (KH * KW * filter Cin), rounded up to even */
    int64_t block_rows;          /* output pixels per im2col block */
    size_t pack_g;               /* bytes of one group's packed filter */
    bool pointwise;              /* 1x1, stride 1, no padding, one group: rows are the pixels */
    bool padded;                 /* im2col from a z_in-bordered copy of each sample */
    int64_t hp, wp;              /* its rows and columns (padded coordinates 0 = -pad) */
    int16_t *packed;             /* [groups] packed filters */
    int32_t *wsum;               /* [Cout] */
    int32_t *fold;               /* [Cout]: -z_in * wsum + bias */
    struct qv_rq_s8 rq;          /* fold, multipliers, shifts, output zp, activation range */
    /* The VNNI variants' indirect GEMM, per instruction set this CPU has (NULL for the others,
     * and when it does not apply: several groups, a negative multiplier); index
     * qv_s8_variant_igemm(variant). Without it those variants run the AVX2 (or C) GEMM. */
    const struct qv_conv_igemm_s8 *igemm[QV_IGEMM_ISA_COUNT];
};

size_t qv_conv_2d_s8_fast_size(const struct qv_dims *in_dims, const struct qv_dims *filter_dims,
                               const struct qv_dims *out_dims);
/*
 * Fills the fast block `mem` (qv_conv_2d_s8_fast_size bytes, 64-byte aligned) for p (its
 * multipliers and shifts already set) and returns it as a struct qv_conv_2d_s8_fast.
 * max_pixels: N * OH * OW of the largest batch (sizes the im2col block).
 */
struct qv_conv_2d_s8_fast *qv_conv_2d_s8_fast_init(void *mem, const struct qv_conv_2d_s8_params *p,
                                                   const struct qv_dims *in_dims,
                                                   const struct qv_dims *filter_dims,
                                                   const int8_t *filter, const int32_t *bias,
                                                   const struct qv_dims *out_dims,
                                                   int64_t max_pixels);
/* Scratch bytes of qv_conv_2d_s8 (0 for PLAIN). */
size_t qv_conv_2d_s8_get_buffer_size(const struct qv_conv_2d_s8_params *p,
                                     const struct qv_dims *in_dims);
void qv_conv_2d_s8(const struct qv_conv_2d_s8_params *p, void *scratch,
                   const struct qv_dims *in_dims, const int8_t *in,
                   const struct qv_dims *filter_dims, const int8_t *filter, const int32_t *bias,
                   const struct qv_dims *out_dims, int8_t *out);

/* ---- DEPTHWISE_CONV_2D (depthwise_conv_2d_s8.c) ------------------------------------------ */

/*
 * x [N, H, W, Cin], filter [1, KH, KW, Cout] (Cout = Cin * depth_multiplier), bias [Cout] or
 * NULL, out [N, OH, OW, Cout]; output channel ic * dm + m reads input channel ic.
 */
struct qv_depthwise_conv_2d_s8_params {
    int32_t input_offset, output_offset;
    int32_t stride_h, stride_w, dilation_h, dilation_w;
    int32_t depth_multiplier;        /* >= 1, TFLM's option (not derived from shapes) */
    int64_t pad_h, pad_w;
    int32_t act_min, act_max;
    enum qv_rounding rounding;
    const int32_t *multiplier, *shift;   /* [Cout] */
    enum qv_s8_variant variant;      /* PLAIN, C, or AVX2 (which needs `fast` with rq.vec) */
    const struct qv_depthwise_conv_2d_s8_fast *fast;   /* NULL: PLAIN or C only */
};

/* Precomputed for the AVX2 variant from the constant filter and bias (one block). */
struct qv_depthwise_conv_2d_s8_fast {
    int64_t pairs;         /* ceil(KH * KW / 2); an odd last tap pairs with zero weights */
    int64_t *tap_off;      /* [KH * KW]: offset of each tap from the window's corner */
    int16_t *wpack;        /* per 16 channels [pairs][2][16], then per last 8 [pairs][16] */
    int32_t *fold;         /* [Cout]: bias - z_in * sum over taps of w */
    struct qv_rq_s8 rq;
    /* The AVX512 variant's kernel (dwconv_s8.h) when this CPU has it and the layer fits
     * (M >= 0); NULL otherwise (that variant then runs the AVX2 code). */
    const struct qv_dwconv_s8 *vnni;
};

size_t qv_depthwise_conv_2d_s8_fast_size(const struct qv_dims *filter_dims);
struct qv_depthwise_conv_2d_s8_fast *
qv_depthwise_conv_2d_s8_fast_init(void *mem, const struct qv_depthwise_conv_2d_s8_params *p,
                                  const struct qv_dims *in_dims,
                                  const struct qv_dims *filter_dims, const int8_t *filter,
                                  const int32_t *bias, const struct qv_dims *out_dims);
size_t qv_depthwise_conv_2d_s8_get_buffer_size(const struct qv_depthwise_conv_2d_s8_params *p,
                                               const struct qv_dims *in_dims,
                                               const struct qv_dims *filter_dims);
void qv_depthwise_conv_2d_s8(const struct qv_depthwise_conv_2d_s8_params *p, void *scratch,
                             const struct qv_dims *in_dims, const int8_t *in,
                             const struct qv_dims *filter_dims, const int8_t *filter,
                             const int32_t *bias, const struct qv_dims *out_dims, int8_t *out);

/* ---- FULLY_CONNECTED (fully_connected_s8.c) --------------------------------------------- */

/* x [batches, depth] (any rank, read as rows), weights [units, depth], bias [units] or NULL. */
struct qv_fully_connected_s8_params {
    int32_t input_offset, output_offset;
    int32_t filter_offset;           /* -z_w: per-tensor TFLM applies it; per-channel 0 */
    int32_t act_min, act_max;
    enum qv_rounding rounding;
    const int32_t *multiplier, *shift;   /* [units] (per-tensor: all equal) */
    enum qv_s8_variant variant;
    const struct qv_fully_connected_s8_fast *fast;   /* NULL: PLAIN only */
};

struct qv_fully_connected_s8_fast {
    int64_t kp, block_rows;      /* depth rounded up to even; input rows per block */
    int16_t *packed;             /* (w - z_w) packed */
    int32_t *wsum;               /* [units] */
    int32_t *fold;               /* [units]: -z_in * wsum + bias */
    struct qv_rq_s8 rq;
    /* The VNNI variants' indirect GEMM per instruction set (as in qv_conv_2d_s8_fast; NULL
     * also for a per-tensor weight zero point other than 0). */
    const struct qv_fc_igemm_s8 *igemm[QV_IGEMM_ISA_COUNT];
};

size_t qv_fully_connected_s8_fast_size(int64_t units, int64_t depth);
struct qv_fully_connected_s8_fast *
qv_fully_connected_s8_fast_init(void *mem, const struct qv_fully_connected_s8_params *p,
                                int64_t units, int64_t depth, const int8_t *filter,
                                const int32_t *bias, int64_t max_batches);
size_t qv_fully_connected_s8_get_buffer_size(const struct qv_fully_connected_s8_params *p);
void qv_fully_connected_s8(const struct qv_fully_connected_s8_params *p, void *scratch,
                           int64_t batches, int64_t units, int64_t depth, const int8_t *in,
                           const int8_t *filter, const int32_t *bias, int8_t *out);

/* ---- AVERAGE_POOL_2D, MAX_POOL_2D (pool_s8.c) -------------------------------------------- */

struct qv_pool_s8_params {
    int32_t stride_h, stride_w, filter_h, filter_w;   /* >= 1 */
    int64_t pad_h, pad_w;
    int32_t act_min, act_max;
    enum qv_s8_variant variant;
};

/* x [N, H, W, C], out [N, OH, OW, C]; only the in-image cells of a window are read. */
void qv_average_pool_2d_s8(const struct qv_pool_s8_params *p, const struct qv_dims *in_dims,
                           const int8_t *in, const struct qv_dims *out_dims, int8_t *out);
void qv_max_pool_2d_s8(const struct qv_pool_s8_params *p, const struct qv_dims *in_dims,
                       const int8_t *in, const struct qv_dims *out_dims, int8_t *out);

/* ---- ADD, SUB, MUL (add_s8.c, sub_s8.c, mul_s8.c; broadcasting in common_s8.c) ----------- */

/*
 * ADD / SUB: each input rescaled to a 2^20-shifted common scale, the sum to the output.
 * The fast variants look each pair up in a 256 x 256 table of the op's own element function
 * (lut_s8.h; filled by qv_<op>_s8_lut_init from the other fields): exact by construction.
 */
struct qv_addsub_s8_params {
    int32_t input1_offset, input2_offset, output_offset;
    int32_t m1, m2, mo;              /* input 1, input 2, output multipliers */
    int sh1, sh2, sho;               /* their shifts (all <= 0) */
    int32_t act_min, act_max;
    enum qv_rounding rounding;
    enum qv_s8_variant variant;      /* PLAIN, or a fast one with `lut` set */
    const int8_t *lut;               /* [QV_LUT2_S8_BYTES] or NULL (PLAIN only) */
};

struct qv_mul_s8_params {
    int32_t input1_offset, input2_offset, output_offset;
    int32_t multiplier;
    int shift;
    int32_t act_min, act_max;
    enum qv_rounding rounding;
    enum qv_s8_variant variant;      /* as qv_addsub_s8_params */
    const int8_t *lut;
};

/* Fill lut (QV_LUT2_S8_BYTES) with the op's element function of every pair, from p. */
void qv_add_s8_lut_init(const struct qv_addsub_s8_params *p, int8_t *lut);
void qv_sub_s8_lut_init(const struct qv_addsub_s8_params *p, int8_t *lut);
void qv_mul_s8_lut_init(const struct qv_mul_s8_params *p, int8_t *lut);
/* The table gather of variant v (PLAIN and C: the C loop). */
enum qv_lut_isa qv_s8_variant_lut(enum qv_s8_variant v);

/* out = a op b with numpy broadcasting (shapes up to rank 8, already checked compatible). */
void qv_add_s8(const struct qv_addsub_s8_params *p, const struct qv_shape *a_shape,
               const int8_t *a, const struct qv_shape *b_shape, const int8_t *b,
               const struct qv_shape *out_shape, int8_t *out);
void qv_sub_s8(const struct qv_addsub_s8_params *p, const struct qv_shape *a_shape,
               const int8_t *a, const struct qv_shape *b_shape, const int8_t *b,
               const struct qv_shape *out_shape, int8_t *out);
void qv_mul_s8(const struct qv_mul_s8_params *p, const struct qv_shape *a_shape,
               const int8_t *a, const struct qv_shape *b_shape, const int8_t *b,
               const struct qv_shape *out_shape, int8_t *out);

/* Output shape split into rows of the last dimension, with per-input element strides. */
struct qv_bcast {
    int32_t rank;                      /* >= 1 */
    int64_t dims[QV_MAX_RANK];         /* output dims */
    int64_t sa[QV_MAX_RANK], sb[QV_MAX_RANK]; /* element strides, 0 on broadcast dims */
    bool same;                         /* a, b and out have equal shapes (flat loop) */
};

void qv_bcast_init(struct qv_bcast *bc, const struct qv_shape *a, const struct qv_shape *b,
                   const struct qv_shape *out);
/* Number of rows (product of all but the last dim). */
int64_t qv_bcast_rows(const struct qv_bcast *bc);
/* Element offsets into a and b of the first element of output row r. */
void qv_bcast_row_offsets(const struct qv_bcast *bc, int64_t r, int64_t *ret_a, int64_t *ret_b);

/*
 * out = f(p, a, b) elementwise with numpy broadcasting, row by row. Static inline so each op's
 * f is inlined into its own loop.
 */
static inline void qv_s8_binary_map(const void *p, int8_t (*f)(const void *p, int8_t a, int8_t b),
                                    const struct qv_shape *a_shape, const int8_t *a,
                                    const struct qv_shape *b_shape, const int8_t *b,
                                    const struct qv_shape *out_shape, int8_t *out)
{
    struct qv_bcast bc;
    qv_bcast_init(&bc, a_shape, b_shape, out_shape);
    const int64_t rows = qv_bcast_rows(&bc), len = bc.dims[bc.rank - 1];
    const int64_t sa = bc.sa[bc.rank - 1], sb = bc.sb[bc.rank - 1];
    for (int64_t r = 0; r < rows; r++) {
        int64_t oa, ob;
        qv_bcast_row_offsets(&bc, r, &oa, &ob);
        for (int64_t i = 0; i < len; i++)
            out[r * len + i] = f(p, a[oa + i * sa], b[ob + i * sb]);
    }
}

/* ---- CONCATENATION, PAD, PADV2, RESHAPE, SQUEEZE (byte movers) -------------------------- */

struct qv_concatenation_s8_params {
    int32_t axis;                    /* 0 .. rank - 1 */
};

/* Joins n_in inputs (shapes equal but along axis) into out; every shape has out's rank. */
void qv_concatenation_s8(const struct qv_concatenation_s8_params *p, int32_t n_in,
                         const struct qv_shape *const *in_shapes, const int8_t *const *in,
                         const struct qv_shape *out_shape, int8_t *out);

struct qv_pad_s8_params {
    int32_t rank;                    /* of input and output, <= QV_MAX_RANK */
    int64_t before[QV_MAX_RANK];     /* leading padding per dim */
    int8_t value;                    /* the padding cells' value */
};

/* out = in placed at `before` in a tensor of out_shape filled with value. */
void qv_pad_s8(const struct qv_pad_s8_params *p, const struct qv_shape *in_shape,
               const int8_t *in, const struct qv_shape *out_shape, int8_t *out);

/* ---- elementwise unary ops ------------------------------------------------------------- */

/* RELU: out = clamp(z_out + MBQM(q + input_offset, M, shift), act_min, 127). */
struct qv_relu_s8_params {
    int32_t input_offset, output_offset, act_min, act_max, multiplier;
    int shift;
    enum qv_rounding rounding;
    const int8_t *lut;               /* fast variants: the op on all 256 codes (lut_s8.h) */
};
void qv_relu_s8(const struct qv_relu_s8_params *p, int64_t n, const int8_t *in, int8_t *out);

/* RELU6: out = clamp(q, lo, hi) (no requantization). */
struct qv_relu6_s8_params {
    int32_t lo, hi;
};
void qv_relu6_s8(const struct qv_relu6_s8_params *p, int64_t n, const int8_t *in, int8_t *out);

/* LEAKY_RELU: identity and alpha multipliers (alpha's may be negative). */
struct qv_leaky_relu_s8_params {
    int32_t input_offset, output_offset, m_alpha, m_identity;
    int s_alpha, s_identity;
    enum qv_rounding rounding;
    const int8_t *lut;               /* fast variants: the op on all 256 codes (lut_s8.h) */
};
void qv_leaky_relu_s8(const struct qv_leaky_relu_s8_params *p, int64_t n, const int8_t *in,
                      int8_t *out);

/* LOGISTIC, TANH: input rescaled to Q4 with (multiplier, shift); saturated beyond radius. */
struct qv_q4_s8_params {
    int32_t input_offset, multiplier, radius;
    int shift;
    enum qv_rounding rounding;
    const int8_t *lut;               /* fast variants: the op on all 256 codes (lut_s8.h) */
};
void qv_logistic_s8(const struct qv_q4_s8_params *p, int64_t n, const int8_t *in, int8_t *out);
void qv_tanh_s8(const struct qv_q4_s8_params *p, int64_t n, const int8_t *in, int8_t *out);
/* (M, left shift) from the raw frexp of s_in * 2^27 and the radius for 4 integer bits. */
void qv_q4_s8_params_init(struct qv_q4_s8_params *p, float s_in, int32_t z_in,
                          enum qv_rounding r);

/* HARD_SWISH: 16-bit fixed point (TFLM HardSwishParams). */
struct qv_hard_swish_s8_params {
    int32_t input_zero_point, output_zero_point;
    int16_t m_out, m_relu;           /* downscaled to int16 */
    int e_out, e_relu;               /* e_out <= 0 */
    const int8_t *lut;               /* fast variants: the op on all 256 codes (lut_s8.h) */
};
void qv_hard_swish_s8(const struct qv_hard_swish_s8_params *p, int64_t n, const int8_t *in,
                      int8_t *out);

/* SOFTMAX over rows of `depth` (output zero point -128, scale 1/256). */
struct qv_softmax_s8_params {
    int32_t multiplier, diff_min;
    int shift;
    enum qv_rounding rounding;
};
void qv_softmax_s8(const struct qv_softmax_s8_params *p, int64_t rows, int64_t depth,
                   const int8_t *in, int8_t *out);

/* ---- QUANTIZE, DEQUANTIZE, MEAN ---------------------------------------------------------- */

/* QUANTIZE: float -> int8/uint8/int16, or integer requantization between integer types. */
struct qv_quantize_s8_params {
    enum qv_dtype in_dtype, out_dtype;   /* F32 / I8 / U8 / I16 in; I8 / U8 / I16 / I32 out */
    float scale;                         /* float input: the output scale */
    int32_t input_zero_point, output_zero_point, multiplier, qmin, qmax;
    int shift;
    enum qv_rounding rounding;
};
void qv_quantize_s8(const struct qv_quantize_s8_params *p, int64_t n, const void *in, void *out);

/* DEQUANTIZE: out = (float)(scale * (q - zero_point)), q int8 / uint8 / int16. */
struct qv_dequantize_s8_params {
    enum qv_dtype in_dtype;
    double scale;
    int32_t zero_point;
};
void qv_dequantize_s8(const struct qv_dequantize_s8_params *p, int64_t n, const void *in,
                      float *out);

/* MEAN over the dims flagged in `reduced` (TFLM QuantizedMeanOrSum). */
struct qv_mean_s8_params {
    int32_t input_zero_point, output_zero_point, multiplier;
    int shift;
    bool reduced[QV_MAX_RANK];
    enum qv_rounding rounding;
    enum qv_s8_variant variant;
};
/* Scratch bytes: one int32 per output element. */
size_t qv_mean_s8_get_buffer_size(const struct qv_shape *out_shape);
void qv_mean_s8(const struct qv_mean_s8_params *p, void *scratch,
                const struct qv_shape *in_shape, const int8_t *in,
                const struct qv_shape *out_shape, int8_t *out);

/* Rounds n up to a multiple of 64 (keeps arrays placed after a struct 64-byte aligned). */
static inline size_t qv_s8_align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

/*
 * A parameter block laid out by name: qv_s8_layout_init(&l, sizeof(struct ...)) reserves the
 * head; each qv_s8_layout_array(&l, count, sizeof(elem)) returns the byte offset of a 64-byte
 * aligned array; l.size is the block's size. The offsets are kept in named fields by callers.
 */
struct qv_s8_layout {
    size_t size;
};

static inline void qv_s8_layout_init(struct qv_s8_layout *l, size_t head)
{
    l->size = qv_s8_align64(head);
}

static inline size_t qv_s8_layout_array(struct qv_s8_layout *l, int64_t count, size_t elem)
{
    const size_t at = l->size;
    l->size += qv_s8_align64((size_t)(count > 0 ? count : 0) * elem);
    return at;
}

#endif
