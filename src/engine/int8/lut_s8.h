/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Elementwise int8 ops of two int8 operands by table: out = lut[a][b]. The domain is 256 x 256,
 * so a per-node table of 64 KiB filled at prepare with the op's own scalar function (TFLM's
 * arithmetic, unchanged) is exact by construction; evaluating it is a gather (ADD, SUB, MUL:
 * docs/int8-fastpaths.md). Private to libqvet.
 */
#ifndef QV_ENGINE_INT8_LUT_S8_H
#define QV_ENGINE_INT8_LUT_S8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/graph.h"

/* Bytes of a table: 256 x 256 entries plus slack (vector gathers read 4 bytes per entry). */
#define QV_LUT2_S8_BYTES (256 * 256 + 64)

/* The table's index of the pair (a, b). */
static inline int32_t qv_lut2_s8_index(int8_t a, int8_t b)
{
    return (int32_t)((uint32_t)(uint8_t)a << 8 | (uint8_t)b);
}

enum qv_lut_isa { QV_LUT_C, QV_LUT_AVX2, QV_LUT_AVX512, QV_LUT_ISA_COUNT };

bool qv_lut_isa_available(enum qv_lut_isa isa);
enum qv_lut_isa qv_lut_isa_best(void);
const char *qv_lut_isa_name(enum qv_lut_isa isa);

/*
 * out[i] = lut[a[i * sa]][b[i * sb]] for i < n (sa, sb: element strides, 0 to broadcast; the
 * vector variants handle 0 and 1 and pass other strides to the C loop).
 */
void qv_lut2_s8_row(enum qv_lut_isa isa, const int8_t *lut, int64_t n, const int8_t *a,
                    int64_t sa, const int8_t *b, int64_t sb, int8_t *out);

/*
 * One-operand tables (unary int8 ops: RELU, LEAKY_RELU, LOGISTIC, TANH, HARD_SWISH): the op's
 * own arithmetic run once on every code fills 256 bytes, exact by construction.
 * qv_lut1_s8_codes: codes[i] = (int8_t)i, so that the op's output on them is the table indexed
 * by (uint8_t)x; qv_lut1_s8: out[i] = lut[(uint8_t)in[i]] (AVX-512 VBMI: 64 per step).
 */
void qv_lut1_s8_codes(int8_t codes[256]);
void qv_lut1_s8(const int8_t *lut, int64_t n, const int8_t *in, int8_t *out);

/* out = lut[a][b] with numpy broadcasting (shapes already checked compatible, rank <= 8). */
void qv_lut2_s8(enum qv_lut_isa isa, const int8_t *lut, const struct qv_shape *a_shape,
                const int8_t *a, const struct qv_shape *b_shape, const int8_t *b,
                const struct qv_shape *out_shape, int8_t *out);

#endif
