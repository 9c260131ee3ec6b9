/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/analysis: building and checking the JSON of serialized accumulators. Readers
 * take the file (for err->path) and the JSON path of the object (e.g. "metrics.cls[1]") so that
 * every failure names the member: "part1.json: metrics.cls[1].top1: expected a count".
 * Writers return false when cJSON runs out of memory.
 */
#ifndef QV_ANALYSIS_JSON_UTIL_H
#define QV_ANALYSIS_JSON_UTIL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "qvet/metrics.h"

/* Largest count written or read: every integer up to it is exact in a JSON double. */
#define QJ_MAX_COUNT ((int64_t)1 << 53)

struct qj {
    const char *file;                /* for messages and err->path; may be "" */
    struct qv_error *err;
};

/* Fails with "FILE: WHERE.KEY: msg". */
enum qv_status qj_fail(const struct qj *j, const char *where, const char *key, const char *fmt,
                       ...) QV_PRINTF(4, 5);

/* The members of obj must be among keys (NULL-terminated): an unknown member is an error. */
enum qv_status qj_only(const struct qj *j, const char *where, const cJSON *obj,
                       const char *const *keys);
enum qv_status qj_object(const struct qj *j, const char *where, const cJSON *obj,
                         const char *key, const cJSON **ret);
/* An array member; want >= 0 requires that length. */
enum qv_status qj_array(const struct qj *j, const char *where, const cJSON *obj,
                        const char *key, int64_t want, const cJSON **ret, int64_t *ret_len);
enum qv_status qj_count(const struct qj *j, const char *where, const cJSON *obj,
                        const char *key, int64_t max, int64_t *ret);
/* An array of exactly n counts into dst. */
enum qv_status qj_counts(const struct qj *j, const char *where, const cJSON *obj,
                         const char *key, int64_t n, int64_t max, int64_t *dst);
enum qv_status qj_int(const struct qj *j, const char *where, const cJSON *obj, const char *key,
                      int64_t min, int64_t max, int64_t *ret);
enum qv_status qj_bool(const struct qj *j, const char *where, const cJSON *obj, const char *key,
                       bool *ret);
enum qv_status qj_string(const struct qj *j, const char *where, const cJSON *obj,
                         const char *key, const char **ret);
/* A double written by qv_exact_format_double. */
enum qv_status qj_double(const struct qj *j, const char *where, const cJSON *obj,
                         const char *key, double *ret);
enum qv_status qj_xacc(const struct qj *j, const char *where, const cJSON *obj, const char *key,
                       struct qv_xacc *ret);
/* A qv_div object. */
enum qv_status qj_div(const struct qj *j, const char *where, const cJSON *obj, const char *key,
                      struct qv_div *ret);
/* "where.key" or "where[i]" into buf. */
const char *qj_path(char *buf, size_t size, const char *where, const char *key, int64_t index);

bool qj_add_count(cJSON *obj, const char *key, int64_t v);
bool qj_add_int(cJSON *obj, const char *key, int64_t v);
bool qj_add_bool(cJSON *obj, const char *key, bool v);
bool qj_add_string(cJSON *obj, const char *key, const char *v);
bool qj_add_double(cJSON *obj, const char *key, double v);
bool qj_add_xacc(cJSON *obj, const char *key, const struct qv_xacc *a);
bool qj_add_counts(cJSON *obj, const char *key, const int64_t *v, int64_t n);
/* A qv_div as an object member (key) or, with key NULL, appended to the array obj. */
bool qj_add_div(cJSON *obj, const char *key, const struct qv_div *d);

#endif
