/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Headless Chromium for tests: loads a local HTML file and reports what a reader's browser
 * would see go wrong. Chromium is driven over the DevTools protocol on a pipe
 * (--remote-debugging-pipe: NUL-terminated JSON messages on file descriptors 3 and 4), so no
 * port is opened and nothing but Chromium itself is needed.
 *
 * For one page it records every console message, uncaught exception and browser log entry of
 * level warning or error (Content-Security-Policy violations are logged there), every network
 * request other than the page itself, and the document's scroll width against the viewport at
 * desktop width, at phone width (mobile emulation) and in print media (A4 text width).
 */
#ifndef QV_TEST_CHROMIUM_H
#define QV_TEST_CHROMIUM_H

#include <stdbool.h>
#include <stddef.h>

/* The Chromium binary: $QVET_CHROMIUM, else `chromium` or `chromium-browser` on PATH. Returns
 * false when there is none (the caller skips). */
bool qvt_chromium_find(char *buf, size_t size);

struct qvt_browser;

/* Starts a headless Chromium with a fresh profile in a temporary directory. On failure returns
 * NULL with the reason in errbuf. */
struct qvt_browser *qvt_browser_start(const char *chromium, char *errbuf, size_t errsize);
/* Closes the browser, ends its process group, removes the profile. Accepts NULL. */
void qvt_browser_stop(struct qvt_browser *b);

/* Viewports measured by qvt_browser_check. */
enum qvt_view { QVT_VIEW_DESKTOP, QVT_VIEW_PHONE, QVT_VIEW_PRINT, QVT_VIEW_COUNT };

struct qvt_page_report {
    int console_messages;        /* console.* calls and uncaught exceptions */
    int log_problems;            /* browser log entries of level warning or error (CSP...) */
    int outside_requests;        /* requests for anything but the page itself */
    char problems[4096];         /* the first few of the above, one per line */
    int scroll_width[QVT_VIEW_COUNT];   /* document scroll width (CSS px) */
    int view_width[QVT_VIEW_COUNT];     /* viewport width (CSS px) */
    int page_height;             /* document height at desktop width */
    char title[256];             /* document.title */
};

/*
 * Loads html_path (a local file) in a new tab and fills *ret. When png_path is not NULL, also
 * writes a full-page screenshot at desktop width there. Returns false (reason in errbuf) when
 * the browser could not be driven: no answer within the time limit, a protocol error.
 */
bool qvt_browser_check(struct qvt_browser *b, const char *html_path, const char *png_path,
                       struct qvt_page_report *ret, char *errbuf, size_t errsize);

#endif
