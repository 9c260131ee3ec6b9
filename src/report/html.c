/* SPDX-License-Identifier: Apache-2.0 */
/* HTML escaping and deterministic number formatting for report.html. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "report/html.h"

static const char replacement[] = "\xEF\xBF\xBD";   /* U+FFFD */

/*
 * Length of the well-formed UTF-8 sequence at p (1..4) and its code point, or 0 when the bytes
 * are not one (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
 */
static int utf8_next(const unsigned char *p, uint32_t *ret_cp)
{
    uint32_t cp;
    int len;
    if (p[0] < 0x80) {
        *ret_cp = p[0];
        return 1;
    }
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        cp = p[0] & 0x1F;
        len = 2;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        cp = p[0] & 0x0F;
        len = 3;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        cp = p[0] & 0x07;
        len = 4;
    } else {
        return 0;
    }
    for (int i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)   /* also stops at the terminating NUL */
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    *ret_cp = cp;
    return len;
}

/* Characters HTML calls parse errors in the input stream: controls other than whitespace, C1
 * controls and noncharacters. They are replaced rather than written. */
static int is_unwanted(uint32_t cp)
{
    if (cp < 0x20)
        return cp != '\t' && cp != '\n' && cp != '\r';
    if (cp >= 0x7F && cp <= 0x9F)
        return 1;
    if (cp >= 0xFDD0 && cp <= 0xFDEF)
        return 1;
    return (cp & 0xFFFE) == 0xFFFE;
}

/* Writes at most max_chars code points of s (max_chars < 0: all); returns 1 when cut short. */
static int write_text(FILE *f, const char *s, int32_t max_chars)
{
    const unsigned char *p = (const unsigned char *)s;
    int32_t chars = 0;
    while (*p) {
        if (max_chars >= 0 && chars == max_chars)
            return 1;
        uint32_t cp = 0;
        int len = utf8_next(p, &cp);
        chars++;
        if (len == 0) {
            fputs(replacement, f);
            p++;
            continue;
        }
        switch (cp) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            if (is_unwanted(cp))
                fputs(replacement, f);
            else
                fwrite(p, 1, (size_t)len, f);
        }
        p += len;
    }
    return 0;
}

void qv_html_text(FILE *f, const char *s)
{
    if (s)
        write_text(f, s, -1);
}

void qv_html_text_max(FILE *f, const char *s, int32_t max_chars)
{
    if (!s)
        return;
    if (max_chars < 1)
        max_chars = 1;
    /* Leave room for the ellipsis when the string is longer than max_chars. */
    const unsigned char *p = (const unsigned char *)s;
    int32_t total = 0;
    while (*p && total <= max_chars) {
        uint32_t cp;
        int len = utf8_next(p, &cp);
        p += len ? len : 1;
        total++;
    }
    if (total <= max_chars) {
        write_text(f, s, -1);
        return;
    }
    write_text(f, s, max_chars - 1);
    fputs("\xE2\x80\xA6", f);   /* U+2026 */
}

/* Drops the minus sign of a formatted zero ("-0.00" -> "0.00"). */
static void drop_negative_zero(char *buf)
{
    if (buf[0] != '-')
        return;
    for (const char *p = buf + 1; *p; p++)
        if (*p != '0' && *p != '.')
            return;
    memmove(buf, buf + 1, strlen(buf));
}

static const char *nonfinite(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "\xE2\x80\x94");   /* U+2014 */
    else
        snprintf(buf, size, "%s\xE2\x88\x9E", v < 0 ? "-" : "");   /* U+221E */
    return buf;
}

const char *qv_fmt_fixed(char *buf, size_t size, double v, int digits)
{
    if (!isfinite(v))
        return nonfinite(buf, size, v);
    if (digits < 0)
        digits = 0;
    if (digits > 9)
        digits = 9;
    snprintf(buf, size, "%.*f", digits, v);
    drop_negative_zero(buf);
    return buf;
}

const char *qv_fmt_general(char *buf, size_t size, double v, int sig)
{
    if (!isfinite(v))
        return nonfinite(buf, size, v);
    if (v == 0)
        v = 0;   /* -0 */
    snprintf(buf, size, "%.*g", sig < 1 ? 1 : sig, v);
    drop_negative_zero(buf);
    return buf;
}

const char *qv_fmt_count(char *buf, size_t size, double v)
{
    char digits[40];
    if (!isfinite(v))
        return nonfinite(buf, size, v);
    snprintf(digits, sizeof(digits), "%.0f", fabs(v) < 1e30 ? v : (v < 0 ? -1e30 : 1e30));
    drop_negative_zero(digits);
    const char *d = digits;
    size_t o = 0;
    if (*d == '-' && o + 1 < size)
        buf[o++] = *d++;
    size_t nd = strlen(d);
    for (size_t i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0) {
            /* U+2009 thin space: a group separator that no reader takes for a decimal point */
            if (o + 4 >= size)
                break;
            memcpy(buf + o, "\xE2\x80\x89", 3);
            o += 3;
        }
        if (o + 1 >= size)
            break;
        buf[o++] = d[i];
    }
    buf[o] = '\0';
    return buf;
}

const char *qv_fmt_bytes(char *buf, size_t size, double v)
{
    char exact[48], scaled[32];
    if (!isfinite(v))
        return nonfinite(buf, size, v);
    qv_fmt_count(exact, sizeof(exact), v);
    double a = fabs(v);
    if (a < 1024) {
        snprintf(buf, size, "%s B", exact);
    } else {
        const char *unit = a < 1024.0 * 1024 ? "KiB" : "MiB";
        double s = v / (a < 1024.0 * 1024 ? 1024.0 : 1024.0 * 1024);
        qv_fmt_fixed(scaled, sizeof(scaled), s, fabs(s) < 10 ? 2 : 1);
        snprintf(buf, size, "%s %s (%s B)", scaled, unit, exact);
    }
    return buf;
}

const char *qv_fmt_bytes_short(char *buf, size_t size, double v)
{
    char scaled[32];
    if (!isfinite(v))
        return nonfinite(buf, size, v);
    double a = fabs(v);
    if (a < 1024)
        return qv_fmt_bytes(buf, size, v);
    bool mib = a >= 1024.0 * 1024;
    double s = v / (mib ? 1024.0 * 1024 : 1024.0);
    snprintf(buf, size, "%s %s", qv_fmt_fixed(scaled, sizeof(scaled), s, fabs(s) < 10 ? 2 : 1),
             mib ? "MiB" : "KiB");
    return buf;
}

void qv_svg_coord(FILE *f, double v)
{
    char buf[32];
    if (!isfinite(v))
        v = 0;
    snprintf(buf, sizeof(buf), "%.1f", v);
    drop_negative_zero(buf);
    fputs(buf, f);
}
