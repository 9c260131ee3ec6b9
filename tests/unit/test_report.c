/* SPDX-License-Identifier: Apache-2.0 */
/* report.html: escaping, number formatting, the SVG charts, the page and its sections. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include "html_check.h"
#include "report/html.h"
#include "report/report.h"
#include "report/svg.h"
#include "report_fixture.h"
#include "support.h"

/* ---- helpers --------------------------------------------------------------------------------- */

/* Output of fn(f, arg) as a malloc'd string. */
#define CAPTURE(out, call)                                                                     \
    do {                                                                                       \
        size_t cap_len_;                                                                       \
        FILE *f = open_memstream(&(out), &cap_len_);                                           \
        ck_assert_ptr_nonnull(f);                                                              \
        call;                                                                                  \
        ck_assert_int_eq(fclose(f), 0);                                                        \
    } while (0)

static char *render(const struct qv_report *rep)
{
    char *out = NULL;
    struct qv_error err = QV_ERROR_INIT;
    enum qv_status st = QV_OK;
    CAPTURE(out, st = qv_report_render_html(f, rep, &err));
    ck_assert_msg(st == QV_OK, "render failed: %s", err.msg);
    return out;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void assert_clean(const char *html)
{
    static char problems[8192];
    int n = qvt_html_check(html, strlen(html), problems, sizeof(problems));
    ck_assert_msg(n == 0, "%d problems:\n%s", n, problems);
}

static char *escaped(const char *s)
{
    char *out = NULL;
    CAPTURE(out, qv_html_text(f, s));
    return out;
}

/* ---- escaping -------------------------------------------------------------------------------- */

START_TEST(escape_markup_and_quotes)
{
    char *e = escaped("<script>alert('x')</script> & \"q\"");
    ck_assert_str_eq(e, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
    free(e);
    e = escaped("&amp;");   /* already-escaped text is escaped again: shown as typed */
    ck_assert_str_eq(e, "&amp;amp;");
    free(e);
    e = escaped(NULL);
    ck_assert_str_eq(e, "");
    free(e);
}
END_TEST

static const struct {
    const char *in, *out, *what;
} utf8_cases[] = {
    { "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e",
      "valid 2-, 3- and 4-byte sequences are kept" },
    { "a\xff" "b\xfe", "a\xef\xbf\xbd" "b\xef\xbf\xbd", "bytes 0xFF and 0xFE" },
    { "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd", "overlong '/'" },
    { "\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "overlong 3-byte" },
    { "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "UTF-16 surrogate" },
    { "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "above U+10FFFF" },
    { "x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd", "sequence cut by the end of the string" },
    { "\x80" "a", "\xef\xbf\xbd" "a", "lone continuation byte" },
    { "a\x01\x1b[31m\x7f", "a\xef\xbf\xbd\xef\xbf\xbd[31m\xef\xbf\xbd", "control characters" },
    { "\xc2\x85", "\xef\xbf\xbd", "C1 control NEL" },
    { "\xef\xbf\xbe\xef\xb7\x90", "\xef\xbf\xbd\xef\xbf\xbd", "noncharacters" },
    { "tab\there\nnl", "tab\there\nnl", "tab and newline are kept" },
};

START_TEST(escape_utf8)
{
    char *e = escaped(utf8_cases[_i].in);
    ck_assert_msg(strcmp(e, utf8_cases[_i].out) == 0, "%s", utf8_cases[_i].what);
    free(e);
}
END_TEST

START_TEST(escape_truncates_by_code_point)
{
    char *out = NULL;
    CAPTURE(out, qv_html_text_max(f, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9<>", 4));
    ck_assert_str_eq(out, "\xc3\xa9\xc3\xa9\xc3\xa9\xe2\x80\xa6");   /* 3 chars + "…" */
    free(out);
    CAPTURE(out, qv_html_text_max(f, "a<b", 3));
    ck_assert_str_eq(out, "a&lt;b");   /* fits: unchanged */
    free(out);
}
END_TEST

/* ---- numbers --------------------------------------------------------------------------------- */

START_TEST(number_formats)
{
    char b[96];
    ck_assert_str_eq(qv_fmt_fixed(b, sizeof(b), -0.0001, 2), "0.00");
    ck_assert_str_eq(qv_fmt_fixed(b, sizeof(b), -0.006, 2), "-0.01");
    ck_assert_str_eq(qv_fmt_fixed(b, sizeof(b), NAN, 2), "\xe2\x80\x94");
    ck_assert_str_eq(qv_fmt_fixed(b, sizeof(b), INFINITY, 2), "\xe2\x88\x9e");
    ck_assert_str_eq(qv_fmt_fixed(b, sizeof(b), -INFINITY, 2), "-\xe2\x88\x9e");
    ck_assert_str_eq(qv_fmt_fixed(b, sizeof(b), 3.14159, 12), "3.141590000");   /* max 9 */
    ck_assert_str_eq(qv_fmt_count(b, sizeof(b), 1234567), "1\xe2\x80\x89" "234\xe2\x80\x89" "567");
    ck_assert_str_eq(qv_fmt_count(b, sizeof(b), -1000), "-1\xe2\x80\x89" "000");
    ck_assert_str_eq(qv_fmt_count(b, sizeof(b), 999), "999");
    ck_assert_str_eq(qv_fmt_bytes(b, sizeof(b), 1000), "1\xe2\x80\x89" "000 B");
    ck_assert_str_eq(qv_fmt_bytes(b, sizeof(b), 4656), "4.55 KiB (4\xe2\x80\x89" "656 B)");
    ck_assert_str_eq(qv_fmt_bytes(b, sizeof(b), 3670016), "3.50 MiB (3\xe2\x80\x89" "670"
                     "\xe2\x80\x89" "016 B)");
    ck_assert_str_eq(qv_fmt_general(b, sizeof(b), -0.0, 4), "0");
    ck_assert_str_eq(qv_fmt_general(b, sizeof(b), 0.000012345, 3), "1.23e-05");
}
END_TEST

/* ---- SVG charts ------------------------------------------------------------------------------ */

START_TEST(bar_chart_marks_threshold_and_highlight)
{
    double v[6] = { 40, 35, 18, NAN, INFINITY, 12 };
    double m[6] = { 40, 38, 19, NAN, INFINITY, 30 };
    const char *tips[6] = { "a", "b", "<evil>", "d", "e", "f" };
    struct qv_svg_bars c = {
        .title = "SQNR <per layer>", .desc = "what it \"shows\"", .y_label = "dB", .n = 6,
        .values = v, .tips = tips, .markers = m, .values_name = "propagated",
        .markers_name = "local", .threshold = 20, .threshold_label = "threshold 20 dB",
        .below_is_bad = true, .highlight = 2, .highlight_label = "culprit",
    };
    char *out = NULL;
    CAPTURE(out, qv_svg_bar_chart(f, &c));
    ck_assert_ptr_nonnull(strstr(out, "role=\"img\" aria-label=\"SQNR &lt;per layer&gt;\""));
    ck_assert_ptr_nonnull(strstr(out, "<title>SQNR &lt;per layer&gt;</title>"));
    ck_assert_ptr_nonnull(strstr(out, "<desc>what it &quot;shows&quot;</desc>"));
    ck_assert_int_eq(count(out, "class=\"bar hl\""), 1);   /* the culprit, though below */
    ck_assert_int_eq(count(out, "class=\"bar bad\""), 1);  /* 12 dB < 20 dB */
    ck_assert_int_eq(count(out, "class=\"bar\""), 3 + 1);  /* 40, 35, inf + legend swatch */
    ck_assert_int_eq(count(out, "class=\"na\""), 1);       /* NAN: no bar */
    ck_assert_int_eq(count(out, "class=\"thr\""), 2);      /* line + legend */
    ck_assert_int_eq(count(out, "class=\"mk\""), 5 + 1);   /* 5 finite/inf dots + legend */
    ck_assert_int_eq(count(out, ">\xe2\x88\x9e</text>"), 1);   /* inf labelled */
    ck_assert_ptr_nonnull(strstr(out, "&lt;evil&gt;: 18.00 / 19.00"));
    ck_assert_ptr_nonnull(strstr(out, ">culprit</text>"));
    ck_assert_ptr_null(strstr(out, "<evil>"));
    ck_assert_ptr_null(strstr(out, "nan"));
    ck_assert_ptr_null(strstr(out, "inf"));
    assert_clean(out);
    free(out);
}
END_TEST

START_TEST(bar_chart_without_data_says_so)
{
    struct qv_svg_bars c = { .title = "t", .desc = "d", .n = 0, .highlight = -1,
                             .threshold = NAN };
    char *out = NULL;
    CAPTURE(out, qv_svg_bar_chart(f, &c));
    ck_assert_ptr_nonnull(strstr(out, ">no data</text>"));
    ck_assert_ptr_null(strstr(out, "<rect"));
    assert_clean(out);
    free(out);
}
END_TEST

START_TEST(heatmap_cells_legend_counts)
{
    double shade[9] = { 1, 0, 0, 0.25, 0.75, 0, NAN, NAN, NAN };
    int64_t counts[9] = { 10, 0, 0, 1, 3, 0, 0, 0, 0 };
    const char *labels[3] = { "yes", "<no>", "\xff" };
    struct qv_svg_heatmap c = { .title = "cm", .desc = "d", .x_label = "predicted",
                                .y_label = "true", .rows = 3, .cols = 3, .shade = shade,
                                .counts = counts, .row_labels = labels, .col_labels = labels,
                                .legend_label = "share" };
    char *out = NULL;
    CAPTURE(out, qv_svg_heatmap(f, &c));
    ck_assert_int_eq(count(out, "class=\"cell\">"), 6);     /* cells with a title child */
    ck_assert_int_eq(count(out, "class=\"hmna\""), 3);      /* empty row: blank cells */
    ck_assert_int_eq(count(out, "class=\"cell\"/>"), 5);    /* legend swatches */
    ck_assert_ptr_nonnull(strstr(out, "fill=\"#08306b\""));  /* shade 1: darkest */
    ck_assert_ptr_nonnull(strstr(out, "fill=\"#f7fbff\""));  /* shade 0: lightest */
    ck_assert_ptr_nonnull(strstr(out, "<title>&lt;no&gt; \xe2\x86\x92 yes: 1 (25.0%)</title>"));
    ck_assert_ptr_nonnull(strstr(out, ">10</text>"));
    ck_assert_ptr_nonnull(strstr(out, ">100%</text>"));
    ck_assert_ptr_nonnull(strstr(out, "\xef\xbf\xbd"));
    assert_clean(out);
    free(out);
}
END_TEST

START_TEST(histogram_bins_and_zero_line)
{
    int64_t counts[5] = { 1, 10, 1000, 10, 0 };
    struct qv_svg_histogram c = { .title = "h", .desc = "d", .x_label = "err", .lo = -1,
                                  .hi = 1.5, .n_bins = 5, .counts = counts };
    char *out = NULL;
    CAPTURE(out, qv_svg_histogram(f, &c));
    ck_assert_int_eq(count(out, "class=\"hbar\""), 5);
    ck_assert_int_eq(count(out, "class=\"zero\""), 1);
    ck_assert_ptr_nonnull(strstr(out, "<title>[-1, -0.5): 1</title>"));
    /* The one-count bin stays visible next to the 1000-count bin: height >= 1.5 */
    const char *p = strstr(out, "class=\"hbar\"");
    const char *h = p ? strstr(out, "height=\"") : NULL;
    ck_assert_ptr_nonnull(h);
    ck_assert(atof(h + 8) >= 1.5);
    assert_clean(out);
    free(out);
}
END_TEST

START_TEST(steps_area_and_reference_lines)
{
    double v[4] = { 100, 3000, 2500, 40 };
    double lines[2] = { 4096, NAN };
    const char *ll[2] = { "planned arena", "skipped" };
    const char *tips[4] = { "CONV_2D", NULL, "<x>", "SOFTMAX" };
    struct qv_svg_steps c = { .title = "arena", .desc = "d", .x_label = "step", .y_label = "B",
                              .n = 4, .values = v, .tips = tips, .bytes = true, .n_lines = 2,
                              .line_values = lines, .line_labels = ll };
    char *out = NULL;
    CAPTURE(out, qv_svg_steps(f, &c));
    ck_assert_int_eq(count(out, "class=\"area\""), 1);
    ck_assert_int_eq(count(out, "class=\"ref\""), 1);
    ck_assert_int_eq(count(out, "class=\"hit\""), 4);
    ck_assert_ptr_nonnull(strstr(out, "step 2 &lt;x&gt;: 2.44 KiB (2\xe2\x80\x89" "500 B)"));
    ck_assert_ptr_nonnull(strstr(out, ">planned arena</text>"));
    ck_assert_ptr_null(strstr(out, ">skipped</text>"));
    assert_clean(out);
    free(out);
}
END_TEST

/* ---- the page -------------------------------------------------------------------------------- */

START_TEST(full_report_sections_in_order)
{
    static struct report_fixture fx;
    report_fixture_init(&fx);
    char *html = render(&fx.rep);
    assert_clean(html);
    ck_assert(strncmp(html, "<!DOCTYPE html>\n<html lang=\"en\">", 31) == 0);
    ck_assert_ptr_nonnull(strstr(html, "<meta http-equiv=\"Content-Security-Policy\" "
                                       "content=\"default-src 'none'; style-src 'unsafe-inline'"));
    ck_assert_ptr_nonnull(strstr(html, "--bar: #4c78a8"));   /* the stylesheet is inlined */
    ck_assert_ptr_null(strstr(html, "{{"));
    static const char *const ids[] = { "verdict", "accuracy", "confusion", "layers", "errors",
                                       "flips", "sizes", "budget", "baseline", "details" };
    const char *prev = html;
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        char key[64];
        snprintf(key, sizeof(key), "<section id=\"%s\">", ids[i]);
        const char *at = strstr(html, key);
        ck_assert_msg(at != NULL && at > prev, "section %s missing or out of order", ids[i]);
        prev = at;
    }
    /* Verdict first: FAIL, the failed gates with their detail, the defaults notice. */
    const char *verdict = strstr(html, "<section id=\"verdict\">");
    const char *accuracy = strstr(html, "<section id=\"accuracy\">");
    ck_assert_ptr_nonnull(strstr(verdict, "<span class=\"badge\">FAIL</span> 3 of 6 gates failed"));
    ck_assert(strstr(verdict, "<li><b>max_accuracy_drop</b>: accuracy float 0.9123") < accuracy);
    ck_assert(strstr(verdict, "2 of these thresholds are qvet&#39;s defaults") < accuracy);
    ck_assert(strstr(verdict, "&lt;b&gt;not bold&lt;/b&gt;") < accuracy);   /* a note */
    /* Every section has data here: nothing says it is missing except the unpaired layer. */
    ck_assert_int_eq(count(html, "class=\"missing\""), 0);
    /* Charts: 3 confusion heatmaps? No: float and int8 only; 1 bar chart; 2 histograms; arena. */
    ck_assert_int_eq(count(html, "<svg class=\"chart\""), 2 + 1 + 2 + 1);
    ck_assert_int_eq(count(html, "aria-label=\"Confusion matrix, "), 2);
    /* The culprit: named in a callout, highlighted in the chart and the table. */
    ck_assert_ptr_nonnull(strstr(html, "<p class=\"callout\">The error is born at #5 <code>conv"
                                       "&lt;/text&gt;&lt;script&gt;"));
    ck_assert_int_eq(count(html, "class=\"bar hl\""), 1);
    ck_assert_int_eq(count(html, "<tr class=\"culprit\">"), 2);   /* both layer tables */
    ck_assert_ptr_nonnull(strstr(html, "1 of 14 int8 tensors have no float counterpart"));
    /* Per-class precision/recall/F1 from the confusion matrices, 12 rows. */
    ck_assert_ptr_nonnull(strstr(html, "<h3>Per class</h3>"));
    /* Flips: 239 in all, 30 listed. */
    ck_assert_ptr_nonnull(strstr(html, "239 samples change their top-1 prediction"));
    ck_assert_ptr_nonnull(strstr(html, "the first 30 are listed"));
    /* Budget: three verdicts, the arena chart. */
    ck_assert_ptr_nonnull(strstr(html, ">does not fit</span>"));
    ck_assert_ptr_nonnull(strstr(html, "aria-label=\"Arena over time\""));
    /* Baseline: top-1 changed from 0.8954 to 0.8711 (worse), a gate flipped, layers matched. */
    ck_assert_ptr_nonnull(strstr(html, "<td class=\"n\">0.8954</td><td class=\"n\">0.8711</td>"
                                       "<td class=\"n delta-bad\">-0.0243</td>"));
    ck_assert_ptr_nonnull(strstr(html, "<b>max_accuracy_drop</b> changed: pass before, fail now"));
    ck_assert_ptr_nonnull(strstr(html, "14 of 14 layers matched"));
    /* Hashes and options. */
    ck_assert_ptr_nonnull(strstr(html, "9f86d081884c7d659a2feaa0c55ad015"
                                       "a3bf4f1b2b0b822cd15d6c15b0f00a08"));
    ck_assert_ptr_nonnull(strstr(html, "out/&lt;kws&gt;"));
    free(html);
}
END_TEST

START_TEST(hostile_names_are_escaped)
{
    static struct report_fixture fx;
    report_fixture_init(&fx);
    char *html = render(&fx.rep);
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "<img"));
    ck_assert_ptr_null(strstr(html, "onerror=alert(1)>"));
    ck_assert_ptr_null(strstr(html, "\"onload=\""));
    ck_assert_ptr_null(strstr(html, "\xff"));
    ck_assert_ptr_null(strstr(html, "\xc0\xaf"));
    ck_assert_ptr_nonnull(strstr(html, "<title>qvet report: kws&lt;script&gt;alert(1)&lt;/script"
                                       "&gt;&quot;&#39;&amp;amp;\xef\xbf\xbd\xef\xbf\xbd</title>"));
    ck_assert_ptr_nonnull(strstr(html, "&lt;img src=x onerror=alert(1)&gt;"));
    ck_assert_ptr_nonnull(strstr(html, "conv&lt;/text&gt;&lt;script&gt;x()&lt;/script&gt;"
                                       "\xef\xbf\xbd\xef\xbf\xbdname&quot;onload=&quot;y()"));
    ck_assert_ptr_nonnull(strstr(html, "my-board \xf0\x9f\x98\x80"));   /* valid UTF-8 kept */
    assert_clean(html);
    free(html);
}
END_TEST

START_TEST(output_is_deterministic)
{
    static struct report_fixture a, b;
    report_fixture_init(&a);
    report_fixture_init(&b);
    char *x = render(&a.rep), *y = render(&b.rep), *z = render(&a.rep);
    ck_assert_str_eq(x, y);
    ck_assert_str_eq(x, z);
    /* A different figure gives a different page (the comparison can fail). */
    a.metrics[0].value[QV_REPORT_INT8] = 0.8712;
    char *w = render(&a.rep);
    ck_assert_str_ne(x, w);
    free(x);
    free(y);
    free(z);
    free(w);
}
END_TEST

START_TEST(empty_report_says_what_is_missing)
{
    struct qv_report rep = report_fixture_empty();
    char *html = render(&rep);
    assert_clean(html);
    ck_assert_ptr_nonnull(strstr(html, "<span class=\"badge\">NO GATES</span>"));
    ck_assert_ptr_null(strstr(html, "<svg"));   /* no empty chart anywhere */
    ck_assert_ptr_null(strstr(html, "<table"));
    static const char *const says[] = {
        "No model was evaluated.",
        "The golden set has no labels",
        "No float32 model: the float32-vs-int8 divergence was not measured.",
        "No labels: confusion matrices need labels.",
        "Per-layer divergence needs both a float32 and an int8 model.",
        "Error histograms need both a float32 and an int8 model.",
        "Flipped predictions need both a float32 and an int8 model.",
        "No sizes were recorded.",
        "No memory budget was computed for any target",
        "No baseline was given",
        "No input files were recorded.",
        "No options were recorded.",
    };
    for (size_t i = 0; i < sizeof(says) / sizeof(says[0]); i++)
        ck_assert_msg(strstr(html, says[i]) != NULL, "missing: %s", says[i]);
    free(html);
}
END_TEST

START_TEST(partial_report_sections)
{
    /* A float + int8 run of a raw task without labels, layers without local error, no culprit,
     * no threshold; a regression of 3 layers where one is unpaired. */
    struct qv_report rep = report_fixture_empty();
    struct qv_report_layer layers[3] = {
        { .name = "a", .op = "CONV_2D", .pairing = "name", .propagated = fx_error(30),
          .local = fx_error(NAN), .clip_low = NAN, .clip_high = NAN },
        { .name = "b", .pairing = NULL, .propagated = fx_error(NAN), .local = fx_error(NAN),
          .clip_low = NAN, .clip_high = NAN },
        { .name = "m/act_3/Relu6;m/bn_3/FusedBatchNormV3;m/conv_3/Conv2D",
          .float_name = "m/act_3/Relu6;m/conv_3/BiasAdd", .pairing = "structure",
          .propagated = fx_error(25), .local = fx_error(NAN), .clip_low = 0, .clip_high = 0,
          .levels_used = 12 },
    };
    rep.task = "raw";
    rep.models[QV_REPORT_FLOAT] = (struct qv_report_model){ "float32", "m.tflite" };
    rep.models[QV_REPORT_INT8] = (struct qv_report_model){ "int8", "q.tflite" };
    rep.layers = layers;
    rep.n_layers = 3;
    rep.n_flips_total = 0;
    char *html = render(&rep);
    assert_clean(html);
    ck_assert_ptr_nonnull(strstr(html, "Task &quot;raw&quot;: no task metrics"));
    ck_assert_ptr_nonnull(strstr(html, "The local error of each layer"));
    ck_assert_ptr_nonnull(strstr(html, "No sample changes its top-1 prediction"));
    ck_assert_ptr_nonnull(strstr(html, "1 of 3 int8 tensors have no float counterpart"));
    ck_assert_ptr_null(strstr(html, "local (layer alone)"));   /* no empty local columns */
    ck_assert_ptr_null(strstr(html, "class=\"bar hl\""));
    ck_assert_ptr_null(strstr(html, "class=\"thr\""));
    ck_assert_int_eq(count(html, "<svg class=\"chart\""), 1);
    /* a converter's ';'-joined fused name: its first part shown, the whole as the title */
    ck_assert_ptr_nonnull(strstr(html, "<code title=\"m/act_3/Relu6;m/bn_3/FusedBatchNormV3;"
                                       "m/conv_3/Conv2D\">m/act_3/Relu6</code>"));
    ck_assert_ptr_nonnull(strstr(html, "<code title=\"m/act_3/Relu6;m/conv_3/BiasAdd\">"
                                       "m/act_3/Relu6</code>"));
    free(html);
}
END_TEST

START_TEST(many_classes_are_not_drawn)
{
    struct qv_report rep = report_fixture_empty();
    enum { N = 120 };
    int64_t *cm = calloc(N * N, sizeof(*cm));
    for (int c = 0; c < N; c++)
        cm[c * N + c] = 10 + c % 7, cm[c * N + (c + 1) % N] = c % 5;
    rep.task = "classification";
    rep.has_labels = true;
    rep.models[QV_REPORT_INT8] = (struct qv_report_model){ "int8", NULL };
    rep.n_classes = N;
    rep.confusion[QV_REPORT_INT8] = cm;
    char *html = render(&rep);
    assert_clean(html);
    ck_assert_ptr_nonnull(strstr(html, "120 classes are too many to draw (at most 64)"));
    ck_assert_ptr_nonnull(strstr(html, "The 100 of 120 classes with the lowest F1 of int8."));
    ck_assert_ptr_null(strstr(html, "<svg"));
    free(html);
    free(cm);
}
END_TEST

START_TEST(invalid_input_is_refused)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_report rep = report_fixture_empty();
    rep.n_layers = 3;   /* no array */
    ck_assert_int_eq(qv_report_validate(&rep, &err), QV_E_INTERNAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "layers has count 3 but no array"));
    rep = report_fixture_empty();
    rep.n_gates = -1;
    ck_assert_int_eq(qv_report_validate(&rep, &err), QV_E_INTERNAL);
    rep = report_fixture_empty();
    rep.culprit = 0;    /* no layers */
    ck_assert_int_eq(qv_report_validate(&rep, &err), QV_E_INTERNAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "culprit 0"));
    int64_t c[1] = { 1 };
    struct qv_report_histogram h = { .lo = 1, .hi = 1, .n_bins = 1, .counts = c };
    rep = report_fixture_empty();
    rep.histograms = &h;
    rep.n_histograms = 1;
    ck_assert_int_eq(qv_report_validate(&rep, &err), QV_E_INTERNAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "histograms[0]"));
    struct qv_report base = report_fixture_empty();
    base.n_sizes = 2;
    rep = report_fixture_empty();
    rep.baseline = &base;
    ck_assert_int_eq(qv_report_validate(&rep, &err), QV_E_INTERNAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "baseline: "));
    /* Rendering refuses too, and writes nothing. */
    char *out = NULL;
    enum qv_status st = QV_OK;
    CAPTURE(out, st = qv_report_render_html(f, &rep, &err));
    ck_assert_int_eq(st, QV_E_INTERNAL);
    ck_assert_str_eq(out, "");
    free(out);
}
END_TEST

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

START_TEST(written_atomically)
{
    static struct report_fixture fx;
    report_fixture_init(&fx);
    struct qv_error err = QV_ERROR_INIT;
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "report.html");
    ck_assert_int_eq(qv_report_write_html(&fx.rep, path, &err), QV_OK);
    char *written = qvt_read_file(path, NULL);
    char *html = render(&fx.rep);
    ck_assert_str_eq(written, html);
    ck_assert_int_eq(count_entries(dir), 1);   /* no temporary file left */
    /* An invalid input leaves the previous page in place and no temporary file. */
    struct qv_report bad = report_fixture_empty();
    bad.n_flips = 2;
    ck_assert_int_eq(qv_report_write_html(&bad, path, &err), QV_E_INTERNAL);
    free(written);
    written = qvt_read_file(path, NULL);
    ck_assert_str_eq(written, html);
    ck_assert_int_eq(count_entries(dir), 1);
    /* A directory that does not exist: an I/O error naming the path. */
    char *nowhere = qvt_path(dir, "no/such/dir/report.html");
    ck_assert_int_eq(qv_report_write_html(&fx.rep, nowhere, &err), QV_E_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "no/such/dir/report.html"));
    free(nowhere);
    free(written);
    free(html);
    free(path);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- from a qvet run result ------------------------------------------------------------------ */

/* Rows of outputs whose top-1 is pred[i] with score sc[i] (other classes at 0). */
static void one_hot(float *out, const int32_t *pred, const float *sc, int n, int classes)
{
    for (int i = 0; i < n; i++)
        for (int c = 0; c < classes; c++)
            out[i * classes + c] = c == pred[i] ? sc[i] : 0.0f;
}

START_TEST(from_run_result)
{
    /* 8 samples, 3 classes; float and int8 disagree on samples 2 and 5; sample 7 has a label
     * that is not a class. */
    static struct qv_job_result r;
    memset(&r, 0, sizeof(r));
    static const int32_t fp[8] = { 0, 1, 2, 0, 1, 2, 0, 1 }, qp[8] = { 0, 1, 1, 0, 1, 0, 0, 1 };
    static const float fs[8] = { 0.9f, 0.8f, 0.7f, 0.9f, 0.8f, 0.6f, 0.9f, 0.8f };
    static const float qs[8] = { 0.9f, 0.8f, 0.5f, 0.9f, 0.8f, 0.55f, 0.9f, 0.8f };
    static const double lab[8] = { 0, 1, 2, 0, 1, 2, 0, 7 };
    float fo[24], qo[24];
    one_hot(fo, fp, fs, 8, 3);
    one_hot(qo, qp, qs, 8, 3);
    struct qv_error err = QV_ERROR_INIT;
    r.spec = (struct qv_task_spec){ .task = QV_TASK_CLASSIFICATION, .n_outputs = 1,
                                    .out_elems = { 3 }, .n_classes = 3, .label_elems = 1,
                                    .max_flips = 100, .auc_max_bins = 1024 };
    ck_assert_int_eq(qv_metrics_create(&r.spec, &r.metrics, &err), QV_OK);
    const float *fouts[1] = { fo }, *qouts[1] = { qo };
    struct qv_metrics_rows rows = { .first = 0, .n = 8, .labels = lab,
                                    .out = { fouts, qouts } };
    ck_assert_int_eq(qv_metrics_add(r.metrics, &rows, &err), QV_OK);
    qv_metrics_summarize(r.metrics, &r.summary);
    snprintf(r.manifest.name, sizeof(r.manifest.name), "unit<run>");
    r.manifest.task = QV_TASK_CLASSIFICATION;
    r.manifest.n_targets = 1;
    snprintf(r.manifest.targets[0], sizeof(r.manifest.targets[0]), "stm32f4");
    r.models[0] = (struct qv_job_model){ .present = true, .label = "float32",
                                         .path = "m.tflite" };
    r.models[1] = (struct qv_job_model){ .present = true, .label = "int8", .path = "q.tflite" };
    r.samples = 8;
    r.has_labels = true;
    r.hist = (struct qv_job_hist){ .present = true, .step = 0.125 };
    r.hist.counts[QV_JOB_HIST_BINS / 2] = 20;
    r.hist.counts[QV_JOB_HIST_BINS / 2 - 1] = 4;
    r.passed = false;
    r.n_gates = 1;
    r.gates[0] = (struct qv_gate_result){ .name = "min_agreement", .state = QV_GATE_FAIL,
                                          .origin = QV_GATE_FROM_MANIFEST, .value = 0.75,
                                          .threshold = 0.97, .detail = "low" };
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "report.html");
    ck_assert_int_eq(qv_report_write_run_html(&r, path, &err), QV_OK);
    char *html = qvt_read_file(path, NULL);
    assert_clean(html);
    ck_assert_ptr_nonnull(strstr(html, "qvet report: unit&lt;run&gt;"));
    ck_assert_ptr_nonnull(strstr(html, "1 of 1 gates failed"));
    /* top-1 over the 7 labeled samples: float 7/7, int8 5/7 */
    ck_assert_ptr_nonnull(strstr(html, "<td class=\"n\">1.0000</td><td class=\"n\">0.7143</td>"));
    ck_assert_ptr_nonnull(strstr(html, "2 samples change their top-1 prediction"));
    ck_assert_ptr_nonnull(strstr(html, "1 samples have a label that does not fit the task"));
    ck_assert_int_eq(count(html, "aria-label=\"Confusion matrix, "), 2);
    /* float: true 2 -> predicted 2 twice; int8: true 2 -> 1 once and -> 0 once */
    ck_assert_ptr_nonnull(strstr(html, "<title>2 \xe2\x86\x92 2: 2 (100.0%)</title>"));
    ck_assert_ptr_nonnull(strstr(html, "<title>2 \xe2\x86\x92 1: 1 (50.0%)</title>"));
    ck_assert_ptr_nonnull(strstr(html, "aria-label=\"Output 0 error, int8 \xe2\x88\x92 float32"));
    ck_assert_ptr_nonnull(strstr(html, "qvet.json lists targets, but no budget was computed"));
    ck_assert_ptr_nonnull(strstr(html, "Per-layer divergence was not computed in this run."));
    free(html);
    free(path);
    qv_job_result_release(&r);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(from_run_result_float_only)
{
    /* No int8 model and a regression task: the page says what was not evaluated. */
    static struct qv_job_result r;
    memset(&r, 0, sizeof(r));
    static const float fo[4] = { 1.5f, 2.5f, 0.5f, 3.0f };
    static const double lab[4] = { 1.4, 2.6, 0.5, 2.0 };
    struct qv_error err = QV_ERROR_INIT;
    r.spec = (struct qv_task_spec){ .task = QV_TASK_REGRESSION, .n_outputs = 1,
                                    .out_elems = { 1 }, .label_elems = 1, .max_flips = 100,
                                    .auc_max_bins = 1024 };
    ck_assert_int_eq(qv_metrics_create(&r.spec, &r.metrics, &err), QV_OK);
    const float *fouts[1] = { fo };
    struct qv_metrics_rows rows = { .first = 0, .n = 4, .labels = lab, .out = { fouts, NULL } };
    ck_assert_int_eq(qv_metrics_add(r.metrics, &rows, &err), QV_OK);
    qv_metrics_summarize(r.metrics, &r.summary);
    snprintf(r.manifest.name, sizeof(r.manifest.name), "tecator");
    r.manifest.task = QV_TASK_REGRESSION;
    r.models[0] = (struct qv_job_model){ .present = true, .label = "float32",
                                         .path = "m.tflite" };
    r.samples = 4;
    r.has_labels = true;
    r.passed = true;
    r.n_notes = 1;
    snprintf(r.notes[0], sizeof(r.notes[0]), "no int8 model in <dir>: int8 emulation was not "
             "evaluated");
    char *dir = qvt_tmpdir();
    char *path = qvt_path(dir, "report.html");
    ck_assert_int_eq(qv_report_write_run_html(&r, path, &err), QV_OK);
    char *html = qvt_read_file(path, NULL);
    assert_clean(html);
    ck_assert_ptr_nonnull(strstr(html, "<span class=\"badge\">NO GATES</span>"));
    ck_assert_ptr_nonnull(strstr(html, "no int8 model in &lt;dir&gt;"));
    ck_assert_ptr_nonnull(strstr(html, "mean absolute error"));
    ck_assert_ptr_nonnull(strstr(html, "No int8 model: the float32-vs-int8 divergence"));
    ck_assert_ptr_nonnull(strstr(html, "Confusion matrices are for classification tasks."));
    ck_assert_ptr_nonnull(strstr(html, "Flipped predictions need both"));
    ck_assert_ptr_null(strstr(html, "<svg"));
    free(html);
    free(path);
    qv_job_result_release(&r);
    qvt_rmtree(dir);
    free(dir);
}
END_TEST

Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("html");
    tcase_add_test(tc, escape_markup_and_quotes);
    tcase_add_loop_test(tc, escape_utf8, 0, sizeof(utf8_cases) / sizeof(utf8_cases[0]));
    tcase_add_test(tc, escape_truncates_by_code_point);
    tcase_add_test(tc, number_formats);
    suite_add_tcase(s, tc);
    tc = tcase_create("svg");
    tcase_add_test(tc, bar_chart_marks_threshold_and_highlight);
    tcase_add_test(tc, bar_chart_without_data_says_so);
    tcase_add_test(tc, heatmap_cells_legend_counts);
    tcase_add_test(tc, histogram_bins_and_zero_line);
    tcase_add_test(tc, steps_area_and_reference_lines);
    suite_add_tcase(s, tc);
    tc = tcase_create("page");
    tcase_add_test(tc, full_report_sections_in_order);
    tcase_add_test(tc, hostile_names_are_escaped);
    tcase_add_test(tc, output_is_deterministic);
    tcase_add_test(tc, empty_report_says_what_is_missing);
    tcase_add_test(tc, partial_report_sections);
    tcase_add_test(tc, many_classes_are_not_drawn);
    tcase_add_test(tc, invalid_input_is_refused);
    tcase_add_test(tc, written_atomically);
    tcase_add_test(tc, from_run_result);
    tcase_add_test(tc, from_run_result_float_only);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(report)
