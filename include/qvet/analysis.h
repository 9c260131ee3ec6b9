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
#include "qvet/layers.h"
#include "qvet/manifest.h"
#include "qvet/metrics.h"
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
    int32_t node;                    /* of side b's graph */
    int32_t tensor;
    int32_t tensor_a;                /* the paired tensor of side a's graph */
    const char *pairing;             /* "index" (one graph), "name", "structure", "conversion" */
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
 * counts per-node differences of every paired tensor: one graph pairs each tensor with itself;
 * two graphs pair side b's layers with side a's as layers.h pairs an int8 model with its float
 * model (by name when the names agree, else by structure, through QUANTIZE/DEQUANTIZE). The result
 * array (one entry per paired tensor, in b's execution order) is malloc'd; with two graphs,
 * *ret_pairing (may be NULL) receives the pairing (its unpaired layers and why), which the
 * caller frees with qv_pairing_free.
 */
enum qv_status qv_compare_run(const struct qv_graph *ga, const struct qv_graph *gb,
                              const struct qv_compare_opts *opts,
                              struct qv_layer_diff **ret_diffs, int32_t *ret_n,
                              int64_t *ret_samples, struct qv_pairing **ret_pairing,
                              struct qv_error *err);

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

/* Where a gate's threshold came from. */
enum qv_gate_origin { QV_GATE_FROM_DEFAULT, QV_GATE_FROM_MANIFEST, QV_GATE_FROM_CLI };

/* Gates one result can hold: each gate of qv_gate_defs once, plus a fits gate per target. */
#define QV_MAX_GATES (QV_GATE_ID_COUNT + 16)

struct qv_gate_result {
    char name[48];                   /* "max_accuracy_drop", "fits:stm32f4" */
    enum qv_gate_state state;
    enum qv_gate_origin origin;
    double value, threshold;         /* NAN when not measured */
    char detail[256];                /* why it failed or was skipped, with the numbers */
};

/* The default gates (docs/run.md), used when neither qvet.json nor the command line sets any. */
void qv_job_default_gates(enum qv_task task, struct qv_gates *ret_gates);

struct qv_job_opts {
    const char *out_dir;             /* NULL: DIR/qvet-out */
    enum qv_rounding rounding;
    struct qv_analysis_run run;      /* data comes from the directory; its layout, preprocess
                                      * and allow_nonfinite override the directory's */
    struct qv_gates gates;           /* command-line gates: override qvet.json's */
    const char *baseline;            /* a previous run's summary.json, or NULL */
    /* A float and an int8 model: qvet also quantizes the float model with its own PTQ and
     * compares both int8 models with the float one (models[QV_JOB_ALT]); true skips that. */
    bool no_own_ptq;
    /*
     * Shard mode (run.shard / run.n_shards set): write the mergeable partial result
     * (partial.json, predictions.part.csv) into the output directory instead of reports.
     */
    bool partial;
    /* Targets named on the command line (built-in profile names): replace qvet.json's. */
    const char *const *targets;
    int32_t n_targets;
};

#define QV_JOB_OPTS_INIT { .out_dir = NULL, .rounding = QV_ROUNDING_DOUBLE, \
                           .run = QV_ANALYSIS_RUN_INIT }

/* One model of a run (index: enum qv_side, then the optional third model). */
struct qv_job_model {
    bool present;
    bool own_ptq;                    /* made by qvet's PTQ from the float model, not read */
    char label[32];                  /* "float32", "int8", "int8 (qvet PTQ)" */
    char path[QV_PATH_MAX];
    char sha256[65];                 /* of the file ("" for a model qvet made) */
    int64_t file_bytes;
    int64_t macs, params;
    int64_t weight_bytes;
};

#define QV_JOB_MODELS 3
#define QV_JOB_ALT 2                 /* models[]: qvet's own PTQ beside a given int8 model */
#define QV_JOB_MAX_TARGETS 16

/* The int8 model's budget on one MCU target (budget.h; docs/budget.md). Bytes. */
struct qv_job_target {
    char name[48];
    char description[160];
    int64_t arena, flash, flash_budget, sram, sram_budget;
    double headroom;                 /* SRAM share kept free */
    double latency_ms, energy_uj;
    bool ops_ok, flash_ok, sram_ok, fits;
    char unsupported[256];           /* ops TFLM cannot run there, or "" */
};
#define QV_JOB_HIST_BINS 41          /* odd: zero error is the middle bin */

/* The int8 - float error of output 0's values, in bins of the int8 output's quantization step. */
struct qv_job_hist {
    bool present;
    double step;                     /* bin width (real units) */
    int64_t counts[QV_JOB_HIST_BINS];/* bin i: [(i - 20.5) step, (i - 19.5) step) */
    int64_t below, above, nonfinite;
};

/* A previous run's figures (its summary.json), to show what changed (--baseline). */
#define QV_BASELINE_MAX_FIGURES 48

struct qv_job_baseline_figure {
    char key[40];
    bool per_model;                  /* a task metric: value[side]; else value[QV_SIDE_INT8] */
    double value[QV_SIDES];          /* NAN: absent */
};

struct qv_job_baseline {
    char path[QV_PATH_MAX];
    char sha256[65];
    char version[32];
    int32_t n_figures;
    struct qv_job_baseline_figure figures[QV_BASELINE_MAX_FIGURES];
    double sizes[3][QV_SIDES];       /* weight_bytes, file_bytes, macs per model; NAN absent */
    int32_t n_gates;
    char gate_names[QV_MAX_GATES][48];
    enum qv_gate_state gate_states[QV_MAX_GATES];
    double gate_values[QV_MAX_GATES];
    int32_t n_layers;
    char **layer_names;              /* [n_layers] malloc'd */
    double *layer_sqnr_db;           /* [n_layers] */
};

/* The figure of a baseline by key, or NULL. */
const struct qv_job_baseline_figure *qv_job_baseline_find(const struct qv_job_baseline *b,
                                                           const char *key);

/* The stages of a run whose wall time qv_job_result.stage_s holds (qvet run --timings). */
enum qv_job_stage {
    QV_STAGE_LOAD,                   /* manifest, models, checks, checksums */
    QV_STAGE_PTQ,                    /* qvet's own quantization (float-only directory) */
    QV_STAGE_RUN,                    /* the golden set through the models (the runner) */
    QV_STAGE_BUDGET,                 /* the int8 model's budget on the targets */
    QV_STAGE_REPORTS,                /* the report set written and committed */
    QV_STAGE_COUNT
};

/* "load", "ptq", "run", "budget", "reports". */
const char *qv_job_stage_name(enum qv_job_stage s);

struct qv_job_result {
    bool targets_from_cli;           /* the budget's targets came from the command line */
    struct qv_manifest manifest;
    char out_dir[QV_PATH_MAX];
    enum qv_rounding rounding;       /* of the int8 emulation */
    struct qv_job_model models[QV_JOB_MODELS];
    struct qv_task_spec spec;
    struct qv_metrics *metrics;      /* float (side 0) against int8 (side 1); sides absent when
                                      * the directory lacks that model */
    struct qv_metrics_summary summary;
    /* qvet's own PTQ beside the given int8 model (models[QV_JOB_ALT]; NULL when absent): the
     * task metrics of the float model (side 0) and that model (side 1). Gates stay on the given
     * int8 model. */
    struct qv_metrics *alt_metrics;
    struct qv_metrics_summary alt_summary;
    struct qv_graph *alt_graph;
    struct qv_job_hist hist;
    /* per-layer divergence (both models): the pairing of the int8 model's layers with the float
     * model's, their statistics, and the layer where the error is born (local SQNR below
     * layer_threshold_db; -1 none). The graphs are kept for the names. */
    struct qv_graph *graphs[QV_SIDES];
    struct qv_pairing *pairing;
    struct qv_layer_stats *layers;
    double layer_threshold_db;
    int32_t culprit;
    /* the int8 model's budget on the manifest's targets, and its bytes (the exports) */
    int32_t n_targets;
    struct qv_job_target targets[QV_JOB_MAX_TARGETS];
    int32_t n_steps;                 /* arena over time: live activation bytes per operator */
    double *live_bytes;              /* [n_steps] (first target), malloc'd */
    uint8_t *int8_tflite;            /* the int8 model as TFLM loads it, malloc'd */
    size_t int8_tflite_size;
    struct qv_job_baseline *baseline;   /* --baseline, or NULL */
    int64_t samples, first;          /* run; dataset index of the first (shards) */
    int64_t dataset_samples;         /* the whole golden set, -1 unknown */
    bool has_labels;
    int32_t shard, n_shards;
    char data_sha256[QV_DATA_MAX_FILES + 1][65];   /* golden files, then labels ("" none) */
    struct qv_gates limits;          /* thresholds in force (command line, manifest, defaults) */
    enum qv_gate_origin origin[QV_GATE_ID_COUNT];
    int32_t n_gates;
    struct qv_gate_result gates[QV_MAX_GATES];
    bool default_gates;              /* the defaults were used */
    bool passed;                     /* no gate failed */
    int32_t n_notes;
    char notes[8][1024];             /* what could not be evaluated and why */
    double stage_s[QV_STAGE_COUNT];  /* wall time per stage (seconds): never in the reports,
                                      * which stay byte-identical from run to run */
};

/*
 * The figures of qvet run on a model directory (DESIGN §1, docs/run.md; qv_job_run in
 * include/qvet/report.h writes them as the report set): the float model with the float engine and
 * the int8 model with the int8 emulator over the golden set, in one pass through the runner
 * (golden data that are an int8 model's input codes are dequantized for the float model); the
 * task checked against the models; the task metrics and per-layer divergence in bounded memory;
 * predictions.csv streamed to `predictions` (NULL: none); the gates (the command line's, else
 * qvet.json's, else the defaults). r must be zeroed; release it with qv_job_result_release.
 */
enum qv_status qv_job_evaluate(const char *dir, const struct qv_job_opts *opts,
                               const char *predictions, struct qv_job_result *r,
                               struct qv_error *err);
void qv_job_result_release(struct qv_job_result *r);

/* partial.json of a shard's result into dir (docs/run.md). */
enum qv_status qv_job_partial_save(const struct qv_job_result *r, const char *dir,
                                   struct qv_error *err);

/*
 * The partial results of the N shards of one run (each a directory holding partial.json and
 * predictions.part.csv, in any order) merged into r as one run over the whole golden set would
 * have computed them (gates evaluated, against `baseline`, a previous run's summary.json, or
 * NULL), and their prediction rows into `predictions`. Shards of
 * different runs (directory, models, data, options, gates), missing or repeated shards and gaps
 * are input errors naming the partial file.
 */
enum qv_status qv_job_parts_merge(int32_t n_parts, const char *const *parts,
                                  const char *predictions, const char *baseline,
                                  struct qv_job_result *r, struct qv_error *err);

#endif
