/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Analysis: model directories (qvet.json), dataset runs with predictions and metrics, and
 * per-layer comparison of two engines or rounding flavours.
 *
 *     struct qv_eval_opts o = QV_EVAL_OPTS_INIT;
 *     struct qv_eval_result r;
 *     qv_eval_run(g, "golden/inputs.npy", &o, &r, err);
 *     printf("%.4f\n", r.accuracy);
 *     qv_eval_result_release(&r);
 */
#ifndef QVET_ANALYSIS_H
#define QVET_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>

#include "qvet/engine.h"
#include "qvet/error.h"
#include "qvet/graph.h"
#include "qvet/io.h"

#define QV_PATH_MAX 1024

enum qv_task { QV_TASK_CLASSIFICATION, QV_TASK_REGRESSION, QV_TASK_ANOMALY, QV_TASK_RAW,
               QV_TASK_COUNT };

const char *qv_task_name(enum qv_task task);

/* A gate is active when its `has_` flag is set. */
struct qv_gates {
    bool has_max_accuracy_drop, has_min_agreement, has_min_output_sqnr_db, has_sram_headroom;
    double max_accuracy_drop, min_agreement, min_output_sqnr_db, sram_headroom;
};

/* qvet.json of a model directory (DESIGN §1); paths are resolved against the directory. */
struct qv_manifest {
    char dir[QV_PATH_MAX];
    char path[QV_PATH_MAX];          /* the qvet.json read, or "" when absent */
    char name[128];
    char model[QV_PATH_MAX];         /* float (or only) model; "" when none */
    char int8_model[QV_PATH_MAX];    /* "" when none */
    enum qv_task task;
    char golden_inputs[QV_PATH_MAX];
    char golden_labels[QV_PATH_MAX]; /* "" when none */
    char calib_data[QV_PATH_MAX];    /* "" = a slice of golden */
    int64_t calib_samples;
    char calib_method[32];
    bool per_channel;
    bool has_preprocess;
    float pre_scale, pre_offset;     /* x * scale + offset on float data */
    int32_t n_targets;
    char targets[16][32];
    struct qv_gates gates;
};

/*
 * Reads DIR/qvet.json (every key optional, unknown keys are an error naming the key) and fills
 * defaults: model.tflite or model.json, model_int8.tflite when present, golden/inputs.npy with
 * golden/labels.csv, or golden/golden.csv. Referenced files must exist.
 */
enum qv_status qv_manifest_load(const char *dir, struct qv_manifest *ret_manifest,
                                struct qv_error *err);

struct qv_eval_opts {
    struct qv_engine_opts engine;    /* observe is used internally when save_tensors is set */
    struct qv_dataset_opts data;
    int64_t batch;                   /* samples per engine run */
    int64_t max_samples;             /* 0 = all */
    bool has_preprocess;
    float pre_scale, pre_offset;     /* applied to float data before it enters the model */
    const char *save_outputs;        /* .npy of raw output 0 for all samples, or NULL */
    const char *save_tensors;        /* directory: t<idx>.npy per node output + index.csv */
};

#define QV_EVAL_OPTS_INIT { .engine = QV_ENGINE_OPTS_INIT, .batch = 64 }

struct qv_eval_result {
    int64_t n;                       /* samples run */
    int64_t out_elems;               /* elements of output 0 per sample */
    bool has_labels;
    int32_t *pred;                   /* [n] argmax of output 0 */
    float *score;                    /* [n] value at the argmax (real units) */
    double *label;                   /* [n] when has_labels */
    float *outputs;                  /* [n][out_elems] output 0 in real units */
    int64_t correct;                 /* pred == label */
    double accuracy;                 /* correct / n when has_labels */
};

/* Runs every sample of data_path through g; the result is owned by the caller. */
enum qv_status qv_eval_run(const struct qv_graph *g, const char *data_path,
                           const struct qv_eval_opts *opts, struct qv_eval_result *ret_result,
                           struct qv_error *err);
void qv_eval_result_release(struct qv_eval_result *r);

/* predictions.csv: sample,pred,score[,label,correct] — atomically. */
enum qv_status qv_eval_save_predictions(const struct qv_eval_result *r, const char *path,
                                        struct qv_error *err);

/* Signal-to-quantization-noise ratio of b against reference a, in dB (inf when identical). */
double qv_sqnr_db(const float *a, const float *b, int64_t n);

/* Per-layer difference counts of two runs of the same tensors (int8 LSB or float units). */
struct qv_layer_diff {
    int32_t node;
    int32_t tensor;
    int64_t elems;
    int64_t same, off_by_one, more;  /* |a - b| == 0, == 1 LSB, > 1 LSB (integer tensors) */
    double max_abs;                  /* largest |a - b| in stored units */
    double sqnr_db;                  /* of b against a, in real units */
};

struct qv_compare_opts {
    struct qv_engine_opts a, b;      /* engine kind, rounding, plain loops of each side */
    struct qv_dataset_opts data;
    int64_t batch;
    int64_t max_samples;
    bool has_preprocess;
    float pre_scale, pre_offset;
};

#define QV_COMPARE_OPTS_INIT { .a = QV_ENGINE_OPTS_INIT, .b = QV_ENGINE_OPTS_INIT, .batch = 16 }

/*
 * Runs graph a and graph b (may be the same graph) with their engine options over data_path and
 * counts per-node differences of every tensor both graphs have under the same name. The result
 * array (one entry per matched tensor, in a's execution order) is malloc'd.
 */
enum qv_status qv_compare_run(const struct qv_graph *ga, const struct qv_graph *gb,
                              const char *data_path, const struct qv_compare_opts *opts,
                              struct qv_layer_diff **ret_diffs, int32_t *ret_n,
                              int64_t *ret_samples, struct qv_error *err);

/*
 * Compares a run of g (engine options o) against tensors saved earlier in a directory by
 * --save-tensors or by reference/ scripts (t<idx>.npy, stacked over samples).
 */
enum qv_status qv_compare_saved(const struct qv_graph *g, const char *data_path,
                                const char *tensors_dir, const struct qv_compare_opts *opts,
                                struct qv_layer_diff **ret_diffs, int32_t *ret_n,
                                int64_t *ret_samples, struct qv_error *err);

/* ---- qvet run: the main job on one model directory ---------------------------------------- */

enum qv_gate_state { QV_GATE_PASS, QV_GATE_FAIL, QV_GATE_SKIPPED };

struct qv_gate_result {
    const char *name;                /* "max_accuracy_drop", ... */
    enum qv_gate_state state;
    double value, threshold;
    char detail[256];                /* why it failed or was skipped, with the numbers */
};

struct qv_run_opts {
    const char *out_dir;             /* NULL: DIR/qvet-out */
    enum qv_rounding rounding;
    int64_t batch;
};

#define QV_RUN_OPTS_INIT { .out_dir = NULL, .rounding = QV_ROUNDING_DOUBLE, .batch = 64 }

struct qv_run_result {
    struct qv_manifest manifest;
    char out_dir[QV_PATH_MAX];
    enum qv_rounding rounding;       /* of the int8 emulation */
    bool has_float, has_int8, has_labels;
    struct qv_eval_result f, q;      /* float engine on model, int8 engine on int8_model */
    int64_t float_macs, int8_macs;
    size_t float_weight_bytes, int8_weight_bytes;
    double agreement;                /* top-1 agreement float vs int8 */
    double output_sqnr_db;           /* int8 outputs (real units) against float outputs */
    int32_t n_gates;
    struct qv_gate_result gates[8];
    bool passed;                     /* no gate failed */
    char note[256];                  /* what could not be evaluated, e.g. no int8 model */
};

/*
 * Evaluates a model directory: the float model with the float engine, the int8 model with the
 * int8 emulator, over the golden set; computes accuracy, agreement and output SQNR; evaluates the
 * manifest's gates; writes summary.json, summary.md, metrics.csv, predictions.csv and junit.xml
 * into the output directory (each atomically). A failed gate is not an error (see r->passed).
 */
enum qv_status qv_run_dir(const char *dir, const struct qv_run_opts *opts,
                          struct qv_run_result *ret_result, struct qv_error *err);
void qv_run_result_release(struct qv_run_result *r);

#endif
