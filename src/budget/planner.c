/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Arena offset planners (see planner.h): TFLM's greedy plan, reproduced from the behaviour of
 * tflite-micro's GreedyMemoryPlanner (memory_planner/greedy_memory_planner.cc), and a search
 * for a smaller peak. docs/budget.md explains both.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "budget/planner.h"

static bool alive_together(const struct qv_plan_buf *a, const struct qv_plan_buf *b)
{
    return !(a->first > b->last || b->first > a->last);
}

/* Placed buffers as a list sorted by offset (equal offsets: earlier placed first). */
struct placed {
    int32_t *next;   /* [n] next buffer in offset order, -1 at the end */
    int32_t head;    /* first buffer in offset order, -1 when empty */
};

static void placed_insert(struct placed *p, const int64_t *off, int32_t buf)
{
    if (p->head < 0 || off[p->head] > off[buf]) {
        p->next[buf] = p->head;
        p->head = buf;
        return;
    }
    int32_t cur = p->head;
    while (p->next[cur] >= 0 && off[p->next[cur]] <= off[buf])
        cur = p->next[cur];
    p->next[buf] = p->next[cur];
    p->next[cur] = buf;
}

/* First fit (TFLM's rule): the lowest offset below the first alive buffer it fits before. */
static int64_t first_fit(const struct qv_plan_buf *b, const struct placed *p, const int64_t *off,
                         int32_t w)
{
    int64_t cand = 0;
    for (int32_t e = p->head; e >= 0; e = p->next[e]) {
        if (!alive_together(&b[e], &b[w]))
            continue;
        if (off[e] - cand >= b[w].size)
            break;
        if (off[e] + b[e].size > cand)
            cand = off[e] + b[e].size;
    }
    return cand;
}

/* Best fit: the smallest gap between alive buffers that holds it, else the end. */
static int64_t best_fit(const struct qv_plan_buf *b, const struct placed *p, const int64_t *off,
                        int32_t w)
{
    int64_t cand = 0, best = -1, best_gap = 0;
    for (int32_t e = p->head; e >= 0; e = p->next[e]) {
        if (!alive_together(&b[e], &b[w]))
            continue;
        int64_t gap = off[e] - cand;
        if (gap >= b[w].size && (best < 0 || gap < best_gap)) {
            best = cand;
            best_gap = gap;
        }
        if (off[e] + b[e].size > cand)
            cand = off[e] + b[e].size;
    }
    return best >= 0 ? best : cand;
}

/* Places buffers in `order`; returns the peak. next/off are caller scratch of n entries. */
static int64_t place_all(const struct qv_plan_buf *b, int32_t n, const int32_t *order, bool best,
                         int32_t *next, int64_t *off)
{
    struct placed p = { next, -1 };
    int64_t peak = 0;
    for (int32_t i = 0; i < n; i++) {
        int32_t w = order[i];
        off[w] = i == 0 ? 0 : best ? best_fit(b, &p, off, w) : first_fit(b, &p, off, w);
        placed_insert(&p, off, w);
        if (off[w] + b[w].size > peak)
            peak = off[w] + b[w].size;
    }
    return peak;
}

/* Sort keys for the candidate orders. */
enum order_kind { BY_TFLM, BY_SIZE_LEN, BY_AREA, BY_LEN_SIZE, BY_START, ORDER_KINDS };

struct sort_ctx {
    const struct qv_plan_buf *b;
    enum order_kind kind;
};

static int64_t len_of(const struct qv_plan_buf *x)
{
    return (int64_t)x->last - x->first + 1;
}

/* qsort has no context argument in C11: a small insertion-merge sort with one. */
static bool before(const struct sort_ctx *c, int32_t i, int32_t j)
{
    const struct qv_plan_buf *a = &c->b[i], *b = &c->b[j];
    int64_t ka = 0, kb = 0, ta = 0, tb = 0;
    switch (c->kind) {
    case BY_TFLM: ka = a->size; kb = b->size; ta = i; tb = j; break;
    case BY_SIZE_LEN: ka = a->size; kb = b->size; ta = len_of(a); tb = len_of(b); break;
    case BY_AREA: ka = a->size * len_of(a); kb = b->size * len_of(b); ta = a->size; tb = b->size;
        break;
    case BY_LEN_SIZE: ka = len_of(a); kb = len_of(b); ta = a->size; tb = b->size; break;
    case BY_START: ka = -(int64_t)a->first; kb = -(int64_t)b->first; ta = a->size; tb = b->size;
        break;
    default: break;
    }
    if (ka != kb)
        return ka > kb;
    if (ta != tb)
        return ta > tb;
    return c->kind == BY_TFLM ? false : i < j;
}

static void merge_sort(const struct sort_ctx *c, int32_t *v, int32_t *tmp, int32_t n)
{
    if (n < 2)
        return;
    int32_t h = n / 2;
    merge_sort(c, v, tmp, h);
    merge_sort(c, v + h, tmp, n - h);
    int32_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = before(c, v[j], v[i]) ? v[j++] : v[i++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, (size_t)n * sizeof(*v));
}

/* TFLM's order: its bubble sort of the reversed list is stable, so among equal sizes the buffer
 * added later comes first. */
static void make_order(const struct qv_plan_buf *b, int32_t n, enum order_kind kind, int32_t *v,
                       int32_t *tmp)
{
    struct sort_ctx c = { b, kind };
    if (kind == BY_TFLM) {
        for (int32_t i = 0; i < n; i++)
            v[i] = n - 1 - i;
    } else {
        for (int32_t i = 0; i < n; i++)
            v[i] = i;
    }
    merge_sort(&c, v, tmp, n);
}

enum qv_status qv_plan_tflm_greedy(const struct qv_plan_buf *b, int32_t n, int64_t *offsets,
                                   int64_t *ret_peak, struct qv_error *err)
{
    int32_t *order = malloc(((size_t)n + 1) * sizeof(int32_t));
    int32_t *tmp = malloc(((size_t)n + 1) * sizeof(int32_t));
    int32_t *next = malloc(((size_t)n + 1) * sizeof(int32_t));
    if (!order || !tmp || !next) {
        free(order);
        free(tmp);
        free(next);
        return qv_fail(err, QV_E_NOMEM, "out of memory planning %d buffers", n);
    }
    make_order(b, n, BY_TFLM, order, tmp);
    *ret_peak = place_all(b, n, order, false, next, offsets);
    free(order);
    free(tmp);
    free(next);
    return QV_OK;
}

int64_t qv_plan_lower_bound(const struct qv_plan_buf *b, int32_t n)
{
    int64_t best = 0;
    for (int32_t i = 0; i < n; i++) {
        /* the live sum is largest at some buffer's first step */
        int64_t sum = 0;
        for (int32_t j = 0; j < n; j++)
            if (b[j].first <= b[i].first && b[i].first <= b[j].last)
                sum += b[j].size;
        if (sum > best)
            best = sum;
    }
    return best;
}

bool qv_plan_valid(const struct qv_plan_buf *b, int32_t n, const int64_t *offsets)
{
    for (int32_t i = 0; i < n; i++) {
        if (offsets[i] < 0)
            return false;
        for (int32_t j = i + 1; j < n; j++)
            if (alive_together(&b[i], &b[j]) && offsets[i] < offsets[j] + b[j].size &&
                offsets[j] < offsets[i] + b[i].size && b[i].size > 0 && b[j].size > 0)
                return false;
    }
    return true;
}

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

enum qv_status qv_plan_search(const struct qv_plan_buf *b, int32_t n, int32_t effort,
                              int64_t *offsets, int64_t *ret_peak, struct qv_error *err)
{
    size_t cnt = (size_t)n + 1;
    int32_t *order = malloc(cnt * sizeof(int32_t)), *best_order = malloc(cnt * sizeof(int32_t));
    int32_t *tmp = malloc(cnt * sizeof(int32_t)), *next = malloc(cnt * sizeof(int32_t));
    int64_t *off = malloc(cnt * sizeof(int64_t));
    if (!order || !best_order || !tmp || !next || !off) {
        free(order);
        free(best_order);
        free(tmp);
        free(next);
        free(off);
        return qv_fail(err, QV_E_NOMEM, "out of memory planning %d buffers", n);
    }
    int64_t bound = qv_plan_lower_bound(b, n), best = -1;
    bool best_fit_wins = false;
    for (int k = 0; k < ORDER_KINDS && best != bound; k++) {
        make_order(b, n, (enum order_kind)k, order, tmp);
        for (int fit = 0; fit < 2; fit++) {
            if (k == BY_TFLM && fit == 1)
                continue;   /* keep the TFLM plan itself as the first candidate */
            int64_t peak = place_all(b, n, order, fit == 1, next, off);
            if (best < 0 || peak < best) {
                best = peak;
                best_fit_wins = fit == 1;
                memcpy(best_order, order, (size_t)n * sizeof(int32_t));
                memcpy(offsets, off, (size_t)n * sizeof(int64_t));
            }
        }
        if (k == BY_TFLM) {
            int64_t peak = place_all(b, n, order, true, next, off);
            if (peak < best) {
                best = peak;
                best_fit_wins = true;
                memcpy(best_order, order, (size_t)n * sizeof(int32_t));
                memcpy(offsets, off, (size_t)n * sizeof(int64_t));
            }
        }
    }
    /* perturb the best order: move one buffer earlier; keep changes that do not hurt */
    uint64_t seed = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
    memcpy(order, best_order, (size_t)n * sizeof(int32_t));
    for (int32_t t = 0; t < effort && n > 2 && best > bound; t++) {
        int32_t i = (int32_t)(xorshift(&seed) % (uint64_t)n);
        int32_t j = (int32_t)(xorshift(&seed) % (uint64_t)n);
        if (i == j)
            continue;
        if (i > j) {
            int32_t s = i;
            i = j;
            j = s;
        }
        memcpy(tmp, order, (size_t)n * sizeof(int32_t));
        int32_t moved = order[j];
        memmove(order + i + 1, order + i, (size_t)(j - i) * sizeof(int32_t));
        order[i] = moved;
        int64_t peak = place_all(b, n, order, best_fit_wins, next, off);
        if (peak <= best) {
            if (peak < best)
                memcpy(offsets, off, (size_t)n * sizeof(int64_t));
            best = peak;
        } else {
            memcpy(order, tmp, (size_t)n * sizeof(int32_t));
        }
    }
    *ret_peak = n > 0 ? best : 0;
    free(order);
    free(best_order);
    free(tmp);
    free(next);
    free(off);
    return QV_OK;
}
