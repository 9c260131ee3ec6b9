/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AUC without keeping the scores (docs/metrics.md §4): positive and negative counts per bin of an
 * order-preserving 64-bit key of the score. Level 0 has one bin per distinct double (exact AUC);
 * when more than max_bins bins would be needed the key loses its lowest bit (level + 1) until they
 * fit. The level only rises when the distinct keys at the current level exceed max_bins, and the
 * number of distinct keys of a set at a level is at least that of any subset, so the final level
 * is the smallest level at which the whole multiset fits: the same for every order and split.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/metrics_int.h"

uint64_t qv_score_key(double score)
{
    uint64_t bits;
    if (score == 0)
        score = 0.0;   /* -0 and +0 are one score */
    memcpy(&bits, &score, sizeof(bits));
    return (bits >> 63) ? ~bits : bits | ((uint64_t)1 << 63);
}

static size_t slot_of(uint64_t key, int32_t cap)
{
    uint64_t h = key * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 20) & (size_t)(cap - 1);
}

enum qv_status qv_score_hist_init(struct qv_score_hist *h, int32_t max_bins, struct qv_error *err)
{
    memset(h, 0, sizeof(*h));
    if (max_bins < 2 || max_bins > (1 << 24))
        return qv_fail(err, QV_E_USAGE, "AUC histogram: max_bins %d is outside 2..16777216",
                       max_bins);
    h->max_bins = max_bins;
    return QV_OK;
}

void qv_score_hist_release(struct qv_score_hist *h)
{
    free(h->key);
    free(h->pos);
    free(h->neg);
    h->key = NULL;
    h->pos = h->neg = NULL;
    h->cap = h->n_bins = 0;
}

/* Adds counts to the bin of key (already at h->level); the table has room. */
static void put(struct qv_score_hist *h, uint64_t key, int64_t pos, int64_t neg)
{
    size_t i = slot_of(key, h->cap);
    while (h->pos[i] + h->neg[i] != 0 && h->key[i] != key)
        i = (i + 1) & (size_t)(h->cap - 1);
    if (h->pos[i] + h->neg[i] == 0) {
        h->key[i] = key;
        h->n_bins++;
    }
    h->pos[i] += pos;
    h->neg[i] += neg;
}

/* Rebuilds the table with capacity cap, keys shifted right by `shift`. */
static enum qv_status rebuild(struct qv_score_hist *h, int32_t cap, int32_t shift,
                              struct qv_error *err)
{
    struct qv_score_hist old = *h;
    h->key = calloc((size_t)cap, sizeof(*h->key));
    h->pos = calloc((size_t)cap, sizeof(*h->pos));
    h->neg = calloc((size_t)cap, sizeof(*h->neg));
    if (!h->key || !h->pos || !h->neg) {
        free(h->key);
        free(h->pos);
        free(h->neg);
        *h = old;
        return qv_fail(err, QV_E_NOMEM, "out of memory for the AUC histogram");
    }
    h->cap = cap;
    h->n_bins = 0;
    h->level = old.level + shift;
    for (int32_t i = 0; i < old.cap; i++)
        if (old.pos[i] + old.neg[i] != 0)
            put(h, shift >= 64 ? 0 : old.key[i] >> shift, old.pos[i], old.neg[i]);
    qv_score_hist_release(&old);
    return QV_OK;
}

/* Room for one more bin: a load factor of at most 1/2. */
static enum qv_status reserve(struct qv_score_hist *h, struct qv_error *err)
{
    if ((int64_t)(h->n_bins + 1) * 2 <= h->cap)
        return QV_OK;
    int32_t cap = h->cap ? h->cap * 2 : 16;
    return rebuild(h, cap, 0, err);
}

/* Raises the level until the bins fit in max_bins. */
static enum qv_status coarsen(struct qv_score_hist *h, struct qv_error *err)
{
    while (h->n_bins > h->max_bins && h->level < 64) {
        enum qv_status st = rebuild(h, h->cap, 1, err);
        if (st != QV_OK)
            return st;
    }
    return QV_OK;
}

enum qv_status qv_score_hist_add(struct qv_score_hist *h, double score, bool positive,
                                 struct qv_error *err)
{
    enum qv_status st = reserve(h, err);
    if (st != QV_OK)
        return st;
    uint64_t key = h->level >= 64 ? 0 : qv_score_key(score) >> h->level;
    put(h, key, positive, !positive);
    if (positive)
        h->n_pos++;
    else
        h->n_neg++;
    return coarsen(h, err);
}

enum qv_status qv_score_hist_merge(struct qv_score_hist *h, const struct qv_score_hist *src,
                                   struct qv_error *err)
{
    enum qv_status st;
    if (h->max_bins != src->max_bins)
        return qv_fail(err, QV_E_INPUT, "AUC histograms with %d and %d bins cannot be merged",
                       h->max_bins, src->max_bins);
    if (src->level > h->level && (st = rebuild(h, h->cap ? h->cap : 16,
                                               src->level - h->level, err)) != QV_OK)
        return st;
    int32_t shift = h->level - src->level;
    for (int32_t i = 0; i < src->cap; i++) {
        if (src->pos[i] + src->neg[i] == 0)
            continue;
        if ((st = reserve(h, err)) != QV_OK)
            return st;
        put(h, shift >= 64 ? 0 : src->key[i] >> shift, src->pos[i], src->neg[i]);
    }
    h->n_pos += src->n_pos;
    h->n_neg += src->n_neg;
    return coarsen(h, err);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

enum qv_status qv_score_hist_sorted(const struct qv_score_hist *h, struct qv_bin **ret,
                                    struct qv_error *err)
{
    struct qv_bin *b = malloc(((size_t)h->n_bins + 1) * sizeof(*b));
    if (!b)
        return qv_fail(err, QV_E_NOMEM, "out of memory sorting the AUC histogram");
    int32_t n = 0;
    for (int32_t i = 0; i < h->cap; i++)
        if (h->pos[i] + h->neg[i] != 0)
            b[n++] = (struct qv_bin){ h->key[i], h->pos[i], h->neg[i] };
    qsort(b, (size_t)n, sizeof(*b), cmp_u64);   /* key is the first member */
    *ret = b;
    return QV_OK;
}

enum qv_status qv_score_hist_put_bin(struct qv_score_hist *h, uint64_t key, int64_t pos,
                                     int64_t neg, struct qv_error *err)
{
    enum qv_status st = reserve(h, err);
    if (st != QV_OK)
        return st;
    put(h, key, pos, neg);
    h->n_pos += pos;
    h->n_neg += neg;
    return QV_OK;
}

/* 128-bit unsigned arithmetic for the Mann-Whitney count (up to (2^63)^2). */
struct u128 {
    uint64_t hi, lo;
};

static struct u128 mul64(uint64_t a, uint64_t b)
{
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    return (struct u128){ p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32),
                          (mid << 32) | (p00 & 0xffffffffu) };
}

static void add128(struct u128 *a, struct u128 b)
{
    uint64_t lo = a->lo + b.lo;
    a->hi += b.hi + (lo < a->lo);
    a->lo = lo;
}

static double to_double(struct u128 a)
{
    return (double)a.hi * 18446744073709551616.0 + (double)a.lo;
}

void qv_score_hist_auc(const struct qv_score_hist *h, double *ret_auc, double *ret_bound)
{
    *ret_auc = NAN;
    *ret_bound = NAN;
    if (h->n_pos == 0 || h->n_neg == 0)
        return;
    struct qv_bin *b;
    if (qv_score_hist_sorted(h, &b, NULL) != QV_OK)
        return;
    /* twice the Mann-Whitney U: 2 * #(neg < pos) + #(neg == pos) */
    struct u128 u2 = { 0, 0 }, ties = { 0, 0 };
    uint64_t neg_below = 0;
    for (int32_t i = 0; i < h->n_bins; i++) {
        add128(&u2, mul64(2 * neg_below, (uint64_t)b[i].pos));
        struct u128 t = mul64((uint64_t)b[i].pos, (uint64_t)b[i].neg);
        add128(&u2, t);
        add128(&ties, t);
        neg_below += (uint64_t)b[i].neg;
    }
    free(b);
    double pn = to_double(mul64((uint64_t)h->n_pos, (uint64_t)h->n_neg));
    *ret_auc = to_double(u2) / (2.0 * pn);
    *ret_bound = h->level == 0 ? 0.0 : to_double(ties) / (2.0 * pn);
}
