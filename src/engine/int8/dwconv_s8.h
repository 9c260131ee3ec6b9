/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exact int8 depthwise convolution on AVX-512 VNNI: the fast path of DEPTHWISE_CONV_2D in
 * the QV_S8_AVX512 variant. Private to libqvet.
 *
 *     out[oy][ox][c] = clamp(MBQM(bias[c] + sum_{ky,kx} w[ky][kx][c] * (x[iy][ix][c] - z_in),
 *                                 M_c, s_c) + z_out, lo, hi)
 *
 * Arithmetic (docs/int8-fastpaths.md): vpdpbusd sums 4 products of an unsigned and a signed
 * byte per int32 lane without saturation; a lane is one output channel and its 4 bytes are 4
 * taps of one kernel row (kx = 4g .. 4g + 3; weights 0 past the kernel's width). Each sample is
 * copied once as u = x ^ 0x80 into an image bordered with z_in + 128 (so that an out-of-image
 * tap contributes 0, as TFLM's skipped tap does), then each padded input row is rearranged once
 * so that, for output column ox, the 4 taps of every channel are adjacent bytes:
 *     x4[row][g][ox][c][j] = u[row][ox * stride_w + (4g + j) * dilation_w][c]
 * An output row is then a flat run of OW * C int32 lanes: for every 16 lanes, KH * ceil(KW / 4)
 * vpdpbusd against weights and constants repeated with the period lcm(C, 16) lanes (so any
 * channel count, 8 included, fills whole registers), started from bias - (z_in + 128) * sum(w)
 * and requantized in registers as the indirect GEMM does (TFLM's double or single rounding).
 */
#ifndef QV_ENGINE_INT8_DWCONV_S8_H
#define QV_ENGINE_INT8_DWCONV_S8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/graph.h"

/* Rows of the per-lane constants (each `period` int32): as igemm_s8.h's. */
enum qv_dwconv_rq_row {
    QV_DWCONV_FOLD, QV_DWCONV_MULT, QV_DWCONV_LEFT, QV_DWCONV_RIGHT, QV_DWCONV_MASK,
    QV_DWCONV_HALF, QV_DWCONV_T, QV_DWCONV_RQ_ROWS
};

struct qv_dwconv_s8 {
    int64_t h, w, cin, c;           /* input dims; output channels c = cin * dm */
    int32_t dm;                     /* depth multiplier */
    int64_t oh, ow, kh, kw;
    int32_t stride_h, stride_w, dil_h, dil_w;
    int64_t pad_h, pad_w;
    int64_t groups;                 /* ceil(kw / 4): tap groups of a kernel row */
    int64_t hp, wp;                 /* bordered image rows and columns (from -pad) */
    int64_t period;                 /* lcm(c, 16) lanes */
    const int8_t *w4;               /* [kh][groups][period][4] */
    const int32_t *rq;              /* [QV_DWCONV_RQ_ROWS][period] */
    int32_t zp, lo, hi;
    enum qv_rounding rounding;
    bool left;                      /* some shift > 0 */
    uint8_t zbyte;                  /* z_in + 128 */
};

/* True when this CPU runs qv_dwconv_s8 (AVX-512 F/BW/VL/DQ + VNNI). */
bool qv_dwconv_s8_available(void);

/*
 * True when the layer fits the kernel: channels with a period of at most 4096 lanes, at most 16
 * tap groups (KH * ceil(KW / 4)), every M >= 0.
 */
bool qv_dwconv_s8_applies(int64_t c, int64_t kh, int64_t kw, const int32_t *mult);

/* Bytes of the block qv_dwconv_s8_init fills (weights and constants). */
size_t qv_dwconv_s8_size(int64_t c, int64_t kh, int64_t kw);

/*
 * Fills d and the block mem (qv_dwconv_s8_size bytes, 64-byte aligned). filter: [1][kh][kw][c]
 * int8 (TFLite's layout); bias [c] or NULL; mult / shift per output channel (M >= 0);
 * padding: leading rows / columns.
 */
void qv_dwconv_s8_init(struct qv_dwconv_s8 *d, void *mem, int64_t h, int64_t w, int64_t cin,
                       int32_t dm, int64_t oh, int64_t ow, int64_t kh, int64_t kw,
                       int32_t stride_h, int32_t stride_w, int32_t dil_h, int32_t dil_w,
                       int64_t pad_h, int64_t pad_w, const int8_t *filter, const int32_t *bias,
                       int32_t z_in, const int32_t *mult, const int32_t *shift, int32_t zp,
                       int32_t lo, int32_t hi, enum qv_rounding r);

/* Scratch bytes of qv_dwconv_s8 (the bordered image and the rearranged rows of one sample). */
size_t qv_dwconv_s8_get_buffer_size(const struct qv_dwconv_s8 *d);

/*
 * x [batch][h][w][cin] -> out [batch][oh][ow][c]; scratch 64-byte aligned. Only when
 * qv_dwconv_s8_available() (the depthwise glue checks it at prepare); elsewhere the kernel does
 * not exist and the call does nothing.
 */
void qv_dwconv_s8(const struct qv_dwconv_s8 *d, void *scratch, int64_t batch, const int8_t *x,
                  int8_t *out);

#endif
