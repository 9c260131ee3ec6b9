/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qvet run and qvet merge through the binary on every shipped directory: default gates, an
 * impossible gate, identical reports for two runs and for one run against its 3 shards merged
 * (the shards run by GNU parallel), one JSON document for several directories, hostile manifests
 * and directories (exit 2 naming the file and key or line, no report left behind), the lock;
 * junit.xml valid against tests/schema/junit.xsd.
 */
#define _DEFAULT_SOURCE   /* wait4: one child's peak memory */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

#define RUN(out, errs, ...) qvt_run_cli((const char *const[]){ __VA_ARGS__, NULL }, out, errs)

static const char *const report_files[] = { "summary.json", "summary.md", "metrics.csv",
                                            "predictions.csv", "junit.xml", "report.html",
                                            "layers.csv", "budget.csv", "model_int8.tflite",
                                            "model_int8.c", "model_int8.h",
                                            "model_int8_resolver.h" };
#define N_REPORT_FILES (sizeof(report_files) / sizeof(report_files[0]))

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The shipped model directories (datasets/<name>/qvet.json). */
static int shipped_dirs(char dirs[][4096], int max)
{
    char root[4096];
    snprintf(root, sizeof(root), "%s", qvt_source("datasets"));
    DIR *d = opendir(root);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL && n < max) {
        char manifest[8300];
        snprintf(manifest, sizeof(manifest), "%s/%s/qvet.json", root, e->d_name);
        if (e->d_name[0] == '.' || !exists(manifest))
            continue;
        snprintf(dirs[n++], 4096, "%s/%s", root, e->d_name);
    }
    closedir(d);
    ck_assert_int_ge(n, 4);
    return n;
}

static void assert_same_reports(const char *a, const char *b, const char *what)
{
    for (size_t f = 0; f < N_REPORT_FILES; f++) {
        char *pa = qvt_path(a, report_files[f]), *pb = qvt_path(b, report_files[f]);
        size_t na, nb;
        char *x = qvt_read_file(pa, &na), *y = qvt_read_file(pb, &nb);
        ck_assert_msg(x && y, "%s: %s missing", what, report_files[f]);
        ck_assert_msg(na == nb && memcmp(x, y, na) == 0, "%s: %s differs (%s vs %s)", what,
                      report_files[f], pa, pb);
        free(x);
        free(y);
        free(pa);
        free(pb);
    }
}

/* A copy of a shipped directory whose qvet.json is `manifest` (NULL: removed). */
static char *copy_dir(const char *src, const char *manifest)
{
    char *dir = qvt_tmpdir();
    char cmd[16384];
    snprintf(cmd, sizeof(cmd), "cp -r '%s'/. '%s'/ && rm -rf '%s/qvet-out'", src, dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    char *p = qvt_path(dir, "qvet.json");
    if (manifest)
        qvt_write_file(p, manifest, strlen(manifest));
    else
        ck_assert_int_eq(unlink(p), 0);
    free(p);
    return dir;
}

/* The shipped qvet.json without its "gates". */
static char *manifest_without_gates(const char *dir)
{
    char *p = qvt_path(dir, "qvet.json");
    char *text = qvt_read_file(p, NULL);
    cJSON *j = cJSON_Parse(text);
    ck_assert_ptr_nonnull(j);
    cJSON_DeleteItemFromObject(j, "gates");
    char *out = cJSON_Print(j);
    cJSON_Delete(j);
    free(text);
    free(p);
    return out;
}

/*
 * junit.xml valid against tests/schema/junit.xsd (the JUnit format CI reporters read), and its
 * counts those of its elements (which XSD 1.0 cannot say), by xmllint (libxml2-utils).
 */
static void check_junit(const char *path)
{
    ck_assert_msg(system("xmllint --version >/dev/null 2>&1") == 0,
                  "xmllint is missing: install libxml2-utils (scripts/setup.sh --test)");
    char cmd[16384];
    snprintf(cmd, sizeof(cmd), "xmllint --noout --schema '%s' '%s' 2>&1",
             qvt_source("tests/schema/junit.xsd"), path);
    FILE *p = popen(cmd, "r");
    char buf[4096] = "";
    size_t n = fread(buf, 1, sizeof(buf) - 1, p);
    buf[n] = 0;
    ck_assert_msg(pclose(p) == 0, "%s does not validate:\n%s", path, buf);
    snprintf(cmd, sizeof(cmd),
             "xmllint --xpath 'count(//testcase) = /testsuites/@tests and "
             "count(//testcase) = //testsuite/@tests and "
             "count(//failure) = /testsuites/@failures and "
             "count(//failure) = //testsuite/@failures and "
             "count(//skipped) = /testsuites/@skipped and "
             "count(//skipped) = //testsuite/@skipped and "
             "count(//error) = //testsuite/@errors' '%s'", path);
    p = popen(cmd, "r");
    n = fread(buf, 1, sizeof(buf) - 1, p);
    buf[n] = 0;
    pclose(p);
    ck_assert_msg(strncmp(buf, "true", 4) == 0, "%s: counts disagree with the elements", path);
}

START_TEST(shipped_dirs_default_and_impossible_gates)
{
    char dirs[16][4096];
    int n = shipped_dirs(dirs, 16);
    for (int i = 0; i < n; i++) {
        char *m = manifest_without_gates(dirs[i]);
        char *dir = copy_dir(dirs[i], m);
        cJSON_free(m);
        char *out = NULL, *errs = NULL;
        int rc = RUN(&out, &errs, "run", "-q", dir);
        ck_assert_msg(rc == 0, "%s with default gates: exit %d\n%s%s", dirs[i], rc, out, errs);
        ck_assert_msg(strstr(out, ", default gates)"), "%s", out);
        free(out);
        free(errs);
        char *sp = qvt_path(dir, "qvet-out/summary.json");
        char *text = qvt_read_file(sp, NULL);
        cJSON *j = cJSON_Parse(text);
        ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "default_gates")));
        ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "passed")));
        const cJSON *g;
        int gates = 0;
        cJSON_ArrayForEach(g, cJSON_GetObjectItem(j, "gates"))
        {
            /* fits:<target> gates come from qvet.json's targets */
            const char *name = cJSON_GetObjectItem(g, "name")->valuestring;
            ck_assert_str_eq(cJSON_GetObjectItem(g, "origin")->valuestring,
                             strncmp(name, "fits:", 5) == 0 ? "manifest" : "default");
            gates++;
        }
        ck_assert_int_ge(gates, 2);
        cJSON_Delete(j);
        free(text);
        char *jp = qvt_path(dir, "qvet-out/junit.xml");
        check_junit(jp);
        /* an impossible gate from the command line: exit 1, reports still written (and a gate
         * that cannot be evaluated without a baseline: skipped) */
        rc = RUN(&out, &errs, "run", "-q", "--min-output-sqnr-db", "500", "--max-regression",
                 "0.01", dir);
        ck_assert_msg(rc == 1, "%s: exit %d\n%s%s", dirs[i], rc, out, errs);
        free(out);
        free(errs);
        char *xml = qvt_read_file(jp, NULL);
        ck_assert_msg(xml && strstr(xml, "name=\"min_output_sqnr_db\"><failure message=\"output "
                                         "SQNR ") && strstr(xml, "<skipped message="), "%s", xml);
        check_junit(jp);
        free(xml);
        free(jp);
        free(sp);
        qvt_rmtree(dir);
        free(dir);
    }
}
END_TEST

START_TEST(shards_merged_equal_one_run)
{
    char dirs[16][4096];
    int n = shipped_dirs(dirs, 16);
    char *tmp = qvt_tmpdir();
    for (int i = 0; i < n; i++) {
        char *one = qvt_path(tmp, "one"), *two = qvt_path(tmp, "two");
        char *merged = qvt_path(tmp, "merged");
        ck_assert_int_eq(RUN(NULL, NULL, "run", "-q", "-j", "2", "-o", one, dirs[i]), 0);
        ck_assert_int_eq(RUN(NULL, NULL, "run", "-q", "-j", "1", "-o", two, dirs[i]), 0);
        assert_same_reports(one, two, "-j 2 and -j 1");
        /* the same run twice (-j 2: the threads finish in any order) */
        ck_assert_int_eq(RUN(NULL, NULL, "run", "-q", "-j", "2", "-o", two, dirs[i]), 0);
        assert_same_reports(one, two, "two runs");
        /* three shards, run concurrently by GNU parallel, merged */
        char cmd[16384];
        snprintf(cmd, sizeof(cmd), "parallel --halt now,fail=1 '%s' run -q -j 1 --shard {}/3 "
                 "-o '%s/part{}' '%s' ::: 1 2 3 >/dev/null", getenv("QVET_BIN"), tmp, dirs[i]);
        ck_assert_msg(system(cmd) == 0, "%s", cmd);
        char p1[4200], p2[4200], p3[4200];
        snprintf(p1, sizeof(p1), "%s/part1", tmp);
        snprintf(p2, sizeof(p2), "%s/part2", tmp);
        snprintf(p3, sizeof(p3), "%s/part3", tmp);
        char *errs = NULL;
        int rc = RUN(NULL, &errs, "merge", merged, p2, p3, p1);
        ck_assert_msg(rc == 0, "merge: exit %d: %s", rc, errs);
        free(errs);
        assert_same_reports(one, merged, dirs[i]);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s' '%s' '%s' '%s' '%s'", one, two, merged, p1,
                 p2, p3);
        ck_assert_int_eq(system(cmd), 0);
        free(one);
        free(two);
        free(merged);
    }
    qvt_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(json_for_several_dirs)
{
    char dirs[16][4096];
    int n = shipped_dirs(dirs, 16);
    char *tmp = qvt_tmpdir();
    const char *args[24] = { "run", "-q", "--json", "-o", tmp };
    int na = 5;
    for (int i = 0; i < n && na < 22; i++)
        args[na++] = dirs[i];
    args[na] = NULL;
    char *out = NULL, *errs = NULL;
    int rc = qvt_run_cli(args, &out, &errs);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, errs);
    cJSON *j = cJSON_Parse(out);
    ck_assert_msg(j != NULL, "not one JSON document:\n%s", out);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "passed")));
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "runs")), n);
    ck_assert(cJSON_IsArray(cJSON_GetObjectItem(j, "errors")));
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "errors")), 0);
    cJSON_Delete(j);
    free(out);
    free(errs);
    /* a directory that cannot be evaluated is in the document too (exit 2, the others run) */
    char *broken = copy_dir(dirs[0], "{\"modle\": \"model.tflite\"}");
    char *copies = qvt_tmpdir();   /* without -o the reports go into each directory */
    char cmd[16384];
    snprintf(cmd, sizeof(cmd), "cp -r '%s'/* '%s'/ && rm -rf '%s'/*/qvet-out",
             qvt_source("datasets"), copies, copies);
    ck_assert_int_eq(system(cmd), 0);
    char copy[16][4300];
    const char *args2[24] = { "run", "-q", "--json" };
    int nb = 3;
    for (int i = 0; i < n && nb < 21; i++) {
        snprintf(copy[i], sizeof(copy[i]), "%s/%s", copies, strrchr(dirs[i], '/') + 1);
        args2[nb++] = copy[i];
    }
    args2[nb++] = broken;
    args2[nb] = NULL;
    rc = qvt_run_cli(args2, &out, &errs);
    j = cJSON_Parse(out);
    ck_assert_msg(rc == 2 && j, "exit %d: %s", rc, out);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "passed")));
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "runs")), n);
    const cJSON *e0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "errors"), 0);
    ck_assert_ptr_nonnull(e0);
    ck_assert_str_eq(cJSON_GetObjectItem(e0, "dir")->valuestring, broken);
    ck_assert_int_eq((int)cJSON_GetObjectItem(e0, "exit_code")->valuedouble, 2);
    ck_assert_msg(strstr(cJSON_GetObjectItem(e0, "message")->valuestring,
                         "qvet.json: modle: unknown key"), "%s", out);
    cJSON_Delete(j);
    free(out);
    free(errs);
    /* the same with -o: the others' reports in OUT/<name>, the error in the document */
    char *outs = qvt_tmpdir();
    const char *args3[26] = { "run", "-q", "--json", "-o", outs };
    for (int i = 3; i <= nb; i++)
        args3[i + 2] = args2[i];
    rc = qvt_run_cli(args3, &out, &errs);
    j = cJSON_Parse(out);
    ck_assert_msg(rc == 2 && j, "exit %d: %s", rc, errs);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "runs")), n);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "errors")), 1);
    for (int i = 0; i < n; i++) {
        char rel[300];
        snprintf(rel, sizeof(rel), "%s/summary.json", strrchr(dirs[i], '/') + 1);
        char *sp = qvt_path(outs, rel);
        ck_assert_msg(exists(sp), "%s missing", sp);
        free(sp);
    }
    cJSON_Delete(j);
    free(out);
    free(errs);
    qvt_rmtree(outs);
    free(outs);
    qvt_rmtree(copies);
    free(copies);
    qvt_rmtree(broken);
    free(broken);
    /* printed: each directory's result, then one table of them all */
    args[2] = "-q";
    rc = qvt_run_cli(args, &out, &errs);
    char head[64];
    snprintf(head, sizeof(head), "\n%d directories: %d passed, 0 failed a gate, 0 not "
             "evaluated\n", n, n);
    char *table = strstr(out, head);
    ck_assert_msg(rc == 0 && table, "exit %d: %s", rc, out);
    for (int i = 0; i < n; i++) {
        char line[256];
        const char *name = strrchr(dirs[i], '/') + 1;
        snprintf(line, sizeof(line), "\n  %-20s ", name);
        const char *at = strstr(table, line);
        ck_assert_msg(at && strstr(at, " PASS ") && strchr(at + 1, '\n') > strstr(at, " PASS "),
                      "%s missing from the table:\n%s", name, table);
    }
    free(out);
    free(errs);
    /* two directories with one name cannot share an --out */
    rc = RUN(NULL, &errs, "run", "-q", "-o", tmp, dirs[0], dirs[0]);
    ck_assert_msg(rc == 2 && strstr(errs, "are both named"), "exit %d: %s", rc, errs);
    free(errs);
    qvt_rmtree(tmp);
    free(tmp);
}
END_TEST

/*
 * The README's first command, `qvet run datasets/<star>` as the shell expands it, on a copy of
 * datasets/ with a README beside the directories: every shipped directory evaluated into its
 * qvet-out, the file skipped with a warning, exit 0; with an impossible gate exit 1, every
 * directory failing it and its reports still written. A path that does not exist stays an error.
 */
START_TEST(readme_first_command)
{
    char dirs[16][4096];
    int n = shipped_dirs(dirs, 16);
    char *tmp = qvt_tmpdir();
    char cmd[16384];
    snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s/datasets' && rm -rf '%s'/datasets/*/qvet-out && "
             "echo notes > '%s/datasets/README.md'", qvt_source("datasets"), tmp, tmp, tmp);
    ck_assert_int_eq(system(cmd), 0);
    char *errp = qvt_path(tmp, "stderr"), *outp = qvt_path(tmp, "stdout");
    for (int k = 0; k < 2; k++) {
        snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' run -q %s datasets/* >stdout 2>stderr", tmp,
                 getenv("QVET_BIN"), k ? "--min-output-sqnr-db 500" : "");
        int status = system(cmd);
        ck_assert(WIFEXITED(status));
        char *errs = qvt_read_file(errp, NULL), *out = qvt_read_file(outp, NULL);
        ck_assert_msg(WEXITSTATUS(status) == k, "exit %d (expected %d)\n%.1500s",
                      WEXITSTATUS(status), k, errs);
        ck_assert_msg(strstr(errs, "qvet: warning: datasets/README.md is not a directory: "
                                   "skipped\n"), "%s", errs);
        char head[96];
        snprintf(head, sizeof(head), "\n%d directories: %d passed, %d failed a gate, 0 not "
                 "evaluated\n", n, k ? 0 : n, k ? n : 0);
        ck_assert_msg(strstr(out, head), "%.1500s", strstr(out, "directories:") ? strstr(out,
                      "directories:") : out);
        for (int i = 0; i < n; i++) {
            char rel[4300];
            snprintf(rel, sizeof(rel), "datasets/%s/qvet-out/summary.json",
                     strrchr(dirs[i], '/') + 1);
            char *sp = qvt_path(tmp, rel);
            char *text = qvt_read_file(sp, NULL);
            ck_assert_msg(text, "%s missing", rel);
            cJSON *j = cJSON_Parse(text);
            ck_assert(cJSON_IsBool(cJSON_GetObjectItem(j, "passed")) &&
                      cJSON_IsTrue(cJSON_GetObjectItem(j, "passed")) == !k);
            cJSON_Delete(j);
            free(text);
            free(sp);
        }
        free(errs);
        free(out);
    }
    /* a path that does not exist is not skipped: a typo must not pass */
    snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' run -q datasets/* datasets/nope >stdout "
             "2>stderr", tmp, getenv("QVET_BIN"));
    int status = system(cmd);
    char *errs = qvt_read_file(errp, NULL);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 2 &&
                  strstr(errs, "qvet: error: datasets/nope: not a model directory: "), "%s",
                  errs);
    free(errs);
    /* a file alone is refused */
    char *e2 = NULL;
    char *readme = qvt_path(tmp, "datasets/README.md");
    int rc = RUN(NULL, &e2, "run", "-q", readme);
    ck_assert_msg(rc == 2 && strstr(e2, "README.md: not a model directory: a file"), "exit %d: "
                  "%s", rc, e2);
    free(e2);
    free(readme);
    free(errp);
    free(outp);
    qvt_rmtree(tmp);
    free(tmp);
}
END_TEST

/*
 * A directory without qvet.json is judged by the default gates (issue 11: it used to pass with
 * none): digits as it ships passes them; with an int8 model quantized on a calibration set of
 * zeros (its ranges miss every real value: int8 top-1 about 0.1) it fails them, exit 1, the
 * reports written and saying the gates are qvet's defaults.
 */
START_TEST(no_manifest_default_gates_protect)
{
    char *dir = copy_dir(qvt_source("datasets/digits"), NULL);
    char *out = NULL, *errs = NULL;
    int rc = RUN(&out, &errs, "run", "-q", "--no-own-ptq", dir);
    ck_assert_msg(rc == 0 && strstr(out, ", default gates)") &&
                  strstr(out, "gate min_agreement          pass"), "exit %d: %s%s", rc, out, errs);
    free(out);
    free(errs);
    float zeros[16 * 64] = { 0 };
    struct qv_error err = QV_ERROR_INIT;
    char *zp = qvt_path(dir, "zeros.npy"), *fm = qvt_path(dir, "model.tflite");
    char *im = qvt_path(dir, "model_int8.tflite");
    ck_assert_int_eq(qv_npy_save(zp, QV_DTYPE_F32, &(struct qv_shape){ 4, { 16, 8, 8, 1 } },
                                 zeros, &err), QV_OK);
    rc = RUN(NULL, &errs, "quantize", fm, zp, "-o", im);
    ck_assert_msg(rc == 0, "quantize: exit %d: %s", rc, errs);
    free(errs);
    rc = RUN(&out, &errs, "run", "-q", "--no-own-ptq", dir);
    ck_assert_msg(rc == 1 && strstr(out, ": FAIL (classification, 360 samples, default gates)") &&
                  strstr(out, "gate max_accuracy_drop      FAIL") &&
                  strstr(out, "gate min_agreement          FAIL"), "exit %d: %.1500s", rc, out);
    free(out);
    free(errs);
    char *md = qvt_path(dir, "qvet-out/summary.md");
    char *text = qvt_read_file(md, NULL);
    ck_assert_msg(text && strstr(text, "Gates: **qvet's defaults**"), "%s", md);
    free(text);
    free(md);
    free(zp);
    free(fm);
    free(im);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/*
 * --min-layer-sqnr-db on digits (propagated SQNR per layer: input 56.4 dB ... FULLY_CONNECTED
 * 36.6, SOFTMAX 32.9; local SQNR of the FULLY_CONNECTED 39.1 dB, every earlier layer's above
 * 40): at 30 dB it passes; at 40 dB it fails naming the lowest layer and the layer where the
 * error is born (the FULLY_CONNECTED, not the layers downstream that inherit it), and
 * layers.csv marks that layer as the culprit.
 */
START_TEST(layer_gate_names_culprit)
{
    char *tmp = qvt_tmpdir();
    char *out = qvt_path(tmp, "out");
    const char *digits = qvt_source("datasets/digits");
    char *o = NULL, *errs = NULL;
    int rc = RUN(&o, &errs, "run", "-q", "--no-own-ptq", "--min-layer-sqnr-db", "30", "-o", out,
                 digits);
    /* the figures' last digits follow the float engine's summation order: not compared */
    ck_assert_msg(rc == 0 && strstr(o, "gate min_layer_sqnr_db      pass    lowest layer SQNR "
                                       "32.9") && strstr(o, " dB at 'Identity' (SOFTMAX)"),
                  "exit %d: %.2000s", rc, o);
    free(o);
    free(errs);
    rc = RUN(&o, &errs, "run", "-q", "--no-own-ptq", "--min-layer-sqnr-db", "40", "-o", out,
             digits);
    ck_assert_msg(rc == 1 && strstr(o, "gate min_layer_sqnr_db      FAIL    lowest layer SQNR "
                                       "32.9") &&
                  strstr(o, " dB at 'Identity' (SOFTMAX) (minimum 40.00 dB); the error is born "
                            "at 'functional_1/dense_1/MatMul;functional_1/dense_1/BiasAdd' "
                            "(FULLY_CONNECTED), local SQNR 39.1"), "exit %d: %.2000s", rc, o);
    free(o);
    free(errs);
    char *lp = qvt_path(out, "layers.csv");
    char *csv = qvt_read_file(lp, NULL);
    int culprits = 0;
    for (char *line = strtok(csv, "\n"); line; line = strtok(NULL, "\n")) {
        /* the culprit column is the 21st */
        const char *f = line;
        for (int k = 0; k < 20 && f; k++) {
            f = strchr(f, ',');
            f = f ? f + 1 : NULL;
        }
        if (f && strncmp(f, "1,", 2) == 0) {
            culprits++;
            ck_assert_msg(strstr(line, ",FULLY_CONNECTED,functional_1/dense_1/"), "%s", line);
        }
    }
    ck_assert_int_eq(culprits, 1);
    free(csv);
    free(lp);
    char *jp = qvt_path(out, "junit.xml");
    char *xml = qvt_read_file(jp, NULL);
    ck_assert_msg(strstr(xml, "name=\"min_layer_sqnr_db\"><failure message=\"lowest layer "),
                  "%s", xml);
    free(xml);
    free(jp);
    free(out);
    qvt_rmtree(tmp);
    free(tmp);
}
END_TEST

/* Nothing of the report set is left behind: no out, no temporary beside it. */
static void assert_nothing_left(const char *parent, const char *what)
{
    DIR *d = opendir(parent);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        ck_assert_msg(strcmp(e->d_name, "out") != 0, "%s: out was written", what);
        ck_assert_msg(!strstr(e->d_name, ".qvet-") || strstr(e->d_name, ".qvet-lock"),
                      "%s: %s left behind", what, e->d_name);
    }
    closedir(d);
}

START_TEST(hostile_manifests_and_dirs)
{
    char digits[4096], tecator[4096];
    snprintf(digits, sizeof(digits), "%s", qvt_source("datasets/digits"));
    snprintf(tecator, sizeof(tecator), "%s", qvt_source("datasets/tecator"));
    static const struct {
        const char *manifest;      /* qvet.json of a copy of digits */
        const char *msg;           /* stderr contains */
    } cases[] = {
        { "{\"model\": \"nope.tflite\"}", "qvet.json: model: '" },
        { "{\"modle\": \"model.tflite\"}", "qvet.json: modle: unknown key" },
        { "{\"task\": 3}", "qvet.json: task: expected a non-empty string" },
        { "{\"task\": \"segmentation\"}", "qvet.json: task: 'segmentation' is not one of" },
        { "{\"gates\": {\"min_agreement\": \"high\"}}", "qvet.json: gates.min_agreement: "
          "expected a number in [0, 1]" },
        { "{\"gates\": {\"max_accuracy\": 0.1}}", "qvet.json: gates.max_accuracy: unknown key" },
        { "{\"golden\": {\"inputs\": [\"golden/inputs.npy\", 7]}}", "qvet.json: "
          "golden.inputs[1]: expected a non-empty path" },
        { "{\"name\": \"../../x\"}", "qvet.json: name: '../../x' is not a plain name" },
        { "{\"golden\": {\"inputs\": \"calib/inputs.npy\", \"labels\": \"golden/labels.csv\"}}",
          "labels.csv:202: labels file" },
        { "{\"golden\": {\"inputs\": \"empty.npy\"}}", "empty.npy: the dataset holds no samples" },
        { "{\"golden\": {\"inputs\": \"wide.npy\"}}", "wide.npy: array 0: samples of shape "
          "[65] (65 values) do not fit input 0" },
        { "{\"golden\": {\"inputs\": \"golden/inputs.npy\", \"labels\": \"bad_labels.csv\"}}",
          "bad_labels.csv:3:1: label 12 of sample 1 is outside the model's 10 classes" },
        /* models in the wrong role, or one model twice */
        { "{\"int8_model\": \"model.tflite\"}", "qvet.json: int8_model: '" },
        { "{\"model\": \"model_int8.tflite\", \"int8_model\": \"model.tflite\"}",
          "model_int8.tflite' is a quantized model (tensor 0 'input_0' is int8)" },
        { "{\"int8_model\": \"float_copy.tflite\"}", "qvet.json: int8_model: '" },
        /* a key given twice (cJSON keeps the first silently) */
        { "{\"name\": \"a\", \"name\": \"b\"}", "qvet.json: name: key given twice" },
        { "{\"gates\": {\"min_agreement\": 0.5, \"min_agreement\": 0.99}}",
          "qvet.json: gates.min_agreement: key given twice" },
        { "{\"targets\": [\"stm32f4\", \"stm32f4\"]}", "qvet.json: targets[1]: 'stm32f4' "
          "given twice" },
        { "{\"golden\": {\"inputs\": \"golden\"}}", "qvet.json: golden.inputs: '" },
        { "{\"golden\": {\"inputs\": \"golden/inputs.npy\", \"labels\": "
          "\"no_labels.csv\"}}", "no_labels.csv: labels file '" },
    };
    static const char *const case_msg2[] = {
        [12] = "is the file of \"model\"",
        [14] = "float_copy.tflite' holds no quantized tensor: it is a float model",
        [18] = "golden' is a directory, not a file",
        [19] = "holds no labels, dataset '",
    };
    char *tmp = qvt_tmpdir();
    char *out = qvt_path(tmp, "out");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *dir = copy_dir(digits, cases[i].manifest);
        struct qv_error err = QV_ERROR_INIT;
        char *e = qvt_path(dir, "empty.npy"), *w = qvt_path(dir, "wide.npy");
        float x[65] = { 0 };
        ck_assert_int_eq(qv_npy_save(e, QV_DTYPE_F32, &(struct qv_shape){ 4, { 0, 8, 8, 1 } }, x,
                                     &err), QV_OK);
        ck_assert_int_eq(qv_npy_save(w, QV_DTYPE_F32, &(struct qv_shape){ 2, { 1, 65 } }, x,
                                     &err), QV_OK);
        char *bl = qvt_path(dir, "bad_labels.csv");
        qvt_write_file(bl, "label\n0\n12\n", 11);
        char *nl = qvt_path(dir, "no_labels.csv");
        qvt_write_file(nl, "label\n", 6);
        free(nl);
        char *fm = qvt_path(dir, "model.tflite"), *fc = qvt_path(dir, "float_copy.tflite");
        size_t fn;
        char *fbytes = qvt_read_file(fm, &fn);
        qvt_write_file(fc, fbytes, fn);
        free(fbytes);
        free(fm);
        free(fc);
        char *errs = NULL;
        int rc = RUN(NULL, &errs, "run", "-q", "-o", out, dir);
        const char *msg2 = i < sizeof(case_msg2) / sizeof(case_msg2[0]) ? case_msg2[i] : NULL;
        ck_assert_msg(rc == 2 && strstr(errs, cases[i].msg) && (!msg2 || strstr(errs, msg2)) &&
                      strncmp(errs, "qvet: error: ", 13) == 0, "case %zu: exit %d: %s", i, rc,
                      errs);
        free(errs);
        assert_nothing_left(tmp, cases[i].manifest);
        free(e);
        free(w);
        free(bl);
        qvt_rmtree(dir);
        free(dir);
    }
    /* a task that does not fit the model: regression data as classification */
    char *dir = copy_dir(tecator, "{\"task\": \"classification\"}");
    char *errs = NULL;
    int rc = RUN(NULL, &errs, "run", "-q", "-o", out, dir);
    ck_assert_msg(rc == 2 && strstr(errs, "model.tflite") && strstr(errs, "classification"),
                  "exit %d: %s", rc, errs);
    free(errs);
    assert_nothing_left(tmp, "task");
    qvt_rmtree(dir);
    free(dir);
    /* an --out that cannot be written */
    rc = RUN(NULL, &errs, "run", "-q", "-o", "/dev/null/out", digits);
    ck_assert_msg(rc == 2 && strstr(errs, "/dev/null"), "exit %d: %s", rc, errs);
    free(errs);
    /* an --out that is a file, or a directory of the user's (not empty, no summary.json): left
     * as it is, exit 2 */
    char *mine = qvt_path(tmp, "mine"), *notes = qvt_path(tmp, "mine/notes.txt");
    char *file = qvt_path(tmp, "file.txt");
    ck_assert_int_eq(mkdir(mine, 0755), 0);
    qvt_write_file(notes, "precious", 8);
    qvt_write_file(file, "keep", 4);
    rc = RUN(NULL, &errs, "run", "-q", "-o", mine, digits);
    ck_assert_msg(rc == 2 && strstr(errs, "mine: refusing to replace directory"), "exit %d: %s",
                  rc, errs);
    free(errs);
    rc = RUN(NULL, &errs, "run", "-q", "-o", file, digits);
    ck_assert_msg(rc == 2 && strstr(errs, "file.txt': it exists and is not a directory"),
                  "exit %d: %s", rc, errs);
    free(errs);
    char *kept = qvt_read_file(notes, NULL), *kept2 = qvt_read_file(file, NULL);
    ck_assert(kept && strcmp(kept, "precious") == 0 && kept2 && strcmp(kept2, "keep") == 0);
    char *extra = qvt_path(tmp, "mine/summary.json");
    ck_assert(!exists(extra));
    free(extra);
    free(kept);
    free(kept2);
    qvt_rmtree(mine);
    unlink(file);
    free(mine);
    free(notes);
    free(file);
    assert_nothing_left(tmp, "--out of the user's");
    /* shards that do not belong together */
    char a1[4200], a2[4200], b2[4200], merged[4200];
    snprintf(a1, sizeof(a1), "%s/a1", tmp);
    snprintf(a2, sizeof(a2), "%s/a2", tmp);
    snprintf(b2, sizeof(b2), "%s/b2", tmp);
    snprintf(merged, sizeof(merged), "%s/out", tmp);
    ck_assert_int_eq(RUN(NULL, NULL, "run", "-q", "--shard", "1/2", "-o", a1, digits), 0);
    ck_assert_int_eq(RUN(NULL, NULL, "run", "-q", "--shard", "2/2", "-o", a2, digits), 0);
    ck_assert_int_eq(RUN(NULL, NULL, "run", "-q", "--shard", "2/2", "-o", b2, tecator), 0);
    rc = RUN(NULL, &errs, "merge", merged, a1, b2);
    ck_assert_msg(rc == 2 && strstr(errs, "b2/partial.json: a shard of another run"), "exit %d: "
                  "%s", rc, errs);
    free(errs);
    rc = RUN(NULL, &errs, "merge", merged, a1);
    ck_assert_msg(rc == 2 && strstr(errs, "the run has 2 shards, 1 were given"), "exit %d: %s",
                  rc, errs);
    free(errs);
    rc = RUN(NULL, &errs, "merge", merged, a1, a1);
    ck_assert_msg(rc == 2 && strstr(errs, "is given twice"), "exit %d: %s", rc, errs);
    free(errs);
    rc = RUN(NULL, &errs, "merge", merged, a1, tmp);
    ck_assert_msg(rc == 2 && strstr(errs, "partial.json"), "exit %d: %s", rc, errs);
    free(errs);
    rc = RUN(NULL, &errs, "run", "-q", "--shard", "3/2", digits);
    ck_assert_msg(rc == 2 && strstr(errs, "--shard expects K/N"), "exit %d: %s", rc, errs);
    free(errs);
    assert_nothing_left(tmp, "merge");
    ck_assert_int_eq(RUN(NULL, NULL, "merge", merged, a2, a1), 0);
    ck_assert(exists(merged));
    free(out);
    qvt_rmtree(tmp);
    free(tmp);
}
END_TEST

/* The budget on qvet.json's targets: fits gates, arena/flash/headroom gates, the exports. */
START_TEST(budget_gates_and_exports)
{
    char *tmp = qvt_tmpdir();
    char *out = qvt_path(tmp, "out");
    char digits[4096];
    snprintf(digits, sizeof(digits), "%s", qvt_source("datasets/digits"));
    char *errs = NULL, *o = NULL;
    int rc = RUN(&o, &errs, "run", "-q", "-o", out, "--max-arena", "100000", "--max-flash",
                 "10000000", "--sram-headroom", "0.5", digits);
    ck_assert_msg(rc == 0, "exit %d: %s%s", rc, o, errs);
    ck_assert_msg(strstr(o, "gate fits:stm32f4           pass") &&
                  strstr(o, "gate max_arena") && strstr(o, "gate sram_headroom"), "%s", o);
    free(o);
    free(errs);
    static const char *const exports[] = { "model_int8.tflite", "model_int8.c", "model_int8.h",
                                           "model_int8_resolver.h", "budget.csv" };
    for (size_t i = 0; i < sizeof(exports) / sizeof(exports[0]); i++) {
        char *p = qvt_path(out, exports[i]);
        ck_assert_msg(exists(p), "%s missing", p);
        free(p);
    }
    /* the exported model is the int8 model, byte for byte */
    char *p = qvt_path(out, "model_int8.tflite");
    size_t n1, n2;
    char *a = qvt_read_file(p, &n1), *b = qvt_read_file(qvt_source("datasets/digits/"
                                                                   "model_int8.tflite"), &n2);
    ck_assert(a && b && n1 == n2 && memcmp(a, b, n1) == 0);
    free(a);
    free(b);
    free(p);
    /* an arena limit below the model's: exit 1 naming the target */
    rc = RUN(&o, &errs, "run", "-q", "-o", out, "--max-arena", "1000", digits);
    ck_assert_msg(rc == 1 && strstr(o, "FAIL    TFLM arena ") &&
                  strstr(o, "(limit 1000)"), "exit %d: %s%s", rc, o, errs);
    free(o);
    free(errs);
    free(out);
    qvt_rmtree(tmp);
    free(tmp);
}
END_TEST

/* --baseline: what changed, in every report; --max-regression gates the headline figure. */
START_TEST(baseline_and_regression)
{
    char *tmp = qvt_tmpdir();
    char *a = qvt_path(tmp, "a"), *b = qvt_path(tmp, "b"), *old = qvt_path(tmp, "old.json");
    char digits[4096];
    snprintf(digits, sizeof(digits), "%s", qvt_source("datasets/digits"));
    ck_assert_int_eq(RUN(NULL, NULL, "run", "-q", "-o", a, digits), 0);
    char *sa = qvt_path(a, "summary.json");
    char *text = qvt_read_file(sa, NULL);
    cJSON *j = cJSON_Parse(text);
    /* a baseline whose int8 top-1 was 1.0 */
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metrics"), "top1"),
                              "int8", cJSON_CreateNumber(1.0));
    char *edited = cJSON_Print(j);
    qvt_write_file(old, edited, strlen(edited));
    cJSON_free(edited);
    cJSON_Delete(j);
    free(text);
    char *out = NULL, *errs = NULL;
    int rc = RUN(&out, &errs, "run", "-q", "-o", b, "--baseline", old, "--max-regression", "0.01",
                 digits);
    ck_assert_msg(rc == 1 && strstr(out, "top1 0.983333, baseline 1: worse by 0.0166667 (limit "
                                         "0.01)"), "exit %d: %s%s", rc, out, errs);
    free(out);
    free(errs);
    char *p = qvt_path(b, "metrics.csv");
    text = qvt_read_file(p, NULL);
    ck_assert_msg(strstr(text, "\ntop1,int8_change,-0.0166666667\n"), "%s", text);
    free(text);
    free(p);
    p = qvt_path(b, "summary.md");
    text = qvt_read_file(p, NULL);
    ck_assert_msg(strstr(text, "| top-1 accuracy | int8 | 1.0000 | 0.9833 | -0.0167 |"), "%s",
                  text);
    free(text);
    free(p);
    p = qvt_path(b, "report.html");
    text = qvt_read_file(p, NULL);
    ck_assert_ptr_nonnull(strstr(text, "Changes since the baseline"));
    ck_assert_ptr_null(strstr(text, "No baseline was given"));
    free(text);
    free(p);
    /* the same run as its own baseline: nothing worse */
    rc = RUN(&out, &errs, "run", "-q", "-o", b, "--baseline", sa, "--max-regression", "0", digits);
    ck_assert_msg(rc == 0, "exit %d: %s%s", rc, out, errs);
    free(out);
    free(errs);
    /* a baseline that is not a summary */
    qvt_write_file(old, "{\"schema\": 7}", 13);
    rc = RUN(NULL, &errs, "run", "-q", "-o", b, "--baseline", old, digits);
    ck_assert_msg(rc == 2 && strstr(errs, "old.json: schema: not a qvet summary.json"), "exit %d: "
                  "%s", rc, errs);
    free(errs);
    free(sa);
    free(a);
    free(b);
    free(old);
    qvt_rmtree(tmp);
    free(tmp);
}
END_TEST

/* A directory with a float model only: qvet quantizes it itself; shards merge identically. */
START_TEST(float_only_dir_is_quantized)
{
    char digits[4096];
    snprintf(digits, sizeof(digits), "%s", qvt_source("datasets/digits"));
    char *dir = copy_dir(digits, "{\"name\": \"f\", \"model\": \"model.tflite\", "
                         "\"calibration\": {\"data\": \"calib/inputs.npy\", \"samples\": 100}, "
                         "\"targets\": [\"stm32f4\"]}");
    char *q = qvt_path(dir, "model_int8.tflite");
    ck_assert_int_eq(unlink(q), 0);
    char *one = qvt_path(dir, "one"), *p1 = qvt_path(dir, "p1"), *p2 = qvt_path(dir, "p2");
    char *merged = qvt_path(dir, "merged");
    char *out = NULL, *errs = NULL;
    int rc = RUN(&out, &errs, "run", "-q", "--timings", "-o", one, dir);
    ck_assert_msg(rc == 0 && strstr(out, "int8 (qvet PTQ) of ") &&
                  strstr(out, "qvet quantized") && !strstr(out, "taken from the golden set"),
                  "exit %d: %s%s", rc, out, errs);
    /* --timings: every stage on stderr (and, below, nothing of it in the reports) */
    ck_assert_msg(strstr(errs, "f: wall time: load ") && strstr(errs, ", ptq ") &&
                  strstr(errs, ", run ") && strstr(errs, " (360 samples, ") &&
                  strstr(errs, ", budget ") && strstr(errs, ", reports ") &&
                  strstr(errs, ", total ") && !strstr(out, "wall time"), "%s", errs);
    free(out);
    free(errs);
    /* the exported model is an int8 model the emulator runs */
    char *exported = qvt_path(one, "model_int8.tflite"), *data = qvt_path(dir, "golden/inputs.npy");
    rc = RUN(&out, &errs, "eval", "-q", "--engine", "int8", exported, data);
    ck_assert_msg(rc == 0 && strstr(out, "int8 engine: 360 samples"), "exit %d: %s%s", rc, out,
                  errs);
    free(out);
    free(errs);
    ck_assert_int_eq(RUN(NULL, NULL, "run", "-q", "-j", "2", "--shard", "1/2", "-o", p1, dir), 0);
    ck_assert_int_eq(RUN(NULL, NULL, "run", "-q", "-j", "1", "--shard", "2/2", "-o", p2, dir), 0);
    rc = RUN(NULL, &errs, "merge", merged, p1, p2);
    ck_assert_msg(rc == 0, "merge: exit %d: %s", rc, errs);
    free(errs);
    assert_same_reports(one, merged, "qvet PTQ");
    /* no calibration data: the golden set calibrates, and the note says so; a directory named
     * with a trailing slash (a shell glob's "dir/") gives no "//" in any path */
    char *nocal = copy_dir(digits, "{\"name\": \"g\"}");
    char *q2 = qvt_path(nocal, "model_int8.tflite"), *two = qvt_path(nocal, "two");
    char slashed[4200];
    snprintf(slashed, sizeof(slashed), "%s/", nocal);
    ck_assert_int_eq(unlink(q2), 0);
    rc = RUN(&out, &errs, "run", "-q", "-o", two, slashed);
    ck_assert_msg(rc == 0 && strstr(out, "calibration samples taken from the golden set") &&
                  !strstr(out, "//"), "exit %d: %s%s", rc, out, errs);
    free(out);
    free(errs);
    /* the default --out too: DIR/qvet-out, not DIR//qvet-out */
    rc = RUN(&out, &errs, "run", "-q", slashed);
    ck_assert_msg(rc == 0 && strstr(out, "/qvet-out/") && !strstr(out, "//"), "exit %d: %s%s", rc,
                  out, errs);
    free(out);
    free(errs);
    char *sj = qvt_path(two, "summary.json");
    char *text = qvt_read_file(sj, NULL);
    ck_assert_msg(!strstr(text, "//") && strstr(text, "taken from the golden set"), "%s", text);
    free(text);
    free(sj);
    free(q2);
    free(two);
    qvt_rmtree(nocal);
    free(nocal);
    free(exported);
    free(data);
    free(one);
    free(p1);
    free(p2);
    free(merged);
    free(q);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* A float and an int8 model: qvet's own PTQ is compared beside the given int8 model in every
 * report (the gates judge the given one); --no-own-ptq leaves it out; when qvet's PTQ fails, a
 * note says why and the run goes on. */
START_TEST(own_ptq_beside_given_int8)
{
    char digits[4096];
    snprintf(digits, sizeof(digits), "%s", qvt_source("datasets/digits"));
    char *dir = copy_dir(digits, NULL);
    char *src = qvt_path(digits, "qvet.json"), *dst = qvt_path(dir, "qvet.json");
    char *text = qvt_read_file(src, NULL);
    qvt_write_file(dst, text, strlen(text));
    free(text);
    char *with = qvt_path(dir, "with"), *without = qvt_path(dir, "without");
    char *out = NULL, *errs = NULL;
    int rc = RUN(&out, &errs, "run", "-q", "-o", with, dir);
    ck_assert_msg(rc == 0 && strstr(out, "model.tflite, top1 ") &&
                  strstr(out, "  int8 (qvet PTQ) of ") &&
                  strstr(out, "qvet PTQ: agreement "), "exit %d: %s%s", rc, out, errs);
    free(out);
    free(errs);
    char *sp = qvt_path(with, "summary.json");
    text = qvt_read_file(sp, NULL);
    cJSON *j = cJSON_Parse(text);
    const cJSON *alt = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "models"), "int8_qvet");
    ck_assert(cJSON_IsObject(alt));
    ck_assert_int_eq(strlen(cJSON_GetObjectItem(alt, "sha256")->valuestring), 64);
    const cJSON *top1 = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metrics"), "top1");
    ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(top1, "int8_qvet")));
    const cJSON *div = cJSON_GetObjectItem(j, "int8_qvet_divergence");
    ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(div, "agreement")));
    ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(div, "output_sqnr_db")));
    cJSON_Delete(j);
    free(text);
    free(sp);
    char *pp = qvt_path(with, "predictions.csv"), *mp = qvt_path(with, "metrics.csv");
    char *md = qvt_path(with, "summary.md"), *html = qvt_path(with, "report.html");
    char *pred = qvt_read_file(pp, NULL), *metrics = qvt_read_file(mp, NULL);
    char *mdt = qvt_read_file(md, NULL), *page = qvt_read_file(html, NULL);
    ck_assert_msg(strncmp(pred, "sample,label,float_pred,float_score,int8_pred,int8_score,"
                                "int8_qvet_pred,int8_qvet_score,agree\n", 80) == 0, "%.200s",
                  pred);
    ck_assert(strstr(metrics, "\ntop1,int8_qvet,") &&
              strstr(metrics, "\noutput_sqnr_db,int8_qvet_vs_float,"));
    ck_assert(strstr(mdt, "| metric | float32 | int8 | int8 (qvet PTQ) |"));
    ck_assert(strstr(page, "int8 (qvet PTQ)"));
    free(pred);
    free(metrics);
    free(mdt);
    free(page);
    free(pp);
    free(mp);
    free(md);
    free(html);
    /* --no-own-ptq: the run without it */
    ck_assert_int_eq(RUN(NULL, NULL, "run", "-q", "--no-own-ptq", "-o", without, dir), 0);
    sp = qvt_path(without, "summary.json");
    text = qvt_read_file(sp, NULL);
    j = cJSON_Parse(text);
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "models"), "int8_qvet")));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "int8_qvet_divergence")));
    ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metrics"),
                                                               "top1"), "int8_qvet"));
    cJSON_Delete(j);
    free(text);
    free(sp);
    /* calibration data qvet cannot use: a note, the given int8 model judged as before */
    const char *bad = "{\"name\": \"digits\", \"model\": \"model.tflite\", \"int8_model\": "
                      "\"model_int8.tflite\", \"golden\": {\"inputs\": \"golden/inputs.npy\", "
                      "\"labels\": \"golden/labels.csv\"}, \"calibration\": {\"data\": "
                      "\"golden/labels.csv\"}}";
    qvt_write_file(dst, bad, strlen(bad));
    char *noted = qvt_path(dir, "noted");
    rc = RUN(&out, &errs, "run", "-q", "-o", noted, dir);
    ck_assert_msg(rc == 0 && strstr(out, "note: qvet's own PTQ, for comparison with the given "
                                         "int8 model, failed: ") &&
                  strstr(out, "labels.csv") && !strstr(out, "int8 (qvet PTQ)"),
                  "exit %d: %s%s", rc, out, errs);
    free(out);
    free(errs);
    free(noted);
    free(with);
    free(without);
    free(src);
    free(dst);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/*
 * One golden set serves both models (docs/data.md): int8 codes in the int8 model's input
 * quantization reach the float model dequantized (also when qvet's own PTQ calibrates the float
 * model on them), and float data reach the int8 model quantized. A run on the codes and a run on
 * their dequantized values therefore compute the same thing: equal predictions, metrics, layers
 * and qvet PTQ model.
 */
START_TEST(golden_codes_serve_both_models)
{
    char digits[4096];
    snprintf(digits, sizeof(digits), "%s", qvt_source("datasets/digits"));
    static const char *const manifest[2] = {
        "{\"name\": \"digits\", \"model\": \"model.tflite\", \"int8_model\": "
        "\"model_int8.tflite\", \"golden\": {\"inputs\": \"golden/q.npy\", \"labels\": "
        "\"golden/labels.csv\"}}",
        "{\"name\": \"digits\", \"model\": \"model.tflite\", \"int8_model\": "
        "\"model_int8.tflite\", \"golden\": {\"inputs\": \"golden/deq.npy\", \"labels\": "
        "\"golden/labels.csv\"}}",
    };
    char *dir[2] = { copy_dir(digits, manifest[0]), copy_dir(digits, manifest[1]) };
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    char *mp = qvt_path(digits, "model_int8.tflite"), *gp = qvt_path(digits, "golden/inputs.npy");
    ck_assert_int_eq(qv_model_load(mp, &g, &err), QV_OK);
    const struct qv_tensor *t = &g->tensors[g->inputs[0]];
    ck_assert(t->dtype == QV_DTYPE_I8 && t->quant.count == 1);
    double scale = t->quant.scale[0], zp = t->quant.zero_point[0];
    int64_t rows, elems;
    float *x = qvt_load_npy(gp, QV_DTYPE_F32, false, &rows, &elems);
    int8_t *q = malloc((size_t)(rows * elems));
    float *deq = malloc((size_t)(rows * elems) * sizeof(float));
    for (int64_t i = 0; i < rows * elems; i++) {
        double c = round((double)x[i] / scale) + zp;
        q[i] = (int8_t)(c < -128 ? -128 : c > 127 ? 127 : c);
        deq[i] = (float)(scale * ((double)q[i] - zp));   /* as the runner dequantizes */
    }
    struct qv_shape shape = { 4, { rows, 8, 8, 1 } };
    char *qp = qvt_path(dir[0], "golden/q.npy"), *dp = qvt_path(dir[1], "golden/deq.npy");
    ck_assert_int_eq(qv_npy_save(qp, QV_DTYPE_I8, &shape, q, &err), QV_OK);
    ck_assert_int_eq(qv_npy_save(dp, QV_DTYPE_F32, &shape, deq, &err), QV_OK);
    char *out[2], *sha[2];
    for (int k = 0; k < 2; k++) {
        out[k] = qvt_path(dir[k], "out");
        char *o = NULL, *errs = NULL;
        int rc = RUN(&o, &errs, "run", "-q", "-o", out[k], dir[k]);
        /* no warning: the codes are recognized as codes, for the run and the calibration */
        ck_assert_msg(rc == 0 && errs[0] == '\0' && strstr(o, "qvet PTQ: agreement "),
                      "%s: exit %d: %s%s", manifest[k], rc, o, errs);
        free(o);
        free(errs);
        char *sp = qvt_path(out[k], "summary.json");
        char *text = qvt_read_file(sp, NULL);
        cJSON *j = cJSON_Parse(text);
        const cJSON *alt = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "models"), "int8_qvet");
        sha[k] = strdup(cJSON_GetObjectItem(alt, "sha256")->valuestring);
        cJSON_Delete(j);
        free(text);
        free(sp);
    }
    ck_assert_str_eq(sha[0], sha[1]);   /* calibrated on the same real values */
    static const char *const same[] = { "predictions.csv", "metrics.csv", "layers.csv",
                                        "budget.csv", "model_int8.tflite" };
    for (size_t f = 0; f < sizeof(same) / sizeof(same[0]); f++) {
        char *pa = qvt_path(out[0], same[f]), *pb = qvt_path(out[1], same[f]);
        size_t na, nb;
        char *a = qvt_read_file(pa, &na), *b = qvt_read_file(pb, &nb);
        ck_assert_msg(a && b && na == nb && memcmp(a, b, na) == 0, "%s differs", same[f]);
        free(a);
        free(b);
        free(pa);
        free(pb);
    }
    for (int k = 0; k < 2; k++) {
        free(out[k]);
        free(sha[k]);
        qvt_rmtree(dir[k]);
        free(dir[k]);
    }
    qv_graph_free(g);
    free(x);
    free(q);
    free(deq);
    free(qp);
    free(dp);
    free(mp);
    free(gp);
}
END_TEST

/* Runs qvet with args (stdout and stderr discarded); its peak resident set in KiB. */
static long run_maxrss(const char *const args[], int *ret_rc)
{
    const char *bin = getenv("QVET_BIN");
    size_t argc = 0;
    while (args[argc])
        argc++;
    char **argv = calloc(argc + 2, sizeof(char *));
    argv[0] = (char *)bin;
    for (size_t i = 0; i < argc; i++)
        argv[i + 1] = (char *)args[i];
    /* under ASan, freed memory waits in a quarantine of up to 256 MiB: none, to see the
     * program's own memory (the variable means nothing to a build without ASan) */
    const char *asan = getenv("ASAN_OPTIONS");
    char opts[1024];
    snprintf(opts, sizeof(opts), "%s%squarantine_size_mb=0", asan ? asan : "",
             asan && asan[0] ? ":" : "");
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        setenv("ASAN_OPTIONS", opts, 1);
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execv(bin, argv);
        _exit(127);
    }
    free(argv);
    int status = 0;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
        ck_assert_int_eq(errno, EINTR);
    *ret_rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return ru.ru_maxrss;
}

/*
 * A golden set streams (issue 11): eight times the samples (16 MiB of inputs, more than the
 * process ever holds) cost the same memory, not eight times the data. breast_cancer_ae tiled
 * (anomaly: AUC bins and reconstruction inputs), labels from an .npy.
 */
START_TEST(large_golden_set_streams)
{
    char src[4096];
    snprintf(src, sizeof(src), "%s", qvt_source("datasets/breast_cancer_ae"));
    char *gp = qvt_path(src, "golden/inputs.npy"), *lp = qvt_path(src, "golden/labels.csv");
    int64_t rows, elems;
    float *x = qvt_load_npy(gp, QV_DTYPE_F32, false, &rows, &elems);
    char *ltext = qvt_read_file(lp, NULL);
    int8_t *lab = malloc((size_t)rows);
    int64_t nl = 0;
    for (char *line = strtok(ltext, "\n"); line; line = strtok(NULL, "\n"))
        if (line[0] >= '0' && line[0] <= '9')
            lab[nl++] = (int8_t)atoi(line);
    ck_assert_int_eq(nl, rows);
    const int64_t small = 16384, large = 8 * small;
    float *xx = malloc((size_t)(large * elems) * sizeof(float));
    int8_t *ll = malloc((size_t)large);
    for (int64_t i = 0; i < large; i++) {
        memcpy(xx + i * elems, x + (i % rows) * elems, (size_t)elems * sizeof(float));
        ll[i] = lab[i % rows];
    }
    long rss[2];
    const char *manifest = "{\"name\": \"big\", \"model\": \"model.tflite\", \"int8_model\": "
                           "\"model_int8.tflite\", \"task\": \"anomaly\", \"golden\": "
                           "{\"inputs\": \"golden/big.npy\", \"labels\": \"golden/big_labels.npy\"}, "
                           "\"gates\": {\"min_output_sqnr_db\": 20}}";
    for (int k = 0; k < 2; k++) {
        int64_t n = k ? large : small;
        char *dir = copy_dir(src, manifest);
        char *bp = qvt_path(dir, "golden/big.npy"), *blp = qvt_path(dir, "golden/big_labels.npy");
        struct qv_error err = QV_ERROR_INIT;
        ck_assert_int_eq(qv_npy_save(bp, QV_DTYPE_F32, &(struct qv_shape){ 2, { n, elems } }, xx,
                                     &err), QV_OK);
        ck_assert_int_eq(qv_npy_save(blp, QV_DTYPE_I8, &(struct qv_shape){ 1, { n } }, ll, &err),
                         QV_OK);
        char *out = qvt_path(dir, "out");
        int rc;
        rss[k] = run_maxrss((const char *const[]){ "run", "-q", "-j", "1", "--no-own-ptq", "-o",
                                                   out, dir, NULL }, &rc);
        ck_assert_int_eq(rc, 0);
        char *sp = qvt_path(out, "summary.json");
        char *text = qvt_read_file(sp, NULL);
        cJSON *j = cJSON_Parse(text);
        ck_assert_int_eq((int64_t)cJSON_GetObjectItem(j, "samples")->valuedouble, n);
        cJSON_Delete(j);
        free(text);
        free(sp);
        free(out);
        free(bp);
        free(blp);
        qvt_rmtree(dir);
        free(dir);
    }
    /* the inputs grew by 7 * 16384 * 30 * 4 bytes = 13.4 MiB; memory may grow by a quarter */
    long grew_kib = (long)((large - small) * elems * (int64_t)sizeof(float) / 1024);
    ck_assert_msg(rss[1] - rss[0] < grew_kib / 4, "peak RSS %ld KiB for %lld samples, %ld KiB "
                  "for %lld: memory grows with the golden set", rss[1], (long long)large, rss[0],
                  (long long)small);
    free(x);
    free(xx);
    free(lab);
    free(ll);
    free(ltext);
    free(gp);
    free(lp);
}
END_TEST

/* Two runs into one --out cannot interleave: the second finds the lock taken; the lock file goes
 * when the run is done. */
START_TEST(lock_on_out)
{
    char *tmp = qvt_tmpdir();
    char *out = qvt_path(tmp, "out"), *lock = qvt_path(tmp, ".out.qvet-lock");
    int fd = open(lock, O_RDWR | O_CREAT, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
    char *errs = NULL;
    int rc = RUN(NULL, &errs, "run", "-q", "-o", out, qvt_source("datasets/digits"));
    ck_assert_msg(rc == 2 && strstr(errs, "another qvet run is writing"), "exit %d: %s", rc,
                  errs);
    free(errs);
    ck_assert(!exists(out));
    close(fd);
    ck_assert_int_eq(RUN(NULL, NULL, "run", "-q", "-o", out, qvt_source("datasets/digits")), 0);
    ck_assert(exists(out));
    /* the run removes its lock file when it is done */
    ck_assert_msg(!exists(lock), "%s left behind", lock);
    free(out);
    free(lock);
    qvt_rmtree(tmp);
    free(tmp);
}
END_TEST

/* --target replaces qvet.json's targets (origin "command line" in every report), survives shards
 * and merge, and an unknown name is exit 2 listing the known ones. */
START_TEST(targets_from_the_command_line)
{
    const char *digits = qvt_source("datasets/digits");
    char *dir = qvt_tmpdir();
    char *one = qvt_path(dir, "one"), *p1 = qvt_path(dir, "p1"), *p2 = qvt_path(dir, "p2");
    char *merged = qvt_path(dir, "merged"), *out = NULL, *errs = NULL;
    int rc = RUN(&out, &errs, "run", "-q", "-t", "host64", "--target", "avr-xmega", "-o", one,
                 digits);
    ck_assert_msg(rc == 0 || rc == 1, "exit %d: %s%s", rc, out, errs);
    ck_assert_msg(strstr(out, "fits:host64") && strstr(out, "fits:avr-xmega") &&
                  !strstr(out, "fits:stm32f4") && !strstr(out, "fits:nrf52840"), "%s", out);
    free(out);
    free(errs);
    char *md = qvt_path(one, "summary.md");
    char *text = qvt_read_file(md, NULL);
    ck_assert_msg(strstr(text, "| fits:host64 | pass | command line |"), "%s", text);
    free(text);
    free(md);
    ck_assert_int_eq(RUN(NULL, NULL, "run", "-q", "-t", "host64", "-t", "avr-xmega", "--shard",
                         "1/2", "-o", p1, digits), 0);
    ck_assert_int_eq(RUN(NULL, NULL, "run", "-q", "-t", "host64", "-t", "avr-xmega", "--shard",
                         "2/2", "-o", p2, digits), 0);
    rc = RUN(NULL, &errs, "merge", merged, p1, p2);
    ck_assert_msg(rc == 0 || rc == 1, "merge: exit %d: %s", rc, errs);
    free(errs);
    assert_same_reports(one, merged, "--target");
    rc = RUN(NULL, &errs, "run", "-q", "-t", "stm32f9", "-o", one, digits);
    ck_assert_msg(rc == 2 && strstr(errs, "unknown target 'stm32f9' (known: host64, stm32f4"),
                  "exit %d: %s", rc, errs);
    free(errs);
    free(one);
    free(p1);
    free(p2);
    free(merged);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *cli_job_suite(void)
{
    Suite *s = suite_create("cli_job");
    TCase *tc = tcase_create("cli_job");
    tcase_set_timeout(tc, 900);
    tcase_add_test(tc, hostile_manifests_and_dirs);
    tcase_add_test(tc, lock_on_out);
    tcase_add_test(tc, budget_gates_and_exports);
    tcase_add_test(tc, baseline_and_regression);
    tcase_add_test(tc, float_only_dir_is_quantized);
    tcase_add_test(tc, own_ptq_beside_given_int8);
    tcase_add_test(tc, golden_codes_serve_both_models);
    tcase_add_test(tc, large_golden_set_streams);
    tcase_add_test(tc, json_for_several_dirs);
    tcase_add_test(tc, shipped_dirs_default_and_impossible_gates);
    tcase_add_test(tc, readme_first_command);
    tcase_add_test(tc, no_manifest_default_gates_protect);
    tcase_add_test(tc, layer_gate_names_culprit);
    tcase_add_test(tc, shards_merged_equal_one_run);
    tcase_add_test(tc, targets_from_the_command_line);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(cli_job)
