/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One entry point for every model form: a model directory, or a file whose format is found by
 * its content (magic bytes) first and its extension second, through the formats[] table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "qvet/io.h"
#include "qvet/manifest.h"

/* Bytes read to recognize a format. */
#define PROBE_BYTES 64

struct model_format {
    const char *name;              /* for messages */
    const char *ext;               /* the usual file name ending */
    /* true when the first n bytes (n <= PROBE_BYTES) are this format's; NULL: by extension */
    bool (*probe)(const uint8_t *head, size_t n);
    enum qv_status (*load)(const char *path, struct qv_graph **ret_graph, struct qv_error *err);
};

/* A TFLite flatbuffer: the file identifier "TFL3" at bytes 4..7 (docs/int8-arithmetic.md §7). */
static bool probe_tflite(const uint8_t *head, size_t n)
{
    return n >= 8 && memcmp(head + 4, "TFL3", 4) == 0;
}

/* A JSON document: an object, after optional whitespace and a UTF-8 byte order mark. */
static bool probe_json(const uint8_t *head, size_t n)
{
    size_t i = n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\n' || head[i] == '\r'))
        i++;
    return i < n && head[i] == '{';
}

static const struct model_format formats[] = {
    { "TFLite flatbuffer", ".tflite", probe_tflite, qv_tflite_load },
    { "qvet JSON model", ".json", probe_json, qv_model_json_load },
};
#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static enum qv_status load_file(const char *path, struct qv_graph **ret_graph,
                                struct qv_error *err)
{
    uint8_t head[PROBE_BYTES];
    FILE *f = fopen(path, "rb");
    if (!f)
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot open '%s': %s", path,
                          QV_STRERROR(errno));
    size_t n = fread(head, 1, sizeof(head), f);
    int read_failed = ferror(f), e = errno;
    fclose(f);
    if (read_failed)
        return qv_fail_at(err, QV_E_IO, path, 0, "cannot read '%s': %s", path, QV_STRERROR(e));
    for (size_t i = 0; i < N_FORMATS; i++)
        if (formats[i].probe && formats[i].probe(head, n))
            return formats[i].load(path, ret_graph, err);
    /* not recognized by content: the extension decides, and that reader says what is wrong */
    for (size_t i = 0; i < N_FORMATS; i++)
        if (ends_with(path, formats[i].ext))
            return formats[i].load(path, ret_graph, err);
    return qv_fail_at(err, QV_E_INPUT, path, 0, "unknown model format: not a TFLite flatbuffer "
                      "(bytes 4..7 \"TFL3\"), a qvet JSON model, or a model directory");
}

enum qv_status qv_model_load(const char *path, struct qv_graph **ret_graph, struct qv_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot open '%s': %s", path,
                          QV_STRERROR(errno));
    if (!S_ISDIR(st.st_mode))
        return load_file(path, ret_graph, err);
    struct qv_manifest m;
    enum qv_status s = qv_manifest_load(path, &m, err);
    if (s != QV_OK)
        return s;
    const char *model = qv_manifest_model(&m, false);
    if (!model[0])
        return qv_fail_at(err, QV_E_INPUT, path, -1, "model directory '%s' has no model", path);
    /* one level only: a manifest naming a directory is refused, not followed */
    if (stat(model, &st) == 0 && S_ISDIR(st.st_mode))
        return qv_fail_at(err, QV_E_INPUT, model, -1, "'%s' (the model of '%s') is a directory",
                          model, path);
    return load_file(model, ret_graph, err);
}
