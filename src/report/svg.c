/* SPDX-License-Identifier: Apache-2.0 */
/* Inline SVG charts for report.html; see svg.h. Colours and fonts are in reports/report.css. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/html.h"
#include "report/svg.h"

/* Chart frame of the bar, histogram and step charts (user units; the page scales them). */
#define CHART_W 720.0
#define PAD_L 64.0
#define PAD_R 16.0

/* A linear axis over [lo, hi] with "nice" ticks (1, 2 or 5 times a power of ten). */
struct axis {
    double lo, hi, step;
    int decimals;        /* of the tick labels */
};

static struct axis nice_axis(double lo, double hi, int ticks)
{
    struct axis a;
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    if (hi - lo < 1e-12 * (fabs(lo) + fabs(hi)) || hi <= lo) {
        double d = fabs(lo) > 0 ? fabs(lo) * 0.1 : 1;
        lo -= d;
        hi += d;
    }
    double raw = (hi - lo) / (ticks > 1 ? ticks : 1);
    double mag = pow(10, floor(log10(raw)));
    double r = raw / mag;
    a.step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
    a.lo = floor(lo / a.step + 1e-9) * a.step;
    a.hi = ceil(hi / a.step - 1e-9) * a.step;
    int d = -(int)floor(log10(a.step) + 1e-9);
    a.decimals = d > 0 ? (d > 9 ? 9 : d) : 0;
    return a;
}

/* Maps v in [a.lo, a.hi] to [px_lo, px_hi] (clamped). */
static double scale(const struct axis *a, double v, double px_lo, double px_hi)
{
    double t = (v - a->lo) / (a->hi - a->lo);
    if (!(t >= 0))
        t = 0;
    if (t > 1)
        t = 1;
    return px_lo + t * (px_hi - px_lo);
}

static void svg_open(FILE *f, double w, double h, const char *title, const char *desc)
{
    fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
            "role=\"img\" aria-label=\"", w, h, w, h);
    qv_html_text(f, title);
    fputs("\"><title>", f);
    qv_html_text(f, title);
    fputs("</title><desc>", f);
    qv_html_text(f, desc);
    fputs("</desc>\n", f);
}

static void svg_close(FILE *f)
{
    fputs("</svg>\n", f);
}

/* <text> at (x, y) with a class and an anchor ("start", "middle", "end"). */
static void text_open(FILE *f, double x, double y, const char *cls, const char *anchor)
{
    fputs("<text x=\"", f);
    qv_svg_coord(f, x);
    fputs("\" y=\"", f);
    qv_svg_coord(f, y);
    fprintf(f, "\" class=\"%s\" text-anchor=\"%s\">", cls, anchor);
}

static void text(FILE *f, double x, double y, const char *cls, const char *anchor, const char *s)
{
    text_open(f, x, y, cls, anchor);
    qv_html_text(f, s);
    fputs("</text>\n", f);
}

static void line(FILE *f, double x1, double y1, double x2, double y2, const char *cls)
{
    fputs("<line x1=\"", f);
    qv_svg_coord(f, x1);
    fputs("\" y1=\"", f);
    qv_svg_coord(f, y1);
    fputs("\" x2=\"", f);
    qv_svg_coord(f, x2);
    fputs("\" y2=\"", f);
    qv_svg_coord(f, y2);
    fprintf(f, "\" class=\"%s\"/>\n", cls);
}

/* <rect ...> left open for a <title> child; close with "</rect>". */
static void rect_open(FILE *f, double x, double y, double w, double h, const char *cls)
{
    fputs("<rect x=\"", f);
    qv_svg_coord(f, x);
    fputs("\" y=\"", f);
    qv_svg_coord(f, y);
    fputs("\" width=\"", f);
    qv_svg_coord(f, w > 0.1 ? w : 0.1);
    fputs("\" height=\"", f);
    qv_svg_coord(f, h > 0 ? h : 0);
    fprintf(f, "\" class=\"%s\">", cls);
}

/* A short y tick label: plain number, or bytes as "12 KiB". */
static const char *tick_label(char *buf, size_t size, double v, int decimals, bool bytes)
{
    if (!bytes)
        return qv_fmt_fixed(buf, size, v, decimals);
    double a = fabs(v);
    if (a >= 1024.0 * 1024)
        snprintf(buf, size, "%s MiB", qv_fmt_general((char[32]){ 0 }, 32, v / 1048576.0, 3));
    else if (a >= 1024)
        snprintf(buf, size, "%s KiB", qv_fmt_general((char[32]){ 0 }, 32, v / 1024.0, 3));
    else
        snprintf(buf, size, "%s B", qv_fmt_general((char[32]){ 0 }, 32, v, 3));
    return buf;
}

/* Horizontal grid lines and labels of a y axis over the plot [x0, x1] x [y_bottom, y_top]. */
static void y_grid(FILE *f, const struct axis *a, double x0, double x1, double y_bottom,
                   double y_top, bool bytes)
{
    char buf[64];
    int n = (int)floor((a->hi - a->lo) / a->step + 0.5);
    for (int i = 0; i <= n && i <= 50; i++) {
        double v = a->lo + i * a->step;
        double y = scale(a, v, y_bottom, y_top);
        line(f, x0, y, x1, y, fabs(v) < a->step * 1e-9 ? "axis" : "grid");
        text(f, x0 - 6, y + 4, "tick", "end", tick_label(buf, sizeof(buf), v, a->decimals, bytes));
    }
}

/* Axis titles: x centred under the plot, y rotated along the left edge. */
static void axis_titles(FILE *f, double x0, double x1, double y_bottom, double y_top,
                        const char *x_label, const char *y_label, double x_title_y)
{
    if (x_label)
        text(f, (x0 + x1) / 2, x_title_y, "atitle", "middle", x_label);
    if (y_label) {
        double cy = (y_bottom + y_top) / 2;
        fputs("<text transform=\"translate(14 ", f);
        qv_svg_coord(f, cy);
        fputs(") rotate(-90)\" class=\"atitle\" text-anchor=\"middle\">", f);
        qv_html_text(f, y_label);
        fputs("</text>\n", f);
    }
}

/* Index labels under n slots of width `slot` starting at x0, at most one every 28 units. */
static void x_slot_labels(FILE *f, int32_t n, const char *const *labels, double x0, double slot,
                          double y)
{
    int32_t every = (int32_t)ceil(28.0 / (slot > 0 ? slot : 1));
    if (every < 1)
        every = 1;
    for (int32_t i = 0; i < n; i += every) {
        char buf[24];
        double x = x0 + (i + 0.5) * slot;
        text_open(f, x, y, "tick", "middle");
        if (labels && labels[i]) {
            qv_html_text_max(f, labels[i], every > 1 ? 4 : 6);
        } else {
            snprintf(buf, sizeof(buf), "%d", (int)i);
            fputs(buf, f);
        }
        fputs("</text>\n", f);
    }
}

static void no_data(FILE *f, const char *title, const char *desc)
{
    svg_open(f, CHART_W, 40, title, desc);
    text(f, CHART_W / 2, 24, "tick", "middle", "no data");
    svg_close(f);
}

/* ---- bar chart ------------------------------------------------------------------------------ */

void qv_svg_bar_chart(FILE *f, const struct qv_svg_bars *c)
{
    const double H = 300, top = 44, bottom = H - 40, x0 = PAD_L, x1 = CHART_W - PAD_R;
    char buf[64];
    if (c->n <= 0 || !c->values) {
        no_data(f, c->title, c->desc);
        return;
    }
    double lo = 0, hi = 0;
    for (int32_t i = 0; i < c->n; i++) {
        double v = c->values[i];
        double m = c->markers ? c->markers[i] : NAN;
        if (isfinite(v)) {
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
        if (isfinite(m)) {
            lo = fmin(lo, m);
            hi = fmax(hi, m);
        }
    }
    if (isfinite(c->threshold)) {
        lo = fmin(lo, c->threshold);
        hi = fmax(hi, c->threshold);
    }
    struct axis a = nice_axis(lo, hi + (hi - lo) * 0.05, 6);
    svg_open(f, CHART_W, H, c->title, c->desc);

    /* Legend row */
    double lx = x0;
    if (c->values_name) {
        rect_open(f, lx, 8, 12, 12, "bar");
        fputs("</rect>\n", f);
        text(f, lx + 16, 18, "legend", "start", c->values_name);
        lx += 28 + 7.0 * (double)strlen(c->values_name);
    }
    if (c->markers && c->markers_name) {
        fputs("<circle cx=\"", f);
        qv_svg_coord(f, lx + 6);
        fputs("\" cy=\"14\" r=\"4\" class=\"mk\"/>\n", f);
        text(f, lx + 16, 18, "legend", "start", c->markers_name);
        lx += 28 + 7.0 * (double)strlen(c->markers_name);
    }
    if (isfinite(c->threshold) && c->threshold_label) {
        line(f, lx, 14, lx + 18, 14, "thr");
        text(f, lx + 22, 18, "legend", "start", c->threshold_label);
    }

    y_grid(f, &a, x0, x1, bottom, top, false);
    double base = scale(&a, 0, bottom, top);
    double slot = (x1 - x0) / c->n;
    double bw = slot * 0.8;
    for (int32_t i = 0; i < c->n; i++) {
        double v = c->values[i];
        double bx = x0 + i * slot + (slot - bw) / 2;
        const char *tip = c->tips ? c->tips[i] : NULL;
        if (isnan(v)) {
            rect_open(f, bx, base - 1, bw, 2, "na");
        } else {
            double y = isinf(v) ? (v > 0 ? top : bottom) : scale(&a, v, bottom, top);
            const char *cls = i == c->highlight ? "bar hl"
                              : (c->below_is_bad && isfinite(c->threshold) && v < c->threshold)
                                  ? "bar bad" : "bar";
            rect_open(f, bx, fmin(y, base), bw, fabs(base - y), cls);
        }
        fputs("<title>", f);
        if (tip) {
            qv_html_text(f, tip);
            fputs(": ", f);
        }
        fputs(qv_fmt_fixed(buf, sizeof(buf), v, 2), f);
        if (c->markers) {
            fputs(" / ", f);
            fputs(qv_fmt_fixed(buf, sizeof(buf), c->markers[i], 2), f);
        }
        fputs("</title></rect>\n", f);
        if (isinf(v) && slot >= 9)
            text(f, bx + bw / 2, (v > 0 ? top : bottom) - 3, "tick", "middle", "\xE2\x88\x9E");
    }
    if (c->markers) {
        for (int32_t i = 0; i < c->n; i++) {
            double m = c->markers[i];
            if (isnan(m))
                continue;
            double y = isinf(m) ? (m > 0 ? top : bottom) : scale(&a, m, bottom, top);
            fputs("<circle cx=\"", f);
            qv_svg_coord(f, x0 + (i + 0.5) * slot);
            fputs("\" cy=\"", f);
            qv_svg_coord(f, y);
            fprintf(f, "\" r=\"%s\" class=\"mk\"/>\n", slot >= 8 ? "3" : "1.5");
        }
    }
    if (isfinite(c->threshold)) {
        double y = scale(&a, c->threshold, bottom, top);
        line(f, x0, y, x1, y, "thr");
    }
    if (c->highlight >= 0 && c->highlight < c->n) {
        double cx = x0 + (c->highlight + 0.5) * slot;
        double tx = fmin(fmax(cx, x0 + 30), x1 - 30);
        fputs("<path d=\"M", f);
        qv_svg_coord(f, cx - 5);
        fputs(" ", f);
        qv_svg_coord(f, top - 10);
        fputs(" L", f);
        qv_svg_coord(f, cx + 5);
        fputs(" ", f);
        qv_svg_coord(f, top - 10);
        fputs(" L", f);
        qv_svg_coord(f, cx);
        fputs(" ", f);
        qv_svg_coord(f, top - 3);
        fputs(" Z\" class=\"hlmark\"/>\n", f);
        text(f, tx, top - 13, "hltext", "middle", c->highlight_label ? c->highlight_label : "");
    }
    x_slot_labels(f, c->n, c->x_labels, x0, slot, bottom + 14);
    axis_titles(f, x0, x1, bottom, top, NULL, c->y_label, 0);
    svg_close(f);
}

/* ---- heatmap -------------------------------------------------------------------------------- */

/* Shade in [0, 1] to a colour from near-white to dark blue (one hue: prints in grey too). */
static void shade_colour(char *buf, size_t size, double t)
{
    static const double from[3] = { 247, 251, 255 }, to[3] = { 8, 48, 107 };
    if (t < 0)
        t = 0;
    if (t > 1)
        t = 1;
    int rgb[3];
    for (int k = 0; k < 3; k++)
        rgb[k] = (int)lround(from[k] + (to[k] - from[k]) * t);
    snprintf(buf, size, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

static void index_or_label(FILE *f, const char *const *labels, int32_t i, int32_t max_chars)
{
    if (labels && labels[i])
        qv_html_text_max(f, labels[i], max_chars);
    else
        fprintf(f, "%d", (int)i);
}

void qv_svg_heatmap(FILE *f, const struct qv_svg_heatmap *c)
{
    if (c->rows <= 0 || c->cols <= 0 || !c->shade) {
        no_data(f, c->title, c->desc);
        return;
    }
    int32_t dim = c->rows > c->cols ? c->rows : c->cols;
    double cs = floor(400.0 / dim);
    if (cs > 36)
        cs = 36;
    if (cs < 6)
        cs = 6;
    const double L = 86, T = 10, legend_w = 150;
    double gw = cs * c->cols, gh = cs * c->rows;
    double W = L + gw + 20 + legend_w, H = T + gh + 74;
    char colour[16];
    svg_open(f, W, H, c->title, c->desc);
    int32_t every = (int32_t)ceil(12.0 / cs);
    for (int32_t r = 0; r < c->rows; r++) {
        if (r % every == 0) {
            text_open(f, L - 6, T + (r + 0.5) * cs + 4, "tick", "end");
            index_or_label(f, c->row_labels, r, 10);
            fputs("</text>\n", f);
        }
        for (int32_t k = 0; k < c->cols; k++) {
            double s = c->shade[(int64_t)r * c->cols + k];
            double x = L + k * cs, y = T + r * cs;
            if (isnan(s)) {
                rect_open(f, x, y, cs, cs, "hmna");
            } else {
                shade_colour(colour, sizeof(colour), s);
                fputs("<rect x=\"", f);
                qv_svg_coord(f, x);
                fputs("\" y=\"", f);
                qv_svg_coord(f, y);
                fprintf(f, "\" width=\"%.0f\" height=\"%.0f\" fill=\"%s\" class=\"cell\">", cs,
                        cs, colour);
            }
            fputs("<title>", f);
            index_or_label(f, c->row_labels, r, 40);
            fputs(" \xE2\x86\x92 ", f);   /* → */
            index_or_label(f, c->col_labels, k, 40);
            if (c->counts)
                fprintf(f, ": %lld", (long long)c->counts[(int64_t)r * c->cols + k]);
            if (!isnan(s)) {
                char pct[32];
                fprintf(f, " (%s%%)", qv_fmt_fixed(pct, sizeof(pct), s * 100, 1));
            }
            fputs("</title></rect>\n", f);
            if (c->counts && cs >= 18) {
                char num[32];
                long long v = (long long)c->counts[(int64_t)r * c->cols + k];
                snprintf(num, sizeof(num), "%lld", v);
                if (v != 0 && (double)strlen(num) * 6.5 <= cs - 2)
                    text(f, x + cs / 2, y + cs / 2 + 4, s > 0.55 ? "cnt inv" : "cnt", "middle",
                         num);
            }
        }
    }
    for (int32_t k = 0; k < c->cols; k += every) {
        double x = L + (k + 0.5) * cs, y = T + gh + 8;
        fputs("<text transform=\"translate(", f);
        qv_svg_coord(f, x + 3);
        fputs(" ", f);
        qv_svg_coord(f, y);
        fputs(") rotate(-45)\" class=\"tick\" text-anchor=\"end\">", f);
        index_or_label(f, c->col_labels, k, 10);
        fputs("</text>\n", f);
    }
    /* Axis titles: x under the rotated labels, y along the left edge. */
    text(f, L + gw / 2, H - 6, "atitle", "middle", c->x_label);
    fputs("<text transform=\"translate(12 ", f);
    qv_svg_coord(f, T + gh / 2);
    fputs(") rotate(-90)\" class=\"atitle\" text-anchor=\"middle\">", f);
    qv_html_text(f, c->y_label);
    fputs("</text>\n", f);

    /* Legend: five swatches of the scale, 0 to 100 %. */
    double lx = L + gw + 20;
    text(f, lx, T + 10, "legend", "start", c->legend_label);
    for (int i = 0; i <= 4; i++) {
        char pct[16];
        double t = i / 4.0, y = T + 20 + i * 18;
        shade_colour(colour, sizeof(colour), t);
        fputs("<rect x=\"", f);
        qv_svg_coord(f, lx);
        fputs("\" y=\"", f);
        qv_svg_coord(f, y);
        fprintf(f, "\" width=\"16\" height=\"14\" fill=\"%s\" class=\"cell\"/>\n", colour);
        snprintf(pct, sizeof(pct), "%d%%", i * 25);
        text(f, lx + 22, y + 11, "tick", "start", pct);
    }
    svg_close(f);
}

/* ---- histogram ------------------------------------------------------------------------------ */

void qv_svg_histogram(FILE *f, const struct qv_svg_histogram *c)
{
    const double H = 240, top = 14, bottom = H - 44, x0 = PAD_L, x1 = CHART_W - PAD_R;
    char buf[64], lo_s[32], hi_s[32];
    if (c->n_bins <= 0 || !c->counts || !isfinite(c->lo) || !isfinite(c->hi) || c->hi <= c->lo) {
        no_data(f, c->title, c->desc);
        return;
    }
    int64_t max = 0;
    for (int32_t i = 0; i < c->n_bins; i++)
        if (c->counts[i] > max)
            max = c->counts[i];
    struct axis ya = nice_axis(0, max > 0 ? (double)max : 1, 5);
    if (ya.decimals > 0) {   /* counts: integer ticks */
        ya.step = 1;
        ya.decimals = 0;
        ya.hi = ceil(ya.hi);
    }
    svg_open(f, CHART_W, H, c->title, c->desc);
    y_grid(f, &ya, x0, x1, bottom, top, false);
    double bw = (x1 - x0) / c->n_bins;
    double w = (c->hi - c->lo) / c->n_bins;
    for (int32_t i = 0; i < c->n_bins; i++) {
        double y = scale(&ya, (double)c->counts[i], bottom, top);
        if (c->counts[i] > 0 && bottom - y < 1.5)   /* a non-empty bin stays visible */
            y = bottom - 1.5;
        rect_open(f, x0 + i * bw, y, bw, bottom - y, "hbar");
        fprintf(f, "<title>[%s, %s): %lld</title></rect>\n",
                qv_fmt_general(lo_s, sizeof(lo_s), c->lo + i * w, 4),
                qv_fmt_general(hi_s, sizeof(hi_s), c->lo + (i + 1) * w, 4),
                (long long)c->counts[i]);
    }
    struct axis xa = nice_axis(c->lo, c->hi, 8);
    int n = (int)floor((xa.hi - xa.lo) / xa.step + 0.5);
    for (int i = 0; i <= n && i <= 50; i++) {
        double v = xa.lo + i * xa.step;
        if (v < c->lo - xa.step * 1e-9 || v > c->hi + xa.step * 1e-9)
            continue;
        double x = x0 + (v - c->lo) / (c->hi - c->lo) * (x1 - x0);
        line(f, x, bottom, x, bottom + 4, "axis");
        text(f, x, bottom + 16, "tick", "middle", qv_fmt_fixed(buf, sizeof(buf), v, xa.decimals));
    }
    if (c->lo < 0 && c->hi > 0) {
        double x = x0 + (0 - c->lo) / (c->hi - c->lo) * (x1 - x0);
        line(f, x, top, x, bottom, "zero");
    }
    line(f, x0, bottom, x1, bottom, "axis");
    axis_titles(f, x0, x1, bottom, top, c->x_label, "count", H - 8);
    svg_close(f);
}

/* ---- step / area chart ---------------------------------------------------------------------- */

void qv_svg_steps(FILE *f, const struct qv_svg_steps *c)
{
    const double H = 260, top = 16, bottom = H - 44, x0 = PAD_L + 12, x1 = CHART_W - PAD_R;
    char buf[80];
    if (c->n <= 0 || !c->values) {
        no_data(f, c->title, c->desc);
        return;
    }
    double hi = 0;
    for (int32_t i = 0; i < c->n; i++)
        if (isfinite(c->values[i]))
            hi = fmax(hi, c->values[i]);
    for (int32_t i = 0; i < c->n_lines; i++)
        if (isfinite(c->line_values[i]))
            hi = fmax(hi, c->line_values[i]);
    /* Byte axes tick at round KiB or MiB, not at round decimal numbers of bytes. */
    double u = !c->bytes ? 1 : hi >= 1048576 ? 1048576 : hi >= 1024 ? 1024 : 1;
    struct axis a = nice_axis(0, hi > 0 ? hi / u * 1.08 : 1, 5);
    if (c->bytes && u == 1 && a.step < 1)
        a.step = 1;
    a.lo *= u;
    a.hi = (c->bytes && u == 1 ? ceil(a.hi) : a.hi) * u;
    a.step *= u;
    svg_open(f, CHART_W, H, c->title, c->desc);
    y_grid(f, &a, x0, x1, bottom, top, c->bytes);
    double slot = (x1 - x0) / c->n;
    /* The area: up to each step's level, held over the step, closed along the x axis. */
    fputs("<path class=\"area\" d=\"M", f);
    qv_svg_coord(f, x0);
    fputs(" ", f);
    qv_svg_coord(f, bottom);
    for (int32_t i = 0; i < c->n; i++) {
        double v = isfinite(c->values[i]) ? c->values[i] : 0;
        fputs(" V", f);
        qv_svg_coord(f, scale(&a, v, bottom, top));
        fputs(" H", f);
        qv_svg_coord(f, x0 + (i + 1) * slot);
    }
    fputs(" V", f);
    qv_svg_coord(f, bottom);
    fputs(" Z\"/>\n", f);
    /* Hover targets: one transparent column per step with its value. */
    for (int32_t i = 0; i < c->n; i++) {
        rect_open(f, x0 + i * slot, top, slot, bottom - top, "hit");
        fputs("<title>", f);
        fprintf(f, "step %d", (int)i);
        if (c->tips && c->tips[i]) {
            fputs(" ", f);
            qv_html_text(f, c->tips[i]);
        }
        fputs(": ", f);
        fputs(c->bytes ? qv_fmt_bytes(buf, sizeof(buf), c->values[i])
                       : qv_fmt_general(buf, sizeof(buf), c->values[i], 6), f);
        fputs("</title></rect>\n", f);
    }
    for (int32_t i = 0; i < c->n_lines; i++) {
        if (!isfinite(c->line_values[i]))
            continue;
        double y = scale(&a, c->line_values[i], bottom, top);
        line(f, x0, y, x1, y, "ref");
        /* Labels alternate between the right and the left end so that close lines stay
         * readable. */
        if (i % 2 == 0)
            text(f, x1 - 4, y - 4, "legend", "end", c->line_labels ? c->line_labels[i] : NULL);
        else
            text(f, x0 + 4, y - 4, "legend", "start", c->line_labels ? c->line_labels[i] : NULL);
    }
    line(f, x0, bottom, x1, bottom, "axis");
    x_slot_labels(f, c->n, NULL, x0, slot, bottom + 14);
    axis_titles(f, x0, x1, bottom, top, c->x_label, c->y_label, H - 8);
    svg_close(f);
}
