/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing HTML and SVG text safely and deterministically (private to src/report/).
 *
 * Every string that comes from a model, a data file or a path goes through qv_html_text: the
 * five HTML-special characters are escaped, and bytes that are not well-formed UTF-8, control
 * characters and Unicode noncharacters become U+FFFD, so the page stays valid whatever a tensor
 * is called. Numbers are formatted with fixed rules (no locale, no "-0"), so identical input
 * gives byte-identical pages.
 */
#ifndef QV_REPORT_HTML_H
#define QV_REPORT_HTML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* s escaped for HTML text and attribute values (quoted with '"'). NULL writes nothing. */
void qv_html_text(FILE *f, const char *s);

/* As qv_html_text, at most max_chars code points (>= 1); a shortened string ends in "…". */
void qv_html_text_max(FILE *f, const char *s, int32_t max_chars);

/*
 * v with `digits` decimals (0..9) into buf (>= 32 bytes) and returns buf: NAN "—", +inf "∞",
 * -inf "-∞", and a value that rounds to zero is written without a minus sign.
 */
const char *qv_fmt_fixed(char *buf, size_t size, double v, int digits);

/* An integral count with thin-space thousands groups ("1 234 567"); NAN "—". buf >= 48 bytes. */
const char *qv_fmt_count(char *buf, size_t size, double v);

/* A byte count: "1 234 B", "12.1 KiB (12 345 B)", "3.50 MiB (3 670 016 B)"; NAN "—".
 * buf >= 80 bytes. */
const char *qv_fmt_bytes(char *buf, size_t size, double v);

/* A byte count, short: "1 234 B", "12.1 KiB", "3.50 MiB"; NAN "—". buf >= 48 bytes. */
const char *qv_fmt_bytes_short(char *buf, size_t size, double v);

/* A significant-digits number for ticks and small values: %.*g without locale, "-0" or
 * exponent clutter ("1e-05" stays as printf writes it). buf >= 32 bytes. */
const char *qv_fmt_general(char *buf, size_t size, double v, int sig);

/* An SVG coordinate with one decimal ("12.5"), never "-0.0". */
void qv_svg_coord(FILE *f, double v);

#endif
