/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.html test inputs shared by test_report.c and test_report_chromium.c: a full report with
 * every section filled (a keyword-spotting-like classifier: 12 classes, 14 layers, 3 targets, a
 * baseline) whose names are hostile (markup, quotes, bytes that are not UTF-8), and an empty one.
 * All figures come from a fixed-seed generator: identical on every run.
 */
#ifndef QV_TEST_REPORT_FIXTURE_H
#define QV_TEST_REPORT_FIXTURE_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "report/report.h"

/* Strings a model or data file could hold. */
#define HOSTILE_NAME "kws<script>alert(1)</script>\"'&amp;\xff\xfe"
#define HOSTILE_TENSOR "conv</text><script>x()</script>\xc0\xafname\"onload=\"y()"
#define HOSTILE_CLASS "<img src=x onerror=alert(1)>"

#define FX_CLASSES 12
#define FX_LAYERS 14
#define FX_STEPS 14
#define FX_BINS 41

struct report_fixture {
    struct qv_report rep, base;
    struct qv_report_gate gates[6], base_gates[6];
    struct qv_report_note notes[3];
    struct qv_report_metric metrics[2], divergence[4], base_metrics[2], base_divergence[4];
    const char *class_names[FX_CLASSES];
    int64_t confusion[2][FX_CLASSES * FX_CLASSES];
    struct qv_report_layer layers[FX_LAYERS], base_layers[FX_LAYERS];
    int64_t hist_counts[2][FX_BINS];
    struct qv_report_histogram hist[2];
    struct qv_report_flip flips[30];
    struct qv_report_size sizes[3], base_sizes[3];
    struct qv_report_target targets[3];
    double live[FX_STEPS];
    const char *step_labels[FX_STEPS];
    struct qv_report_kv options[4];
    struct qv_report_artifact artifacts[3];
};

/* Deterministic pseudo-random numbers in [0, 1). */
static inline double fx_rand(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static inline struct qv_report_error fx_error(double sqnr)
{
    struct qv_report_error e;
    e.sqnr_db = sqnr;
    e.rel_l2 = isfinite(sqnr) ? pow(10, -sqnr / 20) : 0;
    e.cosine = 1 - e.rel_l2 * e.rel_l2 / 2;
    e.rmse = 0.8 * e.rel_l2;
    e.mae = 0.6 * e.rel_l2;
    e.max_abs = 5.5 * e.rel_l2;
    return e;
}

static inline void report_fixture_init(struct report_fixture *fx)
{
    static const char *const names[FX_CLASSES] = { "yes", "no", "up", "down", "left", "right",
                                                   "on", "off", "stop", "go", "silence",
                                                   HOSTILE_CLASS };
    static const char *const ops[FX_LAYERS] = {
        "QUANTIZE", "CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D",
        "DEPTHWISE_CONV_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D", "AVERAGE_POOL_2D",
        "RESHAPE", "FULLY_CONNECTED", "SOFTMAX" };
    static const char *const tensors[FX_LAYERS] = {
        "serving_default_input_1:0_int8",
        ("model/conv2d/Relu;model/batch_normalization/FusedBatchNormV3;"
         "model/conv2d/BiasAdd/ReadVariableOp;model/conv2d/Conv2D"),
        "model/depthwise_conv2d/Relu", "model/conv2d_1/Relu", "model/depthwise_conv2d_1/Relu",
        HOSTILE_TENSOR, "model/depthwise_conv2d_2/Relu", "model/conv2d_3/Relu",
        "model/depthwise_conv2d_3/Relu", "model/conv2d_4/Relu", "model/average_pooling2d/AvgPool",
        "model/flatten/Reshape", "model/dense/MatMul;model/dense/BiasAdd",
        "StatefulPartitionedCall:0" };
    static const double prop[FX_LAYERS] = { INFINITY, 38.2, 35.9, 33.1, 30.4, 17.6, 16.9, 16.2,
                                            15.8, 15.1, 15.3, NAN, 14.2, 21.7 };
    static const double local[FX_LAYERS] = { INFINITY, 38.2, 37.5, 36.0, 34.9, 17.9, 33.0, 34.2,
                                             31.8, 30.5, 45.0, NAN, 29.1, 40.2 };
    uint64_t seed = 20240601;
    memset(fx, 0, sizeof(*fx));
    struct qv_report *r = &fx->rep;
    *r = (struct qv_report)QV_REPORT_INIT;
    r->name = HOSTILE_NAME;
    r->dir = "models/kws \xe2\x80\x94 \xff";
    r->task = "classification";
    r->qvet_version = "0.1.0";
    r->rounding = "double";
    r->samples = 4890;
    r->has_labels = true;
    r->models[QV_REPORT_FLOAT] = (struct qv_report_model){ "float32", "models/kws/model.tflite" };
    r->models[QV_REPORT_INT8] = (struct qv_report_model){ "int8", "models/kws/model_int8.tflite" };
    r->models[QV_REPORT_INT8_ALT] = (struct qv_report_model){ "int8 (qvet PTQ)", NULL };
    r->passed = false;

    fx->gates[0] = (struct qv_report_gate){ "max_accuracy_drop", QV_GATE_FAIL, 0.0412, 0.02,
                                            "accuracy float 0.9123, int8 0.8711: drop 0.0412 "
                                            "(limit 0.0200)", QV_REPORT_FROM_DEFAULT };
    fx->gates[1] = (struct qv_report_gate){ "min_agreement", QV_GATE_PASS, 0.9512, 0.95, NULL,
                                            QV_REPORT_FROM_MANIFEST };
    fx->gates[2] = (struct qv_report_gate){ "min_output_sqnr_db", QV_GATE_PASS, 21.7, 20, NULL,
                                            QV_REPORT_FROM_DEFAULT };
    fx->gates[3] = (struct qv_report_gate){ "min_layer_sqnr_db", QV_GATE_FAIL, 14.2, 20,
                                            "layer " HOSTILE_TENSOR " at 17.6 dB",
                                            QV_REPORT_FROM_CLI };
    fx->gates[4] = (struct qv_report_gate){ "fits:avr-32k", QV_GATE_FAIL, 1.31, 0.8,
                                            "SRAM 41.9 KiB of 32 KiB", QV_REPORT_FROM_MANIFEST };
    fx->gates[5] = (struct qv_report_gate){ "max_regression", QV_GATE_SKIPPED, NAN, 0.01,
                                            "needs --baseline", QV_REPORT_FROM_CLI };
    r->gates = fx->gates;
    r->n_gates = 6;
    fx->notes[0] = (struct qv_report_note){ QV_REPORT_SEC_VERDICT, "int8 model given; qvet's "
                                            "own PTQ compared as well <b>not bold</b>" };
    fx->notes[1] = (struct qv_report_note){ QV_REPORT_SEC_LAYERS, "3 QUANTIZE/DEQUANTIZE nodes "
                                            "of the int8 model have no float counterpart" };
    fx->notes[2] = (struct qv_report_note){ QV_REPORT_SEC_BUDGET, "latency from the target's "
                                            "cycle model, not measured" };
    r->notes = fx->notes;
    r->n_notes = 3;

    fx->metrics[0] = (struct qv_report_metric){ "top1", "top-1 accuracy", NULL, true, 4,
                                                { 0.9123, 0.8711, 0.9054 } };
    fx->metrics[1] = (struct qv_report_metric){ "top5", "top-5 accuracy", NULL, true, 4,
                                                { 0.9911, 0.9870, 0.9902 } };
    fx->divergence[0] = (struct qv_report_metric){ "agreement", "top-1 agreement", NULL, true, 4,
                                                   { NAN, 0.9512, 0.9870 } };
    fx->divergence[1] = (struct qv_report_metric){ "output_sqnr_db", "output SQNR", "dB", true,
                                                   2, { NAN, 21.7, 27.9 } };
    fx->divergence[2] = (struct qv_report_metric){ "score_corr", "score correlation", NULL, true,
                                                   4, { NAN, 0.9934, 0.9981 } };
    fx->divergence[3] = (struct qv_report_metric){ "flips", "flipped samples", NULL, false, 0,
                                                   { NAN, 239, 64 } };
    r->metrics = fx->metrics;
    r->n_metrics = 2;
    r->divergence = fx->divergence;
    r->n_divergence = 4;

    for (int c = 0; c < FX_CLASSES; c++)
        fx->class_names[c] = names[c];
    for (int m = 0; m < 2; m++)
        for (int t = 0; t < FX_CLASSES; t++)
            for (int p = 0; p < FX_CLASSES; p++)
                fx->confusion[m][t * FX_CLASSES + p] =
                    t == p ? 380 + (int64_t)(40 * fx_rand(&seed)) - 20 * m
                           : (fx_rand(&seed) < 0.3 ? (int64_t)(12 * fx_rand(&seed)) + m : 0);
    for (int p = 0; p < FX_CLASSES; p++)   /* a class nobody has: empty row */
        fx->confusion[0][10 * FX_CLASSES + p] = fx->confusion[1][10 * FX_CLASSES + p] = 0;
    r->n_classes = FX_CLASSES;
    r->class_names = fx->class_names;
    r->confusion[QV_REPORT_FLOAT] = fx->confusion[0];
    r->confusion[QV_REPORT_INT8] = fx->confusion[1];

    for (int i = 0; i < FX_LAYERS; i++) {
        struct qv_report_layer *l = &fx->layers[i];
        l->name = tensors[i];
        l->op = ops[i];
        l->pairing = i == 11 ? NULL : (i == 5 || i == 13 ? "structure" : "name");
        l->float_name = i == 5 ? "model/conv2d_2/Relu" : NULL;
        l->node = i;
        l->propagated = fx_error(prop[i]);
        l->local = fx_error(local[i]);
        l->clip_low = i == 5 ? 0.0731 : 0.001 * i;
        l->clip_high = i == 5 ? 0.0412 : 0.0004 * i;
        l->levels_used = i == 11 ? 0 : 256 - 9 * i;
    }
    r->layers = fx->layers;
    r->n_layers = FX_LAYERS;
    r->layer_threshold_db = 20;
    r->culprit = 5;

    for (int h = 0; h < 2; h++) {
        for (int b = 0; b < FX_BINS; b++) {
            double x = (b - FX_BINS / 2) / (h ? 4.0 : 7.0);
            fx->hist_counts[h][b] = (int64_t)(5000 * exp(-x * x / 2) * (0.9 + 0.2 *
                                                                     fx_rand(&seed)));
        }
        fx->hist[h] = (struct qv_report_histogram){
            h ? "Top-1 score change" : "Output error, int8 \xe2\x88\x92 float32 <x>",
            h ? "int8 score \xe2\x88\x92 float32 score" : "error (real units)",
            h ? -0.25 : -0.0625, h ? 0.25 : 0.0625, FX_BINS, fx->hist_counts[h], 3, 1, 0 };
    }
    r->histograms = fx->hist;
    r->n_histograms = 2;

    for (int i = 0; i < 30; i++) {
        int32_t label = (int32_t)(FX_CLASSES * fx_rand(&seed));
        fx->flips[i] = (struct qv_report_flip){ 17 + 131 * i, label, label,
                                                (label + 1 + i % 3) % FX_CLASSES,
                                                0.51 + 0.4 * fx_rand(&seed),
                                                0.45 + 0.4 * fx_rand(&seed) };
    }
    r->n_flips_total = 239;
    r->n_flips = 30;
    r->flips = fx->flips;

    fx->sizes[0] = (struct qv_report_size){ "file_bytes", "model file", "bytes",
                                            { 98348, 31504, 31840 } };
    fx->sizes[1] = (struct qv_report_size){ "weight_bytes", "weights and biases", "bytes",
                                            { 88224, 23232, 23232 } };
    fx->sizes[2] = (struct qv_report_size){ "macs", "multiply-accumulates per sample", "MACs",
                                            { 2656768, 2656768, 2656768 } };
    r->sizes = fx->sizes;
    r->n_sizes = 3;

    fx->targets[0] = (struct qv_report_target){ "stm32f4", "Cortex-M4F, 168 MHz", 61000,
                                                1048576, 42900, 196608, 30720, 0.2, 41.3, 4.1,
                                                QV_GATE_PASS, NULL };
    fx->targets[1] = (struct qv_report_target){ "avr-32k", "8-bit AVR, 32 KiB SRAM", 61000,
                                                262144, 42900, 32768, 30720, 0.2, NAN, NAN,
                                                QV_GATE_FAIL, "SRAM 41.9 KiB of 32 KiB, "
                                                "20 % headroom required" };
    fx->targets[2] = (struct qv_report_target){ "my-board \xf0\x9f\x98\x80", NULL, 61000, NAN,
                                                42900, NAN, 30720, 0.2, NAN, NAN,
                                                QV_GATE_SKIPPED, "no capacities in the "
                                                "profile" };
    r->targets = fx->targets;
    r->n_targets = 3;
    for (int i = 0; i < FX_STEPS; i++) {
        fx->live[i] = 4000 + 26000 * sin(0.2 + i * 0.23) * sin(0.2 + i * 0.23) + 90 * i;
        fx->step_labels[i] = ops[i];
    }
    fx->step_labels[5] = HOSTILE_TENSOR;
    r->timeline = (struct qv_report_timeline){ FX_STEPS, fx->live, fx->step_labels, 30720 };

    fx->options[0] = (struct qv_report_kv){ "rounding", "double" };
    fx->options[1] = (struct qv_report_kv){ "-j", "2" };
    fx->options[2] = (struct qv_report_kv){ "--min-layer-sqnr-db", "20" };
    fx->options[3] = (struct qv_report_kv){ "out", "out/<kws>" };
    r->options = fx->options;
    r->n_options = 4;
    fx->artifacts[0] = (struct qv_report_artifact){ "float model", "models/kws/model.tflite",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 98348 };
    fx->artifacts[1] = (struct qv_report_artifact){ "int8 model", "models/kws/model_int8.tflite",
        "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752", 31504 };
    fx->artifacts[2] = (struct qv_report_artifact){ "golden inputs", "models/kws/golden/x.npy",
                                                    NULL, NAN };
    r->artifacts = fx->artifacts;
    r->n_artifacts = 3;

    /* The baseline: the previous run, slightly better. */
    struct qv_report *b = &fx->base;
    *b = *r;
    b->baseline = NULL;
    memcpy(fx->base_metrics, fx->metrics, sizeof(fx->metrics));
    memcpy(fx->base_divergence, fx->divergence, sizeof(fx->divergence));
    memcpy(fx->base_sizes, fx->sizes, sizeof(fx->sizes));
    memcpy(fx->base_layers, fx->layers, sizeof(fx->layers));
    fx->base_metrics[0].value[QV_REPORT_INT8] = 0.8954;
    fx->base_divergence[1].value[QV_REPORT_INT8] = 24.1;
    fx->base_sizes[0].value[QV_REPORT_INT8] = 31200;
    fx->base_layers[5].propagated.sqnr_db = 29.8;
    fx->base_layers[7].propagated.sqnr_db = 27.0;
    memcpy(fx->base_gates, fx->gates, sizeof(fx->gates));
    fx->base_gates[0].state = QV_GATE_PASS;
    b->gates = fx->base_gates;
    b->metrics = fx->base_metrics;
    b->divergence = fx->base_divergence;
    b->sizes = fx->base_sizes;
    b->layers = fx->base_layers;
    r->baseline = b;
    r->baseline_path = "previous/<run>/summary.json";
}

/* Only a name: every section must say what is missing. */
static inline struct qv_report report_fixture_empty(void)
{
    struct qv_report r = QV_REPORT_INIT;
    r.name = "empty";
    return r;
}

#endif
