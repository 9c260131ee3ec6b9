/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Target profiles: the shipped data/targets.json (embedded at build time), the built-in host64
 * profile, and users' own files. The schema (docs/budget.md, "Target profiles") is checked key
 * by key: unknown keys, wrong types, missing required keys and out-of-range values fail with the
 * file and the key path (e.g. `targets[2].clock_mhz`).
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "budget/budget_int.h"
#include "qvet/io.h"

struct qv_target_set {
    struct qv_target *t;
    int32_t n, cap;
};

static const char *const simd_names[] = { "none", "dsp", "helium", "pie", "kpu", "avx2", NULL };

static enum qv_status add_target(struct qv_target_set *set, const struct qv_target *t,
                                 struct qv_error *err)
{
    for (int32_t i = 0; i < set->n; i++) {
        if (strcasecmp(set->t[i].name, t->name) == 0) {
            set->t[i] = *t;        /* a user's profile replaces a shipped one */
            return QV_OK;
        }
    }
    if (set->n == set->cap) {
        int32_t cap = set->cap ? set->cap * 2 : 16;
        void *p = realloc(set->t, (size_t)cap * sizeof(*set->t));
        if (!p)
            return qv_fail(err, QV_E_NOMEM, "out of memory adding target profiles");
        set->t = p;
        set->cap = cap;
    }
    set->t[set->n++] = *t;
    return QV_OK;
}

/* ---- one profile ---------------------------------------------------------------------------- */

struct ctx {
    const char *path;
    char where[64];                /* "targets[3]" */
    struct qv_error *err;
};

static enum qv_status bad(struct ctx *c, const char *key, const char *what)
{
    return qv_fail_at(c->err, QV_E_INPUT, c->path, -1, "%s%s%s: %s", c->where, key ? "." : "",
                      key ? key : "", what);
}

static enum qv_status get_num(struct ctx *c, const cJSON *o, const char *key, bool required,
                              double lo, double hi, bool integer, double *ret)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    char what[96];
    if (!v) {
        if (required)
            return bad(c, key, "missing (required)");
        return QV_OK;
    }
    if (!cJSON_IsNumber(v)) {
        snprintf(what, sizeof(what), "expected a number in [%g, %g]", lo, hi);
        return bad(c, key, what);
    }
    double d = v->valuedouble;
    if (!(d >= lo && d <= hi) || (integer && d != (double)(int64_t)d)) {
        snprintf(what, sizeof(what), "%g is not %s in [%g, %g]", d,
                 integer ? "a whole number" : "a number", lo, hi);
        return bad(c, key, what);
    }
    *ret = d;
    return QV_OK;
}

static enum qv_status get_bool(struct ctx *c, const cJSON *o, const char *key, bool *ret)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return QV_OK;
    if (!cJSON_IsBool(v))
        return bad(c, key, "expected true or false");
    *ret = cJSON_IsTrue(v);
    return QV_OK;
}

static enum qv_status get_str(struct ctx *c, const cJSON *o, const char *key, bool required,
                              char *dst, size_t size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    char what[96];
    if (!v) {
        if (required)
            return bad(c, key, "missing (required)");
        return QV_OK;
    }
    if (!cJSON_IsString(v) || !v->valuestring[0] || strlen(v->valuestring) >= size) {
        snprintf(what, sizeof(what), "expected a non-empty string of at most %zu bytes",
                 size - 1);
        return bad(c, key, what);
    }
    snprintf(dst, size, "%s", v->valuestring);
    return QV_OK;
}

static const char *const profile_keys[] = {
    "name", "description", "core", "clock_mhz", "flash_kib", "sram_kib", "psram_kib", "fpu",
    "dsp", "simd", "active_ma", "voltage", "sleep_ua", "kernels", "modelled", "sources", NULL,
};

static enum qv_status parse_profile(struct ctx *c, const cJSON *o, struct qv_target *t)
{
    enum qv_status st;
    char core[32] = "", kernels[16] = "";
    double clock = 0, flash = 0, sram = 0, psram = 0;
    if (!cJSON_IsObject(o))
        return bad(c, NULL, "expected an object");
    for (const cJSON *it = o->child; it; it = it->next) {
        bool known = false;
        for (const char *const *k = profile_keys; *k && !known; k++)
            known = strcmp(it->string, *k) == 0;
        if (!known)
            return bad(c, it->string, "unknown key");
    }
    memset(t, 0, sizeof(*t));
    snprintf(t->simd, sizeof(t->simd), "none");
    t->modelled = true;
    if ((st = get_str(c, o, "name", true, t->name, sizeof(t->name))) != QV_OK)
        return st;
    for (const char *p = t->name; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.'))
            return bad(c, "name", "use letters, digits, '-', '_' and '.' only");
    if ((st = get_str(c, o, "description", false, t->description, sizeof(t->description))) ||
        (st = get_str(c, o, "core", true, core, sizeof(core))))
        return st;
    if (!qv_core_from_name(core, &t->core)) {
        char what[400];
        size_t n = (size_t)snprintf(what, sizeof(what), "unknown core '%s' (known:", core);
        for (int i = 0; i < QV_CORE_COUNT && n < sizeof(what); i++)
            n += (size_t)snprintf(what + n, sizeof(what) - n, " %s", qv_core_defs[i].name);
        if (n < sizeof(what))
            snprintf(what + n, sizeof(what) - n, ")");
        return bad(c, "core", what);
    }
    if ((st = get_num(c, o, "clock_mhz", true, 0.001, 100000, false, &clock)) ||
        (st = get_num(c, o, "flash_kib", true, 0, 1e9, true, &flash)) ||
        (st = get_num(c, o, "sram_kib", true, 1, 1e9, true, &sram)) ||
        (st = get_num(c, o, "psram_kib", false, 0, 1e9, true, &psram)) ||
        (st = get_bool(c, o, "fpu", &t->fpu)) || (st = get_bool(c, o, "dsp", &t->dsp)) ||
        (st = get_str(c, o, "simd", false, t->simd, sizeof(t->simd))) ||
        (st = get_num(c, o, "active_ma", true, 0, 100000, false, &t->active_ma)) ||
        (st = get_num(c, o, "voltage", true, 0.01, 1000, false, &t->voltage)) ||
        (st = get_num(c, o, "sleep_ua", true, 0, 1e9, false, &t->sleep_ua)) ||
        (st = get_str(c, o, "kernels", false, kernels, sizeof(kernels))) ||
        (st = get_bool(c, o, "modelled", &t->modelled)))
        return st;
    bool simd_ok = false;
    for (const char *const *s = simd_names; *s && !simd_ok; s++)
        simd_ok = strcmp(t->simd, *s) == 0;
    if (!simd_ok)
        return bad(c, "simd", "expected none, dsp, helium, pie, kpu or avx2");
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(o, "sources");
    if (src) {
        if (!cJSON_IsObject(src))
            return bad(c, "sources", "expected an object of strings");
        for (const cJSON *it = src->child; it; it = it->next)
            if (!cJSON_IsString(it)) {
                char key[96];
                snprintf(key, sizeof(key), "sources.%s", it->string);
                return bad(c, key, "expected a string");
            }
    }
    const struct qv_core_def *cd = &qv_core_defs[t->core];
    t->kernels = cd->kernels;
    t->build = cd->build;
    if (kernels[0]) {
        if (strcmp(kernels, "reference") == 0)
            t->kernels = QV_KERNELS_REFERENCE;
        else if (strcmp(kernels, "cmsis-nn") == 0 && strncmp(cd->name, "cortex-m", 8) == 0)
            t->kernels = QV_KERNELS_CMSIS_NN;
        else
            return bad(c, "kernels", "expected reference, or cmsis-nn on a cortex-m core");
    }
    t->clock_hz = clock * 1e6;
    t->flash_bytes = (size_t)flash * 1024;
    t->sram_bytes = (size_t)sram * 1024;
    t->psram_bytes = (size_t)psram * 1024;
    return QV_OK;
}

enum qv_status qv_targets_parse(struct qv_target_set *set, const char *json, size_t len,
                                const char *path, struct qv_error *err)
{
    struct ctx c = { .path = path ? path : "", .err = err };
    const char *end = NULL;
    enum qv_status st = QV_OK;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (!root) {
        int32_t line = 1, col = 1;
        for (const char *p = json; end && p < end && p < json + len; p++) {
            if (*p == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return qv_fail_line(err, QV_E_INPUT, c.path, line, col, "invalid JSON");
    }
    if (!cJSON_IsObject(root)) {
        st = bad(&c, NULL, "expected an object {\"schema\": 1, \"targets\": [...]}");
        goto done;
    }
    for (const cJSON *it = root->child; it; it = it->next)
        if (strcmp(it->string, "schema") && strcmp(it->string, "targets")) {
            st = qv_fail_at(err, QV_E_INPUT, c.path, -1, "%s: unknown key", it->string);
            goto done;
        }
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    if (!schema || !cJSON_IsNumber(schema) || schema->valuedouble != 1) {
        st = qv_fail_at(err, QV_E_INPUT, c.path, -1, "schema: %s", schema
                        ? "expected 1" : "missing (required; 1)");
        goto done;
    }
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "targets");
    if (!arr || !cJSON_IsArray(arr)) {
        st = qv_fail_at(err, QV_E_INPUT, c.path, -1, "targets: %s", arr
                        ? "expected an array of profiles" : "missing (required)");
        goto done;
    }
    int32_t i = 0, first = set->n;
    for (const cJSON *o = arr->child; o; o = o->next, i++) {
        struct qv_target t;
        snprintf(c.where, sizeof(c.where), "targets[%d]", i);
        st = parse_profile(&c, o, &t);
        if (st != QV_OK)
            goto done;
        for (int32_t k = first; k < set->n; k++)
            if (strcasecmp(set->t[k].name, t.name) == 0) {
                st = bad(&c, "name", "repeats an earlier profile of this file");
                goto done;
            }
        st = add_target(set, &t, err);
        if (st != QV_OK)
            goto done;
    }
done:
    cJSON_Delete(root);
    return st;
}

enum qv_status qv_targets_load(struct qv_target_set *set, const char *path,
                               struct qv_error *err)
{
    uint8_t *text = NULL;
    size_t size = 0;
    enum qv_status st = qv_file_read_all(path, (size_t)4 << 20, &text, &size, err);
    if (st != QV_OK)
        return st;
    st = qv_targets_parse(set, (const char *)text, size, path, err);
    free(text);
    return st;
}

enum qv_status qv_targets_builtin(struct qv_target_set **ret_set, struct qv_error *err)
{
    struct qv_target_set *set = calloc(1, sizeof(*set));
    if (!set)
        return qv_fail(err, QV_E_NOMEM, "out of memory loading target profiles");
    struct qv_target host = {
        .name = "host64",
        .description = "64-bit host: the tflite-micro Python interpreter, reference kernels",
        .core = QV_CORE_X86_64, .clock_hz = 2.6e9, .flash_bytes = (size_t)1 << 40,
        .sram_bytes = (size_t)1 << 40, .simd = "none", .voltage = 1.0,
        .kernels = QV_KERNELS_REFERENCE, .build = QV_TFLM_HOST64_PYTHON, .modelled = true,
    };
    enum qv_status st = add_target(set, &host, err);
    if (st == QV_OK)
        st = qv_targets_parse(set, qv_targets_json, qv_targets_json_len,
                              "(built-in data/targets.json)", err);
    if (st != QV_OK) {
        qv_targets_free(set);
        return st;
    }
    *ret_set = set;
    return QV_OK;
}

int32_t qv_targets_count(const struct qv_target_set *set)
{
    return set ? set->n : 0;
}

const struct qv_target *qv_targets_at(const struct qv_target_set *set, int32_t i)
{
    return set && i >= 0 && i < set->n ? &set->t[i] : NULL;
}

const struct qv_target *qv_targets_find(const struct qv_target_set *set, const char *name)
{
    for (int32_t i = 0; set && i < set->n; i++)
        if (strcasecmp(set->t[i].name, name) == 0)
            return &set->t[i];
    return NULL;
}

void qv_targets_free(struct qv_target_set *set)
{
    if (!set)
        return;
    free(set->t);
    free(set);
}
