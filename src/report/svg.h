/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small SVG chart library for report.html (private to src/report/): a bar chart with a
 * threshold line and a highlighted bar, a heatmap with a legend, a histogram, and a step/area
 * chart with reference lines.
 *
 * Every chart is an inline <svg role="img"> with a <title> (its accessible name) and a <desc>
 * (a text alternative saying what it shows, written by the caller), and hover titles on its
 * marks. Every string is escaped with qv_html_text; coordinates have one decimal; colours come
 * from classes styled by reports/report.css (heatmap cells carry their computed fill). The
 * output depends only on the input: byte-identical for identical input.
 *
 * The charts draw what they are given; deciding that data is absent (and saying so instead of
 * drawing) is the caller's job. Charts with n == 0 write a short "no data" figure anyway, so a
 * misuse never produces broken markup.
 */
#ifndef QV_REPORT_SVG_H
#define QV_REPORT_SVG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Bars in order (e.g. per layer in execution order). */
struct qv_svg_bars {
    const char *title;               /* accessible name */
    const char *desc;                /* text alternative */
    const char *y_label;             /* axis title: "SQNR (dB)" */
    int32_t n;
    const double *values;            /* [n] bar heights; NAN: no bar ("n/a" mark); +-inf:
                                      * drawn to the edge and labelled "∞" */
    const char *const *x_labels;     /* [n] short tick labels, or NULL: 0..n-1 */
    const char *const *tips;         /* [n] hover text of each bar, or NULL */
    const double *markers;           /* [n] a second series drawn as dots, or NULL */
    const char *values_name;         /* legend of the bars, or NULL: no legend */
    const char *markers_name;        /* legend of the dots */
    double threshold;                /* horizontal line; NAN: none */
    const char *threshold_label;     /* "threshold 20 dB" */
    bool below_is_bad;               /* bars below the threshold get the "bad" class */
    int32_t highlight;               /* index of the highlighted bar; -1: none */
    const char *highlight_label;     /* text above the highlighted bar: "culprit" */
};
void qv_svg_bar_chart(FILE *f, const struct qv_svg_bars *c);

/* A rows x cols grid of shaded cells, with a legend of the shade scale. */
struct qv_svg_heatmap {
    const char *title, *desc;
    const char *x_label, *y_label;   /* "predicted class", "true class" */
    int32_t rows, cols;
    const double *shade;             /* [rows * cols] intensity in [0, 1]; NAN: blank cell */
    const int64_t *counts;           /* [rows * cols] written in the cells when they fit, and in
                                      * the hover titles; or NULL */
    const char *const *row_labels;   /* [rows] or NULL: 0..rows-1 */
    const char *const *col_labels;   /* [cols] or NULL: 0..cols-1 */
    const char *legend_label;        /* what the shade means: "share of the true class" */
};
void qv_svg_heatmap(FILE *f, const struct qv_svg_heatmap *c);

/* Equal-width bins over [lo, hi). */
struct qv_svg_histogram {
    const char *title, *desc;
    const char *x_label;             /* "int8 − float (real units)" */
    double lo, hi;                   /* finite, lo < hi */
    int32_t n_bins;
    const int64_t *counts;           /* [n_bins] */
};
void qv_svg_histogram(FILE *f, const struct qv_svg_histogram *c);

/* A value held over each step (e.g. live activation bytes per execution step), as a filled
 * step area, with horizontal reference lines. */
struct qv_svg_steps {
    const char *title, *desc;
    const char *x_label, *y_label;
    int32_t n;
    const double *values;            /* [n] finite, >= 0 */
    const char *const *tips;         /* [n] hover text per step, or NULL */
    bool bytes;                      /* y ticks in B/KiB/MiB */
    int32_t n_lines;
    const double *line_values;       /* [n_lines] reference levels; NAN entries skipped */
    const char *const *line_labels;  /* [n_lines] */
};
void qv_svg_steps(FILE *f, const struct qv_svg_steps *c);

#endif
