/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.html: the page skeleton from reports/report.html with reports/report.css inlined
 * (both embedded at build time, report_assets.c), the heading, the verdict, accuracy and the
 * confusion matrices; the other sections are in report_sections.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qvet/qvet.h"
#include "report/assets.h"
#include "report/html.h"
#include "report/report_page.h"
#include "report/svg.h"

/* Largest confusion matrix drawn as a heatmap, and most per-class rows listed. */
#define MAX_HEATMAP_CLASSES 64
#define MAX_CLASS_ROWS 100

static const struct {
    const char *id, *title;
} sections[QV_REPORT_SEC_COUNT] = {
    [QV_REPORT_SEC_VERDICT] = { "verdict", "Verdict" },
    [QV_REPORT_SEC_ACCURACY] = { "accuracy", "Accuracy: float32 vs int8" },
    [QV_REPORT_SEC_CONFUSION] = { "confusion", "Confusion matrices" },
    [QV_REPORT_SEC_LAYERS] = { "layers", "Per-layer divergence" },
    [QV_REPORT_SEC_ERRORS] = { "errors", "Error histograms" },
    [QV_REPORT_SEC_FLIPS] = { "flips", "Flipped samples" },
    [QV_REPORT_SEC_SIZES] = { "sizes", "Sizes" },
    [QV_REPORT_SEC_BUDGET] = { "budget", "Budget per target" },
    [QV_REPORT_SEC_BASELINE] = { "baseline", "Changes since the baseline" },
    [QV_REPORT_SEC_DETAILS] = { "details", "Run details" },
};

/* ---- helpers shared with report_sections.c --------------------------------------------------- */

void qv_page_section_open(FILE *f, const struct qv_report *rep, enum qv_report_section s)
{
    fprintf(f, "<section id=\"%s\">\n<h2>%s</h2>\n", sections[s].id, sections[s].title);
    for (int32_t i = 0; i < rep->n_notes; i++) {
        if (rep->notes[i].section != s || !rep->notes[i].text)
            continue;
        fputs("<p class=\"note\">", f);
        qv_html_text(f, rep->notes[i].text);
        fputs("</p>\n", f);
    }
}

bool qv_page_has_notes(const struct qv_report *rep, enum qv_report_section s)
{
    for (int32_t i = 0; i < rep->n_notes; i++)
        if (rep->notes[i].section == s && rep->notes[i].text)
            return true;
    return false;
}

void qv_page_section_close(FILE *f)
{
    fputs("</section>\n", f);
}

void qv_page_missing(FILE *f, const char *text)
{
    fputs("<p class=\"missing\">", f);
    qv_html_text(f, text);
    fputs("</p>\n", f);
}

void qv_page_table_open(FILE *f)
{
    fputs("<div class=\"tw\"><table>\n", f);
}

void qv_page_table_close(FILE *f)
{
    fputs("</table></div>\n", f);
}

void qv_page_td_num(FILE *f, double v, int digits, const char *cls)
{
    char buf[64];
    fprintf(f, "<td class=\"n%s%s\">%s</td>", cls ? " " : "", cls ? cls : "",
            qv_fmt_fixed(buf, sizeof(buf), v, digits));
}

void qv_page_td_general(FILE *f, double v, int sig)
{
    char buf[64];
    fprintf(f, "<td class=\"n\">%s</td>", qv_fmt_general(buf, sizeof(buf), v, sig));
}

void qv_page_td_bytes(FILE *f, double v)
{
    char buf[96];
    fprintf(f, "<td class=\"n\">%s</td>", qv_fmt_bytes(buf, sizeof(buf), v));
}

void qv_page_td_text(FILE *f, const char *s)
{
    fputs("<td class=\"name\">", f);
    if (s)
        qv_html_text(f, s);
    else
        fputs("\xE2\x80\x94", f);
    fputs("</td>", f);
}

const char *qv_page_model_label(const struct qv_report *rep, int slot)
{
    return rep->models[slot].label;
}

/* ---- validation ------------------------------------------------------------------------------ */

#define CHECK_ARRAY(n, ptr, field)                                                             \
    do {                                                                                       \
        if ((n) < 0 || ((n) > 0 && !(ptr)))                                                    \
            return qv_fail(err, QV_E_INTERNAL, "report.html input: %s has count %lld but %s", \
                           field, (long long)(n), (n) < 0 ? "counts cannot be negative"      \
                                                          : "no array");                     \
    } while (0)

enum qv_status qv_report_validate(const struct qv_report *rep, struct qv_error *err)
{
    CHECK_ARRAY(rep->n_gates, rep->gates, "gates");
    CHECK_ARRAY(rep->n_notes, rep->notes, "notes");
    CHECK_ARRAY(rep->n_metrics, rep->metrics, "metrics");
    CHECK_ARRAY(rep->n_divergence, rep->divergence, "divergence");
    CHECK_ARRAY(rep->n_layers, rep->layers, "layers");
    CHECK_ARRAY(rep->n_histograms, rep->histograms, "histograms");
    CHECK_ARRAY(rep->n_flips, rep->flips, "flips");
    CHECK_ARRAY(rep->n_sizes, rep->sizes, "sizes");
    CHECK_ARRAY(rep->n_targets, rep->targets, "targets");
    CHECK_ARRAY(rep->timeline.n_steps, rep->timeline.live_bytes, "timeline.live_bytes");
    CHECK_ARRAY(rep->n_options, rep->options, "options");
    CHECK_ARRAY(rep->n_artifacts, rep->artifacts, "artifacts");
    if (rep->n_classes < 0 || rep->n_classes > QV_REPORT_MAX_CLASSES)
        return qv_fail(err, QV_E_INTERNAL, "report.html input: n_classes %d out of [0, %d]",
                       (int)rep->n_classes, QV_REPORT_MAX_CLASSES);
    if (rep->culprit < -1 || rep->culprit >= rep->n_layers)
        return qv_fail(err, QV_E_INTERNAL, "report.html input: culprit %d is not a layer index "
                       "(%d layers)", (int)rep->culprit, (int)rep->n_layers);
    for (int32_t i = 0; i < rep->n_notes; i++)
        if ((unsigned)rep->notes[i].section >= QV_REPORT_SEC_COUNT)
            return qv_fail(err, QV_E_INTERNAL, "report.html input: notes[%d] has no section",
                           (int)i);
    for (int32_t i = 0; i < rep->n_gates; i++)
        if ((unsigned)rep->gates[i].state > QV_GATE_SKIPPED ||
            (unsigned)rep->gates[i].origin >= QV_REPORT_ORIGIN_COUNT)
            return qv_fail(err, QV_E_INTERNAL, "report.html input: gates[%d] has an unknown "
                           "state or origin", (int)i);
    for (int32_t i = 0; i < rep->n_targets; i++)
        if ((unsigned)rep->targets[i].fits > QV_GATE_SKIPPED)
            return qv_fail(err, QV_E_INTERNAL, "report.html input: targets[%d].fits is not a "
                           "gate state", (int)i);
    for (int32_t i = 0; i < rep->n_histograms; i++) {
        const struct qv_report_histogram *h = &rep->histograms[i];
        if (h->n_bins < 1 || h->n_bins > 10000 || !h->counts || !isfinite(h->lo) ||
            !isfinite(h->hi) || !(h->lo < h->hi))
            return qv_fail(err, QV_E_INTERNAL, "report.html input: histograms[%d] needs 1..10000 "
                           "bins with counts and finite lo < hi", (int)i);
    }
    if (rep->baseline && rep->baseline != rep) {
        /* The baseline's own baseline is ignored; everything else must hold as well. */
        struct qv_report b = *rep->baseline;
        b.baseline = NULL;
        enum qv_status st = qv_report_validate(&b, err);
        if (st != QV_OK) {
            qv_error_prefix(err, NULL, "baseline");
            return st;
        }
    }
    return QV_OK;
}

/* ---- heading and verdict --------------------------------------------------------------------- */

static void heading(FILE *f, const struct qv_report *rep)
{
    char buf[64];
    fputs("<header>\n<h1>qvet report: ", f);
    qv_html_text(f, rep->name ? rep->name : "(unnamed)");
    fputs("</h1>\n<p class=\"meta\">", f);
    if (rep->dir) {
        fputs("<code>", f);
        qv_html_text(f, rep->dir);
        fputs("</code> · ", f);
    }
    fputs("task ", f);
    qv_html_text(f, rep->task ? rep->task : "unknown");
    if (rep->samples >= 0)
        fprintf(f, " · %s golden samples", qv_fmt_count(buf, sizeof(buf), (double)rep->samples));
    fputs(rep->has_labels ? " (labelled)" : " (no labels)", f);
    if (rep->rounding) {
        fputs(" · int8 emulated bit-exactly, ", f);
        qv_html_text(f, rep->rounding);
        fputs(" rounding", f);
    }
    fputs("</p>\n<nav aria-label=\"sections\">", f);
    for (int s = 0; s < QV_REPORT_SEC_COUNT; s++)
        fprintf(f, "<a href=\"#%s\">%s</a>", sections[s].id, sections[s].title);
    fputs("</nav>\n</header>\n", f);
}

static const char *const state_names[] = { "pass", "fail", "skipped" };
static const char *const origin_names[] = { "default", "qvet.json", "command line" };

static void verdict(FILE *f, const struct qv_report *rep)
{
    int32_t failed = 0, skipped = 0, defaults = 0;
    for (int32_t i = 0; i < rep->n_gates; i++) {
        failed += rep->gates[i].state == QV_GATE_FAIL;
        skipped += rep->gates[i].state == QV_GATE_SKIPPED;
        defaults += rep->gates[i].origin == QV_REPORT_FROM_DEFAULT;
    }
    qv_page_section_open(f, rep, QV_REPORT_SEC_VERDICT);
    if (rep->n_gates == 0) {
        fputs("<div class=\"verdict none\"><span class=\"badge\">NO GATES</span> Nothing was "
              "checked: this run cannot fail. Add \"gates\" to qvet.json or pass gate options "
              "on the command line.</div>\n", f);
    } else {
        bool pass = rep->passed && failed == 0;
        fprintf(f, "<div class=\"verdict %s\"><span class=\"badge\">%s</span> ",
                pass ? "pass" : "fail", pass ? "PASS" : "FAIL");
        if (failed)
            fprintf(f, "%d of %d gates failed", (int)failed, (int)rep->n_gates);
        else if (!pass)
            fputs("the run failed", f);
        else if (skipped == 0)
            fprintf(f, "all %d gates pass", (int)rep->n_gates);
        else
            fprintf(f, "all %d gates that could be evaluated pass", (int)(rep->n_gates - skipped));
        if (skipped)
            fprintf(f, "; %d could not be evaluated", (int)skipped);
        fputs("</div>\n", f);
    }
    if (failed) {
        fputs("<ul class=\"failed\">\n", f);
        for (int32_t i = 0; i < rep->n_gates; i++) {
            const struct qv_report_gate *g = &rep->gates[i];
            if (g->state != QV_GATE_FAIL)
                continue;
            fputs("<li><b>", f);
            qv_html_text(f, g->name);
            fputs("</b>", f);
            if (g->detail) {
                fputs(": ", f);
                qv_html_text(f, g->detail);
            }
            fputs("</li>\n", f);
        }
        fputs("</ul>\n", f);
    }
    if (defaults)
        fprintf(f, "<p class=\"defaults\">%d of these thresholds are qvet's defaults (marked "
                "<i>default</i>): qvet.json does not set them. Set \"gates\" in qvet.json or use "
                "the command-line gate options to choose your own.</p>\n", (int)defaults);
    if (rep->n_gates) {
        qv_page_table_open(f);
        fputs("<thead><tr><th>gate</th><th>result</th><th class=\"n\">value</th>"
              "<th class=\"n\">threshold</th><th>set by</th><th>detail</th></tr></thead>\n"
              "<tbody>\n", f);
        for (int32_t i = 0; i < rep->n_gates; i++) {
            const struct qv_report_gate *g = &rep->gates[i];
            fputs("<tr>", f);
            qv_page_td_text(f, g->name);
            fprintf(f, "<td><span class=\"badge small %s\">%s</span></td>",
                    state_names[g->state], state_names[g->state]);
            qv_page_td_general(f, g->value, 6);
            qv_page_td_general(f, g->threshold, 6);
            fprintf(f, "<td>%s</td>", origin_names[g->origin]);
            qv_page_td_text(f, g->detail);
            fputs("</tr>\n", f);
        }
        fputs("</tbody>\n", f);
        qv_page_table_close(f);
    }
    qv_page_section_close(f);
}

/* ---- accuracy -------------------------------------------------------------------------------- */

/* Model slots present, in column order; returns how many. */
static int present_models(const struct qv_report *rep, int slots[QV_REPORT_MODELS], bool int8_only)
{
    int n = 0;
    for (int s = int8_only ? QV_REPORT_INT8 : 0; s < QV_REPORT_MODELS; s++)
        if (rep->models[s].label)
            slots[n++] = s;
    return n;
}

static void metric_name(FILE *f, const struct qv_report_metric *m)
{
    fputs("<td class=\"name\">", f);
    qv_html_text(f, m->label ? m->label : m->key);
    if (m->unit && m->unit[0]) {
        fputs(" (", f);
        qv_html_text(f, m->unit);
        fputs(")", f);
    }
    fputs("</td>", f);
}

/* A signed change ("+0.0123", "-2.50") with a good/bad class by direction. */
static void td_delta(FILE *f, double d, int digits, bool higher_is_better)
{
    char buf[64];
    const char *cls = "";
    qv_fmt_fixed(buf, sizeof(buf), d, digits);
    bool zero = strspn(buf, "0.") == strlen(buf);
    if (isfinite(d) && !zero)
        cls = (d > 0) == higher_is_better ? " delta-good" : " delta-bad";
    fprintf(f, "<td class=\"n%s\">%s%s</td>", cls, isfinite(d) && d > 0 && !zero ? "+" : "",
            buf);
}

static void metrics_table(FILE *f, const struct qv_report *rep)
{
    int slots[QV_REPORT_MODELS];
    int n = present_models(rep, slots, false);
    bool delta = rep->models[QV_REPORT_FLOAT].label && rep->models[QV_REPORT_INT8].label;
    qv_page_table_open(f);
    fputs("<thead><tr><th>metric</th>", f);
    for (int k = 0; k < n; k++) {
        fputs("<th class=\"n\">", f);
        qv_html_text(f, rep->models[slots[k]].label);
        fputs("</th>", f);
    }
    if (delta)
        fputs("<th class=\"n\">int8 − float32</th>", f);
    fputs("</tr></thead>\n<tbody>\n", f);
    for (int32_t i = 0; i < rep->n_metrics; i++) {
        const struct qv_report_metric *m = &rep->metrics[i];
        fputs("<tr>", f);
        metric_name(f, m);
        for (int k = 0; k < n; k++)
            qv_page_td_num(f, m->value[slots[k]], m->digits, NULL);
        if (delta)
            td_delta(f, m->value[QV_REPORT_INT8] - m->value[QV_REPORT_FLOAT], m->digits,
                     m->higher_is_better);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n", f);
    qv_page_table_close(f);
}

static void divergence_table(FILE *f, const struct qv_report *rep)
{
    int slots[QV_REPORT_MODELS];
    int n = present_models(rep, slots, true);
    qv_page_table_open(f);
    fputs("<thead><tr><th>float32 vs int8</th>", f);
    for (int k = 0; k < n; k++) {
        fputs("<th class=\"n\">", f);
        qv_html_text(f, rep->models[slots[k]].label);
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (int32_t i = 0; i < rep->n_divergence; i++) {
        const struct qv_report_metric *m = &rep->divergence[i];
        fputs("<tr>", f);
        metric_name(f, m);
        for (int k = 0; k < n; k++)
            qv_page_td_num(f, m->value[slots[k]], m->digits, NULL);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n", f);
    qv_page_table_close(f);
}

/* Precision, recall and F1 of class c from a confusion matrix (row = true, column = pred). */
struct class_prf {
    int64_t support;
    double p, r, f1;
};

static struct class_prf class_prf(const int64_t *cm, int32_t n, int32_t c)
{
    struct class_prf x = { 0, NAN, NAN, NAN };
    int64_t predicted = 0, tp = cm[(int64_t)c * n + c];
    for (int32_t k = 0; k < n; k++) {
        x.support += cm[(int64_t)c * n + k];
        predicted += cm[(int64_t)k * n + c];
    }
    if (predicted > 0)
        x.p = (double)tp / (double)predicted;
    if (x.support > 0)
        x.r = (double)tp / (double)x.support;
    if (isfinite(x.p) && isfinite(x.r))
        x.f1 = x.p + x.r > 0 ? 2 * x.p * x.r / (x.p + x.r) : 0;
    return x;
}

static void class_name(FILE *f, const struct qv_report *rep, int32_t c)
{
    if (rep->class_names && rep->class_names[c])
        qv_html_text(f, rep->class_names[c]);
    else
        fprintf(f, "%d", (int)c);
}

/* Order of per-class rows: worst F1 of the int8 (else float) model first when the list is cut;
 * ties by class index, so the order is total and deterministic. */
struct class_key {
    int32_t c;
    double f1;
};

static int class_key_cmp(const void *a, const void *b)
{
    const struct class_key *x = a, *y = b;
    double fx = isnan(x->f1) ? 2 : x->f1, fy = isnan(y->f1) ? 2 : y->f1;
    if (fx != fy)
        return fx < fy ? -1 : 1;
    return (x->c > y->c) - (x->c < y->c);
}

static void per_class_table(FILE *f, const struct qv_report *rep)
{
    int slots[QV_REPORT_MODELS], n = 0;
    for (int s = 0; s < QV_REPORT_MODELS; s++)
        if (rep->confusion[s])
            slots[n++] = s;
    if (n == 0)
        return;
    int32_t nc = rep->n_classes, rows = nc < MAX_CLASS_ROWS ? nc : MAX_CLASS_ROWS;
    struct class_key *order = malloc(sizeof(*order) * (size_t)nc);
    if (!order) {
        qv_page_missing(f, "Per-class figures: out of memory.");
        return;
    }
    const int64_t *ref = rep->confusion[slots[n - 1]];
    for (int32_t c = 0; c < nc; c++) {
        order[c].c = c;
        order[c].f1 = class_prf(ref, nc, c).f1;
    }
    if (nc > MAX_CLASS_ROWS)
        qsort(order, (size_t)nc, sizeof(*order), class_key_cmp);
    fputs("<h3>Per class</h3>\n", f);
    if (nc > MAX_CLASS_ROWS) {
        fprintf(f, "<p>The %d of %d classes with the lowest F1 of ", (int)rows, (int)nc);
        qv_html_text(f, rep->models[slots[n - 1]].label ? rep->models[slots[n - 1]].label
                                                        : "the model");
        fputs(".</p>\n", f);
    }
    qv_page_table_open(f);
    fputs("<thead><tr><th rowspan=\"2\">class</th><th class=\"n\" rowspan=\"2\">support</th>", f);
    for (int k = 0; k < n; k++) {
        fputs("<th colspan=\"3\">", f);
        qv_html_text(f, rep->models[slots[k]].label ? rep->models[slots[k]].label : "model");
        fputs("</th>", f);
    }
    fputs("</tr><tr>", f);
    for (int k = 0; k < n; k++)
        fputs("<th class=\"n\">precision</th><th class=\"n\">recall</th><th class=\"n\">F1</th>",
              f);
    fputs("</tr></thead>\n<tbody>\n", f);
    for (int32_t i = 0; i < rows; i++) {
        int32_t c = order[i].c;
        fputs("<tr><td class=\"name\">", f);
        class_name(f, rep, c);
        fputs("</td>", f);
        char sup[48];
        fprintf(f, "<td class=\"n\">%s</td>",
                qv_fmt_count(sup, sizeof(sup), (double)class_prf(ref, nc, c).support));
        for (int k = 0; k < n; k++) {
            struct class_prf x = class_prf(rep->confusion[slots[k]], nc, c);
            qv_page_td_num(f, x.p, 3, NULL);
            qv_page_td_num(f, x.r, 3, NULL);
            qv_page_td_num(f, x.f1, 3, NULL);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n", f);
    qv_page_table_close(f);
    free(order);
}

static void accuracy(FILE *f, const struct qv_report *rep)
{
    bool has_float = rep->models[QV_REPORT_FLOAT].label != NULL;
    bool has_int8 = rep->models[QV_REPORT_INT8].label != NULL;
    qv_page_section_open(f, rep, QV_REPORT_SEC_ACCURACY);
    if (has_float || has_int8) {
        fputs("<p>", f);
        for (int s = 0; s < QV_REPORT_MODELS; s++) {
            if (!rep->models[s].label)
                continue;
            fputs(s ? "; " : "", f);
            qv_html_text(f, rep->models[s].label);
            if (rep->models[s].path) {
                fputs(": <code>", f);
                qv_html_text(f, rep->models[s].path);
                fputs("</code>", f);
            }
        }
        fputs(".</p>\n", f);
    } else {
        qv_page_missing(f, "No model was evaluated.");
    }
    if (rep->n_metrics > 0)
        metrics_table(f, rep);
    else if (rep->task && strcmp(rep->task, "raw") == 0)
        qv_page_missing(f, "Task \"raw\": no task metrics, only the divergence between the "
                        "float32 and the int8 model.");
    else if (!rep->has_labels)
        qv_page_missing(f, "The golden set has no labels, so no task metric (accuracy, error, "
                        "AUC) was measured. Add labels to the golden set to measure them.");
    else
        qv_page_missing(f, "No task metric was computed for this task.");

    if (rep->n_divergence > 0)
        divergence_table(f, rep);
    else if (!has_float || !has_int8)
        qv_page_missing(f, has_float ? "No int8 model: the float32-vs-int8 divergence was not "
                        "measured." : "No float32 model: the float32-vs-int8 divergence was not "
                        "measured.");
    else
        qv_page_missing(f, "The float32-vs-int8 divergence was not computed.");
    if (rep->n_classes > 0)
        per_class_table(f, rep);
    qv_page_section_close(f);
}

/* ---- confusion matrices ---------------------------------------------------------------------- */

static void confusion_figure(FILE *f, const struct qv_report *rep, int slot, double *shade)
{
    int32_t n = rep->n_classes;
    const int64_t *cm = rep->confusion[slot];
    int64_t total = 0, diag = 0;
    for (int32_t r = 0; r < n; r++) {
        int64_t row = 0;
        for (int32_t c = 0; c < n; c++)
            row += cm[(int64_t)r * n + c];
        total += row;
        diag += cm[(int64_t)r * n + r];
        for (int32_t c = 0; c < n; c++)
            shade[(int64_t)r * n + c] = row > 0 ? (double)cm[(int64_t)r * n + c] / (double)row
                                                : NAN;
    }
    const char *label = rep->models[slot].label ? rep->models[slot].label : "model";
    char title[160], desc[400], acc[32];
    snprintf(title, sizeof(title), "Confusion matrix, %s", label);
    snprintf(desc, sizeof(desc), "%d by %d matrix over %lld labelled samples: rows are the true "
             "classes, columns the %s predictions, shade the share of the true class. %lld on "
             "the diagonal (accuracy %s).", (int)n, (int)n, (long long)total, label,
             (long long)diag, qv_fmt_fixed(acc, sizeof(acc),
                                           total ? (double)diag / (double)total : NAN, 4));
    struct qv_svg_heatmap h = {
        .title = title, .desc = desc, .x_label = "predicted class", .y_label = "true class",
        .rows = n, .cols = n, .shade = shade, .counts = cm, .row_labels = rep->class_names,
        .col_labels = rep->class_names, .legend_label = "share of the true class",
    };
    fputs("<figure><div class=\"chartbox\">", f);
    qv_svg_heatmap(f, &h);
    fputs("</div><figcaption><b>", f);
    qv_html_text(f, label);
    fputs("</b>: ", f);
    qv_html_text(f, desc);
    fputs("</figcaption></figure>\n", f);
}

static void confusion(FILE *f, const struct qv_report *rep)
{
    int any = 0;
    qv_page_section_open(f, rep, QV_REPORT_SEC_CONFUSION);
    for (int s = 0; s < QV_REPORT_MODELS; s++)
        any += rep->confusion[s] != NULL;
    if (rep->n_classes == 0 || !any) {
        qv_page_missing(f, rep->task && strcmp(rep->task, "classification") != 0
                        ? "Confusion matrices are for classification tasks."
                        : !rep->has_labels ? "No labels: confusion matrices need labels."
                                           : "No confusion matrix was computed.");
    } else if (rep->n_classes > MAX_HEATMAP_CLASSES) {
        char msg[200];
        snprintf(msg, sizeof(msg), "%d classes are too many to draw (at most %d); the per-class "
                 "figures are in the accuracy section.", (int)rep->n_classes,
                 MAX_HEATMAP_CLASSES);
        qv_page_missing(f, msg);
    } else {
        double *shade = malloc(sizeof(double) * (size_t)rep->n_classes * (size_t)rep->n_classes);
        if (!shade) {
            qv_page_missing(f, "Confusion matrices: out of memory.");
        } else {
            fputs("<div class=\"figs\">\n", f);
            for (int s = 0; s < QV_REPORT_MODELS; s++)
                if (rep->confusion[s])
                    confusion_figure(f, rep, s, shade);
            fputs("</div>\n", f);
            free(shade);
        }
    }
    qv_page_section_close(f);
}

/* ---- the page -------------------------------------------------------------------------------- */

static void body(FILE *f, const struct qv_report *rep)
{
    heading(f, rep);
    fputs("<main>\n", f);
    verdict(f, rep);
    accuracy(f, rep);
    confusion(f, rep);
    qv_page_layers(f, rep);
    qv_page_errors(f, rep);
    qv_page_flips(f, rep);
    qv_page_sizes(f, rep);
    qv_page_budget(f, rep);
    qv_page_baseline(f, rep);
    qv_page_details(f, rep);
    fputs("</main>\n<footer>Written by qvet", f);
    if (rep->qvet_version) {
        fputs(" ", f);
        qv_html_text(f, rep->qvet_version);
    }
    fputs(". One self-contained file: no scripts, nothing fetched.</footer>\n", f);
}

enum qv_status qv_report_render_html(FILE *f, const struct qv_report *rep, struct qv_error *err)
{
    enum qv_status st = qv_report_validate(rep, err);
    if (st != QV_OK)
        return st;
    const char *t = qv_report_template, *end = t + qv_report_template_len;
    while (t < end) {
        const char *open = strstr(t, "{{");
        if (!open || open >= end) {
            fwrite(t, 1, (size_t)(end - t), f);
            break;
        }
        fwrite(t, 1, (size_t)(open - t), f);
        const char *close = strstr(open, "}}");
        if (!close)
            return qv_fail(err, QV_E_INTERNAL, "reports/report.html: unclosed marker at byte %lld",
                           (long long)(open - qv_report_template));
        size_t len = (size_t)(close - open - 2);
        const char *name = open + 2;
        if (len == 5 && !strncmp(name, "title", len)) {
            fputs("qvet report: ", f);
            qv_html_text(f, rep->name ? rep->name : "(unnamed)");
        } else if (len == 7 && !strncmp(name, "version", len)) {
            qv_html_text(f, rep->qvet_version ? rep->qvet_version : QV_VERSION_STRING);
        } else if (len == 5 && !strncmp(name, "style", len)) {
            fwrite(qv_report_css, 1, qv_report_css_len, f);
        } else if (len == 4 && !strncmp(name, "body", len)) {
            body(f, rep);
        } else {
            return qv_fail(err, QV_E_INTERNAL, "reports/report.html: unknown marker '{{%.*s}}'",
                           (int)(len < 40 ? len : 40), name);
        }
        t = close + 2;
    }
    return QV_OK;
}

enum qv_status qv_report_write_html(const struct qv_report *rep, const char *path,
                                    struct qv_error *err)
{
    struct qv_atomic_file af;
    enum qv_status st = qv_report_validate(rep, err);
    if (st != QV_OK)
        return st;
    st = qv_atomic_open(&af, path, err);
    if (st != QV_OK)
        return st;
    st = qv_report_render_html(af.fp, rep, err);
    if (st != QV_OK) {
        qv_atomic_abort(&af);
        return st;
    }
    return qv_atomic_commit(&af, err);
}
