/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Past one machine: `qvet run --shard K/N` writes a shard's partial result (partial.json: the
 * run's identity and every accumulator, exactly; predictions.part.csv: its rows), and
 * `qvet merge OUT PART...` combines the N partial results into the reports one run would have
 * written, byte for byte: the accumulators are exact and order-independent (metrics.h), rows are
 * concatenated in sample order, and the gates are evaluated once, on the merged figures, with the
 * thresholds the shards resolved.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/job_internal.h"
#include "analysis/json_util.h"
#include "qvet/qvet.h"

#define PARTIAL_FORMAT 1
/* partial.json members: a shard's identity (must agree across shards) and its figures. */
static const char *const top_keys[] = { "qvet_partial", "qvet_version", "identity", "shard",
                                        "n_shards", "first", "samples", "dataset_samples",
                                        "has_labels", "metrics", "alt_metrics", "layers",
                                        "hist", "notes", NULL };

/* Everything that must be equal in every shard of one run, as one JSON object. */
static cJSON *identity_json(const struct qv_job_result *r)
{
    const struct qv_manifest *m = &r->manifest;
    cJSON *o = cJSON_CreateObject();
    qj_add_string(o, "name", m->name);
    qj_add_string(o, "dir", m->dir);
    qj_add_string(o, "manifest", m->path);
    qj_add_int(o, "task", m->task);
    qj_add_int(o, "rounding", r->rounding);
    qj_add_bool(o, "default_gates", r->default_gates);
    qj_add_bool(o, "targets_from_cli", r->targets_from_cli);
    cJSON *targets = cJSON_AddArrayToObject(o, "targets");
    for (int32_t i = 0; i < m->n_targets; i++)
        cJSON_AddItemToArray(targets, cJSON_CreateString(m->targets[i]));
    cJSON *models = cJSON_AddArrayToObject(o, "models");
    for (int s = 0; s < QV_JOB_MODELS; s++) {
        const struct qv_job_model *jm = &r->models[s];
        cJSON *x = cJSON_CreateObject();
        qj_add_bool(x, "present", jm->present);
        qj_add_bool(x, "own_ptq", jm->own_ptq);
        qj_add_string(x, "label", jm->label);
        qj_add_string(x, "path", jm->path);
        qj_add_string(x, "sha256", jm->sha256);
        qj_add_int(x, "file_bytes", jm->file_bytes);
        qj_add_int(x, "macs", jm->macs);
        qj_add_int(x, "params", jm->params);
        qj_add_int(x, "weight_bytes", jm->weight_bytes);
        cJSON_AddItemToArray(models, x);
    }
    cJSON *data = cJSON_AddArrayToObject(o, "golden");
    for (int32_t i = 0; i < m->golden.n_files; i++) {
        cJSON *x = cJSON_CreateObject();
        qj_add_string(x, "path", m->golden.files[i]);
        qj_add_string(x, "sha256", r->data_sha256[i]);
        cJSON_AddItemToArray(data, x);
    }
    qj_add_string(o, "labels", m->golden.labels);
    qj_add_string(o, "labels_sha256", r->data_sha256[QV_DATA_MAX_FILES]);
    cJSON *gates = cJSON_AddArrayToObject(o, "gates");
    for (int i = 0; i < QV_GATE_ID_COUNT; i++) {
        if (!r->limits.has[i])
            continue;
        cJSON *x = cJSON_CreateObject();
        qj_add_string(x, "key", qv_gate_defs[i].key);
        qj_add_double(x, "threshold", r->limits.value[i]);
        qj_add_int(x, "origin", r->origin[i]);
        cJSON_AddItemToArray(gates, x);
    }
    return o;
}

enum qv_status qv_job_partial_save(const struct qv_job_result *r, const char *dir,
                                   struct qv_error *err)
{
    cJSON *root = cJSON_CreateObject(), *metrics = NULL;
    char path[QV_PATH_MAX + 32];
    enum qv_status st = root ? qv_metrics_to_json(r->metrics, &metrics, err)
                             : qv_fail(err, QV_E_NOMEM, "out of memory");
    if (st != QV_OK) {
        cJSON_Delete(root);
        return st;
    }
    qj_add_int(root, "qvet_partial", PARTIAL_FORMAT);
    qj_add_string(root, "qvet_version", QV_VERSION_STRING);
    cJSON_AddItemToObject(root, "identity", identity_json(r));
    qj_add_int(root, "shard", r->shard);
    qj_add_int(root, "n_shards", r->n_shards);
    qj_add_int(root, "first", r->first);
    qj_add_int(root, "samples", r->samples);
    qj_add_int(root, "dataset_samples", r->dataset_samples);
    qj_add_bool(root, "has_labels", r->has_labels);
    cJSON_AddItemToObject(root, "metrics", metrics);
    if (r->alt_metrics) {
        cJSON *alt = NULL;
        if ((st = qv_metrics_to_json(r->alt_metrics, &alt, err)) != QV_OK) {
            cJSON_Delete(root);
            return st;
        }
        cJSON_AddItemToObject(root, "alt_metrics", alt);
    } else {
        cJSON_AddNullToObject(root, "alt_metrics");
    }
    if (r->layers) {
        cJSON *layers = NULL;
        if ((st = qv_layer_stats_to_json(r->layers, &layers, err)) != QV_OK) {
            cJSON_Delete(root);
            return st;
        }
        cJSON_AddItemToObject(root, "layers", layers);
    } else {
        cJSON_AddNullToObject(root, "layers");
    }
    cJSON *h = cJSON_AddObjectToObject(root, "hist");
    qj_add_bool(h, "present", r->hist.present);
    qj_add_double(h, "step", r->hist.present ? r->hist.step : 0.0);
    qj_add_counts(h, "counts", r->hist.counts, QV_JOB_HIST_BINS);
    qj_add_count(h, "below", r->hist.below);
    qj_add_count(h, "above", r->hist.above);
    qj_add_count(h, "nonfinite", r->hist.nonfinite);
    cJSON *notes = cJSON_AddArrayToObject(root, "notes");
    for (int32_t i = 0; i < r->n_notes; i++)
        cJSON_AddItemToArray(notes, cJSON_CreateString(r->notes[i]));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return qv_fail(err, QV_E_NOMEM, "out of memory writing partial.json");
    /* qvet's own int8 model travels with the shard (merge cannot re-read it from the dir) */
    if (r->int8_tflite && strcmp(r->models[QV_SIDE_INT8].path, QV_JOB_PTQ_PATH) == 0) {
        snprintf(path, sizeof(path), "%s/model_int8.ptq.tflite", dir);
        if ((st = qv_file_write_atomic(path, r->int8_tflite, r->int8_tflite_size, err))) {
            cJSON_free(text);
            return st;
        }
    }
    snprintf(path, sizeof(path), "%s/partial.json", dir);
    FILE *f = fopen(path, "wb");
    if (!f) {
        cJSON_free(text);
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot create '%s': %s", path,
                          QV_STRERROR(errno));
    }
    fputs(text, f);
    fputc('\n', f);
    cJSON_free(text);
    int e = ferror(f) ? EIO : 0;
    if (fclose(f) != 0 && !e)
        e = errno;
    return e ? qv_fail_at(err, QV_E_IO, path, -1, "cannot write '%s': %s", path, QV_STRERROR(e))
             : QV_OK;
}

/* ---- qvet merge --------------------------------------------------------------------------- */

struct part {
    char dir[QV_PATH_MAX];
    char json[QV_PATH_MAX + 32];
    cJSON *root;
    char *identity;                  /* canonical text of "identity" */
    int64_t shard, n_shards, first, samples, dataset_samples;
    bool has_labels;
    struct qv_metrics *metrics;
    struct qv_metrics *alt_metrics;  /* qvet's PTQ beside the given int8 model, or NULL */
};

static enum qv_status read_part(struct part *p, const char *dir, struct qv_error *err)
{
    uint8_t *text = NULL;
    size_t size = 0;
    snprintf(p->dir, sizeof(p->dir), "%s", dir);
    snprintf(p->json, sizeof(p->json), "%s/partial.json", dir);
    struct qj j = { .file = p->json, .err = err };
    enum qv_status st = qv_file_read_all(p->json, (size_t)256 << 20, &text, &size, err);
    if (st != QV_OK)
        return st;
    const char *end = NULL;
    p->root = cJSON_ParseWithLengthOpts((const char *)text, size + 1, &end, 1);
    if (!p->root) {
        int64_t off = end ? (int64_t)(end - (const char *)text) : -1;
        free(text);
        return qv_fail_at(err, QV_E_INPUT, p->json, off, "invalid JSON (not a qvet partial "
                          "result?)");
    }
    free(text);
    int64_t format = 0;
    const cJSON *id = NULL, *metrics = NULL;
    if ((st = qj_only(&j, "", p->root, top_keys)) ||
        (st = qj_int(&j, "", p->root, "qvet_partial", PARTIAL_FORMAT, PARTIAL_FORMAT,
                     &format)) ||
        (st = qj_object(&j, "", p->root, "identity", &id)) ||
        (st = qj_int(&j, "", p->root, "n_shards", 1, 1000000, &p->n_shards)) ||
        (st = qj_int(&j, "", p->root, "shard", 0, p->n_shards - 1, &p->shard)) ||
        (st = qj_count(&j, "", p->root, "first", QJ_MAX_COUNT, &p->first)) ||
        (st = qj_count(&j, "", p->root, "samples", QJ_MAX_COUNT, &p->samples)) ||
        (st = qj_int(&j, "", p->root, "dataset_samples", -1, QJ_MAX_COUNT,
                     &p->dataset_samples)) ||
        (st = qj_bool(&j, "", p->root, "has_labels", &p->has_labels)) ||
        (st = qj_object(&j, "", p->root, "metrics", &metrics)))
        return st;
    p->identity = cJSON_PrintUnformatted(id);
    if (!p->identity)
        return qv_fail(err, QV_E_NOMEM, "out of memory reading '%s'", p->json);
    if ((st = qv_metrics_from_json(metrics, p->json, &p->metrics, err)) != QV_OK)
        return st;
    const cJSON *alt = cJSON_GetObjectItemCaseSensitive(p->root, "alt_metrics");
    if (!alt || cJSON_IsNull(alt))
        return QV_OK;
    if (!cJSON_IsObject(alt))
        return qv_fail_at(err, QV_E_INPUT, p->json, -1, "alt_metrics: expected an object or "
                          "null");
    return qv_metrics_from_json(alt, p->json, &p->alt_metrics, err);
}

/* Rebuilds the run's identity into r (what the reports show) from a part's "identity". */
static enum qv_status load_identity(struct qv_job_result *r, const struct part *p,
                                    struct qv_error *err)
{
    struct qj j = { .file = p->json, .err = err };
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(p->root, "identity");
    const cJSON *models, *golden, *gates, *targets;
    const char *s;
    int64_t v, n;
    enum qv_status st;
    struct qv_manifest *m = &r->manifest;
#define STR(obj, key, dst)                                                                       \
    do {                                                                                         \
        if ((st = qj_string(&j, "identity", obj, key, &s)) != QV_OK)                             \
            return st;                                                                           \
        snprintf(dst, sizeof(dst), "%s", s);                                                     \
    } while (0)
    STR(id, "name", m->name);
    STR(id, "dir", m->dir);
    STR(id, "manifest", m->path);
    if ((st = qj_int(&j, "identity", id, "task", 0, QV_TASK_COUNT - 1, &v)))
        return st;
    m->task = (enum qv_task)v;
    if ((st = qj_int(&j, "identity", id, "rounding", 0, QV_ROUNDING_COUNT - 1, &v)))
        return st;
    r->rounding = (enum qv_rounding)v;
    if ((st = qj_bool(&j, "identity", id, "default_gates", &r->default_gates)) ||
        (st = qj_bool(&j, "identity", id, "targets_from_cli", &r->targets_from_cli)) ||
        (st = qj_array(&j, "identity", id, "targets", -1, &targets, &n)))
        return st;
    for (const cJSON *t = targets->child; t && m->n_targets < 16; t = t->next)
        if (cJSON_IsString(t))
            snprintf(m->targets[m->n_targets++], 32, "%s", t->valuestring);
    if ((st = qj_array(&j, "identity", id, "models", QV_JOB_MODELS, &models, &n)))
        return st;
    int k = 0;
    for (const cJSON *x = models->child; x; x = x->next, k++) {
        struct qv_job_model *jm = &r->models[k];
        if ((st = qj_bool(&j, "identity.models", x, "present", &jm->present)) ||
            (st = qj_bool(&j, "identity.models", x, "own_ptq", &jm->own_ptq)))
            return st;
        STR(x, "label", jm->label);
        STR(x, "path", jm->path);
        STR(x, "sha256", jm->sha256);
        if ((st = qj_int(&j, "identity.models", x, "file_bytes", -1, INT64_MAX,
                         &jm->file_bytes)) ||
            (st = qj_int(&j, "identity.models", x, "macs", 0, INT64_MAX, &jm->macs)) ||
            (st = qj_int(&j, "identity.models", x, "params", 0, INT64_MAX, &jm->params)) ||
            (st = qj_int(&j, "identity.models", x, "weight_bytes", 0, INT64_MAX,
                         &jm->weight_bytes)))
            return st;
    }
    if (k >= 2 && r->models[1].present)
        snprintf(m->int8_model, sizeof(m->int8_model), "%s", r->models[1].path);
    if (r->models[0].present)
        snprintf(m->model, sizeof(m->model), "%s", r->models[0].path);
    if ((st = qj_array(&j, "identity", id, "golden", -1, &golden, &n)))
        return st;
    if (n > QV_DATA_MAX_FILES)
        return qj_fail(&j, "identity", "golden", "more than %d files", QV_DATA_MAX_FILES);
    for (const cJSON *x = golden->child; x; x = x->next) {
        int32_t i = m->golden.n_files++;
        STR(x, "path", m->golden.files[i]);
        STR(x, "sha256", r->data_sha256[i]);
    }
    STR(id, "labels", m->golden.labels);
    STR(id, "labels_sha256", r->data_sha256[QV_DATA_MAX_FILES]);
    if ((st = qj_array(&j, "identity", id, "gates", -1, &gates, &n)))
        return st;
    for (const cJSON *x = gates->child; x; x = x->next) {
        const char *key;
        double t;
        int64_t origin;
        if ((st = qj_string(&j, "identity.gates", x, "key", &key)) ||
            (st = qj_double(&j, "identity.gates", x, "threshold", &t)) ||
            (st = qj_int(&j, "identity.gates", x, "origin", 0, QV_GATE_FROM_CLI, &origin)))
            return st;
        int g = 0;
        while (g < QV_GATE_ID_COUNT && strcmp(qv_gate_defs[g].key, key) != 0)
            g++;
        if (g == QV_GATE_ID_COUNT)
            return qj_fail(&j, "identity.gates", "key", "unknown gate '%s'", key);
        r->limits.has[g] = true;
        r->limits.value[g] = t;
        r->origin[g] = (enum qv_gate_origin)origin;
    }
#undef STR
    return QV_OK;
}

static enum qv_status merge_hist(struct qv_job_result *r, const struct part *p, bool first,
                                 struct qv_error *err)
{
    struct qj j = { .file = p->json, .err = err };
    const cJSON *h;
    struct qv_job_hist x = { 0 };
    enum qv_status st;
    int64_t counts[QV_JOB_HIST_BINS];
    if ((st = qj_object(&j, "", p->root, "hist", &h)) ||
        (st = qj_bool(&j, "hist", h, "present", &x.present)) ||
        (st = qj_double(&j, "hist", h, "step", &x.step)) ||
        (st = qj_counts(&j, "hist", h, "counts", QV_JOB_HIST_BINS, QJ_MAX_COUNT, counts)) ||
        (st = qj_count(&j, "hist", h, "below", QJ_MAX_COUNT, &x.below)) ||
        (st = qj_count(&j, "hist", h, "above", QJ_MAX_COUNT, &x.above)) ||
        (st = qj_count(&j, "hist", h, "nonfinite", QJ_MAX_COUNT, &x.nonfinite)))
        return st;
    if (first) {
        r->hist = x;
        memcpy(r->hist.counts, counts, sizeof(counts));
        return QV_OK;
    }
    if (x.present != r->hist.present || (x.present && x.step != r->hist.step))
        return qj_fail(&j, "hist", "step", "differs from the first shard's");
    for (int i = 0; i < QV_JOB_HIST_BINS; i++)
        r->hist.counts[i] += counts[i];
    r->hist.below += x.below;
    r->hist.above += x.above;
    r->hist.nonfinite += x.nonfinite;
    return QV_OK;
}

/* Appends a shard's prediction rows (its header checked against the first shard's). */
static enum qv_status append_predictions(FILE *out, const struct part *p, bool first,
                                         char **header, struct qv_error *err)
{
    char path[QV_PATH_MAX + 64];
    uint8_t *text = NULL;
    size_t size = 0;
    snprintf(path, sizeof(path), "%s/predictions.part.csv", p->dir);
    enum qv_status st = qv_file_read_all(path, (size_t)1 << 40, &text, &size, err);
    if (st != QV_OK)
        return st;
    char *nl = memchr(text, '\n', size);
    size_t hl = nl ? (size_t)(nl - (char *)text) + 1 : 0;
    if (!nl && size) {
        free(text);
        return qv_fail_at(err, QV_E_INPUT, path, (int64_t)size, "truncated: no end of line");
    }
    if (first) {
        *header = malloc(hl + 1);
        if (!*header) {
            free(text);
            return qv_fail(err, QV_E_NOMEM, "out of memory");
        }
        memcpy(*header, text, hl);
        (*header)[hl] = '\0';
        fwrite(text, 1, hl, out);
    } else if (hl != strlen(*header) || memcmp(text, *header, hl) != 0) {
        free(text);
        return qv_fail_line(err, QV_E_INPUT, path, 1, 0, "columns differ from the first "
                            "shard's predictions");
    }
    if (size && text[size - 1] != '\n') {
        free(text);
        return qv_fail_at(err, QV_E_INPUT, path, (int64_t)size, "truncated: the last row has "
                          "no end of line");
    }
    fwrite(text + hl, 1, size - hl, out);
    free(text);
    return ferror(out) ? qv_fail(err, QV_E_IO, "cannot write predictions.csv: %s",
                                 QV_STRERROR(errno)) : QV_OK;
}

/*
 * The per-layer statistics: the models are loaded again from the paths the shards recorded
 * (their SHA-256 must not have changed), paired as the shards paired them, and each shard's
 * statistics read for that pairing and merged.
 */
/* A model the shards ran: its file must not have changed since (SHA-256). */
static enum qv_status check_model(const struct qv_job_model *jm, struct qv_error *err)
{
    char sha[65];
    if (!jm->present || strcmp(jm->path, QV_JOB_PTQ_PATH) == 0)
        return QV_OK;   /* qvet's own model: checked when its bytes are read */
    enum qv_status st = qv_sha256_file(jm->path, sha, err);
    if (st == QV_OK && strcmp(sha, jm->sha256) != 0)
        st = qv_fail_at(err, QV_E_INPUT, jm->path, -1, "the model changed since the shards ran "
                        "(SHA-256 %s, the shards say %s)", sha, jm->sha256);
    return st;
}

/* Model s of the run: its file (unchanged), or qvet's own int8 model from the first shard's
 * directory ptq_dir. */
static enum qv_status load_model(struct qv_job_result *r, int s, const char *ptq_dir,
                                 struct qv_error *err)
{
    const struct qv_job_model *jm = &r->models[s];
    enum qv_status st;
    if (strcmp(jm->path, QV_JOB_PTQ_PATH) != 0) {
        if ((st = check_model(jm, err)) != QV_OK)
            return st;
        return qv_model_load(jm->path, &r->graphs[s], err);
    }
    char path[QV_PATH_MAX + 64], sha[65];
    snprintf(path, sizeof(path), "%s/model_int8.ptq.tflite", ptq_dir);
    if ((st = qv_file_read_all(path, (size_t)1 << 31, &r->int8_tflite, &r->int8_tflite_size,
                               err)) != QV_OK)
        return st;
    qv_sha256(r->int8_tflite, r->int8_tflite_size, sha);
    if (strcmp(sha, jm->sha256) != 0)
        return qv_fail_at(err, QV_E_INPUT, path, -1, "not the int8 model the shards quantized "
                          "(SHA-256 %s, the shards say %s)", sha, jm->sha256);
    return qv_tflite_read(r->int8_tflite, r->int8_tflite_size, path, &r->graphs[s], err);
}

static enum qv_status merge_layers(struct qv_job_result *r, const struct part *parts,
                                   int32_t n, struct qv_error *err)
{
    enum qv_status st;
    const cJSON *first = cJSON_GetObjectItemCaseSensitive(parts[0].root, "layers");
    if (!first || cJSON_IsNull(first))
        return QV_OK;
    for (int s = 0; s < QV_SIDES; s++)
        if ((st = load_model(r, s, parts[0].dir, err)) != QV_OK)
            return st;
    if ((st = qv_job_layers_init(r, err)) != QV_OK)
        return st;
    for (int32_t i = 0; i < n; i++) {
        const cJSON *j = cJSON_GetObjectItemCaseSensitive(parts[i].root, "layers");
        struct qv_layer_stats *ls = NULL;
        if (!j || cJSON_IsNull(j))
            return qv_fail_at(err, QV_E_INPUT, parts[i].json, -1, "layers: missing (the first "
                              "shard has them)");
        st = qv_layer_stats_from_json(j, parts[i].json, r->pairing, &r->layers->opts, &ls, err);
        if (st == QV_OK)
            st = qv_layer_stats_merge(r->layers, ls, err);
        qv_layer_stats_free(ls);
        if (st != QV_OK)
            return st;
    }
    return QV_OK;
}

static void parts_free(struct part *parts, int32_t n)
{
    for (int32_t i = 0; parts && i < n; i++) {
        cJSON_Delete(parts[i].root);
        free(parts[i].identity);
        qv_metrics_free(parts[i].metrics);
        qv_metrics_free(parts[i].alt_metrics);
    }
    free(parts);
}

/* Checks that the parts are the N shards of one run, and sorts them by shard. */
static enum qv_status check_parts(struct part *parts, int32_t n, struct qv_error *err)
{
    for (int32_t i = 1; i < n; i++) {
        if (strcmp(parts[i].identity, parts[0].identity) != 0)
            return qv_fail_at(err, QV_E_INPUT, parts[i].json, -1, "a shard of another run: its "
                              "directory, models, golden data, options or gates differ from "
                              "'%s'", parts[0].json);
        if (parts[i].n_shards != parts[0].n_shards)
            return qv_fail_at(err, QV_E_INPUT, parts[i].json, -1, "n_shards %lld, '%s' says "
                              "%lld", (long long)parts[i].n_shards, parts[0].json,
                              (long long)parts[0].n_shards);
    }
    if (n != parts[0].n_shards)
        return qv_fail_at(err, QV_E_INPUT, parts[0].json, -1, "the run has %lld shards, %d were "
                          "given", (long long)parts[0].n_shards, n);
    for (int32_t i = 0; i < n; i++) {   /* insertion sort by shard; duplicates fail below */
        for (int32_t k = i; k > 0 && parts[k].shard < parts[k - 1].shard; k--) {
            struct part t = parts[k];
            parts[k] = parts[k - 1];
            parts[k - 1] = t;
        }
    }
    int64_t next = 0;
    for (int32_t i = 0; i < n; i++) {
        if (parts[i].shard != i)
            return qv_fail_at(err, QV_E_INPUT, parts[i].json, -1, "shard %lld/%d %s",
                              (long long)parts[i].shard + 1, n,
                              parts[i].shard < i ? "is given twice" : "follows a missing one");
        if (parts[i].first != next)
            return qv_fail_at(err, QV_E_INPUT, parts[i].json, -1, "shard %d/%d starts at sample "
                              "%lld, the shards before end at %lld", i + 1, n,
                              (long long)parts[i].first, (long long)next);
        next += parts[i].samples;
    }
    if (parts[n - 1].dataset_samples >= 0 && next != parts[n - 1].dataset_samples)
        return qv_fail_at(err, QV_E_INPUT, parts[n - 1].json, -1, "the shards cover %lld of the "
                          "%lld samples", (long long)next,
                          (long long)parts[n - 1].dataset_samples);
    return QV_OK;
}

enum qv_status qv_job_parts_merge(int32_t n_parts, const char *const *parts_dirs,
                                  const char *predictions, const char *baseline,
                                  struct qv_job_result *r, struct qv_error *err)
{
    struct part *parts = calloc((size_t)(n_parts > 0 ? n_parts : 1), sizeof(*parts));
    char *header = NULL;
    FILE *pred = NULL;
    enum qv_status st = QV_OK;
    r->culprit = -1;
    if (!parts)
        return qv_fail(err, QV_E_NOMEM, "out of memory");
    if (n_parts < 1) {
        st = qv_fail(err, QV_E_USAGE, "no partial results to merge");
        goto done;
    }
    for (int32_t i = 0; i < n_parts; i++)
        if ((st = read_part(&parts[i], parts_dirs[i], err)) != QV_OK)
            goto done;
    if ((st = check_parts(parts, n_parts, err)) != QV_OK ||
        (st = load_identity(r, &parts[0], err)) != QV_OK)
        goto done;
    r->metrics = parts[0].metrics;
    parts[0].metrics = NULL;
    /* the identity says whether qvet's PTQ ran beside the int8 model: every shard has its
     * metrics then */
    for (int32_t i = 0; i < n_parts; i++)
        if (!parts[i].alt_metrics != !r->models[QV_JOB_ALT].present) {
            st = qv_fail_at(err, QV_E_INPUT, parts[i].json, -1, "alt_metrics: %s, but the "
                            "identity says qvet's PTQ %s", parts[i].alt_metrics ? "present"
                            : "missing", r->models[QV_JOB_ALT].present ? "ran" : "did not run");
            goto done;
        }
    r->alt_metrics = parts[0].alt_metrics;
    parts[0].alt_metrics = NULL;
    r->spec = r->metrics->spec;
    r->has_labels = parts[0].has_labels;
    r->dataset_samples = parts[n_parts - 1].dataset_samples;
    for (int32_t i = 0; i < n_parts; i++) {
        if (i > 0 && (st = qv_metrics_merge(r->metrics, parts[i].metrics, err)) != QV_OK)
            goto done;
        if (i > 0 && r->alt_metrics &&
            (st = qv_metrics_merge(r->alt_metrics, parts[i].alt_metrics, err)) != QV_OK)
            goto done;
        if ((st = merge_hist(r, &parts[i], i == 0, err)) != QV_OK)
            goto done;
        r->samples += parts[i].samples;
    }
    const cJSON *notes = cJSON_GetObjectItemCaseSensitive(parts[0].root, "notes");
    for (const cJSON *x = notes ? notes->child : NULL; x; x = x->next)
        if (cJSON_IsString(x))
            qv_job_note(r, "%s", x->valuestring);
    if ((st = merge_layers(r, parts, n_parts, err)) != QV_OK)
        goto done;
    for (int s = 0; s < QV_SIDES; s++)   /* every model, as one run holds them */
        if (r->models[s].present && !r->graphs[s] &&
            (st = load_model(r, s, parts[0].dir, err)) != QV_OK)
            goto done;
    if ((st = qv_job_budget(r, err)) != QV_OK)
        goto done;
    if (baseline && (st = qv_job_baseline_load(baseline, &r->baseline, err)) != QV_OK)
        goto done;
    qv_metrics_summarize(r->metrics, &r->summary);
    if (r->alt_metrics)
        qv_metrics_summarize(r->alt_metrics, &r->alt_summary);
    qv_job_eval_gates(r);
    pred = fopen(predictions, "wb");
    if (!pred) {
        st = qv_fail_at(err, QV_E_IO, predictions, -1, "cannot create '%s': %s", predictions,
                        QV_STRERROR(errno));
        goto done;
    }
    for (int32_t i = 0; i < n_parts && st == QV_OK; i++)
        st = append_predictions(pred, &parts[i], i == 0, &header, err);
    int e = ferror(pred) ? EIO : 0;
    if (fclose(pred) != 0 && !e)
        e = errno;
    if (st == QV_OK && e)
        st = qv_fail_at(err, QV_E_IO, predictions, -1, "cannot write '%s': %s", predictions,
                        QV_STRERROR(e));
done:
    free(header);
    parts_free(parts, n_parts);
    return st;
}
