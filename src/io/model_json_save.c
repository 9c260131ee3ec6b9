/* SPDX-License-Identifier: Apache-2.0 */
/* Saving the native JSON model (the format is described at the top of model_json.c). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/model_json.h"
#include "qvet/io.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "model_json_save.c writes little-endian weights as they are: port it for big-endian hosts"
#endif

/* ---- saving ------------------------------------------------------------------------------- */

/* cJSON reports allocation failures as NULL: count them and fail once at the end. */
struct builder {
    bool oom;
};

static cJSON *add(struct builder *b, cJSON *parent, const char *key, cJSON *item)
{
    if (!item) {
        b->oom = true;
        return NULL;
    }
    if (!parent) {
        return item;
    }
    if (cJSON_IsArray(parent) ? !cJSON_AddItemToArray(parent, item)
                              : !cJSON_AddItemToObject(parent, key, item)) {
        cJSON_Delete(item);
        b->oom = true;
        return NULL;
    }
    return item;
}

static cJSON *int_array(struct builder *b, const int32_t *v, int32_t n)
{
    cJSON *a = add(b, NULL, NULL, cJSON_CreateArray());
    for (int32_t i = 0; a && i < n; i++)
        add(b, a, NULL, cJSON_CreateNumber(v[i]));
    return a;
}

static void save_attrs(struct builder *b, cJSON *node, const struct qv_attrs *a)
{
    struct qv_attrs def;
    qv_attrs_init(&def);
    cJSON *ja = cJSON_CreateObject();
    if (!ja) {
        b->oom = true;
        return;
    }
    for (size_t k = 0; k < qv_json_n_attrs; k++) {
        const struct attr_def *d = &qv_json_attr_defs[k];
        const char *f = (const char *)a + d->off, *fd = (const char *)&def + d->off;
        switch (d->kind) {
        case ATTR_INT:
            if (*(const int32_t *)(const void *)f != *(const int32_t *)(const void *)fd)
                add(b, ja, d->key, cJSON_CreateNumber(*(const int32_t *)(const void *)f));
            break;
        case ATTR_BOOL:
            if (*(const bool *)f != *(const bool *)fd)
                add(b, ja, d->key, cJSON_CreateBool(*(const bool *)f));
            break;
        case ATTR_FLOAT:
            if (*(const float *)(const void *)f != *(const float *)(const void *)fd)
                add(b, ja, d->key, cJSON_CreateNumber(*(const float *)(const void *)f));
            break;
        case ATTR_PADDING:
            if (a->padding != def.padding)
                add(b, ja, d->key,
                    cJSON_CreateString(qv_json_padding_names[a->padding == QV_PADDING_VALID]));
            break;
        case ATTR_ACT:
            if (a->act != def.act && (unsigned)a->act < QV_ACT_COUNT)
                add(b, ja, d->key, cJSON_CreateString(qv_json_act_names[a->act]));
            break;
        case ATTR_LIST: {
            int32_t n = *(const int32_t *)(const void *)((const char *)a + d->count_off);
            if (n > 0)
                add(b, ja, d->key, int_array(b, (const int32_t *)(const void *)f,
                                             n > QV_MAX_RANK ? QV_MAX_RANK : n));
            break;
        }
        }
    }
    if (ja->child)
        add(b, node, "attrs", ja);
    else
        cJSON_Delete(ja);
}

static cJSON *build_doc(struct builder *b, const struct qv_graph *g, const char *weights_name,
                        const int64_t *offsets)
{
    cJSON *root = add(b, NULL, NULL, cJSON_CreateObject());
    if (!root)
        return NULL;
    add(b, root, "format", cJSON_CreateString(FORMAT_NAME));
    add(b, root, "version", cJSON_CreateNumber(FORMAT_VERSION));
    add(b, root, "name", cJSON_CreateString(g->name ? g->name : ""));
    add(b, root, "weights", cJSON_CreateString(weights_name));
    cJSON *jt = add(b, root, "tensors", cJSON_CreateArray());
    for (int32_t i = 0; jt && i < g->n_tensors; i++) {
        const struct qv_tensor *t = &g->tensors[i];
        cJSON *o = add(b, jt, NULL, cJSON_CreateObject());
        if (!o)
            break;
        add(b, o, "name", cJSON_CreateString(t->name ? t->name : ""));
        add(b, o, "dtype", cJSON_CreateString(qv_dtype_name(t->dtype)));
        cJSON *s = add(b, o, "shape", cJSON_CreateArray());
        for (int32_t k = 0; s && k < t->shape.rank; k++)
            add(b, s, NULL, cJSON_CreateNumber((double)t->shape.dims[k]));
        if (t->data) {
            cJSON *d = add(b, o, "data", cJSON_CreateObject());
            if (d) {
                add(b, d, "offset", cJSON_CreateNumber((double)offsets[i]));
                add(b, d, "size", cJSON_CreateNumber((double)t->nbytes));
            }
        }
        if (t->quant.count > 0) {
            cJSON *q = add(b, o, "quant", cJSON_CreateObject());
            cJSON *sc = q ? add(b, q, "scale", cJSON_CreateArray()) : NULL;
            for (int32_t k = 0; sc && k < t->quant.count; k++)
                add(b, sc, NULL, cJSON_CreateNumber(t->quant.scale[k]));
            if (q)
                add(b, q, "zero_point", int_array(b, t->quant.zero_point, t->quant.count));
            if (q && t->quant.count > 1)
                add(b, q, "axis", cJSON_CreateNumber(t->quant.axis));
        }
    }
    cJSON *jn = add(b, root, "nodes", cJSON_CreateArray());
    for (int32_t i = 0; jn && i < g->n_nodes; i++) {
        const struct qv_node *n = &g->nodes[i];
        cJSON *o = add(b, jn, NULL, cJSON_CreateObject());
        if (!o)
            break;
        add(b, o, "op", cJSON_CreateString(qv_op_name(n->op)));
        if (n->name && n->name[0])
            add(b, o, "name", cJSON_CreateString(n->name));
        add(b, o, "inputs", int_array(b, n->inputs, n->n_inputs));
        add(b, o, "outputs", int_array(b, n->outputs, n->n_outputs));
        save_attrs(b, o, &n->attrs);
    }
    add(b, root, "inputs", int_array(b, g->inputs, g->n_inputs));
    add(b, root, "outputs", int_array(b, g->outputs, g->n_outputs));
    return root;
}

struct strbuf {
    char *s;
    size_t len, cap;
    bool oom;
};

static void sb_add(struct strbuf *sb, const char *text)
{
    size_t n = text ? strlen(text) : 0;
    if (!text)
        sb->oom = true;
    if (sb->oom)
        return;
    if (sb->len + n + 1 > sb->cap) {
        size_t cap = (sb->len + n + 1) * 2;
        char *p = realloc(sb->s, cap);
        if (!p) {
            sb->oom = true;
            return;
        }
        sb->s = p;
        sb->cap = cap;
    }
    memcpy(sb->s + sb->len, text, n + 1);
    sb->len += n;
}

/* One top-level key per line and one tensor or node per line: readable and diff-friendly. */
static char *print_doc(const cJSON *root)
{
    struct strbuf sb = { 0 };
    sb_add(&sb, "{");
    for (const cJSON *c = root->child; c; c = c->next) {
        sb_add(&sb, c == root->child ? "\n  \"" : ",\n  \"");
        sb_add(&sb, c->string);   /* our own keys: nothing to escape */
        sb_add(&sb, "\": ");
        bool list = cJSON_IsArray(c) && (!strcmp(c->string, "tensors") ||
                                         !strcmp(c->string, "nodes"));
        if (!list || !c->child) {
            char *v = cJSON_PrintUnformatted(c);
            sb_add(&sb, v);
            free(v);
            continue;
        }
        sb_add(&sb, "[");
        for (const cJSON *e = c->child; e; e = e->next) {
            char *v = cJSON_PrintUnformatted(e);
            sb_add(&sb, e == c->child ? "\n    " : ",\n    ");
            sb_add(&sb, v);
            free(v);
        }
        sb_add(&sb, "\n  ]");
    }
    sb_add(&sb, "\n}");
    if (sb.oom) {
        free(sb.s);
        return NULL;
    }
    return sb.s;
}

enum qv_status qv_model_json_save(const struct qv_graph *g, const char *json_path,
                                  struct qv_error *err)
{
    enum qv_status st;
    char wpath[1024], wname[512];
    struct qv_atomic_file wf = { 0 }, jf = { 0 };
    struct builder b = { false };
    cJSON *root = NULL;
    char *text = NULL;
    int64_t *offsets = NULL;
    static const uint8_t zeros[WEIGHT_ALIGN];

    st = qv_graph_check_runnable(g, err);
    if (st != QV_OK) {
        qv_error_prefix(err, NULL, "cannot write it as a qvet model");
        return st;
    }
    /* "<dir>/<stem>.json" -> weights "<stem>.bin" beside it. */
    const char *base = strrchr(json_path, '/');
    base = base ? base + 1 : json_path;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (stem == 0 || stem > 400)
        return qv_fail_at(err, QV_E_USAGE, json_path, -1, "cannot derive a weights file name "
                          "from '%s'", json_path);
    snprintf(wname, sizeof(wname), "%.*s.bin", (int)stem, base);
    snprintf(wpath, sizeof(wpath), "%.*s%s", (int)(base - json_path), json_path, wname);
    if (strcmp(wpath, json_path) == 0)
        return qv_fail_at(err, QV_E_USAGE, json_path, -1, "'%s' would be its own weights file",
                          json_path);

    offsets = calloc((size_t)g->n_tensors + 1, sizeof(int64_t));
    if (!offsets)
        return qv_fail(err, QV_E_NOMEM, "out of memory saving '%s'", json_path);
    st = qv_atomic_open(&wf, wpath, err);
    if (st != QV_OK)
        goto cleanup;
    int64_t pos = 0;
    for (int32_t i = 0; i < g->n_tensors; i++) {
        const struct qv_tensor *t = &g->tensors[i];
        if (!t->data)
            continue;
        size_t pad = (size_t)((WEIGHT_ALIGN - pos % WEIGHT_ALIGN) % WEIGHT_ALIGN);
        if ((pad && fwrite(zeros, 1, pad, wf.fp) != pad) ||
            (t->nbytes && fwrite(t->data, 1, t->nbytes, wf.fp) != t->nbytes)) {
            st = qv_fail_at(err, QV_E_IO, wpath, -1, "cannot write '%s': %s", wpath,
                            QV_STRERROR(errno));
            goto cleanup;
        }
        offsets[i] = pos + (int64_t)pad;
        pos = offsets[i] + (int64_t)t->nbytes;
    }
    root = build_doc(&b, g, wname, offsets);
    text = root && !b.oom ? print_doc(root) : NULL;
    if (!text) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory formatting '%s'", json_path);
        goto cleanup;
    }
    st = qv_atomic_open(&jf, json_path, err);
    if (st != QV_OK)
        goto cleanup;
    size_t len = strlen(text);
    if (fwrite(text, 1, len, jf.fp) != len || fputc('\n', jf.fp) == EOF) {
        st = qv_fail_at(err, QV_E_IO, json_path, -1, "cannot write '%s': %s", json_path,
                        QV_STRERROR(errno));
        goto cleanup;
    }
    /* Weights first: a JSON file never names weights that are not there yet. */
    st = qv_atomic_commit(&wf, err);
    if (st == QV_OK)
        st = qv_atomic_commit(&jf, err);
cleanup:
    qv_atomic_abort(&wf);
    qv_atomic_abort(&jf);
    cJSON_Delete(root);
    free(text);
    free(offsets);
    return st;
}
