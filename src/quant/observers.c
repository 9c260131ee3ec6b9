/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Range observers: the quantization range of a tensor from its statistics (quant.h), and the
 * diagnostics of a chosen range. Every method reads the histogram or the per-sample extremes,
 * so it gives the same range however the statistics were gathered or merged.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/quant_int.h"

static const char *const method_names[QV_RANGE_METHOD_COUNT] = {
    [QV_RANGE_MINMAX] = "minmax",
    [QV_RANGE_EMA] = "ema",
    [QV_RANGE_PERCENTILE] = "percentile",
    [QV_RANGE_KL] = "kl",
    [QV_RANGE_MSE] = "mse",
};

const char *qv_range_method_name(enum qv_range_method m)
{
    return (unsigned)m < QV_RANGE_METHOD_COUNT ? method_names[m] : "?";
}

bool qv_range_method_from_name(const char *name, enum qv_range_method *ret_method)
{
    for (int i = 0; i < QV_RANGE_METHOD_COUNT; i++)
        if (strcmp(name, method_names[i]) == 0) {
            *ret_method = (enum qv_range_method)i;
            return true;
        }
    return false;
}

/* ---- EMA over fixed-size chunks of samples -------------------------------------------------- */

static void ema_range(const struct qv_tensor_stats *s, const struct qv_range_opts *o,
                      float *ret_lo, float *ret_hi)
{
    const int64_t chunk = o->ema_chunk > 0 ? o->ema_chunk : 1;
    double lo = 0, hi = 0;
    for (int64_t start = 0; start < s->n_samples; start += chunk) {
        int64_t end = start + chunk < s->n_samples ? start + chunk : s->n_samples;
        float cmin = s->sample_min[start], cmax = s->sample_max[start];
        for (int64_t k = start + 1; k < end; k++) {
            cmin = fminf(cmin, s->sample_min[k]);
            cmax = fmaxf(cmax, s->sample_max[k]);
        }
        if (start == 0) {
            lo = cmin;
            hi = cmax;
        } else {
            lo = o->ema_decay * lo + (1.0 - o->ema_decay) * cmin;
            hi = o->ema_decay * hi + (1.0 - o->ema_decay) * cmax;
        }
    }
    *ret_lo = (float)lo;
    *ret_hi = (float)hi;
}

/* ---- percentiles ----------------------------------------------------------------------------- */

/* The value below which a fraction q of the values lie (linear within a bin). */
static double quantile(const struct qv_tensor_stats *s, double q)
{
    const struct qv_hist *h = &s->hist;
    double target = q * (double)s->count, cum = 0;
    for (int32_t i = 0; i < h->n; i++) {
        double ci = (double)h->counts[i];
        if (ci > 0 && cum + ci >= target) {
            double frac = (target - cum) / ci;
            double v = qv_hist_edge(h, i) + frac * qv_hist_width(h);
            return fmin(fmax(v, s->min), s->max);
        }
        cum += ci;
    }
    return s->max;
}

static void percentile_range(const struct qv_tensor_stats *s, const struct qv_range_opts *o,
                             float *ret_lo, float *ret_hi)
{
    double p = o->percentile / 100.0;
    *ret_lo = (float)quantile(s, 1.0 - p);
    *ret_hi = (float)quantile(s, p);
}

/* ---- entropy calibration (TensorRT's KL divergence method) ----------------------------------- */

/* KL(p || q) of two histograms of n bins after MXNet-style smoothing of empty bins. */
static double kl_divergence(const double *p, const double *q, int32_t n)
{
    const double eps = 1e-4;
    double psum = 0, qsum = 0;
    int32_t pz = 0, qz = 0;
    for (int32_t i = 0; i < n; i++) {
        psum += p[i];
        qsum += q[i];
        pz += p[i] == 0;
        qz += q[i] == 0;
    }
    if (psum <= 0 || qsum <= 0 || qz == n)
        return INFINITY;
    double peps = pz < n ? eps * pz / (n - pz) : 0, qeps = qz < n ? eps * qz / (n - qz) : 0;
    double kl = 0;
    for (int32_t i = 0; i < n; i++) {
        double pi = p[i] / psum, qi = q[i] / qsum;
        pi = pi == 0 ? eps : pi - peps;
        qi = qi == 0 ? eps : qi - qeps;
        if (pi > 0 && qi > 0)
            kl += pi * log(pi / qi);
    }
    return kl;
}

static void kl_range(const struct qv_tensor_stats *s, const struct qv_range_opts *o,
                     float *ret_lo, float *ret_hi)
{
    const struct qv_hist *h = &s->hist;
    const int32_t max_bins = o->kl_bins > 0 && o->kl_bins <= 2048 ? o->kl_bins : 2048;
    *ret_lo = s->min;
    *ret_hi = s->max;
    /* fold onto |x|: absolute bin a -> a (a >= 0) or -a - 1 (a < 0), then halve until it fits */
    int64_t amax_bin = 0;
    for (int32_t i = 0; i < h->n; i++) {
        int64_t a = h->first + i;
        int64_t b = a >= 0 ? a : -a - 1;
        if (h->counts[i] && b > amax_bin)
            amax_bin = b;
    }
    int32_t shift = 0;
    while ((amax_bin >> shift) + 1 > max_bins)
        shift++;
    int32_t nb = (int32_t)((amax_bin >> shift) + 1);
    const bool one_sided = s->min >= 0 || s->max <= 0;
    const int32_t nq = one_sided ? 256 : 128;
    if (nb <= nq)
        return;
    double *hist = calloc((size_t)nb, sizeof(double));
    double *p = calloc((size_t)nb, sizeof(double));
    double *q = calloc((size_t)nb, sizeof(double));
    if (!hist || !p || !q)
        goto done;   /* out of memory: keep min/max */
    for (int32_t i = 0; i < h->n; i++) {
        int64_t a = h->first + i;
        int64_t b = (a >= 0 ? a : -a - 1) >> shift;
        hist[b] += (double)h->counts[i];
    }
    double best = INFINITY;
    int32_t best_i = nb;
    double tail = 0;
    for (int32_t i = nb; i >= nq; i--) {
        /* reference: the first i bins, everything beyond folded into the last */
        if (i < nb)
            tail += hist[i];
        memcpy(p, hist, (size_t)i * sizeof(double));
        p[i - 1] += tail;
        /* candidate: the first i bins merged into nq levels, spread back over non-empty bins */
        const int32_t merged = i / nq;
        for (int32_t j = 0; j < nq; j++) {
            int32_t start = j * merged, stop = j == nq - 1 ? i : start + merged;
            double sum = 0;
            int32_t nonzero = 0;
            for (int32_t k = start; k < stop; k++) {
                sum += hist[k];
                nonzero += hist[k] != 0;
            }
            for (int32_t k = start; k < stop; k++)
                q[k] = hist[k] != 0 ? sum / nonzero : 0;
        }
        double kl = kl_divergence(p, q, i);
        if (kl < best) {
            best = kl;
            best_i = i;
        }
    }
    double threshold = ldexp((double)best_i, h->exp + shift);
    *ret_lo = (float)fmax(s->min, -threshold);
    *ret_hi = (float)fmin(s->max, threshold);
done:
    free(hist);
    free(p);
    free(q);
}

/* ---- minimum quantization MSE ---------------------------------------------------------------- */

/* Quantization MSE of the histogram (bin centres) with the parameters of [lo, hi]. */
static double range_mse(const struct qv_tensor_stats *s, double lo, double hi)
{
    const struct qv_hist *h = &s->hist;
    float scale;
    int32_t zp;
    qv_quant_act_params(lo, hi, &scale, &zp);
    const double sd = scale, w = qv_hist_width(h);
    double err = 0;
    for (int32_t i = 0; i < h->n; i++) {
        if (!h->counts[i])
            continue;
        double x = qv_hist_edge(h, i) + 0.5 * w;
        double qv = round(x / sd) + zp;
        qv = qv < -128 ? -128 : (qv > 127 ? 127 : qv);
        double d = x - sd * (qv - zp);
        err += (double)h->counts[i] * d * d;
    }
    return err;
}

static void mse_range(const struct qv_tensor_stats *s, float *ret_lo, float *ret_hi)
{
    const double lo0 = fmin(s->min, 0.0), hi0 = fmax(s->max, 0.0);
    double best = range_mse(s, lo0, hi0), blo = lo0, bhi = hi0;
    /* both ends scaled together, then each end alone around the best */
    for (int32_t k = 1; k < 200; k++) {
        double a = 1.0 - k / 200.0;
        double e = range_mse(s, a * lo0, a * hi0);
        if (e < best) {
            best = e;
            blo = a * lo0;
            bhi = a * hi0;
        }
    }
    for (int32_t round_ = 0; round_ < 2; round_++) {
        double clo = blo, chi = bhi;
        for (int32_t k = 0; k <= 100; k++) {
            double f = 0.5 + k / 100.0;
            double nlo = fmax(clo * f, lo0);
            double e = range_mse(s, nlo, bhi);
            if (e < best) {
                best = e;
                blo = nlo;
            }
        }
        for (int32_t k = 0; k <= 100; k++) {
            double f = 0.5 + k / 100.0;
            double nhi = fmin(chi * f, hi0);
            double e = range_mse(s, blo, nhi);
            if (e < best) {
                best = e;
                bhi = nhi;
            }
        }
    }
    *ret_lo = (float)blo;
    *ret_hi = (float)bhi;
}

/* ---- dispatch -------------------------------------------------------------------------------- */

enum qv_status qv_calib_range(const struct qv_calib *c, int32_t tensor, enum qv_range_method m,
                              const struct qv_range_opts *ropts, float *ret_lo, float *ret_hi,
                              struct qv_error *err)
{
    struct qv_range_opts defaults = QV_RANGE_OPTS_INIT;
    const struct qv_range_opts *o = ropts ? ropts : &defaults;
    int32_t si = tensor >= 0 && tensor < c->n_model_tensors ? c->stats_of[tensor] : -1;
    if (si < 0)
        return qv_fail(err, QV_E_INPUT, "tensor %d has no calibration statistics", tensor);
    const struct qv_tensor_stats *s = &c->stats[si];
    const char *name = s->name;
    if (s->count == 0)
        return qv_fail(err, QV_E_INPUT, "tensor '%s': the statistics hold no values", name);
    if (m != QV_RANGE_MINMAX && m != QV_RANGE_EMA && !s->has_hist)
        return qv_fail(err, QV_E_INPUT, "tensor '%s': method %s needs a histogram, and the "
                       "statistics have none", name, qv_range_method_name(m));
    if (m == QV_RANGE_EMA && (!s->sample_min || s->n_samples == 0))
        return qv_fail(err, QV_E_INPUT, "tensor '%s': method ema needs per-sample extremes, "
                       "and the statistics have none", name);
    float lo = s->min, hi = s->max;
    switch (m) {
    case QV_RANGE_MINMAX: break;
    case QV_RANGE_EMA: ema_range(s, o, &lo, &hi); break;
    case QV_RANGE_PERCENTILE: percentile_range(s, o, &lo, &hi); break;
    case QV_RANGE_KL: kl_range(s, o, &lo, &hi); break;
    case QV_RANGE_MSE: mse_range(s, &lo, &hi); break;
    default:
        return qv_fail(err, QV_E_USAGE, "unknown range method %d", (int)m);
    }
    if (!isfinite(lo) || !isfinite(hi) || lo > hi)
        return qv_fail(err, QV_E_INTERNAL, "tensor '%s': method %s gave the range [%g, %g]",
                       name, qv_range_method_name(m), (double)lo, (double)hi);
    *ret_lo = lo;
    *ret_hi = hi;
    return QV_OK;
}

/* ---- diagnostics ----------------------------------------------------------------------------- */

void qv_calib_diagnose(const struct qv_tensor_stats *s, float scale, int32_t zero_point,
                       struct qv_range_diag *ret_diag)
{
    memset(ret_diag, 0, sizeof(*ret_diag));
    if (!s->has_hist || s->count == 0 || !(scale > 0))
        return;
    const struct qv_hist *h = &s->hist;
    const double sd = scale, w = qv_hist_width(h);
    /* values whose rounding error exceeds half a step are clipped */
    const double rlo = sd * (-128 - zero_point - 0.5), rhi = sd * (127 - zero_point + 0.5);
    double clipped = 0;
    bool used[256] = { 0 };
    for (int32_t i = 0; i < h->n; i++) {
        if (!h->counts[i])
            continue;
        double a = qv_hist_edge(h, i), b = a + w, ci = (double)h->counts[i];
        /* clip the bin to the observed range: values never lie outside [min, max] */
        a = fmax(a, s->min);
        b = fmin(b, s->max);
        double wid = b - a;
        if (b > rhi)
            clipped += wid > 0 ? ci * fmin(1.0, (b - fmax(a, rhi)) / wid) : ci;
        if (a < rlo)
            clipped += wid > 0 ? ci * fmin(1.0, (fmin(b, rlo) - a) / wid) : ci;
        double qa = round(a / sd) + zero_point, qb = round(b / sd) + zero_point;
        qa = qa < -128 ? -128 : (qa > 127 ? 127 : qa);
        qb = qb < -128 ? -128 : (qb > 127 ? 127 : qb);
        for (int32_t q = (int32_t)qa; q <= (int32_t)qb; q++)
            used[q + 128] = true;
    }
    ret_diag->clipped = clipped / (double)s->count;
    for (int32_t q = 0; q < 256; q++)
        ret_diag->levels += used[q];
}
