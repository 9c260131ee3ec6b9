/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seeded random int8 kernel parameters for the checkasm-style suites (test_int8_kernels,
 * test_int8_igemm): one xorshift stream per test binary, reseeded per case so that a failing
 * case reproduces alone; edge values are drawn on purpose.
 */
#ifndef QVT_INT8_RANDOM_H
#define QVT_INT8_RANDOM_H

#include <stdint.h>

/* Restarts the stream for case i of a test kind. */
void qvt_seed(int kind, int i);
uint32_t qvt_rnd(void);
/* Uniform in [lo, hi], both included. */
int32_t qvt_rint_in(int32_t lo, int32_t hi);
/* A zero point: often -128 or 127. */
int32_t qvt_rzp(void);
/* A multiplier as QuantizeMultiplier makes them, edges (0, 2^30, 2^31 - 1) included. */
int32_t qvt_rmult(void);
/* A shift as QuantizeMultiplier makes them, now and then from -31 to +7. */
int32_t qvt_rshift(void);
/* int8 data, with runs of the extremes. */
void qvt_rdata(int8_t *x, int64_t n);
/* Biases, now and then at the int32 limits. */
void qvt_rbias(int32_t *b, int64_t n);

#endif
