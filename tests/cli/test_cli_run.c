/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The commands that run datasets (eval, compare, run) through the binary: byte-identical outputs
 * for every -j and --batch on every shipped model and fixture, outputs that appear only when a
 * command succeeds, progress and warnings on stderr.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
                                         "predictions.csv", "junit.xml", "report.html" };
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
        ck_assert_msg(rc == 2 && strstr(errs, bad[i].msg) && strncmp(errs, "qvet: error: ", 13) == 0,
                      "%s: exit %d: %s", data, rc, errs);
        free(errs);
    }
    free(ref);
    free(o);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *cli_run_suite(void)
{
    Suite *s = suite_create("cli_run");
    TCase *tc = tcase_create("cli_run");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, outputs_only_on_success);
    tcase_add_test(tc, two_input_files);
    tcase_add_test(tc, npz_datasets);
    tcase_add_test(tc, compare_and_run_identical_for_every_j_and_batch);
    tcase_add_test(tc, eval_identical_for_every_j_and_batch_tflite_fixtures);
    tcase_add_test(tc, eval_identical_for_every_j_and_batch_op_fixtures);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(cli_run)
