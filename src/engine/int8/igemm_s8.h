/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exact int8 indirect GEMM (XNNPACK's igemm, TFLM's integers): the fast path of CONV_2D and
 * FULLY_CONNECTED on CPUs with VNNI. Private to libqvet.
 *
 *     out[i][j] = clamp(MBQM(bias[j] + sum_t sum_c w[j][t][c] * (x_t,i[c] - z_in), M_j, s_j)
 *                       + z_out, lo, hi)
 *
 * where row i (an output pixel, or a batch row of FULLY_CONNECTED) reads `ks` taps, each a
 * pointer to `kc` bytes: the input row under that tap, or a shared row of z_in where the tap
 * falls outside the image (the zero-point buffer: its x - z_in is 0 exactly). No im2col copy.
 *
 * Arithmetic (docs/int8-fastpaths.md): the rows are read as unsigned bytes
 * u = x + 128 (the caller stores them so: x ^ 0x80), so that vpdpbusd multiplies u8 x s8 in
 * groups of 4 without saturation, and
 *     sum w * (x - z_in) = sum w * u - (z_in + 128) * sum w,
 * the second term folded with the bias per channel when the weights are packed (once, at
 * prepare). Every product and sum is int32 and wraps like TFLM's loop (addition modulo 2^32 is
 * associative, so any summation order gives the same bits); the requantization is TFLM's
 * MultiplyByQuantizedMultiplier (double or single rounding) fused into the tile's epilogue.
 *
 * Variants (enum qv_igemm_isa), chosen once at prepare by CPU feature, all computing the same
 * integers: portable C; AVX-VNNI (VEX, 256-bit: Alder Lake and later without AVX-512);
 * AVX-512 VNNI (512-bit tiles, and 256-bit EVEX tiles for 8 or fewer channels so that an
 * 8-channel layer does not waste half of each 16-lane register).
 */
#ifndef QV_ENGINE_INT8_IGEMM_S8_H
#define QV_ENGINE_INT8_IGEMM_S8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/graph.h"

enum qv_igemm_isa {
    QV_IGEMM_C,            /* portable C: the reference of the packed algorithm */
    QV_IGEMM_AVXVNNI,      /* AVX2 + AVX-VNNI, ymm tiles */
    QV_IGEMM_AVX512VNNI,   /* AVX-512 F/BW/VL + VNNI, zmm tiles (ymm for n <= 8) */
    QV_IGEMM_ISA_COUNT
};

/* True when this CPU (and OS) run `isa` (QV_IGEMM_C always). */
bool qv_igemm_isa_available(enum qv_igemm_isa isa);
/* The fastest available variant. */
enum qv_igemm_isa qv_igemm_isa_best(void);
/* "c", "avxvnni", "avx512vnni". */
const char *qv_igemm_isa_name(enum qv_igemm_isa isa);

/* Rows per tile of the largest micro-kernel (16: paired rows, 8 pointers of pairs). */
#define QV_IGEMM_MR_MAX 16

/* Per-channel rows of the packed constants (each npad int32; zero beyond n). */
enum qv_igemm_rq_row {
    QV_IGEMM_FOLD,    /* bias - (z_in + 128) * sum of the channel's weights (wrapping) */
    QV_IGEMM_MULT,    /* M */
    QV_IGEMM_LEFT,    /* max(shift, 0) */
    QV_IGEMM_RIGHT,   /* max(-shift, 0) */
    QV_IGEMM_MASK,    /* 2^RIGHT - 1 */
    QV_IGEMM_HALF,    /* MASK >> 1 */
    QV_IGEMM_T,       /* 31 - shift: single rounding's one right shift */
    QV_IGEMM_RQ_ROWS
};

/*
 * A packed layer: weights in blocks of nr output channels, [block][ks][kc / 4][nr][4] int8
 * (zero beyond n channels and beyond the kc_real bytes of each tap), then the constants.
 * Filled once by qv_igemm_s8_pack; read-only afterwards (several runs may share it).
 */
struct qv_igemm_s8 {
    enum qv_igemm_isa isa;
    int64_t n;              /* output channels */
    int64_t ks;             /* taps per output row */
    int64_t kc;             /* bytes read per tap, a multiple of 4 */
    int32_t nr;             /* channels per packed block: 8, 16, 32 or 64 */
    int32_t mr;             /* rows per tile (<= QV_IGEMM_MR_MAX) */
    int64_t nblocks, npad;  /* ceil(n / nr); nblocks * nr */
    const int8_t *w;        /* packed weights */
    const int32_t *rq;      /* [QV_IGEMM_RQ_ROWS][npad] */
    int32_t zp, lo, hi;     /* output zero point, activation range */
    enum qv_rounding rounding;
    bool left;              /* some shift > 0 (double rounding shifts left first) */
    /*
     * Paired rows (AVX-512, n <= 8, ks == 1, rows laid out by the caller: FULLY_CONNECTED and
     * gathered CONV_2D rows): two rows per zmm, so that 8 channels fill 16 lanes. The rows
     * come as pairs interleaved every 4 bytes (qv_igemm_s8_pair_rows); lanes 2j and 2j + 1
     * are channel j of the pair's two rows, and the weights and constants are stored per lane
     * (rq rows of 2 * npad). mr = 16 rows; the tile's offsets are one per pair.
     */
    bool paired;
};

/*
 * The tile shape (nr, mr) `isa` uses for n channels; pairable: the caller lays out the rows
 * (ks == 1), so that they can come in pairs (*ret_paired).
 */
void qv_igemm_s8_shape(enum qv_igemm_isa isa, int64_t n, bool pairable, int32_t *ret_nr,
                       int32_t *ret_mr, bool *ret_paired);

/* Bytes of the packed block (weights and constants) for n channels of ks taps of kc bytes. */
size_t qv_igemm_s8_packed_size(enum qv_igemm_isa isa, int64_t n, int64_t ks, int64_t kc,
                               bool pairable);

/*
 * Packs a layer into mem (qv_igemm_s8_packed_size bytes, 64-byte aligned) and describes it in g.
 * w: n rows of ks * kc_real int8 weights (row stride ldw), tap-major (TFLite's [Cout][KH][KW][Cin]
 * with kc_real = Cin, or [units][depth] with ks = 1); kc_real <= kc. bias: [n] or NULL. z_in: the
 * input zero point. mult / shift: per channel (QuantizeMultiplier's, every M >= 0). zp, lo, hi:
 * output zero point and activation range. pairable: as qv_igemm_s8_shape.
 */
void qv_igemm_s8_pack(struct qv_igemm_s8 *g, void *mem, enum qv_igemm_isa isa, int64_t n,
                      int64_t ks, int64_t kc, int64_t kc_real, const int8_t *w, int64_t ldw,
                      bool pairable, const int32_t *bias, int32_t z_in, const int32_t *mult,
                      const int32_t *shift, int32_t zp, int32_t lo, int32_t hi,
                      enum qv_rounding r);

/*
 * One tile of rows: out[i * ldo + j] for i < m (1..g->mr), j < g->n. Tap t of row i reads the
 * g->kc bytes at base + off[i * g->ks + t] (the indirection: int32 byte offsets, so that the
 * table is built once and holds for any buffer), which hold x ^ 0x80. The variant is g->isa.
 */
void qv_igemm_s8_tile(const struct qv_igemm_s8 *g, int64_t m, const uint8_t *base,
                      const int32_t *off, int8_t *out, int64_t ldo);

/*
 * Rows rows[i] (m of kc bytes, stride kc; m rounded up to even, the last odd row read twice)
 * as pairs for a paired g: pair p = rows 2p and 2p + 1 interleaved every 4 bytes (2 * kc).
 */
void qv_igemm_s8_pair_rows(const struct qv_igemm_s8 *g, const uint8_t *rows, int64_t m,
                           uint8_t *pairs);

/* dst[i] = src[i] ^ 0x80 (int8 x to the unsigned byte x + 128) for i < n. */
void qv_s8_to_u8(const int8_t *restrict src, uint8_t *restrict dst, int64_t n);

/* ---- CONV_2D by indirection -------------------------------------------------------------- */

/*
 * One CONV_2D node (one group) for the igemm. Two ways to feed the taps:
 *  - direct (Cin % 4 == 0): each sample is copied once as x ^ 0x80 into the scratch, after a
 *    row of z_in + 128 (the zero-point row); ind[p][t] is the offset of tap t of output pixel p
 *    in that scratch: its input row, or 0 (the zero-point row) outside the image. Built once
 *    at init; ks = KH * KW, kc = Cin;
 *  - gathered rows (any other Cin, e.g. a first layer of 1 or 3 channels): the window of each
 *    pixel of a tile is gathered into one row of KH * KW * Cin bytes rounded up to 4 (ks = 1),
 *    z_in + 128 outside the image.
 */
struct qv_conv_igemm_s8 {
    struct qv_igemm_s8 g;
    int64_t h, w, cin;              /* input */
    int64_t oh, ow;                 /* output */
    int64_t kh, kw;
    int32_t stride_h, stride_w, dil_h, dil_w;
    int64_t pad_h, pad_w;
    bool direct;
    int64_t zr;                     /* direct: bytes before the sample copy (the zero-point row) */
    const int32_t *ind;             /* direct: [oh * ow][ks] */
    uint8_t zbyte;                  /* z_in + 128 */
};

/* Bytes of the block qv_conv_igemm_s8_init fills (packed filter, constants, indirection). */
size_t qv_conv_igemm_s8_size(enum qv_igemm_isa isa, int64_t oh, int64_t ow, int64_t cout,
                             int64_t kh, int64_t kw, int64_t cin);
/*
 * Fills c, using mem (qv_conv_igemm_s8_size bytes, 64-byte aligned) for the packed filter
 * ([cout][kh][kw][cin] int8) and the tables. Padding: leading rows/columns pad_h, pad_w.
 * Other arguments as qv_igemm_s8_pack.
 */
void qv_conv_igemm_s8_init(struct qv_conv_igemm_s8 *c, void *mem, enum qv_igemm_isa isa,
                           int64_t h, int64_t w, int64_t cin, int64_t oh, int64_t ow,
                           int64_t cout, int64_t kh, int64_t kw, int32_t stride_h,
                           int32_t stride_w, int32_t dil_h, int32_t dil_w, int64_t pad_h,
                           int64_t pad_w, const int8_t *filter, const int32_t *bias, int32_t z_in,
                           const int32_t *mult, const int32_t *shift, int32_t zp, int32_t lo,
                           int32_t hi, enum qv_rounding r);
/* Scratch bytes of qv_conv_igemm_s8. */
size_t qv_conv_igemm_s8_get_buffer_size(const struct qv_conv_igemm_s8 *c);
/* x [batch][h][w][cin] -> out [batch][oh][ow][cout]; scratch 64-byte aligned. */
void qv_conv_igemm_s8(const struct qv_conv_igemm_s8 *c, void *scratch, int64_t batch,
                      const int8_t *x, int8_t *out);

/* ---- FULLY_CONNECTED ---------------------------------------------------------------------- */

struct qv_fc_igemm_s8 {
    struct qv_igemm_s8 g;
    int64_t depth;
};

size_t qv_fc_igemm_s8_size(enum qv_igemm_isa isa, int64_t units, int64_t depth);
/* weights [units][depth] (their zero point must be 0: the packed form holds w itself). */
void qv_fc_igemm_s8_init(struct qv_fc_igemm_s8 *f, void *mem, enum qv_igemm_isa isa,
                         int64_t units, int64_t depth, const int8_t *weights, const int32_t *bias,
                         int32_t z_in, const int32_t *mult, const int32_t *shift, int32_t zp,
                         int32_t lo, int32_t hi, enum qv_rounding r);
size_t qv_fc_igemm_s8_get_buffer_size(const struct qv_fc_igemm_s8 *f);
/* x [batches][depth] -> out [batches][units]. */
void qv_fc_igemm_s8(const struct qv_fc_igemm_s8 *f, void *scratch, int64_t batches,
                    const int8_t *x, int8_t *out);

#endif
