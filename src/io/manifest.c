/* SPDX-License-Identifier: Apache-2.0 */
/* qvet.json: the manifest of a model directory (DESIGN §1). Keys optional; unknown keys fail. */
#define _DEFAULT_SOURCE   /* realpath */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "qvet/io.h"
#include "qvet/manifest.h"

static const char *const task_names[QV_TASK_COUNT] = {
    [QV_TASK_CLASSIFICATION] = "classification",
    [QV_TASK_REGRESSION] = "regression",
    [QV_TASK_ANOMALY] = "anomaly",
    [QV_TASK_RAW] = "raw",
};

const char *qv_task_name(enum qv_task task)
{
    return (unsigned)task < QV_TASK_COUNT ? task_names[task] : "?";
}

const struct qv_gate_def qv_gate_defs[QV_GATE_ID_COUNT] = {
    [QV_GATE_MAX_ACCURACY_DROP] = { "max_accuracy_drop", "--max-accuracy-drop", 0, 1 },
    [QV_GATE_MIN_AGREEMENT] = { "min_agreement", "--min-agreement", 0, 1 },
    [QV_GATE_MIN_OUTPUT_SQNR_DB] = { "min_output_sqnr_db", "--min-output-sqnr-db", -1000, 1000 },
    [QV_GATE_MIN_LAYER_SQNR_DB] = { "min_layer_sqnr_db", "--min-layer-sqnr-db", -1000, 1000 },
    [QV_GATE_MAX_NONFINITE_OUTPUTS] = { "max_nonfinite_outputs", "--max-nonfinite-outputs", 0,
                                        1e15 },
    [QV_GATE_MAX_ARENA] = { "max_arena", "--max-arena", 0, 1e15 },
    [QV_GATE_MAX_FLASH] = { "max_flash", "--max-flash", 0, 1e15 },
    [QV_GATE_SRAM_HEADROOM] = { "sram_headroom", "--sram-headroom", 0, 0.99 },
    [QV_GATE_MAX_REGRESSION] = { "max_regression", "--max-regression", 0, 1e6 },
};

static const char *const layout_names[QV_LAYOUT_COUNT] = {
    [QV_LAYOUT_AS_IS] = "as-is",
    [QV_LAYOUT_NCHW] = "nchw",
    [QV_LAYOUT_RESHAPE] = "reshape",
};

const char *qv_layout_name(enum qv_layout layout)
{
    return (unsigned)layout < QV_LAYOUT_COUNT ? layout_names[layout] : "?";
}

bool qv_layout_from_name(const char *name, enum qv_layout *ret_layout)
{
    for (int l = 0; l < QV_LAYOUT_COUNT; l++) {
        if (strcmp(name, layout_names[l]) == 0) {
            *ret_layout = (enum qv_layout)l;
            return true;
        }
    }
    return false;
}

const char *qv_manifest_model(const struct qv_manifest *m, bool int8)
{
    if (int8)
        return m->int8_model[0] ? m->int8_model : m->model;
    return m->model[0] ? m->model : m->int8_model;
}

/* A name that stays one directory level under --out: no '/', no '..', no hidden name. */
static bool name_is_safe(const char *name)
{
    if (!name[0] || name[0] == '.')
        return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '.' || *c == '_' || *c == '-'))
            return false;
    return true;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void join(char *dst, const char *dir, const char *rel)
{
    if (rel[0] == '/')
        snprintf(dst, QV_PATH_MAX, "%s", rel);
    else
        snprintf(dst, QV_PATH_MAX, "%s/%s", dir, rel);
}

/*
 * The keys a JSON object may have; anything else is an error naming the key and its path, and
 * so is a key given twice (cJSON would keep the first silently: {"name": "a", "name": "b"}).
 */
static enum qv_status check_keys(const cJSON *obj, const char *where, const char *const *keys,
                                 const char *path, struct qv_error *err)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        bool ok = false;
        for (const char *const *k = keys; *k; k++)
            ok = ok || strcmp(it->string, *k) == 0;
        if (!ok)
            return qv_fail_at(err, QV_E_INPUT, path, -1, "%s%s%s: unknown key", where,
                              where[0] ? "." : "", it->string);
        for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
            if (strcmp(prev->string, it->string) == 0)
                return qv_fail_at(err, QV_E_INPUT, path, -1, "%s%s%s: key given twice", where,
                                  where[0] ? "." : "", it->string);
    }
    return QV_OK;
}

static enum qv_status get_string(const cJSON *obj, const char *key, const char *where,
                                 char *dst, size_t size, const char *path, struct qv_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return QV_OK;
    if (!cJSON_IsString(v) || !v->valuestring[0] || strlen(v->valuestring) >= size)
        return qv_fail_at(err, QV_E_INPUT, path, -1, "%s%s%s: expected a non-empty string "
                          "shorter than %zu bytes", where, where[0] ? "." : "", key, size);
    snprintf(dst, size, "%s", v->valuestring);
    return QV_OK;
}

static enum qv_status get_number(const cJSON *obj, const char *key, const char *where,
                                 bool *has, double *dst, double lo, double hi, const char *path,
                                 struct qv_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return QV_OK;
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi))
        return qv_fail_at(err, QV_E_INPUT, path, -1, "%s%s%s: expected a number in [%g, %g]",
                          where, where[0] ? "." : "", key, lo, hi);
    *dst = v->valuedouble;
    if (has)
        *has = true;
    return QV_OK;
}

static enum qv_status need_file(const char *file, const char *key, const char *path,
                                struct qv_error *err)
{
    struct stat st;
    if (!file[0] || file_exists(file))
        return QV_OK;
    if (stat(file, &st) == 0)
        return qv_fail_at(err, QV_E_INPUT, path, -1, "%s: '%s' is %s, not a file", key, file,
                          S_ISDIR(st.st_mode) ? "a directory" : "a special file");
    return qv_fail_at(err, QV_E_IO, path, -1, "%s: '%s' does not exist", key, file);
}

/* Whether two paths name one file (links and spellings aside). */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/*
 * A data key: one path, an array of paths (one per model input, in input order) or an object
 * {input name: path}. where: "golden.inputs" or "calibration.data".
 */
static enum qv_status get_data(const cJSON *obj, const char *key, const char *where,
                               struct qv_manifest *m, struct qv_manifest_data *d,
                               struct qv_error *err)
{
    const char *p = m->path;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return QV_OK;
    if (cJSON_IsString(v)) {
        if (!v->valuestring[0] || strlen(v->valuestring) >= QV_PATH_MAX)
            return qv_fail_at(err, QV_E_INPUT, p, -1, "%s: expected a non-empty path", where);
        join(d->files[0], m->dir, v->valuestring);
        d->n_files = 1;
        return QV_OK;
    }
    if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
        return qv_fail_at(err, QV_E_INPUT, p, -1, "%s: expected a path, an array of paths (one "
                          "per model input) or an object {input name: path}", where);
    int32_t n = 0;
    for (const cJSON *it = v->child; it; it = it->next, n++) {
        if (n == QV_DATA_MAX_FILES)
            return qv_fail_at(err, QV_E_INPUT, p, -1, "%s: more than %d files", where,
                              QV_DATA_MAX_FILES);
        if (!cJSON_IsString(it) || !it->valuestring[0] || strlen(it->valuestring) >= QV_PATH_MAX)
            return qv_fail_at(err, QV_E_INPUT, p, -1, "%s[%d]: expected a non-empty path",
                              where, n);
        if (cJSON_IsObject(v)) {
            if (!it->string[0] || strlen(it->string) >= sizeof(d->names[0]))
                return qv_fail_at(err, QV_E_INPUT, p, -1, "%s: input name '%s' is empty or too "
                                  "long", where, it->string);
            snprintf(d->names[n], sizeof(d->names[0]), "%s", it->string);
        }
        join(d->files[n], m->dir, it->valuestring);
    }
    if (n == 0)
        return qv_fail_at(err, QV_E_INPUT, p, -1, "%s: no files", where);
    d->n_files = n;
    return QV_OK;
}

static enum qv_status parse(struct qv_manifest *m, const cJSON *root, struct qv_error *err)
{
    static const char *const top[] = { "name", "model", "int8_model", "task", "golden",
                                       "calibration", "preprocess", "targets", "gates", NULL };
    static const char *const golden_keys[] = { "inputs", "labels", NULL };
    static const char *const calib_keys[] = { "data", "samples", "method", "per_channel", NULL };
    static const char *const pre_keys[] = { "scale", "offset", "layout", NULL };
    const char *p = m->path;
    char rel[QV_PATH_MAX];
    enum qv_status st;
    if (!cJSON_IsObject(root))
        return qv_fail_at(err, QV_E_INPUT, p, -1, "expected a JSON object at the top level");
    if ((st = check_keys(root, "", top, p, err)) != QV_OK)
        return st;
    if ((st = get_string(root, "name", "", m->name, sizeof(m->name), p, err)) != QV_OK)
        return st;
    if (!name_is_safe(m->name))
        return qv_fail_at(err, QV_E_INPUT, p, -1, "name: '%s' is not a plain name (letters, "
                          "digits, '.', '_', '-'; not starting with '.'): it names the report "
                          "directory under --out", m->name);
    rel[0] = '\0';
    if ((st = get_string(root, "model", "", rel, sizeof(rel), p, err)) != QV_OK)
        return st;
    if (rel[0])
        join(m->model, m->dir, rel);
    rel[0] = '\0';
    if ((st = get_string(root, "int8_model", "", rel, sizeof(rel), p, err)) != QV_OK)
        return st;
    if (rel[0])
        join(m->int8_model, m->dir, rel);
    char task[32] = "";
    if ((st = get_string(root, "task", "", task, sizeof(task), p, err)) != QV_OK)
        return st;
    if (task[0]) {
        int t = 0;
        while (t < QV_TASK_COUNT && strcmp(task_names[t], task) != 0)
            t++;
        if (t == QV_TASK_COUNT)
            return qv_fail_at(err, QV_E_INPUT, p, -1, "task: '%s' is not one of classification, "
                              "regression, anomaly, raw", task);
        m->task = (enum qv_task)t;
    }
    const cJSON *golden = cJSON_GetObjectItemCaseSensitive(root, "golden");
    if (golden) {
        if (!cJSON_IsObject(golden))
            return qv_fail_at(err, QV_E_INPUT, p, -1, "golden: expected an object");
        if ((st = check_keys(golden, "golden", golden_keys, p, err)) != QV_OK)
            return st;
        if ((st = get_data(golden, "inputs", "golden.inputs", m, &m->golden, err)) != QV_OK)
            return st;
        rel[0] = '\0';
        if ((st = get_string(golden, "labels", "golden", rel, sizeof(rel), p, err)) != QV_OK)
            return st;
        if (rel[0])
            join(m->golden.labels, m->dir, rel);
    }
    const cJSON *calib = cJSON_GetObjectItemCaseSensitive(root, "calibration");
    if (calib) {
        if (!cJSON_IsObject(calib))
            return qv_fail_at(err, QV_E_INPUT, p, -1, "calibration: expected an object");
        if ((st = check_keys(calib, "calibration", calib_keys, p, err)) != QV_OK)
            return st;
        if ((st = get_data(calib, "data", "calibration.data", m, &m->calib, err)) != QV_OK)
            return st;
        double samples = (double)m->calib_samples;
        if ((st = get_number(calib, "samples", "calibration", NULL, &samples, 1, 1e9, p, err)))
            return st;
        m->calib_samples = (int64_t)samples;
        if ((st = get_string(calib, "method", "calibration", m->calib_method,
                             sizeof(m->calib_method), p, err)) != QV_OK)
            return st;
        const cJSON *pc = cJSON_GetObjectItemCaseSensitive(calib, "per_channel");
        if (pc && !cJSON_IsBool(pc))
            return qv_fail_at(err, QV_E_INPUT, p, -1, "calibration.per_channel: expected true "
                              "or false");
        if (pc)
            m->per_channel = cJSON_IsTrue(pc);
    }
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(root, "preprocess");
    if (pre) {
        double scale = 1.0, offset = 0.0;
        if (!cJSON_IsObject(pre))
            return qv_fail_at(err, QV_E_INPUT, p, -1, "preprocess: expected an object");
        if ((st = check_keys(pre, "preprocess", pre_keys, p, err)) != QV_OK)
            return st;
        if ((st = get_number(pre, "scale", "preprocess", NULL, &scale, -1e30, 1e30, p, err)) ||
            (st = get_number(pre, "offset", "preprocess", NULL, &offset, -1e30, 1e30, p, err)))
            return st;
        char layout[32] = "";
        if ((st = get_string(pre, "layout", "preprocess", layout, sizeof(layout), p, err)))
            return st;
        if (layout[0] && !qv_layout_from_name(layout, &m->layout))
            return qv_fail_at(err, QV_E_INPUT, p, -1, "preprocess.layout: '%s' is not one of "
                              "as-is, nchw, reshape", layout);
        m->has_preprocess = cJSON_GetObjectItemCaseSensitive(pre, "scale") ||
                            cJSON_GetObjectItemCaseSensitive(pre, "offset");
        m->pre_scale = (float)scale;
        m->pre_offset = (float)offset;
    }
    const cJSON *targets = cJSON_GetObjectItemCaseSensitive(root, "targets");
    if (targets) {
        if (!cJSON_IsArray(targets) || cJSON_GetArraySize(targets) > 16)
            return qv_fail_at(err, QV_E_INPUT, p, -1, "targets: expected an array of at most "
                              "16 target names");
        for (const cJSON *it = targets->child; it; it = it->next) {
            if (!cJSON_IsString(it) || !it->valuestring[0] || strlen(it->valuestring) >= 32)
                return qv_fail_at(err, QV_E_INPUT, p, -1, "targets[%d]: expected a target name",
                                  m->n_targets);
            for (int32_t k = 0; k < m->n_targets; k++)
                if (strcmp(m->targets[k], it->valuestring) == 0)   /* two fits:<name> gates */
                    return qv_fail_at(err, QV_E_INPUT, p, -1, "targets[%d]: '%s' given twice",
                                      m->n_targets, it->valuestring);
            snprintf(m->targets[m->n_targets++], 32, "%s", it->valuestring);
        }
    }
    const cJSON *gates = cJSON_GetObjectItemCaseSensitive(root, "gates");
    if (gates) {
        struct qv_gates *g = &m->gates;
        if (!cJSON_IsObject(gates))
            return qv_fail_at(err, QV_E_INPUT, p, -1, "gates: expected an object");
        g->present = true;
        for (const cJSON *it = gates->child; it; it = it->next) {
            int id = 0;
            while (id < QV_GATE_ID_COUNT && strcmp(it->string, qv_gate_defs[id].key) != 0)
                id++;
            if (id == QV_GATE_ID_COUNT)
                return qv_fail_at(err, QV_E_INPUT, p, -1, "gates.%s: unknown key (known: "
                                  "max_accuracy_drop, min_agreement, min_output_sqnr_db, "
                                  "min_layer_sqnr_db, max_nonfinite_outputs, max_arena, "
                                  "max_flash, sram_headroom, max_regression)", it->string);
            if (g->has[id])
                return qv_fail_at(err, QV_E_INPUT, p, -1, "gates.%s: key given twice",
                                  it->string);
            const struct qv_gate_def *d = &qv_gate_defs[id];
            if ((st = get_number(gates, d->key, "gates", &g->has[id], &g->value[id], d->lo,
                                 d->hi, p, err)) != QV_OK)
                return st;
        }
    }
    return QV_OK;
}

enum qv_status qv_manifest_load(const char *dir, struct qv_manifest *ret_manifest,
                                struct qv_error *err)
{
    enum qv_status st = QV_OK;
    struct qv_manifest *m = calloc(1, sizeof(*m));
    uint8_t *text = NULL;
    size_t size = 0;
    cJSON *root = NULL;
    char probe[QV_PATH_MAX];
    struct stat sb;
    if (!m)
        return qv_fail(err, QV_E_NOMEM, "out of memory reading a manifest");
    if (stat(dir, &sb) != 0) {
        st = qv_fail_at(err, QV_E_IO, dir, -1, "not a model directory: %s", QV_STRERROR(errno));
        goto cleanup;
    }
    if (!S_ISDIR(sb.st_mode)) {
        st = qv_fail_at(err, QV_E_IO, dir, -1, "not a model directory: a file (qvet run takes "
                        "directories holding qvet.json or model.tflite)");
        goto cleanup;
    }
    snprintf(m->dir, sizeof(m->dir), "%s", dir);
    /* "models/kws/" (what a shell glob ending in a slash gives) is the same directory: no "//" */
    for (size_t n = strlen(m->dir); n > 1 && m->dir[n - 1] == '/'; n--)
        m->dir[n - 1] = '\0';
    dir = m->dir;
    m->task = QV_TASK_CLASSIFICATION;
    m->calib_samples = 300;
    snprintf(m->calib_method, sizeof(m->calib_method), "minmax");
    m->per_channel = true;
    m->pre_scale = 1.0f;
    /* name: the directory's base name (of its real path: "." names the current directory),
     * made safe for the report directory */
    char *real = realpath(dir, NULL);   /* malloc'd: no PATH_MAX buffer to overrun */
    snprintf(probe, sizeof(probe), "%s", real ? real : dir);
    free(real);
    size_t len = strlen(probe);
    while (len > 1 && probe[len - 1] == '/')
        probe[--len] = '\0';
    const char *base = strrchr(probe, '/');
    snprintf(m->name, sizeof(m->name), "%s", base && base[1] ? base + 1 : "model");
    for (char *c = m->name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '.' || *c == '_' || *c == '-'))
            *c = '_';
    if (m->name[0] == '.')
        m->name[0] = '_';
    join(probe, dir, "qvet.json");
    if (file_exists(probe)) {
        snprintf(m->path, sizeof(m->path), "%s", probe);
        st = qv_file_read_all(probe, (size_t)16 << 20, &text, &size, err);
        if (st != QV_OK)
            goto cleanup;
        const char *parse_end = NULL;
        /* size + 1: the NUL qv_file_read_all appends, which require_null_terminated wants */
        root = cJSON_ParseWithLengthOpts((const char *)text, size + 1, &parse_end, 1);
        if (!root) {
            int64_t off = parse_end ? (int64_t)(parse_end - (const char *)text) : -1;
            int32_t line = 1, col = 1;
            for (int64_t i = 0; i < off && i < (int64_t)size; i++) {
                if (text[i] == '\n') {
                    line++;
                    col = 1;
                } else {
                    col++;
                }
            }
            st = qv_fail_line(err, QV_E_INPUT, probe, line, col, "invalid JSON");
            goto cleanup;
        }
        st = parse(m, root, err);
        if (st != QV_OK)
            goto cleanup;
    }
    if (!m->model[0]) {
        join(probe, dir, "model.tflite");
        if (!file_exists(probe))
            join(probe, dir, "model.json");
        if (file_exists(probe))
            snprintf(m->model, sizeof(m->model), "%s", probe);
    }
    if (!m->int8_model[0]) {
        join(probe, dir, "model_int8.tflite");
        if (file_exists(probe))
            snprintf(m->int8_model, sizeof(m->int8_model), "%s", probe);
    }
    if (!m->golden.n_files) {
        static const char *const defaults[] = { "golden/inputs.npy", "golden/inputs.npz",
                                                "golden/golden.csv" };
        for (size_t i = 0; i < 3 && !m->golden.n_files; i++) {
            join(probe, dir, defaults[i]);
            if (file_exists(probe)) {
                snprintf(m->golden.files[0], QV_PATH_MAX, "%s", probe);
                m->golden.n_files = 1;
            }
        }
        join(probe, dir, "golden/labels.csv");
        if (!m->golden.labels[0] && file_exists(probe) && m->golden.n_files &&
            strstr(m->golden.files[0], ".csv") == NULL)
            snprintf(m->golden.labels, QV_PATH_MAX, "%s", probe);
    }
    const char *where = m->path[0] ? m->path : dir;
    if (!m->model[0] && !m->int8_model[0]) {
        st = qv_fail_at(err, QV_E_INPUT, where, -1, "no model: set \"model\" in qvet.json or "
                        "add model.tflite");
        goto cleanup;
    }
    if (!m->golden.n_files) {
        st = qv_fail_at(err, QV_E_INPUT, where, -1, "no golden dataset: set \"golden\" in "
                        "qvet.json or add golden/inputs.npy");
        goto cleanup;
    }
    if ((st = need_file(m->model, "model", where, err)) ||
        (st = need_file(m->int8_model, "int8_model", where, err)) ||
        (st = need_file(m->golden.labels, "golden.labels", where, err)))
        goto cleanup;
    if (m->model[0] && m->int8_model[0] && same_file(m->model, m->int8_model)) {
        st = qv_fail_at(err, QV_E_INPUT, where, -1, "int8_model: '%s' is the file of \"model\" "
                        "('%s'): a model would be compared with itself", m->int8_model, m->model);
        goto cleanup;
    }
    for (int32_t i = 0; i < m->golden.n_files; i++)
        if ((st = need_file(m->golden.files[i], "golden.inputs", where, err)) != QV_OK)
            goto cleanup;
    for (int32_t i = 0; i < m->calib.n_files; i++)
        if ((st = need_file(m->calib.files[i], "calibration.data", where, err)) != QV_OK)
            goto cleanup;
    *ret_manifest = *m;
cleanup:
    cJSON_Delete(root);
    free(text);
    free(m);
    return st;
}
