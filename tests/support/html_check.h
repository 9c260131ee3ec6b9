/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A static check that an HTML page is self-contained and well formed (for report.html tests;
 * plain C, usable outside Check).
 *
 * Problems found:
 * - bytes that are not well-formed UTF-8;
 * - elements that load or run something: script, link, img, iframe, frame, object, embed,
 *   audio, video, source, track, base, form, input, meta refresh, use, image, foreignObject;
 * - attributes that point anywhere: src, srcset, href / xlink:href not starting with '#',
 *   action, formaction, data, poster, background, ping; event handlers (on*);
 * - url( or @import in a <style> element or a style attribute;
 * - end tags that do not match the open element (every non-void element must be closed
 *   explicitly: report.html never relies on optional end tags), elements left open.
 */
#ifndef QV_TEST_HTML_CHECK_H
#define QV_TEST_HTML_CHECK_H

#include <stddef.h>

/* Returns the number of problems; the first ones, one per line, into problems. */
int qvt_html_check(const char *html, size_t len, char *problems, size_t size);

#endif
