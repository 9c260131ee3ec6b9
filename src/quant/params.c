/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Quantization parameters and constants with the TFLite converter's arithmetic, step for step,
 * so that qvet's int8 model carries the same scales and the same bytes as the converter's for
 * the same float model and ranges (docs/quant.md, "Converter parity"). The converter quantizes
 * with its "legacy float scale" path (MLIR quantizer, legacy_float_scale = true): every scale is
 * recomputed in float32 from the float range, weights are multiplied by a float32 inverse scale
 * and rounded half away from zero. Which precision each step uses matters and is noted inline.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "quant/quant_int.h"

/* The converter's kNearZeroTolerance: ranges narrower than this are widened. */
#define NEAR_ZERO 1.0e-6

static int32_t clamp_i32(int64_t v, int64_t lo, int64_t hi)
{
    return (int32_t)(v < lo ? lo : (v > hi ? hi : v));
}

void qv_quant_act_params(double lo, double hi, float *ret_scale, int32_t *ret_zero_point)
{
    /* ConvertStatsToQDQs: the range is made to contain 0, then widened by 1e-6 on each side
     * when it is narrower than 1e-6 (TensorRangeSanityCheck) */
    double rmin = fmin(lo, 0.0), rmax = fmax(hi, 0.0);
    if (fabs(rmax - rmin) < NEAR_ZERO) {
        rmin -= NEAR_ZERO;
        rmax += NEAR_ZERO;
    }
    /* DownCastScale: scale in float from the float range; the zero point from the minimum,
     * divided in double, held in float, clamped, rounded half away from zero */
    float scale = ((float)rmax - (float)rmin) / 255.0f;
    float zp_from_min = (float)(-128.0 - rmin / (double)scale);
    int32_t zp;
    if (zp_from_min < -128.0f)
        zp = -128;
    else if (zp_from_min > 127.0f)
        zp = 127;
    else
        zp = (int32_t)roundf(zp_from_min);
    *ret_scale = scale;
    *ret_zero_point = zp;
}

/* ExpandVerySmallRange + DownCastScale for a symmetric narrow range [-amax, amax]. */
static float symmetric_scale(double amax)
{
    double rmin = -amax, rmax = amax;
    if (!(rmax - rmin > NEAR_ZERO)) {
        rmin = fmin(rmin, -NEAR_ZERO / 2);
        rmax = fmax(rmax, NEAR_ZERO / 2);
    }
    return ((float)rmax - (float)rmin) / 254.0f;
}

static int8_t round_clamp127(float x)
{
    float r = roundf(x);
    if (!(r >= -127.0f))      /* also NaN */
        return r != r ? 0 : -127;
    return r > 127.0f ? 127 : (int8_t)r;
}

/* Channel of flat element i for a per-axis layout: (i / inner) % axis_len. */
static void axis_geometry(const struct qv_shape *shape, int32_t axis, int64_t *ret_inner,
                          int64_t *ret_len)
{
    int64_t inner = 1;
    for (int32_t r = axis + 1; r < shape->rank; r++)
        inner *= shape->dims[r];
    *ret_inner = inner;
    *ret_len = shape->dims[axis];
}

void qv_quant_weights_per_channel(const float *w, const struct qv_shape *shape, int32_t axis,
                                  float *ret_scales, int8_t *ret_q)
{
    int64_t inner, len, n = qv_shape_elems(shape);
    axis_geometry(shape, axis, &inner, &len);
    /* ExtractMinMaxFromAttr: per channel min/max in double, widened to contain 0, symmetric */
    for (int64_t c = 0; c < len; c++) {
        double amax = 0.0;
        for (int64_t i = c * inner; i < n; i += len * inner)
            for (int64_t k = 0; k < inner; k++) {
                double a = fabs((double)w[i + k]);
                if (a > amax)
                    amax = a;
            }
        ret_scales[c] = symmetric_scale(amax);
    }
    /* QuantizeLegacy per axis: inverse scale 1.0 / scale in double, held in float; the product
     * w * inv in float, rounded half away from zero, clamped to [-127, 127] */
    for (int64_t i = 0; i < n; i++) {
        int64_t c = (i / inner) % len;
        float inv = (float)(1.0 / (double)ret_scales[c]);
        ret_q[i] = round_clamp127(w[i] * inv);
    }
}

void qv_quant_weights_per_tensor_type(const float *w, int64_t n, float type_scale,
                                      int8_t *ret_q)
{
    /* QuantizeLegacy per tensor: PortableSymmetricQuantizeFloats derives its own scale from
     * the float min/max (not widened) and quantizes with 127 / range in float; its values are
     * kept when its scale is within 1e-3 of the type's (almost always, even when the type's
     * scale was raised for a large bias), otherwise the generic quantizer runs with the type's
     * scale (round(w / scale) in double) */
    float fmin_v = n ? w[0] : 0.0f, fmax_v = n ? w[0] : 0.0f;
    for (int64_t i = 0; i < n; i++) {
        fmin_v = w[i] < fmin_v ? w[i] : fmin_v;
        fmax_v = w[i] > fmax_v ? w[i] : fmax_v;
    }
    float range = fmaxf(fabsf(fmin_v), fabsf(fmax_v));
    float own_scale = range == 0.0f ? 1.0f : range / 127.0f;
    if (fabs((double)own_scale - (double)type_scale) > 1e-3 || range == 0.0f) {
        for (int64_t i = 0; i < n; i++) {
            double r = round((double)w[i] / (double)type_scale);
            ret_q[i] = (int8_t)(r < -127 ? -127 : (r > 127 ? 127 : r));
        }
        return;
    }
    float inv = 127.0f / range;
    for (int64_t i = 0; i < n; i++)
        ret_q[i] = round_clamp127(w[i] * inv);
}

void qv_quant_weights_per_tensor(const float *w, int64_t n, float *ret_scale, int8_t *ret_q)
{
    double amax = 0.0;
    for (int64_t i = 0; i < n; i++)
        amax = fmax(amax, fabs((double)w[i]));
    *ret_scale = symmetric_scale(amax);
    qv_quant_weights_per_tensor_type(w, n, *ret_scale, ret_q);
}

void qv_quant_weights_with_scales(const float *w, const struct qv_shape *shape, int32_t axis,
                                  int32_t n_scales, const float *scales, int8_t *ret_q)
{
    int64_t n = qv_shape_elems(shape);
    if (n_scales == 1) {
        float inv = (float)(1.0 / (double)scales[0]);
        for (int64_t i = 0; i < n; i++)
            ret_q[i] = round_clamp127(w[i] * inv);
        return;
    }
    int64_t inner, len;
    axis_geometry(shape, axis, &inner, &len);
    for (int64_t i = 0; i < n; i++) {
        float inv = (float)(1.0 / (double)scales[(i / inner) % len]);
        ret_q[i] = round_clamp127(w[i] * inv);
    }
}

float qv_quant_bias_scale(float s_in, float s_w)
{
    /* GetUniformQuantizedTypeForBias: the product in double (exact), cast to float */
    return (float)((double)s_in * (double)s_w);
}

void qv_quant_bias(const float *b, int64_t n, int32_t n_scales, const float *scales,
                   int32_t *ret_q)
{
    /* SymmetricBiasQuantize: inverse 1.0 / scale in double held in float (0 for a zero scale),
     * product in float, rounded half away from zero, saturated, clamped to +-INT32_MAX */
    for (int64_t i = 0; i < n; i++) {
        float s = scales[n_scales == 1 ? 0 : i];
        float inv = s == 0.0f ? 0.0f : (float)(1.0 / (double)s);
        float r = roundf(b[i] * inv);
        int64_t q;
        if (r != r)
            q = 0;
        else if (r >= 2147483648.0f)
            q = INT32_MAX;
        else if (r <= -2147483648.0f)
            q = INT32_MIN;
        else
            q = (int64_t)r;
        ret_q[i] = clamp_i32(q, -INT32_MAX, INT32_MAX);
    }
}

void qv_quant_const_params(const float *v, int64_t n, float *ret_scale, int32_t *ret_zp)
{
    /* GetUniformQuantizedTypeForWeight(symmetric = false, narrow_range = false) for a constant
     * that is not a weight: min/max widened to contain 0, ExpandVerySmallRange, DownCastScale */
    double mn = 0.0, mx = 0.0;
    for (int64_t i = 0; i < n; i++) {
        if (v[i] < mn)
            mn = v[i];
        if (v[i] > mx)
            mx = v[i];
    }
    if (!(mx - mn > NEAR_ZERO)) {
        mn = fmin(mn, -NEAR_ZERO / 2);
        mx = fmax(mx, NEAR_ZERO / 2);
    }
    float scale = ((float)mx - (float)mn) / 255.0f;
    float zp_from_min = (float)(-128.0 - mn / (double)scale);
    int32_t zp;
    if (zp_from_min < -128.0f)
        zp = -128;
    else if (zp_from_min > 127.0f)
        zp = 127;
    else
        zp = (int32_t)roundf(zp_from_min);
    *ret_scale = scale;
    *ret_zp = zp;
}

void qv_quant_const_values(const float *v, int64_t n, float scale, int32_t zp, int8_t *ret_q)
{
    /* the quant dialect's f32 -> i8 converter: round(v / scale + zp) in double, clamped */
    for (int64_t i = 0; i < n; i++) {
        double r = round((double)v[i] / (double)scale + (double)zp);
        ret_q[i] = (int8_t)(r < -128 ? -128 : (r > 127 ? 127 : r));
    }
}
