/* SPDX-License-Identifier: Apache-2.0 */
/* One entry point for every model form: .tflite, native .json, or a model directory. */
#include <string.h>
#include <sys/stat.h>

#include "qvet/io.h"
#include "qvet/manifest.h"

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

enum qv_status qv_model_load(const char *path, struct qv_graph **ret_graph, struct qv_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return qv_fail_at(err, QV_E_IO, path, -1, "cannot open: no such file or directory");
    if (S_ISDIR(st.st_mode)) {
        struct qv_manifest m;
        enum qv_status s = qv_manifest_load(path, &m, err);
        if (s != QV_OK)
            return s;
        return qv_model_load(qv_manifest_model(&m, false), ret_graph, err);
    }
    if (ends_with(path, ".tflite"))
        return qv_tflite_load(path, ret_graph, err);
    if (ends_with(path, ".json"))
        return qv_model_json_load(path, ret_graph, err);
    return qv_fail_at(err, QV_E_USAGE, path, -1, "unknown model format: expected a .tflite file, "
                      "a qvet .json model or a model directory");
}
