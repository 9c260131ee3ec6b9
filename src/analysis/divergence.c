/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Divergence of a tested tensor from its float reference (struct qv_div) and the use of an
 * integer tensor's codes (struct qv_levels). docs/metrics.md §2-3 defines every figure.
 */
#include <math.h>
#include <string.h>

#include "qvet/metrics.h"

void qv_div_init(struct qv_div *d)
{
    memset(d, 0, sizeof(*d));
    qv_xacc_init(&d->ref2);
    qv_xacc_init(&d->test2);
    qv_xacc_init(&d->cross);
    qv_xacc_init(&d->err2);
    qv_xacc_init(&d->abserr);
}

/*
 * Sums of one sample. Element i goes to lane i % LANES; each lane sums its elements in element
 * order and the lanes are combined in a fixed tree at the end: an order that depends only on the
 * sample's element count, never on batching (and four independent chains run faster than one).
 */
#define LANES 4

struct row_sums {
    double ref2[LANES], test2[LANES], cross[LANES], err2[LANES], abserr[LANES];
    double max_abs;
    int64_t n, nonfinite;
};

static inline void term(struct row_sums *r, int lane, double f, double q)
{
    if (!isfinite(f) || !isfinite(q)) {
        r->nonfinite++;
        return;
    }
    double e = q - f;
    double a = fabs(e);
    r->ref2[lane] += f * f;
    r->test2[lane] += q * q;
    r->cross[lane] += f * q;
    r->err2[lane] += e * e;
    r->abserr[lane] += a;
    r->max_abs = a > r->max_abs ? a : r->max_abs;
    r->n++;
}

static double combine(const double *l)
{
    return (l[0] + l[1]) + (l[2] + l[3]);
}

static void add_row(struct qv_div *d, const struct row_sums *r)
{
    qv_xacc_add(&d->ref2, combine(r->ref2));
    qv_xacc_add(&d->test2, combine(r->test2));
    qv_xacc_add(&d->cross, combine(r->cross));
    qv_xacc_add(&d->err2, combine(r->err2));
    qv_xacc_add(&d->abserr, combine(r->abserr));
    if (r->max_abs > d->max_abs)
        d->max_abs = r->max_abs;
    d->n += r->n;
    d->nonfinite += r->nonfinite;
    d->samples++;
}

void qv_div_add_rows(struct qv_div *d, const float *ref, const float *test, int64_t n_rows,
                     int64_t row_elems)
{
    for (int64_t r = 0; r < n_rows; r++) {
        struct row_sums s = { 0 };
        const float *f = ref + r * row_elems, *q = test + r * row_elems;
        for (int64_t i = 0; i < row_elems; i++)
            term(&s, (int)(i % LANES), f[i], q[i]);
        add_row(d, &s);
    }
}

/* Elements per channel step of a per-axis quantization in one sample of row_shape. */
static int64_t axis_inner(const struct qv_quant *q, const struct qv_shape *row_shape)
{
    int64_t inner = 1;
    for (int32_t k = q->axis + 1; k < row_shape->rank; k++)
        inner *= row_shape->dims[k];
    return inner > 0 ? inner : 1;
}

/* One int8 row with per-tensor parameters: codes through a table of their real values. */
static void add_rows_s8(struct qv_div *d, const float *ref, const int8_t *codes,
                        const double lut[256], int64_t n_rows, int64_t row_elems)
{
    for (int64_t r = 0; r < n_rows; r++) {
        struct row_sums s = { 0 };
        const float *f = ref + r * row_elems;
        const int8_t *c = codes + r * row_elems;
        int64_t i = 0;
        for (; i + LANES <= row_elems; i += LANES)
            for (int l = 0; l < LANES; l++)
                term(&s, l, f[i + l], lut[c[i + l] + 128]);
        for (; i < row_elems; i++)
            term(&s, (int)(i % LANES), f[i], lut[c[i] + 128]);
        add_row(d, &s);
    }
}

void qv_div_add_rows_stored(struct qv_div *d, const float *ref, const void *test,
                            enum qv_dtype dtype, const struct qv_quant *q,
                            const struct qv_shape *row_shape, int64_t n_rows, int64_t row_elems)
{
    const struct qv_dtype_traits *tr = qv_dtype_get(dtype);
    bool quant = q && q->count > 0;
    if (dtype == QV_DTYPE_F32 && !quant) {
        qv_div_add_rows(d, ref, test, n_rows, row_elems);
        return;
    }
    if (dtype == QV_DTYPE_I8 && (!quant || q->count == 1)) {
        double lut[256];
        double scale = quant ? q->scale[0] : 1.0, zp = quant ? q->zero_point[0] : 0.0;
        for (int c = -128; c < 128; c++)
            lut[c + 128] = quant ? scale * ((double)c - zp) : (double)c;
        add_rows_s8(d, ref, test, lut, n_rows, row_elems);
        return;
    }
    int64_t inner = quant && q->count > 1 && row_shape ? axis_inner(q, row_shape) : 1;
    for (int64_t r = 0; r < n_rows; r++) {
        struct row_sums s = { 0 };
        const float *f = ref + r * row_elems;
        int64_t base = r * row_elems;
        for (int64_t i = 0; i < row_elems; i++) {
            double v = tr->load(test, base + i);
            if (quant) {
                int32_t ch = q->count > 1 ? (int32_t)((i / inner) % q->count) : 0;
                v = (double)q->scale[ch] * (v - (double)q->zero_point[ch]);
            }
            term(&s, (int)(i % LANES), f[i], v);
        }
        add_row(d, &s);
    }
}

void qv_div_merge(struct qv_div *d, const struct qv_div *src)
{
    qv_xacc_merge(&d->ref2, &src->ref2);
    qv_xacc_merge(&d->test2, &src->test2);
    qv_xacc_merge(&d->cross, &src->cross);
    qv_xacc_merge(&d->err2, &src->err2);
    qv_xacc_merge(&d->abserr, &src->abserr);
    if (src->max_abs > d->max_abs)
        d->max_abs = src->max_abs;
    d->n += src->n;
    d->nonfinite += src->nonfinite;
    d->samples += src->samples;
}

void qv_div_figures(const struct qv_div *d, struct qv_div_figures *ret)
{
    struct qv_div_figures r = { .n = d->n, .nonfinite = d->nonfinite, .sqnr_db = NAN,
                                .cosine = NAN, .rmse = NAN, .mae = NAN, .max_abs = NAN,
                                .rel_l2 = NAN };
    if (d->n > 0) {
        double f2 = qv_xacc_value(&d->ref2), q2 = qv_xacc_value(&d->test2);
        double fq = qv_xacc_value(&d->cross), e2 = qv_xacc_value(&d->err2);
        double ae = qv_xacc_value(&d->abserr), n = (double)d->n;
        bool e_zero = qv_xacc_is_zero(&d->err2), f_zero = qv_xacc_is_zero(&d->ref2);
        bool q_zero = qv_xacc_is_zero(&d->test2);
        if (e_zero)
            r.sqnr_db = INFINITY;
        else if (f_zero)
            r.sqnr_db = -INFINITY;
        else
            r.sqnr_db = 10.0 * log10(f2 / e2);
        if (f_zero && q_zero)
            r.cosine = 1.0;
        else if (f_zero || q_zero)
            r.cosine = 0.0;
        else
            r.cosine = fmax(-1.0, fmin(1.0, fq / (sqrt(f2) * sqrt(q2))));
        r.rmse = sqrt(e2 / n);
        r.mae = ae / n;
        r.max_abs = d->max_abs;
        r.rel_l2 = e_zero ? 0.0 : (f_zero ? INFINITY : sqrt(e2 / f2));
    }
    *ret = r;
}

/* ---- levels ---------------------------------------------------------------------------------- */

void qv_levels_init(struct qv_levels *l)
{
    memset(l, 0, sizeof(*l));
}

void qv_levels_add(struct qv_levels *l, const void *data, enum qv_dtype dtype, int64_t n)
{
    const struct qv_dtype_traits *tr = qv_dtype_get(dtype);
    if (!tr || tr->is_float || dtype == QV_DTYPE_BOOL)
        return;
    bool eight = tr->max - tr->min == 255;
    if (dtype == QV_DTYPE_I8) {
        const int8_t *c = data;
        int64_t count[256] = { 0 };
        for (int64_t i = 0; i < n; i++)
            count[c[i] + 128]++;
        for (int k = 0; k < 256; k++)
            if (count[k])
                l->seen[k >> 6] |= (uint64_t)1 << (k & 63);
        l->at_min += count[0];
        l->at_max += count[255];
    } else {
        for (int64_t i = 0; i < n; i++) {
            double v = tr->load(data, i);
            if (eight) {
                int32_t k = (int32_t)(v - (double)tr->min);
                l->seen[k >> 6] |= (uint64_t)1 << (k & 63);
            }
            l->at_min += v == (double)tr->min;
            l->at_max += v == (double)tr->max;
        }
    }
    l->n += n;
}

void qv_levels_merge(struct qv_levels *l, const struct qv_levels *src)
{
    l->n += src->n;
    l->at_min += src->at_min;
    l->at_max += src->at_max;
    for (int k = 0; k < 4; k++)
        l->seen[k] |= src->seen[k];
}

int32_t qv_levels_used(const struct qv_levels *l)
{
    int32_t c = 0;
    for (int k = 0; k < 4; k++)
        for (uint64_t v = l->seen[k]; v; v &= v - 1)
            c++;
    return c;
}
