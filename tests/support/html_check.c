/* SPDX-License-Identifier: Apache-2.0 */
/* Static self-containment and nesting check of an HTML page; see html_check.h. */
#include "html_check.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct state {
    int problems;
    char *out;
    size_t size;
    char stack[256][32];
    int depth;
};

static void problem(struct state *s, size_t at, const char *fmt, ...)
{
    s->problems++;
    size_t l = strlen(s->out);
    if (l + 100 >= s->size)
        return;
    l += (size_t)snprintf(s->out + l, s->size - l, "byte %zu: ", at);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->out + l, s->size - l, fmt, ap);
    va_end(ap);
    l = strlen(s->out);
    if (l + 1 < s->size) {
        s->out[l] = '\n';
        s->out[l + 1] = '\0';
    }
}

static bool in_list(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcasecmp(name, *list) == 0)
            return true;
    return false;
}

static const char *const fetching[] = { "script", "link", "img", "iframe", "frame", "object",
                                        "embed", "audio", "video", "source", "track", "base",
                                        "form", "input", "use", "image", "foreignObject",
                                        "picture", "portal", "applet", NULL };
static const char *const voids[] = { "area", "base", "br", "col", "embed", "hr", "img", "input",
                                     "link", "meta", "source", "track", "wbr", NULL };
static const char *const pointing[] = { "src", "srcset", "action", "formaction", "data",
                                        "poster", "background", "ping", "manifest", NULL };

static bool has_css_fetch(const char *p, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (strncasecmp(p + i, "url(", 4) == 0 || (i + 7 <= n && strncasecmp(p + i, "@import",
                                                                              7) == 0))
            return true;
    return false;
}

static bool utf8_ok(const unsigned char *p, size_t n, size_t *bad)
{
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        size_t len = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
                     : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
        if (len == 0 || i + len > n) {
            *bad = i;
            return false;
        }
        unsigned cp = len == 1 ? c : c & (0x7F >> len);
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80) {
                *bad = i;
                return false;
            }
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
            *bad = i;
            return false;
        }
        i += len;
    }
    return true;
}

/* Parses the attributes of a start tag from p to its '>'; returns the position after '>'. */
static size_t attributes(struct state *s, const char *h, size_t p, size_t n, const char *tag,
                         bool *ret_self_closing)
{
    *ret_self_closing = false;
    while (p < n) {
        while (p < n && isspace((unsigned char)h[p]))
            p++;
        if (p < n && h[p] == '>')
            return p + 1;
        if (p + 1 < n && h[p] == '/' && h[p + 1] == '>') {
            *ret_self_closing = true;
            return p + 2;
        }
        size_t a0 = p;
        while (p < n && !isspace((unsigned char)h[p]) && h[p] != '=' && h[p] != '>' &&
               !(h[p] == '/' && p + 1 < n && h[p + 1] == '>'))
            p++;
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(p - a0 < 63 ? p - a0 : 63), h + a0);
        if (p == a0) {   /* a stray character */
            problem(s, p, "<%s>: unexpected '%c'", tag, h[p]);
            p++;
            continue;
        }
        const char *v = "";
        size_t vlen = 0;
        if (p < n && h[p] == '=') {
            p++;
            if (p < n && (h[p] == '"' || h[p] == '\'')) {
                char q = h[p++];
                v = h + p;
                while (p < n && h[p] != q)
                    p++;
                vlen = (size_t)(h + p - v);
                p++;
            } else {
                v = h + p;
                while (p < n && !isspace((unsigned char)h[p]) && h[p] != '>')
                    p++;
                vlen = (size_t)(h + p - v);
            }
        }
        if (strncasecmp(name, "on", 2) == 0)
            problem(s, a0, "<%s>: event handler attribute %s", tag, name);
        else if (in_list(name, pointing))
            problem(s, a0, "<%s>: %s=\"%.*s\" points at a resource", tag, name, (int)vlen, v);
        else if ((strcasecmp(name, "href") == 0 || strcasecmp(name, "xlink:href") == 0) &&
                 (vlen == 0 || v[0] != '#'))
            problem(s, a0, "<%s>: %s=\"%.*s\" leaves the page", tag, name, (int)vlen, v);
        else if (strcasecmp(name, "style") == 0 && has_css_fetch(v, vlen))
            problem(s, a0, "<%s>: style attribute fetches", tag);
        else if (strcasecmp(tag, "meta") == 0 && strcasecmp(name, "http-equiv") == 0 &&
                 vlen == 7 && strncasecmp(v, "refresh", 7) == 0)
            problem(s, a0, "<meta http-equiv=refresh>");
    }
    problem(s, p, "<%s>: tag not closed", tag);
    return n;
}

int qvt_html_check(const char *h, size_t n, char *out, size_t size)
{
    struct state s = { .out = out, .size = size };
    out[0] = '\0';
    size_t bad;
    if (!utf8_ok((const unsigned char *)h, n, &bad))
        problem(&s, bad, "not UTF-8");
    size_t p = 0;
    while (p < n) {
        const char *lt = memchr(h + p, '<', n - p);
        if (!lt)
            break;
        p = (size_t)(lt - h);
        if (p + 4 <= n && strncmp(h + p, "<!--", 4) == 0) {
            const char *e = strstr(h + p, "-->");
            p = e ? (size_t)(e - h) + 3 : n;
            continue;
        }
        if (p + 2 <= n && h[p + 1] == '!') {   /* <!DOCTYPE html> */
            const char *e = memchr(h + p, '>', n - p);
            p = e ? (size_t)(e - h) + 1 : n;
            continue;
        }
        bool end = p + 1 < n && h[p + 1] == '/';
        size_t t0 = p + 1 + end, t = t0;
        while (t < n && (isalnum((unsigned char)h[t]) || h[t] == '-' || h[t] == ':'))
            t++;
        if (t == t0) {
            problem(&s, p, "a '<' that starts no tag");
            p++;
            continue;
        }
        char tag[32];
        snprintf(tag, sizeof(tag), "%.*s", (int)(t - t0 < 31 ? t - t0 : 31), h + t0);
        if (end) {
            const char *e = memchr(h + t, '>', n - t);
            p = e ? (size_t)(e - h) + 1 : n;
            if (s.depth == 0 || strcmp(s.stack[s.depth - 1], tag) != 0)
                problem(&s, t0, "</%s> closes <%s>", tag, s.depth ? s.stack[s.depth - 1] : "");
            else
                s.depth--;
            continue;
        }
        if (in_list(tag, fetching))
            problem(&s, p, "<%s> loads or runs something", tag);
        bool self_closing;
        p = attributes(&s, h, t, n, tag, &self_closing);
        if (!self_closing && !in_list(tag, voids)) {
            if (s.depth < 256)
                snprintf(s.stack[s.depth++], sizeof(s.stack[0]), "%s", tag);
            else
                problem(&s, p, "elements nested deeper than 256");
        }
        if (strcasecmp(tag, "style") == 0 && !self_closing) {
            const char *e = strstr(h + p, "</style>");
            size_t css_end = e ? (size_t)(e - h) : n;
            if (has_css_fetch(h + p, css_end - p))
                problem(&s, p, "<style> fetches (url() or @import)");
            p = css_end;
        }
    }
    for (int i = s.depth - 1; i >= 0; i--)
        problem(&s, n, "<%s> never closed", s.stack[i]);
    return s.problems;
}
