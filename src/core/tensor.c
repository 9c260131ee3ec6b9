/* SPDX-License-Identifier: Apache-2.0 */
/* dtypes (the traits table), quantization parameter checks, and shapes. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "qvet/graph.h"

/* Integers: round half away from zero, saturate to [lo, hi]; NaN gives 0. */
static int64_t to_int(double v, int64_t lo, int64_t hi)
{
    if (isnan(v))
        return 0;
    v = round(v);
    /* (double)hi may round up past hi (int64): compare before converting */
    if (v >= (double)hi)
        return hi;
    if (v <= (double)lo)
        return lo;
    return (int64_t)v;
}

static double load_f32(const void *d, int64_t i) { return ((const float *)d)[i]; }
static double load_i8(const void *d, int64_t i) { return ((const int8_t *)d)[i]; }
static double load_u8(const void *d, int64_t i) { return ((const uint8_t *)d)[i]; }
static double load_i16(const void *d, int64_t i) { return ((const int16_t *)d)[i]; }
static double load_i32(const void *d, int64_t i) { return ((const int32_t *)d)[i]; }
static double load_i64(const void *d, int64_t i) { return (double)((const int64_t *)d)[i]; }
static double load_bool(const void *d, int64_t i) { return ((const uint8_t *)d)[i] ? 1.0 : 0.0; }

static void store_f32(void *d, int64_t i, double v) { ((float *)d)[i] = (float)v; }
static void store_i8(void *d, int64_t i, double v)
{
    ((int8_t *)d)[i] = (int8_t)to_int(v, INT8_MIN, INT8_MAX);
}
static void store_u8(void *d, int64_t i, double v)
{
    ((uint8_t *)d)[i] = (uint8_t)to_int(v, 0, UINT8_MAX);
}
static void store_i16(void *d, int64_t i, double v)
{
    ((int16_t *)d)[i] = (int16_t)to_int(v, INT16_MIN, INT16_MAX);
}
static void store_i32(void *d, int64_t i, double v)
{
    ((int32_t *)d)[i] = (int32_t)to_int(v, INT32_MIN, INT32_MAX);
}
static void store_i64(void *d, int64_t i, double v)
{
    ((int64_t *)d)[i] = to_int(v, INT64_MIN, INT64_MAX);
}
static void store_bool(void *d, int64_t i, double v)
{
    ((uint8_t *)d)[i] = (uint8_t)to_int(v, 0, 1);
}

const struct qv_dtype_traits qv_dtypes[QV_DTYPE_COUNT] = {
    [QV_DTYPE_F32] = { "float32", 4, true, 0, 0, load_f32, store_f32 },
    [QV_DTYPE_I8] = { "int8", 1, false, INT8_MIN, INT8_MAX, load_i8, store_i8 },
    [QV_DTYPE_U8] = { "uint8", 1, false, 0, UINT8_MAX, load_u8, store_u8 },
    [QV_DTYPE_I16] = { "int16", 2, false, INT16_MIN, INT16_MAX, load_i16, store_i16 },
    [QV_DTYPE_I32] = { "int32", 4, false, INT32_MIN, INT32_MAX, load_i32, store_i32 },
    [QV_DTYPE_I64] = { "int64", 8, false, INT64_MIN, INT64_MAX, load_i64, store_i64 },
    [QV_DTYPE_BOOL] = { "bool", 1, false, 0, 1, load_bool, store_bool },
};

const struct qv_dtype_traits *qv_dtype_get(enum qv_dtype dtype)
{
    return (unsigned)dtype < QV_DTYPE_COUNT ? &qv_dtypes[dtype] : NULL;
}

size_t qv_dtype_size(enum qv_dtype dtype)
{
    return (unsigned)dtype < QV_DTYPE_COUNT ? qv_dtypes[dtype].size : 0;
}

const char *qv_dtype_name(enum qv_dtype dtype)
{
    return (unsigned)dtype < QV_DTYPE_COUNT ? qv_dtypes[dtype].name : "?";
}

bool qv_dtype_from_name(const char *name, enum qv_dtype *ret_dtype)
{
    for (int i = 0; i < QV_DTYPE_COUNT; i++) {
        if (strcmp(name, qv_dtypes[i].name) == 0) {
            *ret_dtype = (enum qv_dtype)i;
            return true;
        }
    }
    return false;
}

/* ---- quantization parameters ---------------------------------------------------------------- */

const char *qv_quant_zero_point_problem(enum qv_dtype dtype, int64_t zero_point, char *buf,
                                        size_t size)
{
    const struct qv_dtype_traits *d = qv_dtype_get(dtype);
    if (!d)
        return "belongs to a tensor of unknown dtype";
    int64_t lo = d->is_float ? INT32_MIN : d->min, hi = d->is_float ? INT32_MAX : d->max;
    if (zero_point >= lo && zero_point <= hi)
        return NULL;
    snprintf(buf, size, "is outside %s's range %lld..%lld", d->name, (long long)lo,
             (long long)hi);
    return buf;
}

const char *qv_quant_scale_problem(enum qv_dtype dtype, float scale, char *buf, size_t size)
{
    const struct qv_dtype_traits *d = qv_dtype_get(dtype);
    if (!d)
        return "belongs to a tensor of unknown dtype";
    if (!isfinite(scale) || scale <= 0.0f)
        return "is not a finite number > 0";
    if (scale < FLT_MIN) {
        snprintf(buf, size, "is denormal (below %g): its reciprocal overflows", (double)FLT_MIN);
        return buf;
    }
    /* every code q of the dtype must dequantize to a finite float: |scale * (q - zp)| is at
     * most scale * (max - min); a float dtype is held to the int32 span */
    double span = d->is_float ? 4294967295.0 : (double)d->max - (double)d->min;
    if ((double)scale * span <= (double)FLT_MAX)
        return NULL;
    snprintf(buf, size, "is too large for %s: scale * %.0f (its code span) exceeds float32's "
             "range", d->name, span);
    return buf;
}

/* ---- shapes ---------------------------------------------------------------------------------- */

int64_t qv_shape_elems(const struct qv_shape *s)
{
    int64_t n = 1;
    for (int32_t i = 0; i < s->rank; i++)
        n *= s->dims[i];
    return n;
}

enum qv_status qv_shape_check(const struct qv_shape *s, struct qv_error *err)
{
    char buf[160];
    if (s->rank < 0 || s->rank > QV_MAX_RANK)
        return qv_fail(err, QV_E_INPUT, "rank %d is outside 0..%d", s->rank, QV_MAX_RANK);
    int64_t n = 1;
    for (int32_t i = 0; i < s->rank; i++) {
        if (s->dims[i] < 0) {
            qv_shape_format(s, buf, sizeof(buf));
            return qv_fail(err, QV_E_INPUT, "shape %s has negative dimension %d", buf, i);
        }
        if (s->dims[i] > 0 && n > QV_MAX_ELEMS / s->dims[i]) {
            qv_shape_format(s, buf, sizeof(buf));
            return qv_fail(err, QV_E_INPUT, "shape %s has more than 2^40 elements", buf);
        }
        n *= s->dims[i];
    }
    return QV_OK;
}

bool qv_shape_equal(const struct qv_shape *a, const struct qv_shape *b)
{
    if (a->rank != b->rank)
        return false;
    for (int32_t i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i])
            return false;
    return true;
}

void qv_shape_format(const struct qv_shape *s, char *buf, size_t size)
{
    size_t used = 0;
    int n = snprintf(buf, size, "[");
    used = n > 0 ? (size_t)n : 0;
    int32_t rank = s->rank < 0 ? 0 : (s->rank > QV_MAX_RANK ? QV_MAX_RANK : s->rank);
    for (int32_t i = 0; i < rank && used < size; i++) {
        n = snprintf(buf + used, size - used, "%s%lld", i ? ", " : "", (long long)s->dims[i]);
        used += n > 0 ? (size_t)n : 0;
    }
    if (used < size)
        snprintf(buf + used, size - used, "]");
}
