/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The commands that run datasets (eval, compare, run) through the binary: byte-identical outputs
 * for every -j and --batch on every shipped model and fixture, outputs that appear only when a
 * command succeeds, progress and warnings on stderr.
 */
#include <dirent.h>
#include <errno.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

#define RUN(out, errs, ...) qvt_run_cli((const char *const[]){ __VA_ARGS__, NULL }, out, errs)

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* (threads, batch) settings; the first is the reference. */
static const char *const settings[][2] = {
    { "1", "64" }, { "2", "64" }, { "2", "1" }, { "1", "7" }, { "2", "7" }, { "1", "1" },
};
#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

/*
 * The float engine's summation order still depends on the batch (the engine's batch-invariant
 * summation is in progress): float cases vary the thread count only, until it lands.
 */
#define FLOAT_BATCH_INVARIANT 1

/* src repeated `times` times along dim 0 into dst (every dtype, raw bytes). */
static void tile_npy(const char *src, const char *dst, int64_t times)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_npy *npy = NULL;
    ck_assert_msg(qv_npy_open(src, &npy, &err) == QV_OK, "%s", err.msg);
    const struct qv_npy_info *info = qv_npy_get_info(npy);
    int64_t rows = info->shape.dims[0];
    size_t row = (size_t)info->row_elems * qv_dtype_size(info->dtype);
    char *buf = malloc((size_t)rows * row * (size_t)times + 1);
    int64_t got = 0;
    ck_assert_msg(qv_npy_read_rows(npy, rows, buf, true, &got, &err) == QV_OK, "%s", err.msg);
    for (int64_t t = 1; t < times; t++)
        memcpy(buf + (size_t)t * (size_t)rows * row, buf, (size_t)rows * row);
    struct qv_shape shape = info->shape;
    shape.dims[0] = rows * times;
    enum qv_dtype dt = info->dtype;
    qv_npy_close(npy);
    ck_assert_msg(qv_npy_save(dst, dt, &shape, buf, &err) == QV_OK, "%s", err.msg);
    free(buf);
}

struct eval_case {
    char model[4096];
    int n_inputs;
    char inputs[8][4096];
    const char *engine;
    bool is_float;                 /* float engine: batch-dependent until the engine lands */
};

/*
 * Runs eval in every setting (or, quick, in settings 0, 4, 5: still -j 1 and 2, batch 1, 7 and
 * 64); outputs and predictions must equal the reference's.
 */
static void check_eval(const struct eval_case *c, const char *dir, bool quick)
{
    char *ref_o = qvt_path(dir, "ref_o.npy"), *ref_p = qvt_path(dir, "ref_p.csv");
    char *o = qvt_path(dir, "o.npy"), *p = qvt_path(dir, "p.csv");
    for (size_t s = 0; s < N_SETTINGS; s++) {
        if (c->is_float && !FLOAT_BATCH_INVARIANT && strcmp(settings[s][1], "64") != 0)
            continue;
        if (quick && s != 0 && s != 4 && s != 5 && !(c->is_float && !FLOAT_BATCH_INVARIANT))
            continue;
        const char *args[24] = { "eval", "-q", "--engine", c->engine, "-j", settings[s][0],
                                 "--batch", settings[s][1], "--save-outputs", s ? o : ref_o,
                                 "-o", s ? p : ref_p, c->model };
        int na = 13;
        for (int i = 0; i < c->n_inputs; i++)
            args[na++] = c->inputs[i];
        args[na] = NULL;
        char *errs = NULL;
        int rc = qvt_run_cli(args, NULL, &errs);
        ck_assert_msg(rc == 0, "eval %s -j %s --batch %s: exit %d: %s", c->model, settings[s][0],
                      settings[s][1], rc, errs);
        free(errs);
        if (s == 0)
            continue;
        size_t n1, n2, m1, m2;
        char *a = qvt_read_file(ref_o, &n1), *b = qvt_read_file(o, &n2);
        char *pa = qvt_read_file(ref_p, &m1), *pb = qvt_read_file(p, &m2);
        ck_assert(a && b && pa && pb);
        ck_assert_msg(n1 == n2 && memcmp(a, b, n1) == 0, "%s: outputs with -j %s --batch %s "
                      "differ from -j 1 --batch 64", c->model, settings[s][0], settings[s][1]);
        ck_assert_msg(m1 == m2 && memcmp(pa, pb, m1) == 0, "%s: predictions with -j %s --batch "
                      "%s differ", c->model, settings[s][0], settings[s][1]);
        free(a);
        free(b);
        free(pa);
        free(pb);
    }
    free(ref_o);
    free(ref_p);
    free(o);
    free(p);
}

/* A fixture input tiled to 2+ chunks, so that -j 2 has two workers to split it. */
static void tiled(const char *dir, const char *src, int idx, char *dst, int64_t times)
{
    char name[32];
    snprintf(name, sizeof(name), "in%d.npy", idx);
    char *p = qvt_path(dir, name);
    tile_npy(src, p, times);
    snprintf(dst, 4096, "%s", p);
    free(p);
}

START_TEST(eval_identical_for_every_j_and_batch_tflite_fixtures)
{
    char *dir = qvt_tmpdir();
    char list[4096];
    snprintf(list, sizeof(list), "%s", qvt_fixture("tflite"));
    DIR *d = opendir(list);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    int models = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "models.txt") == 0)
            continue;
        static const struct {
            const char *model, *input, *engine;
            bool is_float;
        } forms[] = {
            { "model_int8.tflite", "input_int8.npy", "int8", false },
            { "model_int8_fio.tflite", "input_f32.npy", "int8", false },
            { "model_f32.tflite", "input_f32.npy", "float", true },
        };
        for (size_t f = 0; f < 3; f++) {
            struct eval_case c = { .n_inputs = 1, .engine = forms[f].engine,
                                   .is_float = forms[f].is_float };
            char rel[512];
            snprintf(rel, sizeof(rel), "tflite/%s/%s", e->d_name, forms[f].model);
            snprintf(c.model, sizeof(c.model), "%s", qvt_fixture(rel));
            snprintf(rel, sizeof(rel), "tflite/%s/%s", e->d_name, forms[f].input);
            tiled(dir, qvt_fixture(rel), 0, c.inputs[0], 100);
            check_eval(&c, dir, false);
            models++;
        }
    }
    closedir(d);
    ck_assert_int_ge(models, 30);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* Every single-op int8 fixture (303 models, one- and two-input), and every float one. */
START_TEST(eval_identical_for_every_j_and_batch_op_fixtures)
{
    char *dir = qvt_tmpdir();
    static const struct {
        const char *set, *model, *engine;
        bool is_float;
    } sets[] = {
        { "int8_ops", "model.tflite", "int8", false },
        { "float_ops", "model.json", "float", true },
    };
    for (size_t s = 0; s < 2; s++) {
        char root[4096];
        snprintf(root, sizeof(root), "%s", qvt_fixture(sets[s].set));
        DIR *d = opendir(root);
        ck_assert_ptr_nonnull(d);
        struct dirent *e;
        int models = 0;
        while ((e = readdir(d)) != NULL) {
            char path[8192];
            snprintf(path, sizeof(path), "%s/%s/%s", root, e->d_name, sets[s].model);
            if (e->d_name[0] == '.' || !exists(path))
                continue;
            struct eval_case c = { .engine = sets[s].engine, .is_float = sets[s].is_float };
            snprintf(c.model, sizeof(c.model), "%s", path);
            for (int i = 0; i < 8; i++) {
                snprintf(path, sizeof(path), "%s/%s/input_%d.npy", root, e->d_name, i);
                if (!exists(path))
                    break;
                tiled(dir, path, i, c.inputs[i], 90);
                c.n_inputs++;
            }
            check_eval(&c, dir, true);
            models++;
        }
        closedir(d);
        ck_assert_int_ge(models, 100);
    }
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* compare (int8 double vs single rounding, every layer; float vs int8 models) and run (every
 * shipped directory). */
START_TEST(compare_and_run_identical_for_every_j_and_batch)
{
    char *dir = qvt_tmpdir();
    char model[4096], data[4096];
    snprintf(model, sizeof(model), "%s", qvt_source("datasets/digits/model_int8.tflite"));
    snprintf(data, sizeof(data), "%s", qvt_source("datasets/digits/golden/inputs.npy"));
    char *ref = NULL;
    for (size_t s = 0; s < N_SETTINGS; s++) {
        char *out = NULL, *errs = NULL;
        int rc = RUN(&out, &errs, "compare", "-q", "--json", "-j", settings[s][0], "--batch",
                     settings[s][1], model, data);
        ck_assert_msg(rc == 0, "compare: exit %d: %s", rc, errs);
        if (s == 0)
            ref = out;
        else
            ck_assert_msg(strcmp(out, ref) == 0, "compare -j %s --batch %s:\n%s\nvs\n%s",
                          settings[s][0], settings[s][1], out, ref);
        if (s)
            free(out);
        free(errs);
    }
    free(ref);
    /* float model against int8 model, tensors paired by name, on every tflite fixture */
    char fdir[4096];
    snprintf(fdir, sizeof(fdir), "%s", qvt_fixture("tflite/cnn_small"));
    char fm[4200], qm[4200], fin[4200];
    snprintf(fm, sizeof(fm), "%s/model_f32.tflite", fdir);
    snprintf(qm, sizeof(qm), "%s/model_int8_fio.tflite", fdir);
    snprintf(fin, sizeof(fin), "%s/input_f32.npy", fdir);
    char tiled_in[4096];
    tiled(dir, fin, 0, tiled_in, 100);
    ref = NULL;
    for (size_t s = 0; s < N_SETTINGS; s++) {
        char *out = NULL, *errs = NULL;
        int rc = RUN(&out, &errs, "compare", "-q", "--json", "-j", settings[s][0], "--batch",
                     settings[s][1], fm, qm, tiled_in);
        ck_assert_msg(rc == 0, "compare float vs int8: exit %d: %s", rc, errs);
        if (s == 0)
            ref = out;
        else
            ck_assert_msg(strcmp(out, ref) == 0, "compare float vs int8 -j %s --batch %s "
                          "differs", settings[s][0], settings[s][1]);
        if (s)
            free(out);
        free(errs);
    }
    free(ref);
    /* qvet run on every shipped directory (float and int8 models, one pass) */
    static const char *const files[] = { "summary.json", "summary.md", "metrics.csv",
                                         "predictions.csv", "junit.xml", "report.html",
                                         "layers.csv", "budget.csv" };
    enum { N_FILES = sizeof(files) / sizeof(files[0]) };
    char root[4096];
    snprintf(root, sizeof(root), "%s", qvt_source("datasets"));
    DIR *d = opendir(root);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    int dirs = 0;
    while ((e = readdir(d)) != NULL) {
        char mdir[8192], manifest[8300];
        snprintf(mdir, sizeof(mdir), "%s/%s", root, e->d_name);
        snprintf(manifest, sizeof(manifest), "%s/qvet.json", mdir);
        if (e->d_name[0] == '.' || !exists(manifest))
            continue;
        dirs++;
        char *want[N_FILES] = { 0 };
        for (size_t s = 0; s < N_SETTINGS; s++) {
            char *out = NULL, *errs = NULL;
            char *od = qvt_path(dir, "out");
            int rc = RUN(&out, &errs, "run", "-q", "-o", od, "-j", settings[s][0], "--batch",
                         settings[s][1], mdir);
            ck_assert_msg(rc == 0, "run %s: exit %d: %s %s", mdir, rc, out, errs);
            for (size_t f = 0; f < N_FILES; f++) {
                char *p = qvt_path(od, files[f]);
                char *text = qvt_read_file(p, NULL);
                ck_assert_msg(text != NULL, "%s missing", p);
                if (s == 0) {
                    want[f] = text;
                } else {
                    ck_assert_msg(strcmp(text, want[f]) == 0, "run %s -j %s --batch %s: %s "
                                  "differs", mdir, settings[s][0], settings[s][1], files[f]);
                    free(text);
                }
                free(p);
            }
            free(od);
            free(out);
            free(errs);
        }
        for (size_t f = 0; f < N_FILES; f++)
            free(want[f]);
    }
    closedir(d);
    ck_assert_int_ge(dirs, 4);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* eval writes nothing unless asked; a failing command leaves none of its outputs behind. */
START_TEST(outputs_only_on_success)
{
    char *dir = qvt_tmpdir();
    char model[4096], data[4096];
    snprintf(model, sizeof(model), "%s", qvt_source("datasets/digits/model_int8.tflite"));
    snprintf(data, sizeof(data), "%s", qvt_source("datasets/digits/golden/inputs.npy"));
    char cwd[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
    ck_assert_int_eq(chdir(dir), 0);
    char *errs = NULL;
    ck_assert_int_eq(RUN(NULL, &errs, "eval", "-q", model, data), 0);
    free(errs);
    ck_assert(!exists("predictions.csv"));
    /* a sample the int8 input cannot hold: the run fails after writers opened */
    char *bad = qvt_path(dir, "bad.npy"), *outs = qvt_path(dir, "outs.npy");
    char *pred = qvt_path(dir, "pred.csv"), *tens = qvt_path(dir, "tensors");
    int64_t rows, elems;
    float *x = qvt_load_npy(data, QV_DTYPE_F32, false, &rows, &elems);
    x[300 * elems + 5] = __builtin_nanf("");
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_npy_save(bad, QV_DTYPE_F32, &(struct qv_shape){ 4, { rows, 8, 8, 1 } }, x,
                                 &err), QV_OK);
    free(x);
    int rc = RUN(NULL, &errs, "eval", "-q", "-o", pred, "--save-outputs", outs,
                 "--save-tensors", tens, model, bad);
    ck_assert_msg(rc == 2 && strstr(errs, "sample 300, element 5 is NaN"), "exit %d: %s", rc,
                  errs);
    free(errs);
    ck_assert(!exists(pred) && !exists(outs) && !exists(tens));
    /* nothing else is left in the directory either (no temporaries) */
    DIR *d = opendir(dir);
    struct dirent *e;
    int entries = 0;
    while ((e = readdir(d)) != NULL)
        entries += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    ck_assert_int_eq(entries, 1);   /* bad.npy */
    /* stale temporaries of a killed run (a pid that cannot exist) go when the next starts */
    char stale[4200], stale_dir[4200], live[4200];
    snprintf(stale, sizeof(stale), "%s/.pred.csv.qvet-999999999-0.tmp", dir);
    snprintf(stale_dir, sizeof(stale_dir), "%s/.tensors.qvet-999999999-2.tmp", dir);
    snprintf(live, sizeof(live), "%s/.pred.csv.qvet-%d-0.tmp", dir, (int)getppid());
    qvt_write_file(stale, "x", 1);
    ck_assert_int_eq(mkdir(stale_dir, 0755), 0);
    qvt_write_file(live, "x", 1);
    rc = RUN(NULL, &errs, "eval", "-q", "-o", pred, "--save-tensors", tens, model, data);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, errs);
    free(errs);
    ck_assert(exists(pred) && exists(tens));
    ck_assert(!exists(stale) && !exists(stale_dir));
    ck_assert(exists(live));   /* a live process's temporary is not ours to remove */
    /* --save-tensors never replaces a directory qvet did not write */
    char *other = qvt_path(dir, "other");
    ck_assert_int_eq(mkdir(other, 0755), 0);
    char *keep = qvt_path(other, "keep.txt");
    qvt_write_file(keep, "x", 1);
    rc = RUN(NULL, &errs, "eval", "-q", "--save-tensors", other, model, data);
    ck_assert_msg(rc == 2 && strstr(errs, "refusing to replace"), "exit %d: %s", rc, errs);
    free(errs);
    ck_assert(exists(keep));
    ck_assert_int_eq(chdir(cwd), 0);
    free(keep);
    free(other);
    free(bad);
    free(outs);
    free(pred);
    free(tens);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* Two-input models: per-input .npy files in input order or by name; errors name the input. */
START_TEST(two_input_files)
{
    char fx[4096], a[4096], b[4096];
    snprintf(fx, sizeof(fx), "%s", qvt_fixture("int8_ops/add_000/model.tflite"));
    snprintf(a, sizeof(a), "%s", qvt_fixture("int8_ops/add_000/input_0.npy"));
    snprintf(b, sizeof(b), "%s", qvt_fixture("int8_ops/add_000/input_1.npy"));
    char *dir = qvt_tmpdir();
    char *o1 = qvt_path(dir, "o1.npy"), *o2 = qvt_path(dir, "o2.npy");
    char *errs = NULL;
    ck_assert_int_eq(RUN(NULL, &errs, "eval", "-q", "--save-outputs", o1, fx, a, b), 0);
    free(errs);
    /* by name, in the other order: the same outputs */
    char na[4200], nb[4200];
    snprintf(na, sizeof(na), "x0=%s", a);
    snprintf(nb, sizeof(nb), "x1=%s", b);
    int rc = RUN(NULL, &errs, "eval", "-q", "--save-outputs", o2, fx, nb, na);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, errs);
    free(errs);
    size_t n1, n2;
    char *b1 = qvt_read_file(o1, &n1), *b2 = qvt_read_file(o2, &n2);
    ck_assert(b1 && b2 && n1 == n2 && memcmp(b1, b2, n1) == 0);
    free(b1);
    free(b2);
    /* a missing input */
    ck_assert_int_eq(RUN(NULL, &errs, "eval", "-q", fx, a), 2);
    ck_assert_msg(strstr(errs, "input_0.npy") && strstr(errs, "missing input") &&
                  strstr(errs, "input 1 'x1'"), "%s", errs);
    free(errs);
    free(o1);
    free(o2);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* .npz datasets of a two-input model: same outputs as the per-input files; hostile ones refused
 * with the file, the array and its position. */
START_TEST(npz_datasets)
{
    char fx[4096], a[4096], b[4096];
    snprintf(fx, sizeof(fx), "%s", qvt_fixture("int8_ops/add_000/model.tflite"));
    snprintf(a, sizeof(a), "%s", qvt_fixture("int8_ops/add_000/input_0.npy"));
    snprintf(b, sizeof(b), "%s", qvt_fixture("int8_ops/add_000/input_1.npy"));
    char *dir = qvt_tmpdir();
    char *ref = qvt_path(dir, "ref.npy"), *o = qvt_path(dir, "o.npy");
    char *errs = NULL;
    ck_assert_int_eq(RUN(NULL, &errs, "eval", "-q", "--save-outputs", ref, fx, a, b), 0);
    free(errs);
    static const char *const good[] = { "npz/named.npz", "npz/named_reversed.npz",
                                        "npz/positional.npz", "npz/named_deflated.npz",
                                        "npz/zip64_eocd.npz" };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char data[4096];
        snprintf(data, sizeof(data), "%s", qvt_fixture(good[i]));
        int rc = RUN(NULL, &errs, "eval", "-q", "--save-outputs", o, fx, data);
        ck_assert_msg(rc == 0, "%s: exit %d: %s", data, rc, errs);
        free(errs);
        size_t n1, n2;
        char *x = qvt_read_file(ref, &n1), *y = qvt_read_file(o, &n2);
        ck_assert_msg(x && y && n1 == n2 && memcmp(x, y, n1) == 0, "%s: other outputs", data);
        free(x);
        free(y);
    }
    static const struct {
        const char *file, *msg;
    } bad[] = {
        { "npz/missing_input.npz", "missing_input.npz: missing input: no array for input 1 'x1' "
          "of " },
        { "npz/extra_array.npz", "extra_array.npz: array 'arr_2' (position 2) feeds no input: " },
        { "npz/wrong_count.npz", "wrong_count.npz: byte 444: member 'x1.npy' (position 1) holds "
          "2 samples, member 'x0.npy' (position 0) holds 3: every input array needs the same "
          "count" },
        { "npz/wrong_shape.npz", "wrong_shape.npz: array 'x1' (position 1): samples of shape "
          "[4, 12] do not match input 1 'x1' of " },
        { "npz/wrong_dtype.npz", "wrong_dtype.npz: byte 404: member 'x1.npy': npy header: "
          "unsupported dtype '<c8'" },
        { "npz/partly_named.npz", "partly_named.npz: no array for input 1 'x1' of " },
        { "npz/bad_crc.npz", "bad_crc.npz: byte 328: member 'x1.npy': CRC-32 is " },
        { "npz/truncated.npz", "truncated.npz: byte 391: truncated .npz" },
        { "npz/not_npy_member.npz", "not_npy_member.npz: byte 452: member 'readme.txt' is not an "
          ".npy array" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char data[4096];
        snprintf(data, sizeof(data), "%s", qvt_fixture(bad[i].file));
        int rc = RUN(NULL, &errs, "eval", "-q", "-o", o, fx, data);
        ck_assert_msg(rc == 2 && strstr(errs, bad[i].msg) &&
                      strncmp(errs, "qvet: error: ", 13) == 0,
                      "%s: exit %d: %s", data, rc, errs);
        free(errs);
    }
    free(ref);
    free(o);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* Writes rows x elems floats as [rows, dims...] .npy (dims: rank-1 values). */
static void save_f32(const char *path, const float *x, int rank, const int64_t *dims)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_shape shape = { .rank = rank };
    memcpy(shape.dims, dims, (size_t)rank * sizeof(int64_t));
    ck_assert_msg(qv_npy_save(path, QV_DTYPE_F32, &shape, x, &err) == QV_OK, "%s", err.msg);
}

static bool same_file(const char *a, const char *b)
{
    size_t n1, n2;
    char *x = qvt_read_file(a, &n1), *y = qvt_read_file(b, &n2);
    bool same = x && y && n1 == n2 && memcmp(x, y, n1) == 0;
    free(x);
    free(y);
    return same;
}

/* Data whose shape is not the input's but has as many values: refused unless a layout says. */
START_TEST(trap_same_count_other_shape)
{
    char *dir = qvt_tmpdir();
    char model[4096], data[4096];
    snprintf(model, sizeof(model), "%s", qvt_fixture("tflite/hswish_net/model_f32.tflite"));
    snprintf(data, sizeof(data), "%s", qvt_fixture("tflite/hswish_net/input_f32.npy"));
    int64_t rows, elems;
    float *x = qvt_load_npy(data, QV_DTYPE_F32, false, &rows, &elems);
    /* NHWC [4, 16, 16, 3] -> NCHW [4, 3, 16, 16] */
    float *t = malloc((size_t)(rows * elems) * sizeof(float));
    for (int64_t n = 0; n < rows; n++)
        for (int c = 0; c < 3; c++)
            for (int h = 0; h < 16; h++)
                for (int w = 0; w < 16; w++)
                    t[n * elems + (c * 16 + h) * 16 + w] = x[n * elems + (h * 16 + w) * 3 + c];
    char *nchw = qvt_path(dir, "nchw.npy");
    save_f32(nchw, t, 4, (int64_t[]){ rows, 3, 16, 16 });
    char *errs = NULL, *o1 = qvt_path(dir, "o1.npy"), *o2 = qvt_path(dir, "o2.npy");
    int rc = RUN(NULL, &errs, "eval", "-q", model, nchw);
    char want[8192];
    snprintf(want, sizeof(want), "qvet: error: %s: array 0: samples of shape [3, 16, 16] do not "
             "match input 0 'input_0' of %s, shape [16, 16, 3]: they look like channels-first "
             "(NCHW) images for a channels-last (NHWC) model; set \"layout\": \"nchw\" under "
             "\"preprocess\" in qvet.json or pass --layout nchw to transpose them\n", nchw, model);
    ck_assert_msg(rc == 2 && strcmp(errs, want) == 0, "exit %d:\n%s\nwant\n%s", rc, errs, want);
    free(errs);
    /* --layout nchw: exactly the outputs of the NHWC data */
    ck_assert_int_eq(RUN(NULL, NULL, "eval", "-q", "--save-outputs", o1, model, data), 0);
    rc = RUN(NULL, &errs, "eval", "-q", "--layout", "nchw", "--save-outputs", o2, model, nchw);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, errs);
    free(errs);
    ck_assert(same_file(o1, o2));
    /* a CSV record is a flattened sample by definition (C order, channels last): accepted */
    char *csv = qvt_path(dir, "flat.csv");
    FILE *cf = fopen(csv, "w");
    ck_assert_ptr_nonnull(cf);
    for (int64_t n = 0; n < rows; n++)
        for (int64_t k = 0; k < elems; k++)
            fprintf(cf, "%.9g%c", (double)x[n * elems + k], k + 1 < elems ? ',' : '\n');
    ck_assert_int_eq(fclose(cf), 0);
    rc = RUN(NULL, &errs, "eval", "-q", "--save-outputs", o2, model, csv);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, errs);
    free(errs);
    ck_assert(same_file(o1, o2));
    free(csv);
    /* [N, 4, 5] for a [1, 20] input: refused; --layout reshape takes it in C order */
    char mlp[4096], mlp_in[4096];
    snprintf(mlp, sizeof(mlp), "%s", qvt_fixture("tflite/mlp/model_f32.tflite"));
    snprintf(mlp_in, sizeof(mlp_in), "%s", qvt_fixture("tflite/mlp/input_f32.npy"));
    float *m = qvt_load_npy(mlp_in, QV_DTYPE_F32, false, &rows, &elems);
    char *r3 = qvt_path(dir, "r3.npy");
    save_f32(r3, m, 3, (int64_t[]){ rows, 4, 5 });
    rc = RUN(NULL, &errs, "eval", "-q", mlp, r3);
    snprintf(want, sizeof(want), "qvet: error: %s: array 0: samples of shape [4, 5] do not match "
             "input 0 'input_0' of %s, shape [20] (the same 20 values in another arrangement); "
             "if they are that input flattened in C order, set \"layout\": \"reshape\" under "
             "\"preprocess\" in qvet.json or pass --layout reshape\n", r3, mlp);
    ck_assert_msg(rc == 2 && strcmp(errs, want) == 0, "exit %d:\n%s\nwant\n%s", rc, errs, want);
    free(errs);
    ck_assert_int_eq(RUN(NULL, NULL, "eval", "-q", "--save-outputs", o1, mlp, mlp_in), 0);
    ck_assert_int_eq(RUN(NULL, NULL, "eval", "-q", "--layout", "reshape", "--save-outputs", o2,
                         mlp, r3), 0);
    ck_assert(same_file(o1, o2));
    /* the manifest key does the same as the option */
    char *mdir = qvt_path(dir, "m");
    char cmd[16384];
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s/golden' && cp '%s' '%s/model.tflite' && cp '%s' "
             "'%s/golden/inputs.npy'", mdir, model, mdir, nchw, mdir);
    ck_assert_int_eq(system(cmd), 0);
    char *manifest = qvt_path(mdir, "qvet.json");
    const char *text = "{\"task\": \"raw\", \"preprocess\": {\"layout\": \"nchw\"}}";
    qvt_write_file(manifest, text, strlen(text));
    rc = RUN(NULL, &errs, "eval", "-q", "--save-outputs", o2, mdir);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, errs);
    free(errs);
    ck_assert(same_file(o1, o2) == false);   /* o1 is mlp's now: compare with a fresh one */
    ck_assert_int_eq(RUN(NULL, NULL, "eval", "-q", "--save-outputs", o1, model, data), 0);
    ck_assert(same_file(o1, o2));
    text = "{\"preprocess\": {\"layout\": \"chw\"}}";
    qvt_write_file(manifest, text, strlen(text));
    rc = RUN(NULL, &errs, "eval", "-q", mdir);
    ck_assert_msg(rc == 2 && strstr(errs, "qvet.json: preprocess.layout: 'chw' is not one of "
                  "as-is, nchw, reshape"), "exit %d: %s", rc, errs);
    free(errs);
    free(manifest);
    free(mdir);
    free(r3);
    free(m);
    free(o1);
    free(o2);
    free(nchw);
    free(t);
    free(x);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* Integer data that cannot be what the input expects: a warning saying why (docs/data.md). */
START_TEST(trap_integer_data_warnings)
{
    char *dir = qvt_tmpdir();
    char q[4096], f[4096], golden[4096];
    snprintf(q, sizeof(q), "%s", qvt_source("datasets/digits/model_int8.tflite"));
    snprintf(f, sizeof(f), "%s", qvt_source("datasets/digits/model.tflite"));
    snprintf(golden, sizeof(golden), "%s", qvt_source("datasets/digits/golden/inputs.npy"));
    int64_t rows, elems;
    float *x = qvt_load_npy(golden, QV_DTYPE_F32, false, &rows, &elems);
    uint8_t *u8 = malloc((size_t)(rows * elems));
    int8_t *codes = malloc((size_t)(rows * elems));
    int64_t above = 0;
    for (int64_t i = 0; i < rows * elems; i++) {
        u8[i] = (uint8_t)(x[i] * 16.0f + 0.5f);   /* the raw 0..16 pixels */
        above += u8[i] > 1;
        float r = x[i] / 0.00392156886f;
        codes[i] = (int8_t)((int)(r + 0.5f) - 128);
    }
    struct qv_error err = QV_ERROR_INIT;
    char *raw = qvt_path(dir, "raw.npy"), *qc = qvt_path(dir, "codes.npy");
    ck_assert_int_eq(qv_npy_save(raw, QV_DTYPE_U8, &(struct qv_shape){ 4, { rows, 8, 8, 1 } }, u8,
                                 &err), QV_OK);
    ck_assert_int_eq(qv_npy_save(qc, QV_DTYPE_I8, &(struct qv_shape){ 4, { rows, 8, 8, 1 } },
                                 codes, &err), QV_OK);
    /* uint8 pixels into the int8 model without preprocess: most saturate */
    char *errs = NULL;
    int rc = RUN(NULL, &errs, "eval", "-q", q, raw);
    char want[8192];
    snprintf(want, sizeof(want), "qvet: warning: %s: %lld of %lld values (%.1f%%) fall outside "
             "the range [-0.00196078, 1.00196] that input 'input_0' of %s can "
             "hold and saturate: these integer data are taken as real values; if they are raw "
             "pixels or counts, set preprocess scale (e.g. 1/255) and offset (docs/data.md)\n",
             raw, (long long)above, (long long)(rows * elems),
             100.0 * (double)above / (double)(rows * elems), q);
    ck_assert_msg(rc == 0 && strcmp(errs, want) == 0, "exit %d:\n%s\nwant\n%s", rc, errs, want);
    free(errs);
    /* with the right preprocessing: no warning */
    rc = RUN(NULL, &errs, "eval", "-q", "--scale", "0.0625", q, raw);
    ck_assert_msg(rc == 0 && errs[0] == '\0', "exit %d: %s", rc, errs);
    free(errs);
    /* int8 codes into the float model alone: they reach it as real values */
    rc = RUN(NULL, &errs, "eval", "-q", f, qc);
    snprintf(want, sizeof(want), "qvet: warning: %s: int8 data reach float input "
             "'input_0' of %s as real values; if they are the quantized codes "
             "of an int8 model's input, run that model alongside (its input parameters then "
             "dequantize them) or set preprocess scale and offset (docs/data.md)\n", qc, f);
    ck_assert_msg(rc == 0 && strcmp(errs, want) == 0, "exit %d:\n%s\nwant\n%s", rc, errs, want);
    free(errs);
    /* float vs int8 model on the codes: the float side gets them dequantized, no warning, and
     * its outputs match those of the float data within a quantization step */
    rc = RUN(NULL, &errs, "compare", "-q", f, q, qc);
    ck_assert_msg(rc == 0 && errs[0] == '\0', "exit %d: %s", rc, errs);
    free(errs);
    char *o1 = qvt_path(dir, "o1.npy"), *o2 = qvt_path(dir, "o2.npy");
    ck_assert_int_eq(RUN(NULL, NULL, "eval", "-q", "--engine", "int8", "--save-outputs", o1, q,
                         golden), 0);
    ck_assert_int_eq(RUN(NULL, NULL, "eval", "-q", "--engine", "int8", "--save-outputs", o2, q,
                         qc), 0);
    ck_assert(same_file(o1, o2));   /* the codes are the int8 model's own quantization */
    free(o1);
    free(o2);
    free(raw);
    free(qc);
    free(u8);
    free(codes);
    free(x);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* float64 data (numpy's default) give the float32 data's outputs; out of range is an error. */
START_TEST(trap_float64_data)
{
    char *dir = qvt_tmpdir();
    char f[4096], golden[4096];
    snprintf(f, sizeof(f), "%s", qvt_source("datasets/digits/model.tflite"));
    snprintf(golden, sizeof(golden), "%s", qvt_source("datasets/digits/golden/inputs.npy"));
    int64_t rows, elems;
    float *x = qvt_load_npy(golden, QV_DTYPE_F32, false, &rows, &elems);
    /* an .npy of '<f8' written by hand: header as numpy writes it, then the doubles */
    char *p64 = qvt_path(dir, "x64.npy");
    char header[128];
    int hl = snprintf(header, sizeof(header), "{'descr': '<f8', 'fortran_order': False, "
                      "'shape': (%lld, 8, 8, 1), }", (long long)rows);
    size_t pre = 10, pad = 64 - (pre + (size_t)hl + 1) % 64;
    size_t total = pre + (size_t)hl + pad + 1 + (size_t)(rows * elems) * 8;
    unsigned char *buf = calloc(1, total);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)((size_t)hl + pad + 1);
    memcpy(buf + pre, header, (size_t)hl);
    memset(buf + pre + hl, ' ', pad);
    buf[pre + (size_t)hl + pad] = '\n';
    double *d = (double *)(void *)(buf + pre + (size_t)hl + pad + 1);
    for (int64_t i = 0; i < rows * elems; i++) {
        double v = x[i];
        memcpy(&d[i], &v, 8);
    }
    qvt_write_file(p64, buf, total);
    char *o1 = qvt_path(dir, "o1.npy"), *o2 = qvt_path(dir, "o2.npy"), *errs = NULL;
    ck_assert_int_eq(RUN(NULL, NULL, "eval", "-q", "--save-outputs", o1, f, golden), 0);
    int rc = RUN(NULL, &errs, "eval", "-q", "--save-outputs", o2, f, p64);
    ck_assert_msg(rc == 0 && errs[0] == '\0', "exit %d: %s", rc, errs);
    free(errs);
    ck_assert(same_file(o1, o2));
    /* a value beyond float32 */
    double big = 1e39;
    memcpy(&d[7 * elems + 2], &big, 8);
    qvt_write_file(p64, buf, total);
    rc = RUN(NULL, &errs, "eval", "-q", f, p64);
    char want[8192];
    snprintf(want, sizeof(want), "qvet: error: %s: byte %zu: sample 7, element 2: float64 value "
             "1e+39 is outside the float32 range\n", p64,
             pre + (size_t)hl + pad + 1 + (size_t)(7 * elems + 2) * 8);
    ck_assert_msg(rc == 2 && strcmp(errs, want) == 0, "exit %d:\n%s\nwant\n%s", rc, errs, want);
    free(errs);
    free(o1);
    free(o2);
    free(buf);
    free(p64);
    free(x);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* Labels: int64 and bool accepted; out of range, fractional, float, or too few/many refused
 * with the file and line (or byte). */
START_TEST(trap_labels)
{
    char *dir = qvt_tmpdir();
    char q[4096], golden[4096];
    snprintf(q, sizeof(q), "%s", qvt_source("datasets/digits/model_int8.tflite"));
    snprintf(golden, sizeof(golden), "%s", qvt_source("datasets/digits/golden/inputs.npy"));
    char *labels_src = qvt_read_file(qvt_source("datasets/digits/golden/labels.csv"), NULL);
    ck_assert_ptr_nonnull(labels_src);
    int64_t lab[360];
    int n = 0;
    for (char *line = strtok(labels_src, "\n"); line; line = strtok(NULL, "\n"))
        if (line[0] >= '0' && line[0] <= '9')
            lab[n++] = atoll(line);
    ck_assert_int_eq(n, 360);
    struct qv_error err = QV_ERROR_INIT;
    char *l64 = qvt_path(dir, "l64.npy"), *lcsv = qvt_path(dir, "l.csv");
    ck_assert_int_eq(qv_npy_save(l64, QV_DTYPE_I64, &(struct qv_shape){ 1, { 360 } }, lab, &err),
                     QV_OK);
    char *out = NULL, *errs = NULL;
    int rc = RUN(&out, &errs, "eval", "-q", "--labels", l64, q, golden);
    ck_assert_msg(rc == 0 && strstr(out, "accuracy 0.9833 (354/360)"), "exit %d: %s %s", rc, out,
                  errs);
    free(out);
    free(errs);
    /* bool labels: a two-class task on the same data (class 0 vs the rest) */
    uint8_t b[360];
    for (int i = 0; i < 360; i++)
        b[i] = lab[i] != 0;
    char *lb = qvt_path(dir, "lb.npy");
    ck_assert_int_eq(qv_npy_save(lb, QV_DTYPE_BOOL, &(struct qv_shape){ 1, { 360 } }, b, &err),
                     QV_OK);
    rc = RUN(&out, &errs, "eval", "-q", "--labels", lb, q, golden);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, errs);
    free(out);
    free(errs);
    /* CSV labels with a class outside 0..9 on line 5 */
    char text[4096];
    size_t o = (size_t)snprintf(text, sizeof(text), "label\n");
    for (int i = 0; i < 360; i++)
        o += (size_t)snprintf(text + o, sizeof(text) - o, "%d\n", i == 3 ? 10 : (int)lab[i]);
    qvt_write_file(lcsv, text, o);
    rc = RUN(NULL, &errs, "eval", "-q", "--labels", lcsv, q, golden);
    char want[8192];
    snprintf(want, sizeof(want), "qvet: error: %s:5:1: label 10 of sample 3 is outside the "
             "model's 10 classes (0..9)\n", lcsv);
    ck_assert_msg(rc == 2 && strcmp(errs, want) == 0, "exit %d:\n%s\nwant\n%s", rc, errs, want);
    free(errs);
    /* a fractional label on line 300 */
    o = (size_t)snprintf(text, sizeof(text), "label\n");
    for (int i = 0; i < 360; i++)
        o += (size_t)snprintf(text + o, sizeof(text) - o, i == 298 ? "2.5\n" : "%d\n",
                              (int)lab[i]);
    qvt_write_file(lcsv, text, o);
    rc = RUN(NULL, &errs, "eval", "-q", "--labels", lcsv, q, golden);
    snprintf(want, sizeof(want), "qvet: error: %s:300:1: label 2.5 of sample 298 is not a class "
             "index (a classification task needs integer labels)\n", lcsv);
    ck_assert_msg(rc == 2 && strcmp(errs, want) == 0, "exit %d:\n%s\nwant\n%s", rc, errs, want);
    free(errs);
    /* one label too few: named with the line of the last label */
    o = (size_t)snprintf(text, sizeof(text), "label\n");
    for (int i = 0; i < 359; i++)
        o += (size_t)snprintf(text + o, sizeof(text) - o, "%d\n", (int)lab[i]);
    qvt_write_file(lcsv, text, o);
    rc = RUN(NULL, &errs, "eval", "-q", "--labels", lcsv, q, golden);
    snprintf(want, sizeof(want), "qvet: error: %s:360: labels file '%s' has 359 labels (the "
             "last on this line), dataset '%s' has more samples\n", lcsv, lcsv, golden);
    ck_assert_msg(rc == 2 && strcmp(errs, want) == 0, "exit %d:\n%s\nwant\n%s", rc, errs, want);
    free(errs);
    /* one too many: the line of the first label left over */
    o = (size_t)snprintf(text, sizeof(text), "label\n");
    for (int i = 0; i < 361; i++)
        o += (size_t)snprintf(text + o, sizeof(text) - o, "%d\n", (int)lab[i % 360]);
    qvt_write_file(lcsv, text, o);
    rc = RUN(NULL, &errs, "eval", "-q", "--labels", lcsv, q, golden);
    snprintf(want, sizeof(want), "qvet: error: %s:362: labels file '%s' has more labels than "
             "dataset '%s' has samples (360)\n", lcsv, lcsv, golden);
    ck_assert_msg(rc == 2 && strcmp(errs, want) == 0, "exit %d:\n%s\nwant\n%s", rc, errs, want);
    free(errs);
    /* float .npy labels for classification */
    float fl[360];
    for (int i = 0; i < 360; i++)
        fl[i] = (float)lab[i];
    char *lf = qvt_path(dir, "lf.npy");
    ck_assert_int_eq(qv_npy_save(lf, QV_DTYPE_F32, &(struct qv_shape){ 1, { 360 } }, fl, &err),
                     QV_OK);
    rc = RUN(NULL, &errs, "eval", "-q", "--labels", lf, q, golden);
    snprintf(want, sizeof(want), "qvet: error: %s: byte 59: labels are <f4 floats: a "
             "classification task needs integer class labels (int or bool)\n", lf);
    ck_assert_msg(rc == 2 && strcmp(errs, want) == 0, "exit %d:\n%s\nwant\n%s", rc, errs, want);
    free(errs);
    /* ... which a regression task takes */
    rc = RUN(NULL, &errs, "eval", "-q", "--task", "regression", "--labels", lf, q, golden);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, errs);
    free(errs);
    /* int64 labels out of range: the byte of the element */
    lab[17] = -1;
    ck_assert_int_eq(qv_npy_save(l64, QV_DTYPE_I64, &(struct qv_shape){ 1, { 360 } }, lab, &err),
                     QV_OK);
    rc = RUN(NULL, &errs, "eval", "-q", "--labels", l64, q, golden);
    snprintf(want, sizeof(want), "qvet: error: %s: byte %d: label -1 of sample 17 is outside the "
             "model's 10 classes (0..9)\n", l64, 128 + 17 * 8);
    ck_assert_msg(rc == 2 && strcmp(errs, want) == 0, "exit %d:\n%s\nwant\n%s", rc, errs, want);
    free(errs);
    free(lf);
    free(lb);
    free(l64);
    free(lcsv);
    free(labels_src);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* The totals line of compare's text output ("N samples, M elements: ..."). */
static char *totals_line(const char *out)
{
    const char *l = strstr(out, " samples, ");
    ck_assert_ptr_nonnull(l);
    while (l > out && l[-1] != '\n')
        l--;
    const char *e = strchr(l, '\n');
    return strndup(l, e ? (size_t)(e - l) : strlen(l));
}

/* compare DIR is the directory's float model against its int8 model on the golden set; two
 * models pair their layers as the reports do (by name, else by structure); a model against itself
 * with nothing that differs is refused. */
START_TEST(compare_pairs_layers)
{
    char d[4096], f[4096], q[4096], x[4096];
    snprintf(d, sizeof(d), "%s", qvt_source("datasets/digits"));
    snprintf(f, sizeof(f), "%s/model.tflite", d);
    snprintf(q, sizeof(q), "%s/model_int8.tflite", d);
    snprintf(x, sizeof(x), "%s/golden/inputs.npy", d);
    char *o1 = NULL, *o2 = NULL, *errs = NULL;
    int rc = RUN(&o1, &errs, "compare", "-q", d);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, errs);
    free(errs);
    ck_assert_int_eq(RUN(&o2, NULL, "compare", "-q", f, q, x), 0);
    ck_assert_str_eq(o1, o2);
    ck_assert_msg(strstr(o1, "every layer of the second model is paired with the first's"), "%s",
                  o1);
    char *t1 = totals_line(o1);
    free(o2);
    /* every int8 tensor renamed: the structure pairs the same layers, the same figures */
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    ck_assert_int_eq(qv_model_load(q, &g, &err), QV_OK);
    for (int32_t t = 0; t < g->n_tensors; t++) {
        char name[32];
        snprintf(name, sizeof(name), "renamed_%d", t);
        ck_assert_int_eq(qv_graph_strdup(g, name, &g->tensors[t].name, &err), QV_OK);
    }
    uint8_t *buf = NULL;
    size_t size = 0;
    ck_assert_int_eq(qv_tflite_write(g, &buf, &size, &err), QV_OK);
    qv_graph_free(g);
    char *dir = qvt_tmpdir(), *rq = qvt_path(dir, "renamed_int8.tflite");
    FILE *fp = fopen(rq, "wb");
    ck_assert(fp && fwrite(buf, 1, size, fp) == size && fclose(fp) == 0);
    free(buf);
    rc = RUN(&o2, &errs, "compare", "-q", f, rq, x);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, errs);
    free(errs);
    char *t2 = totals_line(o2);
    ck_assert_str_eq(t1, t2);
    ck_assert(strstr(o2, "renamed_") && strstr(o2, "every layer of the second model is paired"));
    free(o2);
    ck_assert_int_eq(RUN(&o2, NULL, "compare", "-q", "--json", f, rq, x), 0);
    ck_assert_msg(strstr(o2, "\"pairing\": \"structure\"") && strstr(o2, "\"unpaired\": []") &&
                  strstr(o2, "\"paired_with\": \"Identity\""), "%s", o2);
    free(o2);
    /* the same file twice, nothing to tell the sides apart */
    ck_assert_int_eq(RUN(NULL, &errs, "compare", "-q", q, q, x), 2);
    ck_assert_msg(strstr(errs, "would be compared with itself"), "%s", errs);
    free(errs);
    /* ... but two engines on it are a comparison */
    ck_assert_int_eq(RUN(NULL, NULL, "compare", "-q", "--a-engine", "float", "--b-engine", "int8",
                         q, q, x), 0);
    free(t1);
    free(t2);
    free(o1);
    free(rq);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/*
 * Runs qvet on a pseudo-terminal (stdout and stderr both the terminal); returns what it drew, or
 * NULL (errno set) where the system has no pseudo-terminals (a chroot without /dev/pts).
 */
static char *run_on_tty(const char *const *args, bool no_color, int *ret_status)
{
    int master = -1;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    if (pid < 0)
        return NULL;
    if (pid == 0) {
        if (no_color)
            setenv("NO_COLOR", "1", 1);
        else
            unsetenv("NO_COLOR");
        setenv("TERM", "xterm", 1);
        const char *argv[32] = { getenv("QVET_BIN") };
        for (int i = 0; args[i] && i < 30; i++)
            argv[i + 1] = args[i];
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    size_t len = 0, cap = 65536;
    char *buf = malloc(cap);
    for (;;) {
        ssize_t n = read(master, buf + len, cap - len - 1);
        if (n > 0) {
            len += (size_t)n;
            if (len + 1 >= cap)
                buf = realloc(buf, cap *= 2);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        break;   /* EIO: the child closed the terminal */
    }
    buf[len] = '\0';
    close(master);
    int status = 0;
    waitpid(pid, &status, 0);
    *ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    return buf;
}

/* The progress bar: on a terminal only, green unless NO_COLOR, never with --quiet. */
START_TEST(progress_bar_on_a_terminal)
{
    char model[4096], data[4096];
    snprintf(model, sizeof(model), "%s", qvt_source("datasets/digits/model_int8.tflite"));
    snprintf(data, sizeof(data), "%s", qvt_source("datasets/digits/golden/inputs.npy"));
    /* not a terminal: nothing but the result (the other tests read stderr empty) */
    char *errs = NULL;
    ck_assert_int_eq(RUN(NULL, &errs, "eval", model, data), 0);
    ck_assert_str_eq(errs, "");
    free(errs);
    int rc;
    const char *args[] = { "eval", "-j", "2", model, data, NULL };
    char *tty = run_on_tty(args, false, &rc);
    if (!tty) {
        fprintf(stderr, "cli_run: no pseudo-terminal here (forkpty: %s): the progress bar is "
                "not checked\n", strerror(errno));
        return;
    }
    ck_assert_msg(rc == 0, "exit %d: %s", rc, tty);
    ck_assert_msg(strstr(tty, "\r\033[Keval [\033[32m") && strstr(tty, "100%  360/360") &&
                  strstr(tty, "int8 engine: 360 samples"), "%s", tty);
    free(tty);
    tty = run_on_tty(args, true, &rc);
    ck_assert_ptr_nonnull(tty);
    ck_assert_msg(rc == 0 && strstr(tty, "100%  360/360") && !strstr(tty, "\033[32m"), "%s",
                  tty);
    free(tty);
    const char *quiet[] = { "eval", "-q", model, data, NULL };
    tty = run_on_tty(quiet, false, &rc);
    ck_assert_ptr_nonnull(tty);
    ck_assert_msg(rc == 0 && !strstr(tty, "eval [") && !strstr(tty, "360/360") &&
                  strstr(tty, "int8 engine: 360 samples"), "%s", tty);
    free(tty);
}
END_TEST

static Suite *cli_run_suite(void)
{
    Suite *s = suite_create("cli_run");
    TCase *tc = tcase_create("cli_run");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, outputs_only_on_success);
    tcase_add_test(tc, two_input_files);
    tcase_add_test(tc, compare_pairs_layers);
    tcase_add_test(tc, npz_datasets);
    tcase_add_test(tc, progress_bar_on_a_terminal);
    tcase_add_test(tc, trap_same_count_other_shape);
    tcase_add_test(tc, trap_integer_data_warnings);
    tcase_add_test(tc, trap_float64_data);
    tcase_add_test(tc, trap_labels);
    tcase_add_test(tc, compare_and_run_identical_for_every_j_and_batch);
    tcase_add_test(tc, eval_identical_for_every_j_and_batch_tflite_fixtures);
    tcase_add_test(tc, eval_identical_for_every_j_and_batch_op_fixtures);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(cli_run)
