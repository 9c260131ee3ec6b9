/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The machine- and reviewer-facing results of qvet run. One table of writers; each writes to a
 * temporary file beside its target and renames it, so a report is never half written.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "qvet/qvet.h"
#include "report/report.h"

static const char *gate_state_name(enum qv_gate_state s)
{
    return s == QV_GATE_PASS ? "pass" : (s == QV_GATE_FAIL ? "fail" : "skipped");
}

/* JSON has no NaN/Inf: null for NaN, +-1e999-style strings are not JSON either, so null. */
static void json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.6f", v);
    else
        fprintf(f, "null");
}

/* "float": {model, macs, weight_bytes, accuracy} or null. */
static void json_engine(FILE *f, const char *key, bool has, const char *model, int64_t macs,
                        size_t weight_bytes, double accuracy)
{
    fprintf(f, "  \"%s\": ", key);
    if (!has) {
        fprintf(f, "null,\n");
        return;
    }
    fprintf(f, "{\"model\": ");
    qv_json_fputs(f, model);
    fprintf(f, ", \"macs\": %lld, \"weight_bytes\": %zu, \"accuracy\": ", (long long)macs,
            weight_bytes);
    json_num(f, accuracy);
    fprintf(f, "},\n");
}

static void xml_str(FILE *f, const char *s)
{
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*p, f);
        }
    }
}

static void write_summary_json(FILE *f, const struct qv_job_result *r)
{
    const struct qv_manifest *m = &r->manifest;
    fprintf(f, "{\n  \"qvet_version\": \"%s\",\n  \"name\": ", QV_VERSION_STRING);
    qv_json_fputs(f, m->name);
    fprintf(f, ",\n  \"task\": \"%s\",\n  \"rounding\": \"%s\",\n  \"passed\": %s,\n",
            qv_task_name(m->task), r->rounding == QV_ROUNDING_SINGLE ? "single" : "double",
            r->passed ? "true" : "false");
    fprintf(f, "  \"samples\": %lld,\n", (long long)(r->has_float ? r->f.n : r->q.n));
    json_engine(f, "float", r->has_float, m->model, r->float_macs, r->float_weight_bytes,
                r->has_labels ? r->f.accuracy : NAN);
    json_engine(f, "int8", r->has_int8, m->int8_model, r->int8_macs, r->int8_weight_bytes,
                r->has_labels ? r->q.accuracy : NAN);
    fprintf(f, "  \"agreement\": ");
    json_num(f, r->has_float && r->has_int8 ? r->agreement : NAN);
    fprintf(f, ",\n  \"output_sqnr_db\": ");
    json_num(f, r->has_float && r->has_int8 ? r->output_sqnr_db : NAN);
    fprintf(f, ",\n  \"note\": ");
    qv_json_fputs(f, r->note);
    fprintf(f, ",\n  \"gates\": [");
    for (int32_t i = 0; i < r->n_gates; i++) {
        const struct qv_gate_result *g = &r->gates[i];
        fprintf(f, "%s\n    {\"name\": \"%s\", \"state\": \"%s\", \"value\": ", i ? "," : "",
                g->name, gate_state_name(g->state));
        json_num(f, g->value);
        fprintf(f, ", \"threshold\": ");
        json_num(f, g->threshold);
        fprintf(f, ", \"detail\": ");
        qv_json_fputs(f, g->detail);
        fprintf(f, "}");
    }
    fprintf(f, "%s]\n}\n", r->n_gates ? "\n  " : "");
}

static void md_value(FILE *f, bool has, double v, const char *fmt)
{
    if (has && isfinite(v))
        fprintf(f, fmt, v);
    else
        fprintf(f, "—");
}

static void write_summary_md(FILE *f, const struct qv_job_result *r)
{
    const struct qv_manifest *m = &r->manifest;
    fprintf(f, "## qvet: %s — %s\n\n", m->name,
            r->passed ? "✅ all gates pass" : "❌ a gate failed");
    fprintf(f, "| metric | float32 | int8 |\n|---|---|---|\n");
    fprintf(f, "| accuracy | ");
    md_value(f, r->has_float && r->has_labels, r->f.accuracy, "%.4f");
    fprintf(f, " | ");
    md_value(f, r->has_int8 && r->has_labels, r->q.accuracy, "%.4f");
    fprintf(f, " |\n| MACs | ");
    md_value(f, r->has_float, (double)r->float_macs, "%.0f");
    fprintf(f, " | ");
    md_value(f, r->has_int8, (double)r->int8_macs, "%.0f");
    fprintf(f, " |\n| weight bytes | ");
    md_value(f, r->has_float, (double)r->float_weight_bytes, "%.0f");
    fprintf(f, " | ");
    md_value(f, r->has_int8, (double)r->int8_weight_bytes, "%.0f");
    fprintf(f, " |\n\n");
    if (r->has_float && r->has_int8)
        fprintf(f, "Top-1 agreement float vs int8: **%.4f**; output SQNR: **%.2f dB** "
                "(%lld samples, int8 emulated bit-exactly, %s rounding).\n\n",
                r->agreement, r->output_sqnr_db, (long long)r->f.n,
                r->rounding == QV_ROUNDING_SINGLE ? "single" : "double");
    if (r->note[0])
        fprintf(f, "_Note: %s._\n\n", r->note);
    if (r->n_gates) {
        fprintf(f, "| gate | result | detail |\n|---|---|---|\n");
        for (int32_t i = 0; i < r->n_gates; i++)
            fprintf(f, "| %s | %s | %s |\n", r->gates[i].name,
                    gate_state_name(r->gates[i].state), r->gates[i].detail);
    } else {
        fprintf(f, "No gates configured (add \"gates\" to qvet.json).\n");
    }
}

static void write_metrics_csv(FILE *f, const struct qv_job_result *r)
{
    fprintf(f, "metric,engine,value\n");
    if (r->has_float) {
        fprintf(f, "samples,float,%lld\nmacs,float,%lld\nweight_bytes,float,%zu\n",
                (long long)r->f.n, (long long)r->float_macs, r->float_weight_bytes);
        if (r->has_labels)
            fprintf(f, "accuracy,float,%.6f\n", r->f.accuracy);
    }
    if (r->has_int8) {
        fprintf(f, "samples,int8,%lld\nmacs,int8,%lld\nweight_bytes,int8,%zu\n",
                (long long)r->q.n, (long long)r->int8_macs, r->int8_weight_bytes);
        if (r->has_labels)
            fprintf(f, "accuracy,int8,%.6f\n", r->q.accuracy);
    }
    if (r->has_float && r->has_int8) {
        fprintf(f, "agreement,float_vs_int8,%.6f\n", r->agreement);
        if (isfinite(r->output_sqnr_db))
            fprintf(f, "output_sqnr_db,float_vs_int8,%.4f\n", r->output_sqnr_db);
        else
            fprintf(f, "output_sqnr_db,float_vs_int8,%s\n", r->output_sqnr_db > 0 ? "inf" : "-inf");
    }
}

static void write_predictions_csv(FILE *f, const struct qv_job_result *r)
{
    const struct qv_eval_result *any = r->has_float ? &r->f : &r->q;
    fprintf(f, "sample%s", r->has_labels ? ",label" : "");
    if (r->has_float)
        fprintf(f, ",float_pred,float_score");
    if (r->has_int8)
        fprintf(f, ",int8_pred,int8_score");
    if (r->has_float && r->has_int8)
        fprintf(f, ",agree");
    fputc('\n', f);
    for (int64_t i = 0; i < any->n; i++) {
        fprintf(f, "%lld", (long long)i);
        if (r->has_labels)
            fprintf(f, ",%.9g", any->label[i]);
        if (r->has_float)
            fprintf(f, ",%d,%.9g", r->f.pred[i], (double)r->f.score[i]);
        if (r->has_int8)
            fprintf(f, ",%d,%.9g", r->q.pred[i], (double)r->q.score[i]);
        if (r->has_float && r->has_int8)
            fprintf(f, ",%d", r->f.pred[i] == r->q.pred[i]);
        fputc('\n', f);
    }
}

static void write_junit(FILE *f, const struct qv_job_result *r)
{
    int failures = 0, skipped = 0;
    for (int32_t i = 0; i < r->n_gates; i++) {
        failures += r->gates[i].state == QV_GATE_FAIL;
        skipped += r->gates[i].state == QV_GATE_SKIPPED;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    fprintf(f, "  <testsuite name=\"qvet.");
    xml_str(f, r->manifest.name);
    fprintf(f, "\" tests=\"%d\" failures=\"%d\" skipped=\"%d\">\n", r->n_gates, failures, skipped);
    for (int32_t i = 0; i < r->n_gates; i++) {
        const struct qv_gate_result *g = &r->gates[i];
        fprintf(f, "    <testcase classname=\"qvet.gates\" name=\"%s\">", g->name);
        if (g->state != QV_GATE_PASS) {
            fprintf(f, g->state == QV_GATE_FAIL ? "<failure message=\"" : "<skipped message=\"");
            xml_str(f, g->detail);
            fprintf(f, "\"/>");
        }
        fprintf(f, "</testcase>\n");
    }
    fprintf(f, "  </testsuite>\n</testsuites>\n");
}

static const struct {
    const char *file;
    void (*write)(FILE *f, const struct qv_job_result *r);
} writers[] = {
    { "summary.json", write_summary_json },
    { "summary.md", write_summary_md },
    { "metrics.csv", write_metrics_csv },
    { "predictions.csv", write_predictions_csv },
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
                              strerror(errno));
        writers[i].write(f, r);
        int e = ferror(f) ? EIO : 0;
        if (fclose(f) != 0 && !e)
            e = errno;
        if (e)
            return qv_fail_at(err, QV_E_IO, path, -1, "cannot write '%s': %s", path,
                              strerror(e));
    }
    snprintf(path, sizeof(path), "%s/report.html", dir);
    return qv_report_write_run_html(r, path, err);
}
