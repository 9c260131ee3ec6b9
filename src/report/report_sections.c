/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.html sections after the confusion matrices: per-layer divergence, error histograms,
 * flipped samples, sizes, the budget per target, baseline differences and run details.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"
#include "report/report_page.h"
#include "report/svg.h"

#define MAX_FLIP_ROWS 200
#define MAX_BASELINE_LAYER_ROWS 50

/* ---- per-layer divergence ------------------------------------------------------------------- */

static bool any_local(const struct qv_report *rep)
{
    for (int32_t i = 0; i < rep->n_layers; i++)
        if (rep->layers[i].pairing && !isnan(rep->layers[i].local.sqnr_db))
            return true;
    return false;
}

/* "#3 conv1/Relu (CONV_2D)", escaped into f. */
static void layer_ref(FILE *f, const struct qv_report *rep, int32_t i)
{
    const struct qv_report_layer *l = &rep->layers[i];
    fprintf(f, "#%d <code>", (int)i);
    qv_html_text(f, l->name ? l->name : "(unnamed)");
    fputs("</code>", f);
    if (l->op) {
        fputs(" (", f);
        qv_html_text(f, l->op);
        fputs(")", f);
    }
}

static void culprit_callout(FILE *f, const struct qv_report *rep, bool local)
{
    char a[32], b[32], c[32];
    if (rep->culprit >= 0) {
        const struct qv_report_layer *l = &rep->layers[rep->culprit];
        fputs("<p class=\"callout\">The error is born at ", f);
        layer_ref(f, rep, rep->culprit);
        fprintf(f, ": fed the float model's own input, its local SQNR is %s dB, below the "
                "threshold of %s dB (propagated SQNR there: %s dB). Layers after it inherit "
                "its error.</p>\n", qv_fmt_fixed(a, sizeof(a), l->local.sqnr_db, 2),
                qv_fmt_fixed(b, sizeof(b), rep->layer_threshold_db, 2),
                qv_fmt_fixed(c, sizeof(c), l->propagated.sqnr_db, 2));
    } else if (isfinite(rep->layer_threshold_db) && local) {
        fprintf(f, "<p class=\"callout ok\">No layer's local error breaks the threshold of %s "
                "dB.</p>\n", qv_fmt_fixed(a, sizeof(a), rep->layer_threshold_db, 2));
    } else if (!local) {
        qv_page_missing(f, "The local error of each layer (fed the float model's own input) was "
                        "not computed, so the layer where the error is born is not named.");
    } else {
        qv_page_missing(f, "No layer SQNR threshold is set, so no layer is named as the "
                        "culprit.");
    }
}

static void layer_chart(FILE *f, const struct qv_report *rep, bool local)
{
    int32_t n = rep->n_layers;
    double *prop = malloc(sizeof(double) * (size_t)n * 2);
    char **tips = calloc((size_t)n, sizeof(char *));
    char *tipbuf = malloc((size_t)n * 96);
    if (!prop || !tips || !tipbuf) {
        qv_page_missing(f, "Per-layer chart: out of memory.");
        goto done;
    }
    double *loc = prop + n;
    int32_t worst = -1;
    for (int32_t i = 0; i < n; i++) {
        const struct qv_report_layer *l = &rep->layers[i];
        prop[i] = l->pairing ? l->propagated.sqnr_db : NAN;
        loc[i] = l->pairing ? l->local.sqnr_db : NAN;
        if (!isnan(prop[i]) && (worst < 0 || prop[i] < prop[worst]))
            worst = i;
        /* Tips are plain text (escaped by the chart); cut long names. */
        tips[i] = tipbuf + (size_t)i * 96;
        snprintf(tips[i], 96, "#%d %.60s%s%.20s%s", (int)i, l->name ? l->name : "",
                 l->op ? " (" : "", l->op ? l->op : "", l->op ? ")" : "");
    }
    char desc[600], thr[64], wv[32];
    int o = snprintf(desc, sizeof(desc), "SQNR of each of the %d int8 layers against the float "
                     "model, in execution order (bars: propagated error of the whole int8 "
                     "model%s).",
                     (int)n, local ? "; dots: local error of the layer alone" : "");
    if (worst >= 0 && o > 0 && (size_t)o < sizeof(desc))
        o += snprintf(desc + o, sizeof(desc) - (size_t)o, " Lowest propagated SQNR %s dB at "
                      "layer #%d.", qv_fmt_fixed(wv, sizeof(wv), prop[worst], 2), (int)worst);
    if (rep->culprit >= 0 && o > 0 && (size_t)o < sizeof(desc))
        snprintf(desc + o, sizeof(desc) - (size_t)o, " The culprit, where the error is born, is "
                 "layer #%d.", (int)rep->culprit);
    snprintf(thr, sizeof(thr), "threshold %s dB",
             qv_fmt_fixed(wv, sizeof(wv), rep->layer_threshold_db, 1));
    struct qv_svg_bars c = {
        .title = "Per-layer SQNR (dB), int8 against float32", .desc = desc,
        .y_label = "SQNR (dB)", .n = n, .values = prop, .tips = (const char *const *)tips,
        .markers = local ? loc : NULL, .values_name = "propagated",
        .markers_name = "local", .threshold = rep->layer_threshold_db,
        .threshold_label = thr, .below_is_bad = true, .highlight = rep->culprit,
        .highlight_label = "culprit",
    };
    fputs("<figure><div class=\"chartbox\">", f);
    qv_svg_bar_chart(f, &c);
    fputs("</div><figcaption>", f);
    qv_html_text(f, desc);
    fputs(" Hover a bar for its tensor; the table below has every figure.</figcaption>"
          "</figure>\n", f);
done:
    free(prop);
    free(tips);
    free(tipbuf);
}

/*
 * A tensor name as <code>: the TFLite converter joins the names of the ops it fused with ';'
 * ("m/act_3/Relu6;m/bn_3/FusedBatchNormV3;m/conv_3/Conv2D..."), hundreds of characters that
 * would make every table row a paragraph. The first of them is shown; the whole name is the
 * element's title (a tooltip) and stays in layers.csv and summary.json.
 */
static void tensor_code(FILE *f, const char *name)
{
    const char *semi = strchr(name, ';');
    if (!semi) {
        fputs("<code>", f);
        qv_html_text(f, name);
        fputs("</code>", f);
        return;
    }
    char first[256];
    size_t n = (size_t)(semi - name) < sizeof(first) - 1 ? (size_t)(semi - name)
                                                          : sizeof(first) - 1;
    memcpy(first, name, n);
    first[n] = '\0';
    fputs("<code title=\"", f);
    qv_html_text(f, name);
    fputs("\">", f);
    qv_html_text(f, first);
    fputs("</code>&#8203;<span class=\"sub\">;&hellip;</span>", f);
}

/* The tensor cell: name, the float name when it differs, op and pairing on a second line. */
static void layer_name_cell(FILE *f, const struct qv_report *rep, int32_t i)
{
    const struct qv_report_layer *l = &rep->layers[i];
    fputs("<td class=\"name\">", f);
    tensor_code(f, l->name ? l->name : "(unnamed)");
    if (i == rep->culprit)
        fputs(" <span class=\"badge small fail\">culprit</span>", f);
    fputs("<br><span class=\"sub\">", f);
    qv_html_text(f, l->op ? l->op : "");
    fputs(l->op ? ", " : "", f);
    if (!l->pairing) {
        fputs("unpaired", f);
    } else {
        fputs("paired by ", f);
        qv_html_text(f, l->pairing);
        if (l->float_name) {
            fputs(" with ", f);
            tensor_code(f, l->float_name);
        }
    }
    fputs("</span></td>", f);
}

static void layer_row_open(FILE *f, const struct qv_report *rep, int32_t i)
{
    fprintf(f, "<tr%s><td class=\"n\">%d</td>", i == rep->culprit ? " class=\"culprit\"" : "",
            (int)i);
    layer_name_cell(f, rep, i);
}

static void error_heads(FILE *f, bool with_sqnr)
{
    static const char *const cols[] = { "SQNR dB", "cosine", "RMSE", "MAE", "max abs",
                                        "rel. L2" };
    for (int k = with_sqnr ? 0 : 1; k < 6; k++)
        fprintf(f, "<th class=\"n\">%s</th>", cols[k]);
}

/* Two tables, each narrow enough to print: the propagated error with both SQNRs and the
 * clipping, then the local error in full. */
static void layer_tables(FILE *f, const struct qv_report *rep, bool local)
{
    double thr = rep->layer_threshold_db;
    qv_page_table_open(f);
    fputs("<caption>Propagated error (the whole model in int8)</caption>\n<thead><tr>"
          "<th class=\"n\">#</th><th>tensor</th>", f);
    fputs("<th class=\"n\">SQNR dB</th>", f);
    if (local)
        fputs("<th class=\"n\">local SQNR dB</th>", f);
    error_heads(f, false);
    fputs("<th class=\"n\">% at -128</th><th class=\"n\">% at 127</th>"
          "<th class=\"n\">levels</th></tr></thead>\n<tbody>\n", f);
    for (int32_t i = 0; i < rep->n_layers; i++) {
        const struct qv_report_layer *l = &rep->layers[i];
        bool paired = l->pairing != NULL;
        layer_row_open(f, rep, i);
        if (paired) {
            qv_page_td_num(f, l->propagated.sqnr_db, 2,
                           isfinite(thr) && l->propagated.sqnr_db < thr ? "bad" : NULL);
            if (local)
                qv_page_td_num(f, l->local.sqnr_db, 2,
                               isfinite(thr) && l->local.sqnr_db < thr ? "bad" : NULL);
            qv_page_td_num(f, l->propagated.cosine, 5, NULL);
            qv_page_td_general(f, l->propagated.rmse, 4);
            qv_page_td_general(f, l->propagated.mae, 4);
            qv_page_td_general(f, l->propagated.max_abs, 4);
            qv_page_td_num(f, l->propagated.rel_l2, 4, NULL);
        } else {
            for (int k = 0; k < (local ? 7 : 6); k++)
                fputs("<td class=\"n\">\xE2\x80\x94</td>", f);
        }
        qv_page_td_num(f, l->clip_low * 100, 2, NULL);
        qv_page_td_num(f, l->clip_high * 100, 2, NULL);
        qv_page_td_num(f, l->levels_used > 0 ? (double)l->levels_used : NAN, 0, NULL);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n", f);
    qv_page_table_close(f);
    if (local) {
        qv_page_table_open(f);
        fputs("<caption>Local error (each layer fed the float model&#39;s own input, "
              "quantized)</caption>\n<thead><tr><th class=\"n\">#</th><th>tensor</th>", f);
        error_heads(f, true);
        fputs("</tr></thead>\n<tbody>\n", f);
        for (int32_t i = 0; i < rep->n_layers; i++) {
            const struct qv_report_layer *l = &rep->layers[i];
            layer_row_open(f, rep, i);
            if (l->pairing) {
                qv_page_td_num(f, l->local.sqnr_db, 2,
                               isfinite(thr) && l->local.sqnr_db < thr ? "bad" : NULL);
                qv_page_td_num(f, l->local.cosine, 5, NULL);
                qv_page_td_general(f, l->local.rmse, 4);
                qv_page_td_general(f, l->local.mae, 4);
                qv_page_td_general(f, l->local.max_abs, 4);
                qv_page_td_num(f, l->local.rel_l2, 4, NULL);
            } else {
                for (int k = 0; k < 6; k++)
                    fputs("<td class=\"n\">\xE2\x80\x94</td>", f);
            }
            fputs("</tr>\n", f);
        }
        fputs("</tbody>\n", f);
        qv_page_table_close(f);
    }
    fputs("<p class=\"meta\">SQNR = 10·log10(Σf² / Σ(q−f)²) of the dequantized int8 tensor q "
          "against the float tensor f; \"% at -128\" and \"% at 127\" are the shares of values "
          "clipped to the ends of the int8 range; levels = distinct int8 values seen (of "
          "256).</p>\n", f);
}

void qv_page_layers(FILE *f, const struct qv_report *rep)
{
    qv_page_section_open(f, rep, QV_REPORT_SEC_LAYERS);
    if (rep->n_layers == 0) {
        qv_page_missing(f, !rep->models[QV_REPORT_FLOAT].label || !rep->models[QV_REPORT_INT8].label
                        ? "Per-layer divergence needs both a float32 and an int8 model."
                        : "Per-layer divergence was not computed in this run.");
        qv_page_section_close(f);
        return;
    }
    int32_t unpaired = 0;
    for (int32_t i = 0; i < rep->n_layers; i++)
        unpaired += rep->layers[i].pairing == NULL;
    bool local = any_local(rep);
    culprit_callout(f, rep, local);
    if (unpaired) {
        fprintf(f, "<p class=\"note\">%d of %d int8 tensors have no float counterpart "
                "(unpaired):", (int)unpaired, (int)rep->n_layers);
        int32_t shown = 0;
        for (int32_t i = 0; i < rep->n_layers && shown < 20; i++) {
            if (rep->layers[i].pairing)
                continue;
            fputs(shown++ ? ", " : " ", f);
            layer_ref(f, rep, i);
        }
        fputs(unpaired > shown ? ", …</p>\n" : ".</p>\n", f);
    }
    if (unpaired < rep->n_layers)
        layer_chart(f, rep, local);
    layer_tables(f, rep, local);
    qv_page_section_close(f);
}

/* ---- error histograms ------------------------------------------------------------------------ */

void qv_page_errors(FILE *f, const struct qv_report *rep)
{
    qv_page_section_open(f, rep, QV_REPORT_SEC_ERRORS);
    if (rep->n_histograms == 0)
        qv_page_missing(f, !rep->models[QV_REPORT_FLOAT].label || !rep->models[QV_REPORT_INT8].label
                        ? "Error histograms need both a float32 and an int8 model."
                        : "No error histogram was computed in this run.");
    fputs(rep->n_histograms ? "<div class=\"figs\">\n" : "", f);
    for (int32_t i = 0; i < rep->n_histograms; i++) {
        const struct qv_report_histogram *h = &rep->histograms[i];
        int64_t total = h->below + h->above + h->nonfinite;
        for (int32_t b = 0; b < h->n_bins; b++)
            total += h->counts[b];
        char desc[512], lo[32], hi[32];
        snprintf(desc, sizeof(desc), "%lld values in %d bins from %s to %s; %lld below, %lld "
                 "above the range, %lld not finite.", (long long)total, (int)h->n_bins,
                 qv_fmt_general(lo, sizeof(lo), h->lo, 4), qv_fmt_general(hi, sizeof(hi), h->hi, 4),
                 (long long)h->below, (long long)h->above, (long long)h->nonfinite);
        struct qv_svg_histogram c = {
            .title = h->title ? h->title : "Error histogram", .desc = desc,
            .x_label = h->x_label, .lo = h->lo, .hi = h->hi, .n_bins = h->n_bins,
            .counts = h->counts,
        };
        fputs("<figure><div class=\"chartbox\">", f);
        qv_svg_histogram(f, &c);
        fputs("</div><figcaption><b>", f);
        qv_html_text(f, c.title);
        fputs("</b>: ", f);
        qv_html_text(f, desc);
        fputs("</figcaption></figure>\n", f);
    }
    fputs(rep->n_histograms ? "</div>\n" : "", f);
    qv_page_section_close(f);
}

/* ---- flipped samples ------------------------------------------------------------------------- */

void qv_page_flips(FILE *f, const struct qv_report *rep)
{
    char buf[48];
    qv_page_section_open(f, rep, QV_REPORT_SEC_FLIPS);
    if (rep->n_flips_total < 0 && rep->n_flips == 0) {
        qv_page_missing(f, !rep->models[QV_REPORT_FLOAT].label || !rep->models[QV_REPORT_INT8].label
                        ? "Flipped predictions need both a float32 and an int8 model."
                        : "Flipped samples were not computed for this task.");
        qv_page_section_close(f);
        return;
    }
    int64_t total = rep->n_flips_total >= 0 ? rep->n_flips_total : rep->n_flips;
    if (total == 0) {
        fputs("<p>No sample changes its top-1 prediction between float32 and int8.</p>\n", f);
        qv_page_section_close(f);
        return;
    }
    int32_t rows = rep->n_flips < MAX_FLIP_ROWS ? rep->n_flips : MAX_FLIP_ROWS;
    fprintf(f, "<p>%s samples change their top-1 prediction between float32 and int8",
            qv_fmt_count(buf, sizeof(buf), (double)total));
    if (rows < total)
        fprintf(f, "; the first %d are listed (all of them are in predictions.csv)", (int)rows);
    fputs(".</p>\n", f);
    qv_page_table_open(f);
    fputs("<thead><tr><th class=\"n\">sample</th><th class=\"n\">label</th>"
          "<th class=\"n\">float32 prediction</th><th class=\"n\">float32 score</th>"
          "<th class=\"n\">int8 prediction</th><th class=\"n\">int8 score</th></tr></thead>\n"
          "<tbody>\n", f);
    for (int32_t i = 0; i < rows; i++) {
        const struct qv_report_flip *x = &rep->flips[i];
        fputs("<tr>", f);
        qv_page_td_num(f, (double)x->sample, 0, NULL);
        qv_page_td_general(f, x->label, 6);
        qv_page_td_num(f, (double)x->float_pred, 0,
                       rep->has_labels && x->label == x->float_pred ? "good" : NULL);
        qv_page_td_general(f, x->float_score, 6);
        qv_page_td_num(f, (double)x->int8_pred, 0,
                       rep->has_labels && x->label == x->int8_pred ? "good" : NULL);
        qv_page_td_general(f, x->int8_score, 6);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n", f);
    qv_page_table_close(f);
    qv_page_section_close(f);
}

/* ---- sizes ----------------------------------------------------------------------------------- */

static void td_size(FILE *f, double v, const char *unit)
{
    char buf[48];
    if (unit && strcmp(unit, "bytes") == 0)
        qv_page_td_bytes(f, v);
    else
        fprintf(f, "<td class=\"n\">%s</td>", qv_fmt_count(buf, sizeof(buf), v));
}

void qv_page_sizes(FILE *f, const struct qv_report *rep)
{
    int slots[QV_REPORT_MODELS], n = 0;
    qv_page_section_open(f, rep, QV_REPORT_SEC_SIZES);
    for (int s = 0; s < QV_REPORT_MODELS; s++)
        if (rep->models[s].label)
            slots[n++] = s;
    if (rep->n_sizes == 0 || n == 0) {
        qv_page_missing(f, "No sizes were recorded.");
        qv_page_section_close(f);
        return;
    }
    bool ratio = rep->models[QV_REPORT_FLOAT].label && rep->models[QV_REPORT_INT8].label;
    qv_page_table_open(f);
    fputs("<thead><tr><th>item</th>", f);
    for (int k = 0; k < n; k++) {
        fputs("<th class=\"n\">", f);
        qv_html_text(f, rep->models[slots[k]].label);
        fputs("</th>", f);
    }
    fputs(ratio ? "<th class=\"n\">int8 / float32</th></tr></thead>\n<tbody>\n"
                : "</tr></thead>\n<tbody>\n", f);
    for (int32_t i = 0; i < rep->n_sizes; i++) {
        const struct qv_report_size *z = &rep->sizes[i];
        fputs("<tr>", f);
        qv_page_td_text(f, z->label ? z->label : z->key);
        for (int k = 0; k < n; k++)
            td_size(f, z->value[slots[k]], z->unit);
        if (ratio) {
            double a = z->value[QV_REPORT_FLOAT], b = z->value[QV_REPORT_INT8];
            qv_page_td_num(f, a > 0 ? b / a : NAN, 3, NULL);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n", f);
    qv_page_table_close(f);
    qv_page_section_close(f);
}

/* ---- budget ---------------------------------------------------------------------------------- */

/* "12.0 KiB / of 192 KiB / 6.3 %" on short lines (the table must fit a printed page); with a
 * headroom, the largest share that keeps it: "(at most 80 %)". */
static void td_used(FILE *f, double used, double cap, double headroom)
{
    char a[64], b[64], p[32], h[32];
    fprintf(f, "<td class=\"n\">%s", qv_fmt_bytes_short(a, sizeof(a), used));
    if (isfinite(cap) && cap > 0) {
        fprintf(f, "<br>of %s<br>%s %%", qv_fmt_bytes_short(b, sizeof(b), cap),
                qv_fmt_fixed(p, sizeof(p), used / cap * 100, 1));
        if (isfinite(headroom))
            fprintf(f, "<br>(at most %s %%)", qv_fmt_fixed(h, sizeof(h), (1 - headroom) * 100,
                                                          0));
    }
    fputs("</td>", f);
}

static void arena_chart(FILE *f, const struct qv_report *rep)
{
    const struct qv_report_timeline *t = &rep->timeline;
    double peak = 0;
    int32_t at = 0;
    for (int32_t i = 0; i < t->n_steps; i++)
        if (t->live_bytes[i] > peak) {
            peak = t->live_bytes[i];
            at = i;
        }
    double lines[2] = { t->arena_bytes, peak };
    const char *labels[2] = { "planned arena", "peak of live tensors" };
    char desc[400], pb[96], ab[96];
    snprintf(desc, sizeof(desc), "Activation bytes alive at each of the %d execution steps of "
             "the int8 model; peak %s at step %d; planned arena %s.", (int)t->n_steps,
             qv_fmt_bytes(pb, sizeof(pb), peak), (int)at, qv_fmt_bytes(ab, sizeof(ab),
                                                                         t->arena_bytes));
    struct qv_svg_steps c = {
        .title = "Arena over time", .desc = desc, .x_label = "execution step",
        .y_label = "live activation bytes", .n = t->n_steps, .values = t->live_bytes,
        .tips = t->step_labels, .bytes = true, .n_lines = isfinite(t->arena_bytes) ? 2 : 0,
        .line_values = lines, .line_labels = labels,
    };
    fputs("<figure><div class=\"chartbox\">", f);
    qv_svg_steps(f, &c);
    fputs("</div><figcaption>", f);
    qv_html_text(f, desc);
    fputs("</figcaption></figure>\n", f);
}

void qv_page_budget(FILE *f, const struct qv_report *rep)
{
    static const char *const fit_names[] = { "fits", "does not fit", "unknown" };
    static const char *const fit_cls[] = { "pass", "fail", "skipped" };
    char buf[64];
    qv_page_section_open(f, rep, QV_REPORT_SEC_BUDGET);
    if (rep->n_targets == 0)
        qv_page_missing(f, qv_page_has_notes(rep, QV_REPORT_SEC_BUDGET)
                        ? "No memory budget was computed."
                        : "No memory budget was computed for any target (list targets in "
                          "qvet.json, e.g. \"targets\": [\"stm32f4\"]).");
    else {
        qv_page_table_open(f);
        fputs("<thead><tr><th>target</th><th>verdict</th><th class=\"n\">flash</th>"
              "<th class=\"n\">SRAM</th><th class=\"n\">arena</th>"
              "<th class=\"n\">latency (ms)</th><th class=\"n\">energy (mJ)</th>"
              "<th>detail</th></tr></thead>\n<tbody>\n", f);
        for (int32_t i = 0; i < rep->n_targets; i++) {
            const struct qv_report_target *t = &rep->targets[i];
            fputs("<tr><td class=\"name\"><b>", f);
            qv_html_text(f, t->name ? t->name : "(unnamed)");
            fputs("</b>", f);
            if (t->description) {
                fputs("<br>", f);
                qv_html_text(f, t->description);
            }
            fprintf(f, "</td><td><span class=\"badge small %s\">%s</span></td>",
                    fit_cls[t->fits], fit_names[t->fits]);
            td_used(f, t->flash_used, t->flash_capacity, NAN);
            td_used(f, t->sram_used, t->sram_capacity, t->headroom);
            fprintf(f, "<td class=\"n\">%s</td>", qv_fmt_bytes_short(buf, sizeof(buf), t->arena));
            qv_page_td_num(f, t->latency_ms, 2, NULL);
            qv_page_td_num(f, t->energy_mj, 3, NULL);
            qv_page_td_text(f, t->detail);
            fputs("</tr>\n", f);
        }
        fputs("</tbody>\n", f);
        qv_page_table_close(f);
    }
    if (rep->timeline.n_steps > 0)
        arena_chart(f, rep);
    else if (rep->n_targets > 0)
        qv_page_missing(f, "The arena-over-time chart needs the activation plan, which was not "
                        "recorded.");
    qv_page_section_close(f);
}

/* ---- baseline -------------------------------------------------------------------------------- */

static const struct qv_report_metric *find_metric(const struct qv_report_metric *m, int32_t n,
                                                  const char *key)
{
    for (int32_t i = 0; key && i < n; i++)
        if (m[i].key && strcmp(m[i].key, key) == 0)
            return &m[i];
    return NULL;
}

/* Whether a figure changed: different after rounding to `digits`. */
static bool changed(double before, double now, int digits)
{
    char b0[64], b1[64];
    return strcmp(qv_fmt_fixed(b0, sizeof(b0), before, digits),
                  qv_fmt_fixed(b1, sizeof(b1), now, digits)) != 0;
}

/* A row of a changed figure into f, or only counted when f is NULL. */
static void change_row(FILE *f, const char *what, const char *model, double before, double now,
                       int digits, bool higher_is_better, int32_t counts[2])
{
    char buf[64];
    double d = now - before;
    if (!changed(before, now, digits)) {
        counts[1]++;
        return;
    }
    counts[0]++;
    if (!f)
        return;
    fputs("<tr>", f);
    qv_page_td_text(f, what);
    qv_page_td_text(f, model);
    qv_page_td_num(f, before, digits, NULL);
    qv_page_td_num(f, now, digits, NULL);
    qv_fmt_fixed(buf, sizeof(buf), d, digits);
    bool zero = strspn(buf, "0.") == strlen(buf);
    const char *cls = !isfinite(d) || zero ? "" : ((d > 0) == higher_is_better ? " delta-good"
                                                                                : " delta-bad");
    fprintf(f, "<td class=\"n%s\">%s%s</td></tr>\n", cls, isfinite(d) && d > 0 && !zero ? "+" : "",
            buf);
}

static void metric_changes(FILE *f, const struct qv_report *rep, const struct qv_report_metric *m,
                           int32_t n, const struct qv_report_metric *old, int32_t n_old,
                           bool divergence, int32_t counts[2])
{
    for (int32_t i = 0; i < n; i++) {
        const struct qv_report_metric *o = find_metric(old, n_old, m[i].key);
        if (!o)
            continue;
        for (int s = divergence ? QV_REPORT_INT8 : 0; s < QV_REPORT_MODELS; s++) {
            if (!rep->models[s].label || (isnan(m[i].value[s]) && isnan(o->value[s])))
                continue;
            change_row(f, m[i].label ? m[i].label : m[i].key, rep->models[s].label, o->value[s],
                       m[i].value[s], m[i].digits, m[i].higher_is_better, counts);
        }
    }
}

/* Metrics, divergence and sizes matched by key: rows into f (NULL: count only). */
static void figure_changes(FILE *f, const struct qv_report *rep, const struct qv_report *old,
                           int32_t counts[2])
{
    metric_changes(f, rep, rep->metrics, rep->n_metrics, old->metrics, old->n_metrics, false,
                   counts);
    metric_changes(f, rep, rep->divergence, rep->n_divergence, old->divergence,
                   old->n_divergence, true, counts);
    for (int32_t i = 0; i < rep->n_sizes; i++) {
        const struct qv_report_size *z = &rep->sizes[i];
        for (int32_t j = 0; z->key && j < old->n_sizes; j++) {
            if (!old->sizes[j].key || strcmp(old->sizes[j].key, z->key) != 0)
                continue;
            for (int s = 0; s < QV_REPORT_MODELS; s++)
                if (rep->models[s].label && !(isnan(z->value[s]) && isnan(old->sizes[j].value[s])))
                    change_row(f, z->label ? z->label : z->key, rep->models[s].label,
                               old->sizes[j].value[s], z->value[s], 0, false, counts);
            break;
        }
    }
}

static int layer_change_cmp(const void *a, const void *b)
{
    const double *x = a, *y = b;   /* {|delta|, index} */
    if (x[0] != y[0])
        return x[0] > y[0] ? -1 : 1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

static void layer_changes(FILE *f, const struct qv_report *rep, const struct qv_report *old)
{
    int32_t n = rep->n_layers, matched = 0;
    double *ch = malloc(sizeof(double) * 3 * (size_t)(n > 0 ? n : 1));
    if (!ch)
        return;
    int32_t m = 0;
    for (int32_t i = 0; i < n; i++) {
        const struct qv_report_layer *l = &rep->layers[i];
        for (int32_t j = 0; l->name && j < old->n_layers; j++) {
            const struct qv_report_layer *o = &old->layers[j];
            if (!o->name || strcmp(o->name, l->name) != 0)
                continue;
            matched++;
            double d = l->propagated.sqnr_db - o->propagated.sqnr_db;
            if (changed(o->propagated.sqnr_db, l->propagated.sqnr_db, 2)) {
                ch[3 * m] = isnan(d) ? INFINITY : fabs(d);   /* inf -> finite, NAN: first */
                ch[3 * m + 1] = i;
                ch[3 * m + 2] = j;
                m++;
            }
            break;
        }
    }
    fprintf(f, "<h3>Per-layer SQNR</h3>\n<p>%d of %d layers matched by tensor name with the "
            "baseline's %d.</p>\n", (int)matched, (int)n, (int)old->n_layers);
    qsort(ch, (size_t)m, sizeof(double) * 3, layer_change_cmp);
    int32_t rows = m < MAX_BASELINE_LAYER_ROWS ? m : MAX_BASELINE_LAYER_ROWS;
    if (rows > 0) {
        fprintf(f, "<p>The %d largest changes of propagated SQNR:</p>\n", (int)rows);
        qv_page_table_open(f);
        fputs("<thead><tr><th>layer</th><th>op</th><th class=\"n\">before (dB)</th>"
              "<th class=\"n\">now (dB)</th><th class=\"n\">change</th></tr></thead>\n<tbody>\n",
              f);
        for (int32_t k = 0; k < rows; k++) {
            const struct qv_report_layer *l = &rep->layers[(int32_t)ch[3 * k + 1]];
            const struct qv_report_layer *o = &old->layers[(int32_t)ch[3 * k + 2]];
            int32_t counts[2] = { 0, 0 };
            change_row(f, l->name, l->op, o->propagated.sqnr_db, l->propagated.sqnr_db, 2, true,
                       counts);
        }
        fputs("</tbody>\n", f);
        qv_page_table_close(f);
    }
    free(ch);
}

void qv_page_baseline(FILE *f, const struct qv_report *rep)
{
    const struct qv_report *old = rep->baseline;
    qv_page_section_open(f, rep, QV_REPORT_SEC_BASELINE);
    if (!old) {
        qv_page_missing(f, "No baseline was given (qvet run --baseline OLD/summary.json shows "
                        "what changed since a previous run).");
        qv_page_section_close(f);
        return;
    }
    fputs("<p>Against <code>", f);
    qv_html_text(f, rep->baseline_path ? rep->baseline_path : "the baseline");
    fputs("</code>", f);
    if (old->qvet_version) {
        fputs(" (qvet ", f);
        qv_html_text(f, old->qvet_version);
        fputs(")", f);
    }
    fputs(".</p>\n", f);
    int32_t counts[2] = { 0, 0 };   /* changed, unchanged */
    figure_changes(NULL, rep, old, counts);
    if (counts[0] > 0) {
        int32_t again[2] = { 0, 0 };
        qv_page_table_open(f);
        fputs("<thead><tr><th>figure</th><th>model</th><th class=\"n\">before</th>"
              "<th class=\"n\">now</th><th class=\"n\">change</th></tr></thead>\n<tbody>\n",
              f);
        figure_changes(f, rep, old, again);
        fputs("</tbody>\n", f);
        qv_page_table_close(f);
    }
    fprintf(f, "<p>%d figures changed, %d are unchanged (metrics, divergence and sizes found in "
            "both runs).</p>\n", (int)counts[0], (int)counts[1]);
    for (int32_t i = 0; i < rep->n_gates; i++) {
        const struct qv_report_gate *g = &rep->gates[i];
        for (int32_t j = 0; g->name && j < old->n_gates; j++) {
            if (!old->gates[j].name || strcmp(old->gates[j].name, g->name) != 0)
                continue;
            if (old->gates[j].state != g->state) {
                static const char *const st[] = { "pass", "fail", "skipped" };
                fputs("<p class=\"note\">Gate <b>", f);
                qv_html_text(f, g->name);
                fprintf(f, "</b> changed: %s before, %s now.</p>\n", st[old->gates[j].state],
                        st[g->state]);
            }
            break;
        }
    }
    if (rep->n_layers > 0 && old->n_layers > 0)
        layer_changes(f, rep, old);
    qv_page_section_close(f);
}

/* ---- run details ----------------------------------------------------------------------------- */

void qv_page_details(FILE *f, const struct qv_report *rep)
{
    qv_page_section_open(f, rep, QV_REPORT_SEC_DETAILS);
    fputs("<h3>Files</h3>\n", f);
    if (rep->n_artifacts == 0) {
        qv_page_missing(f, "No input files were recorded.");
    } else {
        qv_page_table_open(f);
        fputs("<thead><tr><th>role</th><th>path</th><th class=\"n\">size</th><th>SHA-256</th>"
              "</tr></thead>\n<tbody>\n", f);
        for (int32_t i = 0; i < rep->n_artifacts; i++) {
            const struct qv_report_artifact *a = &rep->artifacts[i];
            fputs("<tr>", f);
            qv_page_td_text(f, a->role);
            qv_page_td_text(f, a->path);
            qv_page_td_bytes(f, a->bytes);
            fputs("<td class=\"hash\">", f);
            qv_html_text(f, a->sha256 ? a->sha256 : "not computed");
            fputs("</td></tr>\n", f);
        }
        fputs("</tbody>\n", f);
        qv_page_table_close(f);
    }
    fputs("<h3>Options</h3>\n", f);
    if (rep->n_options == 0) {
        qv_page_missing(f, "No options were recorded.");
    } else {
        qv_page_table_open(f);
        fputs("<thead><tr><th>option</th><th>value</th></tr></thead>\n<tbody>\n", f);
        for (int32_t i = 0; i < rep->n_options; i++) {
            fputs("<tr>", f);
            qv_page_td_text(f, rep->options[i].key);
            qv_page_td_text(f, rep->options[i].value);
            fputs("</tr>\n", f);
        }
        fputs("</tbody>\n", f);
        qv_page_table_close(f);
    }
    qv_page_section_close(f);
}
