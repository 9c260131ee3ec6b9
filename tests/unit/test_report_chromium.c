/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.html in a real browser: headless Chromium (Debian's `chromium`) loads each page and
 * must see no console message, no warning or error in its log (Content-Security-Policy
 * violations are logged there), no request but the page itself, and no horizontal overflow at
 * desktop width, at phone width and in print media. A control page with a script, an image URL
 * and a too-wide element shows the check finds each of these. Pages: the full hostile fixture,
 * the empty report, and what `qvet run datasets/digits` writes.
 *
 * Skipped (exit 77, reported by meson as SKIP) when Chromium is not installed;
 * `scripts/setup.sh --test` installs it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chromium.h"
#include "html_check.h"
#include "report/report.h"
#include "report_fixture.h"
#include "support.h"

static char chromium[4096];

/* Loads path and checks everything; the page's expected title when not NULL. */
static void check_page(const char *path, const char *title)
{
    char err[512];
    struct qvt_page_report rep;
    struct qvt_browser *b = qvt_browser_start(chromium, err, sizeof(err));
    ck_assert_msg(b != NULL, "cannot start %s: %s", chromium, err);
    bool ok = qvt_browser_check(b, path, NULL, &rep, err, sizeof(err));
    qvt_browser_stop(b);
    ck_assert_msg(ok, "driving Chromium: %s", err);
    ck_assert_msg(rep.console_messages == 0 && rep.log_problems == 0 &&
                  rep.outside_requests == 0, "%s: %d console messages, %d log warnings/errors, "
                  "%d outside requests:\n%s", path, rep.console_messages, rep.log_problems,
                  rep.outside_requests, rep.problems);
    static const char *const views[] = { "desktop", "phone", "print" };
    for (int v = 0; v < QVT_VIEW_COUNT; v++)
        ck_assert_msg(rep.scroll_width[v] <= rep.view_width[v] && rep.view_width[v] > 0,
                      "%s overflows horizontally at %s width: %d px of %d", path, views[v],
                      rep.scroll_width[v], rep.view_width[v]);
    ck_assert_int_gt(rep.page_height, 0);
    if (title)
        ck_assert_str_eq(rep.title, title);

    char *html = qvt_read_file(path, NULL);
    static char problems[8192];
    int n = qvt_html_check(html, strlen(html), problems, sizeof(problems));
    ck_assert_msg(n == 0, "static check of %s: %d problems\n%s", path, n, problems);
    free(html);
}

static char *write_report(const struct qv_report *rep, char **ret_dir)
{
    struct qv_error err = QV_ERROR_INIT;
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "report.html");
    ck_assert_msg(qv_report_write_html(rep, path, &err) == QV_OK, "%s", err.msg);
    *ret_dir = dir;
    return path;
}

START_TEST(full_hostile_report)
{
    static struct report_fixture fx;
    char *dir;
    report_fixture_init(&fx);
    char *path = write_report(&fx.rep, &dir);
    /* The browser decodes the escaped title back to the name, bad bytes as U+FFFD. */
    check_page(path, "qvet report: kws<script>alert(1)</script>\"'&amp;\xef\xbf\xbd\xef\xbf\xbd");
    free(path);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(empty_report)
{
    struct qv_report rep = report_fixture_empty();
    char *dir;
    char *path = write_report(&rep, &dir);
    check_page(path, "qvet report: empty");
    free(path);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(digits_run_report)
{
    char *dir = qvt_tmpdir();
    char *out = qvt_path(dir, "out");
    const char *args[] = { "run", "-o", out, qvt_source("datasets/digits"), NULL };
    char *err = NULL;
    int rc = qvt_run_cli(args, NULL, &err);
    ck_assert_msg(rc == 0, "qvet run exited %d: %s", rc, err);
    char *path = qvt_path(out, "report.html");
    check_page(path, "qvet report: digits");
    free(err);
    free(path);
    free(out);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* The check must be able to fail: a page that breaks each rule is caught on each. */
START_TEST(control_page_is_caught)
{
    static const char page[] =
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">"
        "<title>control</title></head><body>"
        "<img src=\"http://127.0.0.1:9/x.png\" alt=\"\"><script>console.log('x')</script>"
        "<svg width=\"3000\" height=\"10\"></svg></body></html>";
    char err[512];
    struct qvt_page_report rep;
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "control.html");
    qvt_write_file(path, page, sizeof(page) - 1);
    struct qvt_browser *b = qvt_browser_start(chromium, err, sizeof(err));
    ck_assert_msg(b != NULL, "%s", err);
    bool ok = qvt_browser_check(b, path, NULL, &rep, err, sizeof(err));
    qvt_browser_stop(b);
    ck_assert_msg(ok, "%s", err);
    ck_assert_int_ge(rep.log_problems, 2);      /* CSP blocked the image and the script */
    ck_assert_int_ge(rep.outside_requests, 1);  /* the image was requested (and blocked) */
    for (int v = 0; v < QVT_VIEW_COUNT; v++)
        ck_assert_int_gt(rep.scroll_width[v], rep.view_width[v]);
    static char problems[4096];
    ck_assert_int_ge(qvt_html_check(page, sizeof(page) - 1, problems, sizeof(problems)), 3);
    ck_assert_ptr_nonnull(strstr(problems, "<img> loads or runs something"));
    ck_assert_ptr_nonnull(strstr(problems, "points at a resource"));
    ck_assert_ptr_nonnull(strstr(problems, "<script> loads or runs something"));
    free(path);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *report_chromium_suite(void)
{
    Suite *s = suite_create("report_chromium");
    TCase *tc = tcase_create("chromium");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, control_page_is_caught);
    tcase_add_test(tc, full_hostile_report);
    tcase_add_test(tc, empty_report);
    tcase_add_test(tc, digits_run_report);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (!qvt_chromium_find(chromium, sizeof(chromium))) {
        printf("SKIP: no chromium on PATH (scripts/setup.sh --test installs Debian's chromium; "
               "or set QVET_CHROMIUM)\n");
        return 77;   /* meson: skipped */
    }
    SRunner *sr = srunner_create(report_chromium_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
