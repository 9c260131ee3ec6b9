/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A directory with a float model and no int8 model (DESIGN §1): qvet calibrates and quantizes
 * it with its own PTQ (quant.h: the calibration set of qvet.json, else a slice of the golden set;
 * its method and per-channel choice) and evaluates that int8 model. The statistics are the same
 * for any thread count, so one run and merged shards quantize identically.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/job_internal.h"
#include "qvet/quant.h"

enum qv_status qv_job_ptq(struct qv_job_result *r, const struct qv_job_opts *opts,
                          const struct qv_graph *gf, int slot, struct qv_graph **ret_int8,
                          struct qv_error *err)
{
    const struct qv_manifest *m = &r->manifest;
    struct qv_data_spec data;
    struct qv_calib *cal = NULL;
    struct qv_quant_result qr;
    struct qv_calib_opts co = QV_CALIB_OPTS_INIT;
    struct qv_quant_opts qo = QV_QUANT_OPTS_INIT;
    enum qv_status st;
    memset(&qr, 0, sizeof(qr));
    qv_data_spec_from_manifest(m, true, &data);
    if (opts->run.data.has_preprocess) {
        data.has_preprocess = true;
        data.pre_scale = opts->run.data.pre_scale;
        data.pre_offset = opts->run.data.pre_offset;
    }
    if (opts->run.data.layout != QV_LAYOUT_AS_IS)
        data.layout = opts->run.data.layout;
    data.labels = NULL;   /* calibration needs none */
    /* beside a given int8 model, integer calibration data in its input's quantization are its
     * codes: the float model is calibrated on them dequantized, as the run feeds it */
    if (slot == QV_JOB_ALT)
        data.codes_model = r->graphs[QV_SIDE_INT8];
    co.n_threads = opts->run.n_threads;
    co.batch = opts->run.batch;
    co.max_samples = m->calib_samples;
    if (!qv_range_method_from_name(m->calib_method, &qo.method))
        return qv_fail_at(err, QV_E_INPUT, m->path[0] ? m->path : m->dir, -1,
                          "calibration.method: '%s' is not one of minmax, ema, percentile, kl, "
                          "mse", m->calib_method);
    qo.per_tensor = !m->per_channel;
    /* what qvet calibrate and quantize warn about (a small or constant calibration set, one
     * far from the golden data) goes into the run's notes; an anomaly task's golden set holds
     * the anomalies its normal calibration data lacks by design, so it is not compared */
    struct qv_data_spec golden;
    qv_data_spec_from_manifest(m, false, &golden);
    bool compare = m->calib.n_files > 0 && m->task != QV_TASK_ANOMALY;
    if ((st = qv_calib_run(gf, &data, &co, &cal, err)) != QV_OK ||
        (st = qv_calib_check_set(cal, QV_JOB_MIN_CALIB, compare ? &golden : NULL, err)) !=
            QV_OK ||
        (st = qv_quantize(gf, cal, &qo, &qr, err)) != QV_OK) {
        qv_error_prefix(err, m->model, "qvet's quantization of %s", m->model);
        qv_calib_free(cal);
        return st;
    }
    for (int32_t i = 0; i < cal->n_warnings; i++)
        qv_job_note(r, "qvet's PTQ of %s: %s", m->model, cal->warnings[i]);
    const long long n_calib = (long long)cal->n_samples;   /* used: at most calib_samples */
    qv_calib_free(cal);
    uint8_t *bytes = NULL;
    size_t size = 0;
    if ((st = qv_tflite_write(qr.graph, &bytes, &size, err)) != QV_OK) {
        qv_quant_result_release(&qr);
        return st;
    }
    struct qv_job_model *jm = &r->models[slot];
    jm->present = true;
    jm->own_ptq = true;
    snprintf(jm->label, sizeof(jm->label), "int8 (qvet PTQ)");
    snprintf(jm->path, sizeof(jm->path), "%s",
             slot == QV_JOB_ALT ? QV_JOB_ALT_PATH : QV_JOB_PTQ_PATH);
    qv_sha256(bytes, size, jm->sha256);
    jm->file_bytes = (int64_t)size;
    jm->macs = qv_graph_total_macs(qr.graph);
    jm->params = qv_graph_param_count(qr.graph);
    jm->weight_bytes = (int64_t)qv_graph_weight_bytes(qr.graph);
    const char *how = m->per_channel ? "per-channel" : "per-tensor";
    /* without calibration data the first golden samples calibrate: the int8 figures are then
     * measured partly on the data the ranges came from, which flatters them */
    const char *from = m->calib.n_files ? "" : " taken from the golden set, as the manifest "
                       "names no calibration data: its figures include the samples it was "
                       "calibrated on";
    if (slot == QV_JOB_ALT) {
        free(bytes);
        qv_job_note(r, "for comparison, qvet also quantized %s itself (%s ranges, %s weights, "
                    "%lld calibration samples%s): the \"int8 (qvet PTQ)\" figures; the gates "
                    "judge %s", m->model, m->calib_method, how, n_calib, from, m->int8_model);
    } else {
        r->int8_tflite = bytes;
        r->int8_tflite_size = size;
        qv_job_note(r, "no int8 model in %s: qvet quantized %s itself (%s ranges, %s weights, "
                    "%lld calibration samples%s); model_int8.tflite in the reports is that model",
                    m->dir, m->model, m->calib_method, how, n_calib, from);
    }
    *ret_int8 = qr.graph;
    qr.graph = NULL;
    qv_quant_result_release(&qr);
    return QV_OK;
}
