/* SPDX-License-Identifier: Apache-2.0 */
/* dtypes and shapes. */
#include <stdio.h>
#include <string.h>

#include "qvet/graph.h"

static const struct {
    const char *name;
    size_t size;
} dtypes[QV_DTYPE_COUNT] = {
    [QV_DTYPE_F32] = { "float32", 4 },
    [QV_DTYPE_I8] = { "int8", 1 },
    [QV_DTYPE_U8] = { "uint8", 1 },
    [QV_DTYPE_I16] = { "int16", 2 },
    [QV_DTYPE_I32] = { "int32", 4 },
};

size_t qv_dtype_size(enum qv_dtype dtype)
{
    return (unsigned)dtype < QV_DTYPE_COUNT ? dtypes[dtype].size : 0;
}

const char *qv_dtype_name(enum qv_dtype dtype)
{
    return (unsigned)dtype < QV_DTYPE_COUNT ? dtypes[dtype].name : "?";
}

bool qv_dtype_from_name(const char *name, enum qv_dtype *ret_dtype)
{
    for (int i = 0; i < QV_DTYPE_COUNT; i++) {
        if (strcmp(name, dtypes[i].name) == 0) {
            *ret_dtype = (enum qv_dtype)i;
            return true;
        }
    }
    return false;
}

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
