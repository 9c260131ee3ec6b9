/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qv_model_load: the formats[] table (content first, extension second), model directories, and
 * the messages for missing, unreadable and unknown files.
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"

static char *copy_to(const char *dir, const char *name, const char *src)
{
    size_t n;
    char *bytes = qvt_read_file(src, &n);
    ck_assert_msg(bytes != NULL, "missing %s", src);
    char *p = qvt_path(dir, name);
    qvt_write_file(p, bytes, n);
    free(bytes);
    return p;
}

static struct qv_graph *load_ok(const char *path)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    ck_assert_msg(qv_model_load(path, &g, &err) == QV_OK, "%s: %s", path, err.msg);
    ck_assert(g->finalized);
    ck_assert_str_eq(g->path, path);
    return g;
}

static void load_fails(const char *path, enum qv_status want, const char *err_path,
                       const char *needle)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    enum qv_status st = qv_model_load(path, &g, &err);
    ck_assert_msg(st == want, "%s: status %d, want %d (%s)", path, st, want, err.msg);
    ck_assert_ptr_null(g);
    ck_assert_str_eq(err.path, err_path);
    ck_assert_msg(strstr(err.msg, needle), "%s: '%s' lacks '%s'", path, err.msg, needle);
}

START_TEST(formats_by_content_then_extension)
{
    char *dir = qvt_tmpdir();
    const char *tfl_src = qvt_fixture("tflite/mlp/model_int8.tflite");
    /* the usual names */
    char *tfl = copy_to(dir, "m.tflite", tfl_src);
    struct qv_graph *g = load_ok(tfl);
    int32_t n_nodes = g->n_nodes;
    qv_graph_free(g);
    /* a TFLite file under any name is recognized by "TFL3" */
    char *odd = copy_to(dir, "weights.bin", tfl_src);
    g = load_ok(odd);
    ck_assert_int_eq(g->n_nodes, n_nodes);
    qv_graph_free(g);
    char *as_json = copy_to(dir, "looks.json", tfl_src);
    g = load_ok(as_json);
    qv_graph_free(g);
    /* a native JSON model (its weights file beside it) under another name */
    struct qv_error err = QV_ERROR_INIT;
    char *json = qvt_path(dir, "model.json");
    ck_assert_int_eq(qv_model_json_save(g = load_ok(tfl), json, &err), QV_OK);
    qv_graph_free(g);
    char *text = qvt_read_file(json, NULL);
    char *renamed = qvt_path(dir, "model.qvet");
    char with_bom[1 << 16];
    snprintf(with_bom, sizeof(with_bom), "\xEF\xBB\xBF  \n%s", text);
    qvt_write_file(renamed, with_bom, strlen(with_bom));
    g = load_ok(renamed);
    ck_assert_int_eq(g->n_nodes, n_nodes);
    qv_graph_free(g);
    free(text);

    /* damaged files: the extension picks the reader, which says what is wrong */
    char *trunc = qvt_path(dir, "cut.tflite");
    qvt_write_file(trunc, "\x08\x00\x00", 3);
    load_fails(trunc, QV_E_INPUT, trunc, "too short");
    char *bad_json = qvt_path(dir, "bad.json");
    qvt_write_file(bad_json, "[1, 2]", 6);
    load_fails(bad_json, QV_E_INPUT, bad_json, "");
    /* neither by content nor by name */
    char *unknown = qvt_path(dir, "notes.txt");
    qvt_write_file(unknown, "hello, world", 12);
    load_fails(unknown, QV_E_INPUT, unknown, "unknown model format: not a TFLite flatbuffer "
               "(bytes 4..7 \"TFL3\"), a qvet JSON model, or a model directory");
    char *empty = qvt_path(dir, "empty.onnx");
    qvt_write_file(empty, "", 0);
    load_fails(empty, QV_E_INPUT, empty, "unknown model format");

    free(trunc);
    free(bad_json);
    free(unknown);
    free(empty);
    free(renamed);
    free(json);
    free(as_json);
    free(odd);
    free(tfl);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(missing_and_unreadable)
{
    load_fails("/nonexistent/model.tflite", QV_E_IO, "/nonexistent/model.tflite",
               "cannot open '/nonexistent/model.tflite': No such file or directory");
    char *dir = qvt_tmpdir();
    /* a path through a regular file */
    char *file = qvt_path(dir, "f");
    qvt_write_file(file, "x", 1);
    char *through = qvt_path(file, "model.tflite");
    load_fails(through, QV_E_IO, through, "Not a directory");
    free(through);
    free(file);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(model_directories)
{
    char *dir = qvt_tmpdir();
    const char *src = qvt_fixture("tflite/mlp/model_f32.tflite");
    char *model = copy_to(dir, "model.tflite", src);
    char *golden = qvt_path(dir, "golden");
    struct qv_error e0 = QV_ERROR_INIT;
    ck_assert_int_eq(qv_mkdir_p(golden, &e0), QV_OK);
    char *inputs = copy_to(dir, "golden/inputs.npy", qvt_fixture("tflite/mlp/input_f32.npy"));
    /* no manifest: the default model.tflite */
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    ck_assert_msg(qv_model_load(dir, &g, &err) == QV_OK, "%s", err.msg);
    ck_assert_msg(strstr(g->path, "model.tflite"), "%s", g->path);
    qv_graph_free(g);
    /* the manifest names the model, under any name */
    char *other = copy_to(dir, "net.bin", src);
    char *manifest = qvt_path(dir, "qvet.json");
    const char *text = "{\"model\": \"net.bin\"}";
    qvt_write_file(manifest, text, strlen(text));
    ck_assert_msg(qv_model_load(dir, &g, &err) == QV_OK, "%s", err.msg);
    ck_assert_msg(strstr(g->path, "net.bin"), "%s", g->path);
    qv_graph_free(g);
    /* a manifest error names qvet.json */
    text = "{\"modle\": \"net.bin\"}";
    qvt_write_file(manifest, text, strlen(text));
    err = (struct qv_error)QV_ERROR_INIT;
    ck_assert_int_eq(qv_model_load(dir, &g, &err), QV_E_INPUT);
    ck_assert_msg(strstr(err.path, "qvet.json"), "%s", err.path);
    /* a directory with nothing to load */
    char *empty = qvt_path(dir, "empty");
    ck_assert_int_eq(qv_mkdir_p(empty, &err), QV_OK);
    err = (struct qv_error)QV_ERROR_INIT;
    g = NULL;
    ck_assert_int_ne(qv_model_load(empty, &g, &err), QV_OK);
    ck_assert_ptr_null(g);
    ck_assert_msg(err.path[0] && strstr(err.path, "empty"), "'%s': %s", err.path, err.msg);
    free(empty);
    free(inputs);
    free(golden);
    free(manifest);
    free(other);
    free(model);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

Suite *model_load_suite(void)
{
    Suite *s = suite_create("model_load");
    TCase *tc = tcase_create("model_load");
    tcase_add_test(tc, formats_by_content_then_extension);
    tcase_add_test(tc, missing_and_unreadable);
    tcase_add_test(tc, model_directories);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(model_load)
