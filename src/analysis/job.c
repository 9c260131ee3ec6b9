/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qvet run on one model directory (docs/run.md): the float and the int8 model over the golden
 * set in one pass of the runner, task metrics in bounded memory (metrics.h), gates, and the
 * report set written as one unit under a lock.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/eval_internal.h"
#include "analysis/job_internal.h"
#include "qvet/analysis.h"

/* Columns of predictions.csv for outputs that are not class scores. */
#define PRED_VALUES 8

void qv_job_note(struct qv_job_result *r, const char *fmt, ...)
{
    va_list ap;
    if (r->n_notes == (int32_t)(sizeof(r->notes) / sizeof(r->notes[0])))
        return;
    va_start(ap, fmt);
    vsnprintf(r->notes[r->n_notes++], sizeof(r->notes[0]), fmt, ap);
    va_end(ap);
}

const char *qv_job_stage_name(enum qv_job_stage s)
{
    static const char *const names[QV_STAGE_COUNT] = { "load", "ptq", "run", "budget",
                                                       "reports" };
    return (unsigned)s < QV_STAGE_COUNT ? names[s] : "?";
}

void qv_job_result_release(struct qv_job_result *r)
{
    if (!r)
        return;
    qv_metrics_free(r->metrics);
    qv_metrics_free(r->alt_metrics);
    qv_graph_free(r->alt_graph);
    r->alt_metrics = NULL;
    r->alt_graph = NULL;
    qv_layer_stats_free(r->layers);
    qv_pairing_free(r->pairing);
    qv_graph_free(r->graphs[0]);
    qv_graph_free(r->graphs[1]);
    free(r->live_bytes);
    free(r->int8_tflite);
    qv_job_baseline_free(r->baseline);
    r->baseline = NULL;
    r->live_bytes = NULL;
    r->int8_tflite = NULL;
    r->metrics = NULL;
    r->layers = NULL;
    r->pairing = NULL;
    r->graphs[0] = r->graphs[1] = NULL;
}

enum qv_status qv_job_layers_init(struct qv_job_result *r, struct qv_error *err)
{
    if (!r->graphs[0] || !r->graphs[1])
        return QV_OK;
    struct qv_layer_opts lo = QV_LAYER_OPTS_INIT;
    lo.rounding = r->rounding;
    enum qv_status st = qv_pairing_build(r->graphs[0], r->graphs[1], NULL, &r->pairing, err);
    if (st == QV_OK)
        st = qv_layer_stats_create(r->pairing, &lo, &r->layers, err);
    return st;
}

/* ---- the pass over the golden set --------------------------------------------------------- */

struct job {
    struct qv_job_result *r;
    int32_t side_of[QV_SIDES];       /* runner side of the float / int8 model, or -1 */
    int32_t side_alt;                /* runner side of qvet's PTQ beside the int8 model, or -1 */
    FILE *pred;                      /* predictions rows (a temporary), or NULL */
    bool header_done;
    int64_t classes;                 /* classification: values of the scored output */
};

/* argmax of one sample's scored output; -1 when a value is not finite. */
static int32_t top1(const float *o, int64_t n, float *ret_score)
{
    int32_t best = 0;
    for (int64_t k = 0; k < n; k++) {
        if (!isfinite(o[k])) {
            *ret_score = NAN;
            return -1;
        }
        if (o[k] > o[best])
            best = (int32_t)k;
    }
    *ret_score = n ? o[best] : NAN;
    return best;
}

static void pred_row(struct job *j, const struct qv_run_rows *rows, int64_t i)
{
    const struct qv_task_spec *spec = &j->r->spec;
    FILE *f = j->pred;
    int64_t elems = spec->out_elems[spec->scored];
    fprintf(f, "%lld", (long long)(rows->first + i));
    if (rows->labels)
        fprintf(f, ",%.9g", rows->labels[i]);
    int32_t p[QV_JOB_MODELS] = { -1, -1, -1 };
    for (int s = 0; s < QV_JOB_MODELS; s++) {
        int32_t side = s < QV_SIDES ? j->side_of[s] : j->side_alt;
        if (side < 0)
            continue;
        const float *o = rows->real[side][spec->scored] + i * elems;
        if (spec->task == QV_TASK_CLASSIFICATION) {
            float score;
            p[s] = top1(o, elems, &score);
            fprintf(f, ",%d,%.9g", p[s], (double)score);
        } else {
            for (int64_t k = 0; k < elems && k < PRED_VALUES; k++)
                fprintf(f, ",%.9g", (double)o[k]);
        }
    }
    if (spec->task == QV_TASK_CLASSIFICATION && j->side_of[0] >= 0 && j->side_of[1] >= 0)
        fprintf(f, ",%d", p[0] == p[1] && p[0] >= 0);
    fputc('\n', f);
}

static void pred_header(struct job *j, bool labels)
{
    const struct qv_task_spec *spec = &j->r->spec;
    static const char *const side_names[QV_JOB_MODELS] = { "float", "int8", "int8_qvet" };
    fprintf(j->pred, "sample%s", labels ? ",label" : "");
    int64_t elems = spec->out_elems[spec->scored];
    for (int s = 0; s < QV_JOB_MODELS; s++) {
        if ((s < QV_SIDES ? j->side_of[s] : j->side_alt) < 0)
            continue;
        if (spec->task == QV_TASK_CLASSIFICATION)
            fprintf(j->pred, ",%s_pred,%s_score", side_names[s], side_names[s]);
        else
            for (int64_t k = 0; k < elems && k < PRED_VALUES; k++)
                fprintf(j->pred, ",%s_%lld", side_names[s], (long long)k);
    }
    if (spec->task == QV_TASK_CLASSIFICATION && j->side_of[0] >= 0 && j->side_of[1] >= 0)
        fprintf(j->pred, ",agree");
    fputc('\n', j->pred);
}

/* The int8 - float error of the scored output's values into the histogram. */
static void hist_add(struct qv_job_hist *h, const float *f, const float *q, int64_t n)
{
    for (int64_t k = 0; k < n; k++) {
        double d = (double)q[k] - (double)f[k];
        if (!isfinite(d)) {
            h->nonfinite++;
            continue;
        }
        double b = floor(d / h->step + 0.5) + QV_JOB_HIST_BINS / 2;
        if (b < 0)
            h->below++;
        else if (b >= QV_JOB_HIST_BINS)
            h->above++;
        else
            h->counts[(int)b]++;
    }
}

static enum qv_status job_deliver(void *user, const struct qv_run_rows *rows,
                                  struct qv_error *err)
{
    struct job *j = user;
    struct qv_job_result *r = j->r;
    const struct qv_task_spec *spec = &r->spec;
    struct qv_metrics_rows mr = { .first = rows->first, .n = rows->n, .labels = rows->labels };
    for (int s = 0; s < QV_SIDES; s++)
        if (j->side_of[s] >= 0)
            mr.out[s] = rows->real[j->side_of[s]];
    if (spec->score == QV_SCORE_RECONSTRUCTION && j->side_of[QV_SIDE_FLOAT] >= 0)
        mr.input = rows->inputs[j->side_of[QV_SIDE_FLOAT]][0];
    enum qv_status st = qv_metrics_add(r->metrics, &mr, err);
    if (st != QV_OK)
        return st;
    if (j->side_alt >= 0) {
        mr.out[QV_SIDE_INT8] = rows->real[j->side_alt];
        if ((st = qv_metrics_add(r->alt_metrics, &mr, err)) != QV_OK)
            return st;
    }
    if (r->hist.present) {
        int64_t e = spec->out_elems[spec->scored];
        hist_add(&r->hist, rows->real[j->side_of[0]][spec->scored],
                 rows->real[j->side_of[1]][spec->scored], rows->n * e);
    }
    if (j->pred) {
        if (!j->header_done)
            pred_header(j, rows->labels != NULL);
        j->header_done = true;
        for (int64_t i = 0; i < rows->n; i++)
            pred_row(j, rows, i);
        if (ferror(j->pred))
            return qv_fail(err, QV_E_IO, "cannot write predictions.csv: %s", QV_STRERROR(errno));
    }
    r->samples += rows->n;
    return QV_OK;
}

/* The quantization step of the int8 model's output 0 (its own, or its DEQUANTIZE's input). */
static double output_step(const struct qv_graph *g, int32_t out)
{
    const struct qv_tensor *t = &g->tensors[g->outputs[out]];
    if (t->quant.count >= 1 && t->dtype != QV_DTYPE_F32)
        return t->quant.scale[0];
    if (t->producer >= 0 && g->nodes[t->producer].op == QV_OP_DEQUANTIZE) {
        const struct qv_tensor *in = &g->tensors[g->nodes[t->producer].inputs[0]];
        if (in->quant.count >= 1)
            return in->quant.scale[0];
    }
    return NAN;
}

static enum qv_status describe_model(struct qv_job_model *jm, const char *label,
                                     const char *path, const struct qv_graph *g,
                                     struct qv_error *err)
{
    struct stat sb;
    jm->present = true;
    snprintf(jm->label, sizeof(jm->label), "%s", label);
    snprintf(jm->path, sizeof(jm->path), "%s", path);
    jm->file_bytes = stat(path, &sb) == 0 ? (int64_t)sb.st_size : -1;
    jm->macs = qv_graph_total_macs(g);
    jm->params = qv_graph_param_count(g);
    jm->weight_bytes = (int64_t)qv_graph_weight_bytes(g);
    return qv_sha256_file(path, jm->sha256, err);
}

/* The first tensor of g holding quantized values (integer dtype with quantization parameters;
 * activations only: not a constant), or -1. */
static int32_t first_quantized(const struct qv_graph *g, bool activations_only)
{
    for (int32_t i = 0; i < g->n_tensors; i++) {
        const struct qv_tensor *t = &g->tensors[i];
        if (t->quant.count > 0 && !qv_dtypes[t->dtype].is_float &&
            (!activations_only || !t->data))
            return i;
    }
    return -1;
}

/* "model" must be a float model (float activations), "int8_model" a quantized one. */
static enum qv_status check_model_kind(const struct qv_manifest *m, int side,
                                       const struct qv_graph *g, struct qv_error *err)
{
    const char *where = m->path[0] ? m->path : m->dir;
    int32_t q = first_quantized(g, side == QV_SIDE_FLOAT);
    if (side == QV_SIDE_FLOAT && q >= 0)
        return qv_fail_at(err, QV_E_INPUT, where, -1, "model: '%s' is a quantized model (tensor "
                          "%d '%s' is %s): \"model\" is the float32 reference; give a quantized "
                          "model as \"int8_model\"", m->model, q, g->tensors[q].name,
                          qv_dtype_name(g->tensors[q].dtype));
    if (side == QV_SIDE_INT8 && q < 0)
        return qv_fail_at(err, QV_E_INPUT, where, -1, "int8_model: '%s' holds no quantized "
                          "tensor: it is a float model (give it as \"model\"; qvet quantizes a "
                          "float model itself when there is no int8 model)", m->int8_model);
    return QV_OK;
}

/*
 * Beside a given int8 model, qvet's own PTQ of the float model as a third side with its own
 * metrics. It is a comparison, not the job: when qvet cannot quantize the model (or the
 * calibration data fails), a note says why and the run goes on without it.
 */
static enum qv_status own_ptq(struct qv_job_result *r, const struct qv_job_opts *opts,
                              struct qv_run_opts *ro, struct job *j, struct qv_error *err)
{
    struct qv_error e = QV_ERROR_INIT;
    struct qv_task_spec spec;
    double t = qv_run_now();
    enum qv_status st = qv_job_ptq(r, opts, r->graphs[QV_SIDE_FLOAT], QV_JOB_ALT, &r->alt_graph,
                                   &e);
    r->stage_s[QV_STAGE_PTQ] = qv_run_now() - t;
    if (st == QV_OK)
        st = qv_task_check(r->manifest.task, r->graphs[QV_SIDE_FLOAT], r->alt_graph, &spec, &e);
    if (st == QV_OK)
        st = qv_metrics_create(&spec, &r->alt_metrics, &e);
    if (st == QV_E_NOMEM || st == QV_E_INTERNAL) {
        *err = e;
        return st;
    }
    if (st != QV_OK) {
        memset(&r->models[QV_JOB_ALT], 0, sizeof(r->models[QV_JOB_ALT]));
        qv_graph_free(r->alt_graph);
        r->alt_graph = NULL;
        qv_metrics_free(r->alt_metrics);
        r->alt_metrics = NULL;
        char why[768];
        qv_error_format(&e, why, sizeof(why));
        qv_job_note(r, "qvet's own PTQ, for comparison with the given int8 model, failed: %s",
                    why);
        return QV_OK;
    }
    struct qv_run_side *side = &ro->sides[ro->n_sides];
    *side = (struct qv_run_side){ .graph = r->alt_graph, .name = r->manifest.model,
                                  .engine = QV_ENGINE_OPTS_INIT };
    side->engine.kind = QV_ENGINE_INT8;
    side->engine.rounding = opts->rounding;
    j->side_alt = ro->n_sides++;
    return QV_OK;
}

/* Both models through the runner once; metrics, histogram and predictions rows. */
static enum qv_status evaluate(struct qv_job_result *r, const struct qv_job_opts *opts,
                               const char *pred_path, struct qv_error *err)
{
    const struct qv_manifest *m = &r->manifest;
    struct qv_graph **g = r->graphs;
    struct qv_run_opts ro = QV_RUN_OPTS_INIT;
    struct qv_data_spec spec;
    struct job j = { .r = r, .side_of = { -1, -1 }, .side_alt = -1 };
    struct qv_run_stats stats;
    enum qv_status st = QV_OK;
    qv_data_spec_from_manifest(m, false, &spec);
    /* what the command line says about the data overrides the directory */
    const struct qv_data_spec *cl = &opts->run.data;
    if (cl->has_preprocess) {
        spec.has_preprocess = true;
        spec.pre_scale = cl->pre_scale;
        spec.pre_offset = cl->pre_offset;
    }
    if (cl->layout != QV_LAYOUT_AS_IS)
        spec.layout = cl->layout;
    spec.allow_nonfinite = cl->allow_nonfinite;
    qv_analysis_run_apply(&opts->run, &ro);
    static const char *const labels[QV_SIDES] = { "float32", "int8" };
    const char *paths[QV_SIDES] = { m->model, m->int8_model };
    for (int s = 0; s < QV_SIDES; s++) {
        if (!paths[s][0])
            continue;
        if ((st = qv_model_load(paths[s], &g[s], err)) != QV_OK ||
            (st = qv_graph_check_runnable(g[s], err)) != QV_OK ||
            (st = check_model_kind(m, s, g[s], err)) != QV_OK ||
            (st = describe_model(&r->models[s], labels[s], paths[s], g[s], err)) != QV_OK)
            goto cleanup;
        struct qv_run_side *side = &ro.sides[ro.n_sides];
        *side = (struct qv_run_side){ .graph = g[s], .name = paths[s],
                                      .engine = QV_ENGINE_OPTS_INIT };
        side->engine.kind = s == QV_SIDE_FLOAT ? QV_ENGINE_FLOAT : QV_ENGINE_INT8;
        side->engine.rounding = opts->rounding;
        j.side_of[s] = ro.n_sides++;
    }
    if (!g[QV_SIDE_INT8] && g[QV_SIDE_FLOAT]) {
        /* no int8 model: qvet's own quantization of the float model */
        double t = qv_run_now();
        st = qv_job_ptq(r, opts, g[QV_SIDE_FLOAT], QV_SIDE_INT8, &g[QV_SIDE_INT8], err);
        r->stage_s[QV_STAGE_PTQ] = qv_run_now() - t;
        if (st != QV_OK)
            goto cleanup;
        struct qv_run_side *side = &ro.sides[ro.n_sides];
        *side = (struct qv_run_side){ .graph = g[QV_SIDE_INT8], .name = m->model,
                                      .engine = QV_ENGINE_OPTS_INIT };
        side->engine.kind = QV_ENGINE_INT8;
        side->engine.rounding = opts->rounding;
        j.side_of[QV_SIDE_INT8] = ro.n_sides++;
    }
    if (!g[QV_SIDE_FLOAT])
        qv_job_note(r, "no float model in %s: the int8 model ran alone (no float reference)",
                    m->dir);
    /* the task must fit the models: classification needs a [1, classes]-like output, ... */
    if ((st = qv_task_check(m->task, g[QV_SIDE_FLOAT], g[QV_SIDE_INT8], &r->spec, err)))
        goto cleanup;
    if ((st = qv_metrics_create(&r->spec, &r->metrics, err)) != QV_OK)
        goto cleanup;
    if (g[QV_SIDE_FLOAT] && paths[QV_SIDE_INT8][0] && !opts->no_own_ptq &&
        (st = own_ptq(r, opts, &ro, &j, err)) != QV_OK)
        goto cleanup;
    if (r->spec.task == QV_TASK_CLASSIFICATION)
        spec.label_classes = r->spec.n_classes;
    else if (r->spec.task == QV_TASK_ANOMALY)
        spec.label_classes = 2;
    ro.deliver_inputs = r->spec.score == QV_SCORE_RECONSTRUCTION;
    /* per-layer divergence: an observer on both models, statistics merged in chunk order */
    if ((st = qv_job_layers_init(r, err)) != QV_OK)
        goto cleanup;
    if (r->layers)
        qv_layer_observer(r->layers, j.side_of[0], j.side_of[1], &ro.observer);
    if (g[0] && g[1]) {
        r->hist.step = output_step(g[1], r->spec.scored);
        r->hist.present = isfinite(r->hist.step) && r->hist.step > 0;
    }
    if (pred_path) {
        j.pred = fopen(pred_path, "wb");
        if (!j.pred) {
            st = qv_fail_at(err, QV_E_IO, pred_path, -1, "cannot create '%s': %s", pred_path,
                            QV_STRERROR(errno));
            goto cleanup;
        }
    }
    ro.deliver = job_deliver;
    ro.user = &j;
    double t_run = qv_run_now();
    st = qv_run(&spec, &ro, &stats, err);
    r->stage_s[QV_STAGE_RUN] = qv_run_now() - t_run;
    if (st != QV_OK)
        goto cleanup;
    if (stats.has_labels && r->spec.task == QV_TASK_REGRESSION && r->spec.label_elems != 1) {
        st = qv_fail_at(err, QV_E_INPUT, spec.labels ? spec.labels : spec.files[0], -1,
                        "regression labels need %lld values per sample (one per output value); "
                        "the labels give one", (long long)r->spec.label_elems);
        goto cleanup;
    }
    r->first = stats.first;
    r->dataset_samples = stats.dataset_samples;
    r->has_labels = stats.has_labels;
    qv_metrics_summarize(r->metrics, &r->summary);
    if (r->alt_metrics)
        qv_metrics_summarize(r->alt_metrics, &r->alt_summary);
    for (int32_t i = 0; i < spec.n_files; i++)
        if ((st = qv_sha256_file(spec.files[i], r->data_sha256[i], err)) != QV_OK)
            goto cleanup;
    if (spec.labels && (st = qv_sha256_file(spec.labels, r->data_sha256[QV_DATA_MAX_FILES],
                                            err)) != QV_OK)
        goto cleanup;
cleanup:
    if (j.pred) {
        int e = ferror(j.pred) ? EIO : 0;
        if (fclose(j.pred) != 0 && !e)
            e = errno;
        if (e && st == QV_OK)
            st = qv_fail_at(err, QV_E_IO, pred_path, -1, "cannot write '%s': %s", pred_path,
                            QV_STRERROR(e));
    }
    return st;
}

/* ---- the run's figures ---------------------------------------------------------------------- */

enum qv_status qv_job_evaluate(const char *dir, const struct qv_job_opts *opts,
                               const char *predictions, struct qv_job_result *r,
                               struct qv_error *err)
{
    enum qv_status st;
    double t0 = qv_run_now();
    r->rounding = opts->rounding;
    r->shard = opts->run.shard;
    r->n_shards = opts->run.n_shards;
    r->culprit = -1;
    if ((st = qv_manifest_load(dir, &r->manifest, err)) != QV_OK)
        return st;
    if (opts->n_targets > 0) {
        struct qv_manifest *m = &r->manifest;
        int32_t cap = (int32_t)(sizeof(m->targets) / sizeof(m->targets[0]));
        m->n_targets = 0;
        for (int32_t i = 0; i < opts->n_targets && m->n_targets < cap; i++)
            snprintf(m->targets[m->n_targets++], sizeof(m->targets[0]), "%s", opts->targets[i]);
        r->targets_from_cli = true;
    }
    if (opts->out_dir)
        snprintf(r->out_dir, sizeof(r->out_dir), "%s", opts->out_dir);
    else
        snprintf(r->out_dir, sizeof(r->out_dir), "%s/qvet-out", r->manifest.dir);
    if ((st = evaluate(r, opts, predictions, err)) != QV_OK)
        return st;
    qv_job_resolve_gates(r, opts);
    double t = qv_run_now();
    st = qv_job_budget(r, err);
    r->stage_s[QV_STAGE_BUDGET] = qv_run_now() - t;
    if (st != QV_OK)
        return st;
    if (opts->baseline && (st = qv_job_baseline_load(opts->baseline, &r->baseline, err)))
        return st;
    qv_job_eval_gates(r);
    /* loading: what the other stages leave */
    r->stage_s[QV_STAGE_LOAD] = qv_run_now() - t0 - r->stage_s[QV_STAGE_PTQ] -
                                r->stage_s[QV_STAGE_RUN] - r->stage_s[QV_STAGE_BUDGET];
    return QV_OK;
}
