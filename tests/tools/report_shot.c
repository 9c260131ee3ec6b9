/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report-shot PAGE.html [OUT.png]: loads a report in headless Chromium, prints what the
 * Chromium test checks (console and CSP messages, outside requests, scroll width against the
 * viewport at desktop and phone width and in print), and writes a full-page screenshot at
 * desktop width when OUT.png is given. Used to regenerate reports/sample-digits/report.png;
 * exits 1 when the page has a problem, 77 when there is no Chromium.
 */
#include <stdio.h>
#include <stdlib.h>

#include "chromium.h"
#include "html_check.h"

/* The static check of the file itself: what could fetch, nesting. */
static int static_check(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 1;
    char *buf = NULL;
    size_t len = 0, cap = 0, r;
    do {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 1 << 20;
            char *nb = realloc(buf, cap);
            if (!nb)
                break;
            buf = nb;
        }
        r = fread(buf + len, 1, cap - len, f);
        len += r;
    } while (r > 0);
    fclose(f);
    static char problems[8192];
    int n = buf ? qvt_html_check(buf, len, problems, sizeof(problems)) : 1;
    printf("static check: %d problems\n%s", n, problems);
    free(buf);
    return n;
}

int main(int argc, char **argv)
{
    static const char *const views[] = { "desktop", "phone", "print" };
    char chromium[4096], err[512];
    struct qvt_page_report rep;
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: report-shot PAGE.html [OUT.png]\n");
        return 2;
    }
    if (!qvt_chromium_find(chromium, sizeof(chromium))) {
        fprintf(stderr, "report-shot: no chromium (install Debian's chromium or set "
                "QVET_CHROMIUM)\n");
        return 77;
    }
    struct qvt_browser *b = qvt_browser_start(chromium, err, sizeof(err));
    if (!b) {
        fprintf(stderr, "report-shot: %s\n", err);
        return 3;
    }
    bool ok = qvt_browser_check(b, argv[1], argc > 2 ? argv[2] : NULL, &rep, err, sizeof(err));
    qvt_browser_stop(b);
    if (!ok) {
        fprintf(stderr, "report-shot: %s\n", err);
        return 3;
    }
    int bad = rep.console_messages + rep.log_problems + rep.outside_requests +
              static_check(argv[1]);
    printf("title: %s\nconsole messages: %d\nlog warnings/errors: %d\noutside requests: %d\n",
           rep.title, rep.console_messages, rep.log_problems, rep.outside_requests);
    for (int v = 0; v < QVT_VIEW_COUNT; v++) {
        printf("%-8s scroll width %d, viewport %d%s\n", views[v], rep.scroll_width[v],
               rep.view_width[v], rep.scroll_width[v] > rep.view_width[v] ? "  OVERFLOW" : "");
        bad += rep.scroll_width[v] > rep.view_width[v];
    }
    printf("page height %d\n%s", rep.page_height, rep.problems);
    return bad ? 1 : 0;
}
