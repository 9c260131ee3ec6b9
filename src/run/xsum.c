/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exact sums of doubles: Shewchuk's non-overlapping partials ("Adaptive Precision Floating-Point
 * Arithmetic and Fast Robust Geometric Predicates", 1997), rounded at the end as Python's
 * math.fsum rounds them (half-even across the partials). The same multiset of values gives the
 * same result in any order and any grouping: what keeps sums identical across thread counts,
 * chunkings and shards.
 */
#include <math.h>
#include <string.h>

#include "qvet/run.h"

void qv_xsum_init(struct qv_xsum *s)
{
    memset(s, 0, sizeof(*s));
}

void qv_xsum_add(struct qv_xsum *s, double x)
{
    if (!isfinite(x)) {
        s->special += x;   /* inf + -inf = NaN, NaN stays NaN: the result's meaning */
        return;
    }
    int32_t i = 0;
    for (int32_t j = 0; j < s->n; j++) {
        double y = s->p[j];
        if (fabs(x) < fabs(y)) {
            double t = x;
            x = y;
            y = t;
        }
        double hi = x + y;
        double lo = y - (hi - x);
        if (!isfinite(hi)) {
            s->overflow = true;
            s->special += hi;
            s->n = 0;
            return;
        }
        if (lo != 0.0)
            s->p[i++] = lo;
        x = hi;
    }
    /* Non-overlapping partials of doubles number at most ~40 (2098 bits / 53); keep a margin. */
    if (i == QV_XSUM_PARTIALS) {
        /* cannot happen for doubles; fold the two smallest rather than write out of bounds */
        s->p[1] += s->p[0];
        memmove(s->p, s->p + 1, (size_t)(i - 1) * sizeof(double));
        i--;
    }
    s->p[i++] = x;
    s->n = i;
}

void qv_xsum_merge(struct qv_xsum *s, const struct qv_xsum *t)
{
    for (int32_t j = 0; j < t->n; j++)
        qv_xsum_add(s, t->p[j]);
    if (t->special != 0.0 || isnan(t->special))
        s->special += t->special;
    s->overflow = s->overflow || t->overflow;
}

double qv_xsum_value(const struct qv_xsum *s)
{
    if (s->special != 0.0 || isnan(s->special))
        return s->special;
    int32_t n = s->n;
    if (n == 0)
        return 0.0;
    double hi = s->p[--n], lo = 0.0;
    while (n > 0) {
        double x = hi, y = s->p[--n];
        hi = x + y;
        double yr = hi - x;
        lo = y - yr;
        if (lo != 0.0)
            break;
    }
    /*
     * Half-even correction: when the rest (lo) is exactly half an ulp and the next partial has
     * the same sign, the true sum is beyond the halfway point: round away.
     */
    if (n > 0 && ((lo < 0.0 && s->p[n - 1] < 0.0) || (lo > 0.0 && s->p[n - 1] > 0.0))) {
        double y = lo * 2.0;
        double x = hi + y;
        double yr = x - hi;
        if (y == yr)
            hi = x;
    }
    return hi;
}
