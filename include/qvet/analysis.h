/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Analysis: dataset runs with predictions and metrics, per-layer comparison of two engines or
 * rounding flavours, and the main job on a model directory. Every dataset run goes through the
 * runner (run.h): results are identical for any thread count, batch and sharding.
 *
 *     struct qv_eval_opts o = QV_EVAL_OPTS_INIT;
 *     o.run.data.n_files = 1;
 *     o.run.data.files[0] = "golden/inputs.npy";
 *     struct qv_eval_result r;
 *     qv_eval_run(g, &o, &r, err);
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
#include "qvet/manifest.h"
#include "qvet/run.h"

/* What every dataset run of the analysis shares: data, threads, limits, callbacks. */
struct qv_analysis_run {
    struct qv_data_spec data;
    int64_t batch;                   /* samples per engine run; 0 = QV_DEFAULT_BATCH */
    int32_t n_threads;               /* 0 = one per CPU */
    int64_t max_samples;             /* 0 = all */
    int32_t shard, n_shards;         /* see struct qv_run_opts */
    void (*progress)(void *user, const struct qv_run_progress *p);
    void (*warn)(void *user, const char *msg);
    void *user;
};

#define QV_ANALYSIS_RUN_INIT { .data = QV_DATA_SPEC_INIT, .n_threads = 1 }

struct qv_eval_opts {
    struct qv_engine_opts engine;
    struct qv_analysis_run run;
    const char *model_name;          /* the model file, for messages */
    enum qv_task task;               /* classification: labels must be class indices */
    /* Files to write (callers pass temporaries from a struct qv_outset), or NULL. */
    const char *save_outputs;        /* .npy of raw output 0 for all samples */
    const char *save_tensors;        /* directory: t<idx>.npy per node output + index.csv */
};

#define QV_EVAL_OPTS_INIT { .engine = QV_ENGINE_OPTS_INIT, .run = QV_ANALYSIS_RUN_INIT, \
                            .task = QV_TASK_CLASSIFICATION }

struct qv_eval_result {
    int64_t n;                       /* samples run */
    int64_t first;                   /* dataset index of the first (shards) */
    int64_t out_elems;               /* elements of output 0 per sample */
    bool has_labels;
    int32_t *pred;                   /* [n] argmax of output 0 */
    float *score;                    /* [n] value at the argmax (real units) */
    double *label;                   /* [n] when has_labels */
    float *outputs;                  /* [n][out_elems] output 0 in real units */
    int64_t correct;                 /* pred == label */
    double accuracy;                 /* correct / n when has_labels */
    struct qv_run_stats stats;
};

/* Runs every sample of the data through g; the result is owned by the caller. */
enum qv_status qv_eval_run(const struct qv_graph *g, const struct qv_eval_opts *opts,
                           struct qv_eval_result *ret_result, struct qv_error *err);
void qv_eval_result_release(struct qv_eval_result *r);

/* predictions.csv: sample,pred,score[,label,correct], written to path as it is. */
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
    const char *name_a, *name_b;     /* model files, for messages */
    struct qv_analysis_run run;
};

#define QV_COMPARE_OPTS_INIT { .a = QV_ENGINE_OPTS_INIT, .b = QV_ENGINE_OPTS_INIT, \
                               .run = QV_ANALYSIS_RUN_INIT }

/*
 * Runs graph a and graph b (may be the same graph) with their engine options over the data and
 * counts per-node differences of every tensor both graphs have under the same name. The result
 * array (one entry per matched tensor, in a's execution order) is malloc'd.
 */
enum qv_status qv_compare_run(const struct qv_graph *ga, const struct qv_graph *gb,
                              const struct qv_compare_opts *opts,
                              struct qv_layer_diff **ret_diffs, int32_t *ret_n,
                              int64_t *ret_samples, struct qv_error *err);

/*
 * Compares a run of g (engine options o) against tensors saved earlier in a directory by
 * --save-tensors or by reference/ scripts (t<idx>.npy, stacked over samples).
 */
enum qv_status qv_compare_saved(const struct qv_graph *g, const char *tensors_dir,
                                const struct qv_compare_opts *opts,
                                struct qv_layer_diff **ret_diffs, int32_t *ret_n,
                                int64_t *ret_samples, struct qv_error *err);

/* ---- qvet run: the main job on one model directory ---------------------------------------- */

enum qv_gate_state { QV_GATE_PASS, QV_GATE_FAIL, QV_GATE_SKIPPED };

/* Gates one result can hold (each known gate at most once). */
#define QV_MAX_GATES 16

struct qv_gate_result {
    const char *name;                /* "max_accuracy_drop", ... */
    enum qv_gate_state state;
    double value, threshold;
    char detail[256];                /* why it failed or was skipped, with the numbers */
};

struct qv_job_opts {
    const char *out_dir;             /* NULL: DIR/qvet-out */
    enum qv_rounding rounding;
    struct qv_analysis_run run;      /* data comes from the directory */
};

#define QV_JOB_OPTS_INIT { .out_dir = NULL, .rounding = QV_ROUNDING_DOUBLE, \
                           .run = QV_ANALYSIS_RUN_INIT }

struct qv_job_result {
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
    struct qv_gate_result gates[QV_MAX_GATES];
    bool passed;                     /* no gate failed */
    char note[256];                  /* what could not be evaluated, e.g. no int8 model */
};

/*
 * Evaluates a model directory: the float model with the float engine, the int8 model with the
 * int8 emulator, over the golden set; computes accuracy, agreement and output SQNR; evaluates the
 * manifest's gates; writes summary.json, summary.md, metrics.csv, predictions.csv and junit.xml
 * into the output directory (each atomically). A failed gate is not an error (see r->passed).
 */
enum qv_status qv_job_run(const char *dir, const struct qv_job_opts *opts,
                          struct qv_job_result *ret_result, struct qv_error *err);
void qv_job_result_release(struct qv_job_result *r);

#endif
