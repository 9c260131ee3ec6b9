/* SPDX-License-Identifier: Apache-2.0 */
#include <stdbool.h>

#include "int8_random.h"

static uint64_t rng;

uint32_t qvt_rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

void qvt_seed(int kind, int i)
{
    rng = 0x9E3779B97F4A7C15ull ^ ((uint64_t)(kind * 100003 + i + 1) * 0xBF58476D1CE4E5B9ull);
    qvt_rnd();
}

int32_t qvt_rint_in(int32_t lo, int32_t hi)
{
    return lo + (int32_t)(qvt_rnd() % (uint32_t)((int64_t)hi - lo + 1));
}

int32_t qvt_rzp(void)
{
    switch (qvt_rnd() % 6) {
    case 0: return -128;
    case 1: return 127;
    default: return qvt_rint_in(-128, 127);
    }
}

int32_t qvt_rmult(void)
{
    switch (qvt_rnd() % 8) {
    case 0: return 0;
    case 1: return 1 << 30;
    case 2: return INT32_MAX;
    default: return (int32_t)((1u << 30) + (qvt_rnd() % (1u << 30)));
    }
}

int32_t qvt_rshift(void)
{
    return qvt_rnd() % 8 == 0 ? qvt_rint_in(-31, 7) : qvt_rint_in(-14, 0);
}

void qvt_rdata(int8_t *x, int64_t n)
{
    const int mode = (int)(qvt_rnd() % 4);
    for (int64_t i = 0; i < n; i++)
        x[i] = (int8_t)(mode == 0 && qvt_rnd() % 2 ? (qvt_rnd() % 2 ? 127 : -128)
                                                   : qvt_rint_in(-128, 127));
}

void qvt_rbias(int32_t *b, int64_t n)
{
    const bool huge = qvt_rnd() % 5 == 0;
    for (int64_t i = 0; i < n; i++)
        b[i] = huge ? (qvt_rnd() % 2 ? INT32_MAX - qvt_rint_in(0, 9)
                                     : INT32_MIN + qvt_rint_in(0, 9))
                    : qvt_rint_in(-300000, 300000);
}
