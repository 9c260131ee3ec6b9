/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The machine- and reviewer-facing results of qvet run (docs/run.md): summary.json (stable keys),
 * summary.md (a CI step summary or PR comment), metrics.csv, junit.xml (each gate a test case)
 * and report.html, written into the report set's temporary directory (the caller renames the set
 * into place as one unit). predictions.csv is written during the run.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qvet/budget.h"
#include "qvet/qvet.h"
#include "report/report.h"

/* models[] and the value[] slots of the figures: float, int8, qvet's PTQ beside a given int8 */
static const char *const side_keys[QV_JOB_MODELS] = { "float", "int8", "int8_qvet" };

const char *qv_gate_state_name(enum qv_gate_state s)
{
    return s == QV_GATE_PASS ? "pass" : (s == QV_GATE_FAIL ? "fail" : "skipped");
}

const char *qv_gate_origin_name(enum qv_gate_origin o)
{
    return o == QV_GATE_FROM_DEFAULT ? "default" : (o == QV_GATE_FROM_CLI ? "command line"
                                                                             : "qvet.json");
}

/* ---- summary.json --------------------------------------------------------------------------- */

static void add_str(cJSON *o, const char *key, const char *s)
{
    if (s && s[0])
        cJSON_AddStringToObject(o, key, s);
    else
        cJSON_AddNullToObject(o, key);
}

/* A number, or null when not finite (JSON has no NaN/Inf). */
static void add_num(cJSON *o, const char *key, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

static cJSON *model_json(const struct qv_job_model *m)
{
    if (!m->present)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    add_str(o, "path", m->path);
    add_str(o, "sha256", m->sha256);
    add_num(o, "bytes", (double)m->file_bytes);
    add_num(o, "macs", (double)m->macs);
    add_num(o, "params", (double)m->params);
    add_num(o, "weight_bytes", (double)m->weight_bytes);
    return o;
}

static cJSON *summary_json(const struct qv_job_result *r)
{
    const struct qv_manifest *m = &r->manifest;
    struct qv_figures fig;
    qv_report_figures(r, &fig);
    bool alt = r->models[QV_JOB_ALT].present;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "schema", 1);
    cJSON_AddStringToObject(root, "qvet_version", QV_VERSION_STRING);
    add_str(root, "name", m->name);
    add_str(root, "dir", m->dir);
    add_str(root, "task", qv_task_name(r->spec.task));
    cJSON_AddBoolToObject(root, "passed", r->passed);
    cJSON_AddBoolToObject(root, "default_gates", r->default_gates);
    add_num(root, "samples", (double)r->samples);
    add_num(root, "dataset_samples", (double)r->dataset_samples);
    cJSON_AddBoolToObject(root, "has_labels", r->has_labels);
    add_num(root, "labeled_samples", (double)r->summary.labeled);
    add_num(root, "bad_labels", (double)r->summary.bad_labels);
    cJSON *models = cJSON_AddObjectToObject(root, "models");
    for (int s = 0; s < QV_JOB_MODELS; s++)
        cJSON_AddItemToObject(models, side_keys[s], model_json(&r->models[s]));
    cJSON *data = cJSON_AddObjectToObject(root, "data");
    cJSON *inputs = cJSON_AddArrayToObject(data, "inputs");
    for (int32_t i = 0; i < m->golden.n_files; i++) {
        cJSON *f = cJSON_CreateObject();
        add_str(f, "path", m->golden.files[i]);
        add_str(f, "sha256", r->data_sha256[i]);
        cJSON_AddItemToArray(inputs, f);
    }
    if (m->golden.labels[0]) {
        cJSON *l = cJSON_AddObjectToObject(data, "labels");
        add_str(l, "path", m->golden.labels);
        add_str(l, "sha256", r->data_sha256[QV_DATA_MAX_FILES]);
    } else {
        cJSON_AddNullToObject(data, "labels");
    }
    cJSON *opt = cJSON_AddObjectToObject(root, "options");
    cJSON_AddStringToObject(opt, "rounding",
                            r->rounding == QV_ROUNDING_SINGLE ? "single" : "double");
    cJSON *metrics = cJSON_AddObjectToObject(root, "metrics");
    for (int32_t i = 0; i < fig.n_metrics; i++) {
        cJSON *o = cJSON_AddObjectToObject(metrics, fig.metrics[i].key);
        for (int s = 0; s < QV_JOB_MODELS; s++)
            if (s < QV_SIDES || alt)
                add_num(o, side_keys[s], fig.metrics[i].value[s]);
    }
    for (int32_t i = 0; i < fig.n_divergence; i++)
        add_num(metrics, fig.divergence[i].key, fig.divergence[i].value[QV_REPORT_INT8]);
    /* qvet's own PTQ beside the given int8 model, against the float model */
    if (alt) {
        cJSON *ad = cJSON_AddObjectToObject(root, "int8_qvet_divergence");
        for (int32_t i = 0; i < fig.n_divergence; i++)
            add_num(ad, fig.divergence[i].key, fig.divergence[i].value[QV_REPORT_INT8_ALT]);
    } else {
        cJSON_AddNullToObject(root, "int8_qvet_divergence");
    }
    if (r->layers) {
        const struct qv_pairing *p = r->pairing;
        cJSON *layers = cJSON_AddArrayToObject(root, "layers");
        for (int32_t i = 0; i < p->n_pairs; i++) {
            const struct qv_layer_pair *lp = &p->pairs[i];
            struct qv_layer_figures f;
            qv_layer_stats_figures(r->layers, i, &f);
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "tensor", p->gq->tensors[lp->tensor_q].name);
            cJSON_AddStringToObject(o, "op", lp->node_q >= 0 ? qv_op_name(p->gq->nodes[
                                                                lp->node_q].op) : "input");
            cJSON_AddStringToObject(o, "pairing", qv_pair_how_name(lp->how));
            add_str(o, "float_tensor", lp->tensor_f >= 0 ? p->gf->tensors[lp->tensor_f].name
                                                         : NULL);
            add_num(o, "sqnr_db", f.prop.sqnr_db);
            add_num(o, "local_sqnr_db", f.local.sqnr_db);
            add_num(o, "cosine", f.prop.cosine);
            add_num(o, "max_abs_error", f.prop.max_abs);
            add_num(o, "clip_low", f.clip_low);
            add_num(o, "clip_high", f.clip_high);
            add_num(o, "levels_used", f.levels_used ? (double)f.levels_used : NAN);
            cJSON_AddItemToArray(layers, o);
        }
        add_num(root, "layer_threshold_db", r->layer_threshold_db);
        add_str(root, "culprit", r->culprit >= 0 ? p->gq->tensors[p->pairs[r->culprit]
                                                                       .tensor_q].name : NULL);
        add_num(root, "unpaired_layers", (double)p->n_unpaired);
    } else {
        cJSON_AddNullToObject(root, "layers");
        cJSON_AddNullToObject(root, "layer_threshold_db");
        cJSON_AddNullToObject(root, "culprit");
        cJSON_AddNullToObject(root, "unpaired_layers");
    }
    if (r->n_targets) {
        cJSON *budget = cJSON_AddArrayToObject(root, "budget");
        for (int32_t i = 0; i < r->n_targets; i++) {
            const struct qv_job_target *t = &r->targets[i];
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "target", t->name);
            add_num(o, "arena_bytes", (double)t->arena);
            add_num(o, "flash_bytes", (double)t->flash);
            add_num(o, "flash_budget_bytes", (double)t->flash_budget);
            add_num(o, "sram_bytes", (double)t->sram);
            add_num(o, "sram_budget_bytes", (double)t->sram_budget);
            add_num(o, "latency_ms", t->latency_ms);
            add_num(o, "energy_uj", t->energy_uj);
            cJSON_AddBoolToObject(o, "fits", t->fits);
            add_str(o, "unsupported", t->unsupported);
            cJSON_AddItemToArray(budget, o);
        }
    } else {
        cJSON_AddNullToObject(root, "budget");
    }
    if (r->baseline) {
        const struct qv_job_baseline *b = r->baseline;
        cJSON *bo = cJSON_AddObjectToObject(root, "baseline");
        add_str(bo, "path", b->path);
        add_str(bo, "sha256", b->sha256);
        cJSON *ch = cJSON_AddObjectToObject(bo, "changes");
        for (int32_t i = 0; i < fig.n_metrics; i++) {
            const struct qv_job_baseline_figure *o = qv_job_baseline_find(b, fig.metrics[i].key);
            if (!o)
                continue;
            cJSON *x = cJSON_AddObjectToObject(ch, fig.metrics[i].key);
            for (int s = 0; s < QV_SIDES; s++)
                add_num(x, side_keys[s], fig.metrics[i].value[s] - o->value[s]);
        }
        for (int32_t i = 0; i < fig.n_divergence; i++) {
            const struct qv_job_baseline_figure *o = qv_job_baseline_find(b,
                                                                          fig.divergence[i].key);
            if (o)
                add_num(ch, fig.divergence[i].key,
                        fig.divergence[i].value[1] - o->value[QV_SIDE_INT8]);
        }
    } else {
        cJSON_AddNullToObject(root, "baseline");
    }
    cJSON *gates = cJSON_AddArrayToObject(root, "gates");
    for (int32_t i = 0; i < r->n_gates; i++) {
        const struct qv_gate_result *g = &r->gates[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", g->name);
        cJSON_AddStringToObject(o, "state", qv_gate_state_name(g->state));
        cJSON_AddStringToObject(o, "origin", g->origin == QV_GATE_FROM_DEFAULT ? "default"
                                : (g->origin == QV_GATE_FROM_CLI ? "cli" : "manifest"));
        add_num(o, "value", g->value);
        add_num(o, "threshold", g->threshold);
        cJSON_AddStringToObject(o, "detail", g->detail);
        cJSON_AddItemToArray(gates, o);
    }
    cJSON *notes = cJSON_AddArrayToObject(root, "notes");
    for (int32_t i = 0; i < r->n_notes; i++)
        cJSON_AddItemToArray(notes, cJSON_CreateString(r->notes[i]));
    return root;
}

static enum qv_status write_summary_json(FILE *f, const struct qv_job_result *r,
                                         struct qv_error *err)
{
    cJSON *root = summary_json(r);
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return qv_fail(err, QV_E_NOMEM, "out of memory writing summary.json");
    fputs(text, f);
    fputc('\n', f);
    cJSON_free(text);
    return QV_OK;
}

char *qv_report_summary_text(const struct qv_job_result *r)
{
    cJSON *root = summary_json(r);
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    return text;
}

/* ---- summary.md, metrics.csv -------------------------------------------------------------- */

/* A figure as text: digits decimals, "inf" / "—" (NaN). */
static const char *fmt_value(double v, int32_t digits, char *buf, size_t size)
{
    if (isnan(v))
        snprintf(buf, size, "—");
    else if (isinf(v))
        snprintf(buf, size, "%s∞", v < 0 ? "-" : "");
    else
        snprintf(buf, size, "%.*f", digits, v);
    return buf;
}

static enum qv_status write_summary_md(FILE *f, const struct qv_job_result *r,
                                       struct qv_error *err)
{
    const struct qv_manifest *m = &r->manifest;
    struct qv_figures fig;
    char a[64], b[64];
    (void)err;
    qv_report_figures(r, &fig);
    int32_t failed = 0;
    for (int32_t i = 0; i < r->n_gates; i++)
        failed += r->gates[i].state == QV_GATE_FAIL;
    fprintf(f, "## qvet: %s — %s\n\n", m->name,
            r->passed ? "✅ all gates pass" : "❌ a gate failed");
    fprintf(f, "%s, %lld samples%s; int8 emulated bit-exactly (%s rounding).%s\n\n",
            qv_task_name(r->spec.task), (long long)r->samples,
            r->has_labels ? " with labels" : "",
            r->rounding == QV_ROUNDING_SINGLE ? "single" : "double",
            r->default_gates ? " Gates: **qvet's defaults** (qvet.json sets none)." : "");
    bool alt = r->models[QV_JOB_ALT].present;
    char c3[64];
    fprintf(f, "| metric | float32 | int8 |%s\n|---|---|---|%s\n", alt ? " int8 (qvet PTQ) |" : "",
            alt ? "---|" : "");
    for (int32_t i = 0; i < fig.n_metrics; i++) {
        const struct qv_report_metric *x = &fig.metrics[i];
        fprintf(f, "| %s | %s | %s |", x->label, fmt_value(x->value[0], x->digits, a, 64),
                fmt_value(x->value[1], x->digits, b, 64));
        if (alt)
            fprintf(f, " %s |", fmt_value(x->value[2], x->digits, c3, 64));
        fputc('\n', f);
    }
    for (int32_t i = 0; i < fig.n_divergence; i++) {
        const struct qv_report_metric *x = &fig.divergence[i];
        bool unit = x->unit && strcmp(x->unit, "samples") != 0;
        fprintf(f, "| %s%s%s%s | | %s |", x->label, unit ? " (" : "", unit ? x->unit : "",
                unit ? ")" : "", fmt_value(x->value[1], x->digits, a, 64));
        if (alt)
            fprintf(f, " %s |", fmt_value(x->value[2], x->digits, c3, 64));
        fputc('\n', f);
    }
    for (int s = 0; s < QV_JOB_MODELS; s++)
        if (r->models[s].present)
            fprintf(f, "%s| %s model | %s |\n", s == 0 ? "\n| model | file |\n|---|---|\n" : "",
                    r->models[s].label, r->models[s].path);
    fprintf(f, "\n");
    if (r->n_targets) {
        fprintf(f, "| target | arena | SRAM / budget | flash / budget | latency | fits |\n"
                   "|---|---|---|---|---|---|\n");
        for (int32_t i = 0; i < r->n_targets; i++) {
            const struct qv_job_target *t = &r->targets[i];
            fprintf(f, "| %s | %lld | %lld / %lld | %lld / %lld | %s ms | %s |\n", t->name,
                    (long long)t->arena, (long long)t->sram, (long long)t->sram_budget,
                    (long long)t->flash, (long long)t->flash_budget,
                    fmt_value(t->latency_ms, 2, a, 64), t->fits ? "yes" : "**no**");
        }
        fprintf(f, "\n");
    }
    if (r->baseline) {
        fprintf(f, "Since the baseline `%s`:\n\n| figure | model | before | now | change |\n"
                   "|---|---|---|---|---|\n", r->baseline->path);
        char c[64];
        for (int32_t i = 0; i < fig.n_metrics; i++) {
            const struct qv_job_baseline_figure *o = qv_job_baseline_find(r->baseline,
                                                                          fig.metrics[i].key);
            for (int s = 0; o && s < QV_SIDES; s++)
                if (r->models[s].present)
                    fprintf(f, "| %s | %s | %s | %s | %s |\n", fig.metrics[i].label,
                            r->models[s].label, fmt_value(o->value[s], fig.metrics[i].digits, a,
                                                          64),
                            fmt_value(fig.metrics[i].value[s], fig.metrics[i].digits, b, 64),
                            fmt_value(fig.metrics[i].value[s] - o->value[s],
                                      fig.metrics[i].digits, c, 64));
        }
        for (int32_t i = 0; i < fig.n_divergence; i++) {
            const struct qv_job_baseline_figure *o = qv_job_baseline_find(
                r->baseline, fig.divergence[i].key);
            if (o)
                fprintf(f, "| %s | int8 vs float | %s | %s | %s |\n", fig.divergence[i].label,
                        fmt_value(o->value[1], fig.divergence[i].digits, a, 64),
                        fmt_value(fig.divergence[i].value[1], fig.divergence[i].digits, b, 64),
                        fmt_value(fig.divergence[i].value[1] - o->value[1],
                                  fig.divergence[i].digits, c, 64));
        }
        fprintf(f, "\n");
    }
    for (int32_t i = 0; i < r->n_notes; i++)
        fprintf(f, "_Note: %s._\n\n", r->notes[i]);
    if (r->n_gates) {
        fprintf(f, "| gate | result | from | detail |\n|---|---|---|---|\n");
        for (int32_t i = 0; i < r->n_gates; i++)
            fprintf(f, "| %s | %s | %s | %s |\n", r->gates[i].name,
                    qv_gate_state_name(r->gates[i].state),
                    qv_gate_origin_name(r->gates[i].origin), r->gates[i].detail);
        fprintf(f, "\n%d of %d gates failed.\n", failed, r->n_gates);
    } else {
        fprintf(f, "No gates.\n");
    }
    return QV_OK;
}

static void csv_value(FILE *f, double v)
{
    if (isnan(v))
        fprintf(f, "nan");
    else if (isinf(v))
        fprintf(f, "%sinf", v < 0 ? "-" : "");
    else
        fprintf(f, "%.9g", v);
}

/* A CSV field: quoted, with quotes doubled, when it holds a comma, quote or line break. */
static void csv_text(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const char *c = s; *c; c++) {
        if (*c == '"')
            fputc('"', f);
        fputc(*c, f);
    }
    fputc('"', f);
}

static enum qv_status write_metrics_csv(FILE *f, const struct qv_job_result *r,
                                        struct qv_error *err)
{
    struct qv_figures fig;
    (void)err;
    qv_report_figures(r, &fig);
    fprintf(f, "metric,model,value\n");
    fprintf(f, "samples,all,%lld\n", (long long)r->samples);
    for (int s = 0; s < QV_JOB_MODELS; s++) {
        const struct qv_job_model *jm = &r->models[s];
        if (!jm->present)
            continue;
        fprintf(f, "macs,%s,%lld\nparams,%s,%lld\nweight_bytes,%s,%lld\nfile_bytes,%s,%lld\n",
                side_keys[s], (long long)jm->macs, side_keys[s], (long long)jm->params,
                side_keys[s], (long long)jm->weight_bytes, side_keys[s],
                (long long)jm->file_bytes);
    }
    for (int32_t i = 0; i < fig.n_metrics; i++)
        for (int s = 0; s < QV_JOB_MODELS; s++) {
            if (!r->models[s].present)
                continue;
            fprintf(f, "%s,%s,", fig.metrics[i].key, side_keys[s]);
            csv_value(f, fig.metrics[i].value[s]);
            fputc('\n', f);
        }
    for (int32_t i = 0; i < fig.n_divergence; i++) {
        fprintf(f, "%s,int8_vs_float,", fig.divergence[i].key);
        csv_value(f, fig.divergence[i].value[1]);
        fputc('\n', f);
    }
    for (int32_t i = 0; r->models[QV_JOB_ALT].present && i < fig.n_divergence; i++) {
        fprintf(f, "%s,int8_qvet_vs_float,", fig.divergence[i].key);
        csv_value(f, fig.divergence[i].value[QV_REPORT_INT8_ALT]);
        fputc('\n', f);
    }
    /* changes since --baseline: <key>,<model>_change,<now - before> */
    for (int32_t i = 0; r->baseline && i < fig.n_metrics; i++) {
        const struct qv_job_baseline_figure *o = qv_job_baseline_find(r->baseline,
                                                                      fig.metrics[i].key);
        for (int s = 0; o && s < QV_SIDES; s++) {
            if (!r->models[s].present)
                continue;
            fprintf(f, "%s,%s_change,", fig.metrics[i].key, side_keys[s]);
            csv_value(f, fig.metrics[i].value[s] - o->value[s]);
            fputc('\n', f);
        }
    }
    for (int32_t i = 0; r->baseline && i < fig.n_divergence; i++) {
        const struct qv_job_baseline_figure *o = qv_job_baseline_find(r->baseline,
                                                                      fig.divergence[i].key);
        if (!o)
            continue;
        fprintf(f, "%s,int8_vs_float_change,", fig.divergence[i].key);
        csv_value(f, fig.divergence[i].value[1] - o->value[QV_SIDE_INT8]);
        fputc('\n', f);
    }
    return QV_OK;
}

/* layers.csv: one row per layer of the int8 model, in its execution order. */
static enum qv_status write_layers_csv(FILE *f, const struct qv_job_result *r,
                                       struct qv_error *err)
{
    (void)err;
    fprintf(f, "index,node,op,tensor,float_tensor,pairing,sqnr_db,cosine,rmse,mae,max_abs_error,"
               "rel_l2,local_sqnr_db,local_cosine,local_max_abs_error,clip_low,clip_high,"
               "saturated_low,saturated_high,levels_used,culprit,sqnr_db_change\n");
    if (!r->layers)
        return QV_OK;
    const struct qv_pairing *p = r->pairing;
    for (int32_t i = 0; i < p->n_pairs; i++) {
        const struct qv_layer_pair *lp = &p->pairs[i];
        struct qv_layer_figures x;
        qv_layer_stats_figures(r->layers, i, &x);
        fprintf(f, "%d,%d,%s,", i, lp->node_q,
                lp->node_q >= 0 ? qv_op_name(p->gq->nodes[lp->node_q].op) : "input");
        csv_text(f, p->gq->tensors[lp->tensor_q].name);
        fputc(',', f);
        csv_text(f, lp->tensor_f >= 0 ? p->gf->tensors[lp->tensor_f].name : "");
        fprintf(f, ",%s", qv_pair_how_name(lp->how));
        const double v[] = { x.prop.sqnr_db, x.prop.cosine, x.prop.rmse, x.prop.mae,
                             x.prop.max_abs, x.prop.rel_l2, x.local.sqnr_db, x.local.cosine,
                             x.local.max_abs, x.clip_low, x.clip_high, x.sat_low, x.sat_high };
        for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
            fputc(',', f);
            csv_value(f, v[k]);
        }
        fprintf(f, ",%d,%d,", x.levels_used, i == r->culprit);
        double change = NAN;
        const char *tname = p->gq->tensors[lp->tensor_q].name;
        for (int32_t k = 0; r->baseline && k < r->baseline->n_layers; k++)
            if (strcmp(r->baseline->layer_names[k], tname) == 0)
                change = x.prop.sqnr_db - r->baseline->layer_sqnr_db[k];
        if (!isnan(change))
            csv_value(f, change);
        fputc('\n', f);
    }
    return QV_OK;
}

/* budget.csv: the int8 model on each target of qvet.json. */
static enum qv_status write_budget_csv(FILE *f, const struct qv_job_result *r,
                                       struct qv_error *err)
{
    (void)err;
    fprintf(f, "target,arena_bytes,flash_bytes,flash_budget_bytes,sram_bytes,sram_budget_bytes,"
               "latency_ms,energy_uj,fits,unsupported\n");
    for (int32_t i = 0; i < r->n_targets; i++) {
        const struct qv_job_target *t = &r->targets[i];
        csv_text(f, t->name);
        fprintf(f, ",%lld,%lld,%lld,%lld,%lld,", (long long)t->arena, (long long)t->flash,
                (long long)t->flash_budget, (long long)t->sram, (long long)t->sram_budget);
        csv_value(f, t->latency_ms);
        fputc(',', f);
        csv_value(f, t->energy_uj);
        fprintf(f, ",%d,", t->fits);
        csv_text(f, t->unsupported);
        fputc('\n', f);
    }
    return QV_OK;
}

/* ---- junit.xml ---------------------------------------------------------------------------- */

static void xml_str(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default:
            if (*p < 0x20 && *p != '\t' && *p != '\n')
                fputc(' ', f);   /* XML 1.0 has no other control characters */
            else
                fputc(*p, f);
        }
    }
}

static enum qv_status write_junit(FILE *f, const struct qv_job_result *r, struct qv_error *err)
{
    int failures = 0, skipped = 0;
    (void)err;
    for (int32_t i = 0; i < r->n_gates; i++) {
        failures += r->gates[i].state == QV_GATE_FAIL;
        skipped += r->gates[i].state == QV_GATE_SKIPPED;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"qvet\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
               "skipped=\"%d\">\n", r->n_gates, failures, skipped);
    fprintf(f, "  <testsuite name=\"qvet.");
    xml_str(f, r->manifest.name);
    fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\">\n", r->n_gates,
            failures, skipped);
    for (int32_t i = 0; i < r->n_gates; i++) {
        const struct qv_gate_result *g = &r->gates[i];
        fprintf(f, "    <testcase classname=\"qvet.");
        xml_str(f, r->manifest.name);
        fprintf(f, ".gates\" name=\"");
        xml_str(f, g->name);
        fprintf(f, "\">");
        if (g->state != QV_GATE_PASS) {
            fprintf(f, g->state == QV_GATE_FAIL ? "<failure message=\"" : "<skipped message=\"");
            xml_str(f, g->detail);
            fprintf(f, "\"/>");
        }
        fprintf(f, "</testcase>\n");
    }
    fprintf(f, "  </testsuite>\n</testsuites>\n");
    return QV_OK;
}

static const struct {
    const char *file;
    enum qv_status (*write)(FILE *f, const struct qv_job_result *r, struct qv_error *err);
} writers[] = {
    { "summary.json", write_summary_json },
    { "summary.md", write_summary_md },
    { "metrics.csv", write_metrics_csv },
    { "layers.csv", write_layers_csv },
    { "budget.csv", write_budget_csv },
    { "junit.xml", write_junit },
};

enum qv_status qv_report_write_all(const struct qv_job_result *r, const char *dir,
                                   struct qv_error *err)
{
    char path[QV_PATH_MAX + 32];
    for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, writers[i].file);
        FILE *f = fopen(path, "wb");
        if (!f)
            return qv_fail_at(err, QV_E_IO, path, -1, "cannot create '%s': %s", path,
                              QV_STRERROR(errno));
        enum qv_status st = writers[i].write(f, r, err);
        int e = ferror(f) ? EIO : 0;
        if (fclose(f) != 0 && !e)
            e = errno;
        if (st != QV_OK)
            return st;
        if (e)
            return qv_fail_at(err, QV_E_IO, path, -1, "cannot write '%s': %s", path,
                              QV_STRERROR(e));
    }
    snprintf(path, sizeof(path), "%s/report.html", dir);
    enum qv_status st = qv_report_write_run_html(r, path, err);
    if (st != QV_OK || !r->int8_tflite)
        return st;
    /* the exports: the int8 model evaluated, as a file and as a C array for firmware */
    snprintf(path, sizeof(path), "%s/model_int8.tflite", dir);
    if ((st = qv_file_write_atomic(path, r->int8_tflite, r->int8_tflite_size, err)) != QV_OK ||
        (st = qv_c_array_save(r->int8_tflite, r->int8_tflite_size, dir, "model_int8", err)))
        return st;
    if (r->graphs[QV_SIDE_INT8] && r->n_targets > 0) {
        char what[128];
        snprintf(what, sizeof(what), "TFLM arena for %s", r->targets[0].name);
        st = qv_budget_resolver_save(r->graphs[QV_SIDE_INT8], dir, "model_int8",
                                     (size_t)r->targets[0].arena, what, err);
    }
    return st;
}
