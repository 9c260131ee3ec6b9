/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Histograms with power-of-two bin widths on a global grid (quant.h). A bin at exponent e with
 * absolute index a covers [a * 2^e, (a + 1) * 2^e); at e + 1 it belongs to bin floor(a / 2), so
 * re-binning to a coarser exponent adds pairs of bins and loses nothing that the coarser grid
 * could hold. The layout (exponent, first bin) is a function of [min, max] only, which makes the
 * counts a function of the multiset of values: any batching, any order, any merge agree.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/quant_int.h"

enum qv_status qv_hist_init(struct qv_hist *h, struct qv_error *err)
{
    memset(h, 0, sizeof(*h));
    h->exp = QV_HIST_EXP_MIN;
    h->counts = calloc(QV_HIST_BINS, sizeof(*h->counts));
    if (!h->counts)
        return qv_fail(err, QV_E_NOMEM, "out of memory for a histogram");
    return QV_OK;
}

void qv_hist_release(struct qv_hist *h)
{
    free(h->counts);
    h->counts = NULL;
    h->n = 0;
}

int64_t qv_hist_bin(float v, int32_t exp)
{
    /* v * 2^-exp is exact in double for every float and every exponent used here */
    return (int64_t)floor(ldexp((double)v, -exp));
}

int32_t qv_hist_exp_for(float lo, float hi)
{
    double amax = fmax(fabs((double)lo), fabs((double)hi));
    int32_t e = amax > 0 ? ilogb(amax) - 40 : QV_HIST_EXP_MIN;
    if (e < QV_HIST_EXP_MIN)
        e = QV_HIST_EXP_MIN;
    while (qv_hist_bin(hi, e) - qv_hist_bin(lo, e) >= QV_HIST_BINS)
        e++;
    return e;
}

double qv_hist_width(const struct qv_hist *h)
{
    return ldexp(1.0, h->exp);
}

double qv_hist_edge(const struct qv_hist *h, int64_t i)
{
    return ldexp((double)(h->first + i), h->exp);
}

/* Floor division by 2^d of an absolute bin index (arithmetic shift floors negatives). */
static int64_t coarser(int64_t a, int32_t d)
{
    if (d >= 63)
        return a < 0 ? -1 : 0;
    return a >= 0 ? a >> d : -((-a - 1) >> d) - 1;
}

/* Moves the counts to the layout (exp, first, n); exp >= h->exp and every count must fit. */
static void relayout(struct qv_hist *h, int32_t exp, int64_t first, int32_t n)
{
    if (exp == h->exp && first == h->first && n == h->n)
        return;
    int64_t tmp[QV_HIST_BINS];
    memset(tmp, 0, sizeof(tmp));
    for (int32_t i = 0; i < h->n; i++) {
        if (!h->counts[i])
            continue;
        int64_t a = coarser(h->first + i, exp - h->exp) - first;
        tmp[a] += h->counts[i];
    }
    memcpy(h->counts, tmp, sizeof(tmp));
    h->exp = exp;
    h->first = first;
    h->n = n;
}

static void layout_for(struct qv_hist *h, float lo, float hi)
{
    int32_t e = qv_hist_exp_for(lo, hi);
    if (e < h->exp)   /* never finer than what is already counted */
        e = h->exp;
    int64_t first = qv_hist_bin(lo, e);
    relayout(h, e, first, (int32_t)(qv_hist_bin(hi, e) - first + 1));
}

void qv_hist_add(struct qv_hist *h, float lo, float hi, const float *x, int64_t n)
{
    layout_for(h, lo, hi);
    const double inv = ldexp(1.0, -h->exp), first = (double)h->first;
    int64_t *counts = h->counts;
    /* x * inv is exact (a power of two times a float); so is its difference with the integer
     * `first`, which lies in [0, QV_HIST_BINS) for x in [lo, hi]: truncation is the floor */
    for (int64_t k = 0; k < n; k++)
        counts[(int64_t)((double)x[k] * inv - first)]++;
}

void qv_hist_merge(struct qv_hist *dst, const struct qv_hist *src, float lo, float hi)
{
    if (src->n == 0)
        return;
    if (src->exp > dst->exp)
        relayout(dst, src->exp, coarser(dst->first, src->exp - dst->exp),
                 dst->n ? (int32_t)(coarser(dst->first + dst->n - 1, src->exp - dst->exp) -
                                    coarser(dst->first, src->exp - dst->exp) + 1) : 0);
    layout_for(dst, lo, hi);
    for (int32_t i = 0; i < src->n; i++) {
        if (!src->counts[i])
            continue;
        int64_t a = coarser(src->first + i, dst->exp - src->exp) - dst->first;
        dst->counts[a] += src->counts[i];
    }
}
