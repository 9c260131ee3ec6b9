/* SPDX-License-Identifier: Apache-2.0 */
/* JSON helpers for serialized accumulators (json_util.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "analysis/json_util.h"

const char *qj_path(char *buf, size_t size, const char *where, const char *key, int64_t index)
{
    if (key)
        snprintf(buf, size, "%s%s%s", where, where[0] ? "." : "", key);
    else
        snprintf(buf, size, "%s[%lld]", where, (long long)index);
    return buf;
}

enum qv_status qj_fail(const struct qj *j, const char *where, const char *key, const char *fmt,
                       ...)
{
    char p[256], msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (key && key[0])
        qj_path(p, sizeof(p), where, key, 0);
    else
        snprintf(p, sizeof(p), "%s", where);
    return qv_fail_at(j->err, QV_E_INPUT, j->file ? j->file : "", -1, "%s: %s", p, msg);
}

enum qv_status qj_only(const struct qj *j, const char *where, const cJSON *obj,
                       const char *const *keys)
{
    if (!cJSON_IsObject(obj))
        return qj_fail(j, where, NULL, "expected an object");
    for (const cJSON *m = obj->child; m; m = m->next) {
        bool known = false;
        for (int i = 0; keys[i] && !known; i++)
            known = m->string && !strcmp(m->string, keys[i]);
        if (!known)
            return qj_fail(j, where, m->string ? m->string : "?", "unknown member");
        for (const cJSON *o = obj->child; o != m; o = o->next)
            if (o->string && m->string && !strcmp(o->string, m->string))
                return qj_fail(j, where, m->string, "duplicate member");
    }
    return QV_OK;
}

static const cJSON *member(const struct qj *j, const char *where, const cJSON *obj,
                           const char *key, enum qv_status *st)
{
    const cJSON *m = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    *st = m ? QV_OK : qj_fail(j, where, key, "missing");
    return m;
}

enum qv_status qj_object(const struct qj *j, const char *where, const cJSON *obj,
                         const char *key, const cJSON **ret)
{
    enum qv_status st;
    const cJSON *m = member(j, where, obj, key, &st);
    if (st != QV_OK)
        return st;
    if (!cJSON_IsObject(m))
        return qj_fail(j, where, key, "expected an object");
    *ret = m;
    return QV_OK;
}

enum qv_status qj_array(const struct qj *j, const char *where, const cJSON *obj,
                        const char *key, int64_t want, const cJSON **ret, int64_t *ret_len)
{
    enum qv_status st;
    const cJSON *m = member(j, where, obj, key, &st);
    if (st != QV_OK)
        return st;
    if (!cJSON_IsArray(m))
        return qj_fail(j, where, key, "expected an array");
    int64_t n = cJSON_GetArraySize(m);
    if (want >= 0 && n != want)
        return qj_fail(j, where, key, "expected %lld entries, found %lld", (long long)want,
                       (long long)n);
    *ret = m;
    if (ret_len)
        *ret_len = n;
    return QV_OK;
}

static bool integral_in(const cJSON *m, int64_t min, int64_t max, int64_t *ret)
{
    if (!cJSON_IsNumber(m))
        return false;
    double v = m->valuedouble;
    if (!(v >= (double)min && v <= (double)max) || v != floor(v))
        return false;
    *ret = (int64_t)v;
    return true;
}

enum qv_status qj_int(const struct qj *j, const char *where, const cJSON *obj, const char *key,
                      int64_t min, int64_t max, int64_t *ret)
{
    enum qv_status st;
    const cJSON *m = member(j, where, obj, key, &st);
    if (st != QV_OK)
        return st;
    if (!integral_in(m, min, max, ret))
        return qj_fail(j, where, key, "expected an integer in %lld..%lld", (long long)min,
                       (long long)max);
    return QV_OK;
}

enum qv_status qj_count(const struct qj *j, const char *where, const cJSON *obj,
                        const char *key, int64_t max, int64_t *ret)
{
    if (max > QJ_MAX_COUNT || max < 0)
        max = QJ_MAX_COUNT;
    return qj_int(j, where, obj, key, 0, max, ret);
}

enum qv_status qj_counts(const struct qj *j, const char *where, const cJSON *obj,
                         const char *key, int64_t n, int64_t max, int64_t *dst)
{
    const cJSON *a;
    enum qv_status st = qj_array(j, where, obj, key, n, &a, NULL);
    if (st != QV_OK)
        return st;
    if (max > QJ_MAX_COUNT || max < 0)
        max = QJ_MAX_COUNT;
    int64_t i = 0;
    for (const cJSON *m = a->child; m; m = m->next, i++) {
        if (!integral_in(m, 0, max, &dst[i])) {
            char p[256], q[256];
            qj_path(p, sizeof(p), where, key, 0);
            return qj_fail(j, qj_path(q, sizeof(q), p, NULL, i), NULL,
                           "expected a count (an integer 0..%lld)", (long long)max);
        }
    }
    return QV_OK;
}

enum qv_status qj_bool(const struct qj *j, const char *where, const cJSON *obj, const char *key,
                       bool *ret)
{
    enum qv_status st;
    const cJSON *m = member(j, where, obj, key, &st);
    if (st != QV_OK)
        return st;
    if (!cJSON_IsBool(m))
        return qj_fail(j, where, key, "expected true or false");
    *ret = cJSON_IsTrue(m);
    return QV_OK;
}

enum qv_status qj_string(const struct qj *j, const char *where, const cJSON *obj,
                         const char *key, const char **ret)
{
    enum qv_status st;
    const cJSON *m = member(j, where, obj, key, &st);
    if (st != QV_OK)
        return st;
    if (!cJSON_IsString(m) || !m->valuestring)
        return qj_fail(j, where, key, "expected a string");
    *ret = m->valuestring;
    return QV_OK;
}

enum qv_status qj_double(const struct qj *j, const char *where, const cJSON *obj,
                         const char *key, double *ret)
{
    const char *s;
    enum qv_status st = qj_string(j, where, obj, key, &s);
    if (st != QV_OK)
        return st;
    if (!qv_exact_parse_double(s, ret))
        return qj_fail(j, where, key, "expected an exact double (\"HEXpEXP\", \"0\", \"inf\"...)");
    return QV_OK;
}

enum qv_status qj_xacc(const struct qj *j, const char *where, const cJSON *obj, const char *key,
                       struct qv_xacc *ret)
{
    const char *s;
    enum qv_status st = qj_string(j, where, obj, key, &s);
    if (st != QV_OK)
        return st;
    if (!qv_xacc_parse(s, ret))
        return qj_fail(j, where, key, "expected an exact sum (\"HEXpEXP\" or \"0\")");
    return QV_OK;
}

enum qv_status qj_div(const struct qj *j, const char *where, const cJSON *obj, const char *key,
                      struct qv_div *ret)
{
    static const char *const keys[] = { "n", "nonfinite", "samples", "ref2", "test2", "cross",
                                        "err2", "abserr", "max_abs", NULL };
    char p[256];
    const cJSON *o;
    enum qv_status st;
    if (key) {
        if ((st = qj_object(j, where, obj, key, &o)) != QV_OK)
            return st;
        qj_path(p, sizeof(p), where, key, 0);
    } else {
        o = obj;
        snprintf(p, sizeof(p), "%s", where);
    }
    struct qv_div d;
    qv_div_init(&d);
    if ((st = qj_only(j, p, o, keys)) != QV_OK || (st = qj_count(j, p, o, "n", -1, &d.n)) ||
        (st = qj_count(j, p, o, "nonfinite", -1, &d.nonfinite)) ||
        (st = qj_count(j, p, o, "samples", -1, &d.samples)) ||
        (st = qj_xacc(j, p, o, "ref2", &d.ref2)) || (st = qj_xacc(j, p, o, "test2", &d.test2)) ||
        (st = qj_xacc(j, p, o, "cross", &d.cross)) || (st = qj_xacc(j, p, o, "err2", &d.err2)) ||
        (st = qj_xacc(j, p, o, "abserr", &d.abserr)) ||
        (st = qj_double(j, p, o, "max_abs", &d.max_abs)))
        return st;
    if (!(d.max_abs >= 0) || isinf(d.max_abs))
        return qj_fail(j, p, "max_abs", "expected a finite value >= 0");
    *ret = d;
    return QV_OK;
}

/* ---- writing --------------------------------------------------------------------------------- */

bool qj_add_int(cJSON *obj, const char *key, int64_t v)
{
    if (v > QJ_MAX_COUNT || v < -QJ_MAX_COUNT)
        return false;
    return cJSON_AddNumberToObject(obj, key, (double)v) != NULL;
}

bool qj_add_count(cJSON *obj, const char *key, int64_t v)
{
    return v >= 0 && qj_add_int(obj, key, v);
}

bool qj_add_bool(cJSON *obj, const char *key, bool v)
{
    return cJSON_AddBoolToObject(obj, key, v) != NULL;
}

bool qj_add_string(cJSON *obj, const char *key, const char *v)
{
    return cJSON_AddStringToObject(obj, key, v) != NULL;
}

bool qj_add_double(cJSON *obj, const char *key, double v)
{
    char buf[QV_EXACT_DOUBLE_MAX];
    qv_exact_format_double(v, buf, sizeof(buf));
    return qj_add_string(obj, key, buf);
}

bool qj_add_xacc(cJSON *obj, const char *key, const struct qv_xacc *a)
{
    char buf[QV_XACC_TEXT_MAX];
    qv_xacc_format(a, buf, sizeof(buf));
    return qj_add_string(obj, key, buf);
}

bool qj_add_counts(cJSON *obj, const char *key, const int64_t *v, int64_t n)
{
    cJSON *a = cJSON_AddArrayToObject(obj, key);
    if (!a)
        return false;
    for (int64_t i = 0; i < n; i++) {
        if (v[i] < 0 || v[i] > QJ_MAX_COUNT)
            return false;
        cJSON *x = cJSON_CreateNumber((double)v[i]);
        if (!x)
            return false;
        cJSON_AddItemToArray(a, x);
    }
    return true;
}

bool qj_add_div(cJSON *obj, const char *key, const struct qv_div *d)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return false;
    if (key)
        cJSON_AddItemToObject(obj, key, o);
    else
        cJSON_AddItemToArray(obj, o);
    return qj_add_count(o, "n", d->n) && qj_add_count(o, "nonfinite", d->nonfinite) &&
           qj_add_count(o, "samples", d->samples) && qj_add_xacc(o, "ref2", &d->ref2) &&
           qj_add_xacc(o, "test2", &d->test2) && qj_add_xacc(o, "cross", &d->cross) &&
           qj_add_xacc(o, "err2", &d->err2) && qj_add_xacc(o, "abserr", &d->abserr) &&
           qj_add_double(o, "max_abs", d->max_abs);
}
