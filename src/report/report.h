/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Report writers for qvet run (DESIGN §2 results out). Each file is written atomically.
 *
 * report.html is rendered from `struct qv_report`, a plain description of everything the page
 * shows. The analysis fills it (today from `struct qv_job_result`, see qv_report_write_run_html);
 * the renderer only reads it. The page (DESIGN §2): one self-contained file, inline CSS and SVG
 * from reports/ (embedded at build time), no scripts, nothing fetched (a Content-Security-Policy
 * meta forbids every fetch), readable printed and at phone width, byte-identical for identical
 * input.
 *
 *     struct qv_report rep = QV_REPORT_INIT;
 *     rep.name = "kws";
 *     rep.passed = false;
 *     rep.gates = gates;
 *     rep.n_gates = 3;
 *     qv_report_write_html(&rep, "out/report.html", err);
 */
#ifndef QV_REPORT_REPORT_H
#define QV_REPORT_REPORT_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "qvet/analysis.h"

/*
 * summary.json, summary.md, metrics.csv, predictions.csv, junit.xml and report.html into dir (a
 * temporary directory the caller renames into place as one unit).
 */
enum qv_status qv_report_write_all(const struct qv_job_result *r, const char *dir,
                                   struct qv_error *err);

/* summary.json's text (malloc'd; free with cJSON_free), or NULL when out of memory. */
char *qv_report_summary_text(const struct qv_job_result *r);

/* "pass", "fail", "skipped"; "default", "qvet.json", "command line". */
const char *qv_gate_state_name(enum qv_gate_state s);
const char *qv_gate_origin_name(enum qv_gate_origin o);

/* ---- report.html input ---------------------------------------------------------------------- */
/*
 * Conventions for every field below:
 * - Everything is borrowed: the renderer reads it during the call and keeps nothing.
 * - Absent data is NULL (pointers, strings) with its count 0, or NAN (doubles). The page then
 *   says what is missing in that section instead of drawing an empty chart; a note attached to
 *   the section (struct qv_report_note) can say why.
 * - Strings may hold any bytes (tensor and class names come from model and data files): the
 *   renderer HTML-escapes them and replaces bytes that are not UTF-8 with U+FFFD.
 * - Doubles may be NAN (shown as "—") or +-INFINITY (shown as "∞", e.g. SQNR of identical
 *   tensors). Byte and MAC counts are doubles too so that NAN can mean "unknown"; they are shown
 *   exactly up to 2^53.
 * - Counts (n_*) are >= 0 and each array has that many entries; qv_report_write_html rejects a
 *   struct that breaks this (QV_E_INTERNAL naming the field).
 */

/* Largest confusion matrix accepted (a 4096 x 4096 matrix of counts is 128 MiB). */
#define QV_REPORT_MAX_CLASSES 4096

/* The models of a run, as columns of the tables. Detail sections (layers, confusion matrices,
 * flips) are about QV_REPORT_INT8 against QV_REPORT_FLOAT. */
enum qv_report_model_slot {
    QV_REPORT_FLOAT,    /* the float32 model run by the float engine */
    QV_REPORT_INT8,     /* the int8 model run by the int8 emulator (given, or qvet's PTQ) */
    QV_REPORT_INT8_ALT, /* optional second int8 model (qvet's PTQ beside a given int8 model) */
    QV_REPORT_MODELS
};

struct qv_report_model {
    const char *label;  /* column heading: "float32", "int8", "int8 (qvet PTQ)"; NULL: absent */
    const char *path;   /* the model file, as given; may be NULL */
};

/* The page's sections, in page order. */
enum qv_report_section {
    QV_REPORT_SEC_VERDICT,
    QV_REPORT_SEC_ACCURACY,
    QV_REPORT_SEC_CONFUSION,
    QV_REPORT_SEC_LAYERS,
    QV_REPORT_SEC_ERRORS,
    QV_REPORT_SEC_FLIPS,
    QV_REPORT_SEC_SIZES,
    QV_REPORT_SEC_BUDGET,
    QV_REPORT_SEC_BASELINE,
    QV_REPORT_SEC_DETAILS,
    QV_REPORT_SEC_COUNT
};

/* A sentence shown at the top of one section: what was not evaluated and why, a warning. */
struct qv_report_note {
    enum qv_report_section section;
    const char *text;
};

/* Where a gate's threshold came from; QV_REPORT_FROM_DEFAULT makes the verdict say that qvet's
 * default gates are in use. */
enum qv_report_origin {
    QV_REPORT_FROM_DEFAULT,
    QV_REPORT_FROM_MANIFEST,
    QV_REPORT_FROM_CLI,
    QV_REPORT_ORIGIN_COUNT
};

struct qv_report_gate {
    const char *name;            /* "max_accuracy_drop", "fits:stm32f4", ... */
    enum qv_gate_state state;    /* pass, fail, or skipped (could not be evaluated) */
    double value;                /* the measured value; NAN when not measured */
    double threshold;            /* the limit it is checked against */
    const char *detail;          /* one sentence with the numbers; may be NULL */
    enum qv_report_origin origin;
};

/*
 * One row of a metrics table. In `metrics` (task metrics: top-1, top-5, MAE, RMSE, max error,
 * AUC...) value[slot] is that model's figure. In `divergence` (agreement, output SQNR, score
 * correlation, flipped samples, non-finite outputs...) value[QV_REPORT_INT8] and
 * value[QV_REPORT_INT8_ALT] are that int8 model against the float model; value[QV_REPORT_FLOAT]
 * is ignored.
 */
struct qv_report_metric {
    const char *key;             /* stable id matched against the baseline: "top1", "mae" */
    const char *label;           /* shown: "top-1 accuracy" */
    const char *unit;            /* "", "dB", "samples"...; may be NULL */
    bool higher_is_better;       /* direction of a change that is good (colours deltas) */
    int32_t digits;              /* decimals shown (0..9) */
    double value[QV_REPORT_MODELS];   /* NAN: not measured */
};

/* Error figures of one int8 tensor (dequantized) against its float counterpart. */
struct qv_report_error {
    double sqnr_db;              /* 10 log10(sum f^2 / sum (q - f)^2); INFINITY when equal */
    double cosine;               /* cosine similarity, [-1, 1] */
    double rmse, mae, max_abs;   /* real units */
    double rel_l2;               /* ||q - f|| / ||f|| */
};

/* One layer (an int8 tensor produced by a node), in execution order. */
struct qv_report_layer {
    const char *name;            /* the int8 model's tensor name (any bytes) */
    const char *op;              /* "CONV_2D"; may be NULL */
    const char *float_name;      /* the paired float tensor's name when it differs; may be NULL */
    const char *pairing;         /* how it was paired: "name", "structure"; NULL: unpaired (the
                                  * error figures are then ignored and the row says unpaired) */
    int32_t node;                /* node index in the int8 model's execution order */
    struct qv_report_error propagated;  /* the whole model in int8 */
    struct qv_report_error local;       /* this layer fed the float model's input, quantized;
                                         * all NAN when not computed */
    double clip_low, clip_high;  /* share of values at -128 / at 127, [0, 1]; NAN unknown */
    int32_t levels_used;         /* distinct int8 values seen, 1..256; 0 unknown */
};

/* A histogram: bin i counts values in [lo + i w, lo + (i + 1) w), w = (hi - lo) / n_bins. */
struct qv_report_histogram {
    const char *title;           /* "output 0: int8 − float" */
    const char *x_label;         /* "error (real units)" */
    double lo, hi;               /* lo < hi, finite */
    int32_t n_bins;              /* >= 1 */
    const int64_t *counts;       /* [n_bins] */
    int64_t below, above;        /* values < lo / >= hi (not drawn, stated) */
    int64_t nonfinite;           /* NaN/Inf values (stated) */
};

/* A sample whose top-1 prediction differs between the float and the int8 model. */
struct qv_report_flip {
    int64_t sample;              /* 0-based index in the golden set */
    double label;                /* NAN when there are no labels */
    int32_t float_pred, int8_pred;
    double float_score, int8_score;  /* output value at each model's prediction (real units) */
};

/* One row of the sizes table (weights, flatbuffer, MACs...): value per model, NAN absent. */
struct qv_report_size {
    const char *key;             /* stable id matched against the baseline: "weight_bytes" */
    const char *label;           /* "weights and biases" */
    const char *unit;            /* "bytes" (shown with KiB), "MACs", ... */
    double value[QV_REPORT_MODELS];
};

/* The memory and time budget of the int8 model on one MCU target. Bytes; NAN unknown. */
struct qv_report_target {
    const char *name;            /* "stm32f4" */
    const char *description;     /* "Cortex-M4F, 168 MHz, 1 MiB flash, 192 KiB SRAM"; may be NULL */
    double flash_used, flash_capacity;
    double sram_used, sram_capacity;  /* arena + persistent + scratch + I/O + stack */
    double arena;                /* the planned activation arena, included in sram_used */
    double headroom;             /* required free SRAM share, [0, 1) (0.20) */
    double latency_ms, energy_mj;
    enum qv_gate_state fits;     /* pass: fits with headroom; fail: does not; skipped: unknown */
    const char *detail;          /* why not, with the numbers; may be NULL */
};

/* Activation memory alive at each execution step of the int8 model (the arena-over-time
 * chart). */
struct qv_report_timeline {
    int32_t n_steps;             /* 0: absent */
    const double *live_bytes;    /* [n_steps] bytes of tensors alive during step i */
    const char *const *step_labels;   /* [n_steps] "CONV_2D conv1"; NULL array or entries ok */
    double arena_bytes;          /* the planned arena (>= peak when fragmented); NAN unknown */
};

/* A plain key/value pair (options of the run). */
struct qv_report_kv {
    const char *key, *value;
};

/* A file the result depends on. */
struct qv_report_artifact {
    const char *role;            /* "float model", "golden inputs", "labels", "manifest" */
    const char *path;
    const char *sha256;          /* 64 hex digits; NULL: not computed */
    double bytes;                /* file size; NAN unknown */
};

struct qv_report {
    /* Heading */
    const char *name;            /* the model directory's name (page title) */
    const char *dir;             /* the directory evaluated; may be NULL */
    const char *task;            /* "classification", "regression", "anomaly", "raw"; may be NULL */
    const char *qvet_version;    /* may be NULL */
    const char *rounding;        /* int8 rounding flavour, "double" or "single"; may be NULL */
    int64_t samples;             /* golden samples evaluated; -1 unknown */
    bool has_labels;             /* the golden set has labels */
    struct qv_report_model models[QV_REPORT_MODELS];

    /* Verdict */
    bool passed;                 /* no gate failed */
    int32_t n_gates;
    const struct qv_report_gate *gates;
    int32_t n_notes;
    const struct qv_report_note *notes;

    /* Accuracy float vs int8 */
    int32_t n_metrics;
    const struct qv_report_metric *metrics;
    int32_t n_divergence;
    const struct qv_report_metric *divergence;

    /* Confusion matrices (classification): row = true label, column = prediction. Per-class
     * precision, recall and F1 are derived from them on the page. */
    int32_t n_classes;           /* 0: absent; at most QV_REPORT_MAX_CLASSES; the page draws
                                  * heatmaps up to 64 classes and lists 100 classes at most */
    const char *const *class_names;   /* [n_classes] or NULL (class index shown) */
    const int64_t *confusion[QV_REPORT_MODELS];   /* [n_classes * n_classes] or NULL */

    /* Per-layer divergence of QV_REPORT_INT8 against QV_REPORT_FLOAT */
    int32_t n_layers;
    const struct qv_report_layer *layers;
    double layer_threshold_db;   /* the layer SQNR floor (threshold line); NAN: none */
    int32_t culprit;             /* index into layers of the first layer whose local error
                                  * breaks the threshold (where the error is born); -1: none */

    /* Error histograms */
    int32_t n_histograms;
    const struct qv_report_histogram *histograms;

    /* Flipped samples */
    int64_t n_flips_total;       /* all flips (may exceed n_flips); -1 unknown */
    int32_t n_flips;             /* listed */
    const struct qv_report_flip *flips;

    /* Sizes */
    int32_t n_sizes;
    const struct qv_report_size *sizes;

    /* Budget */
    int32_t n_targets;
    const struct qv_report_target *targets;
    struct qv_report_timeline timeline;

    /* Baseline: the previous run (from its summary.json), compared by key (metrics,
     * divergence, sizes), by name (gates, layers). NULL: no baseline. Its own baseline is
     * ignored. */
    const struct qv_report *baseline;
    const char *baseline_path;   /* the summary.json it came from */

    /* Run details */
    int32_t n_options;
    const struct qv_report_kv *options;
    int32_t n_artifacts;
    const struct qv_report_artifact *artifacts;
};

/* Everything absent (NAN, -1, NULL), as the sections expect. */
#define QV_REPORT_INIT                                                                          \
    { .samples = -1, .culprit = -1, .layer_threshold_db = NAN, .n_flips_total = -1,           \
      .timeline = { .arena_bytes = NAN } }

/* The figures of a run in one table (figures.c): task metrics per model, then the int8 model's
 * divergence from the float model (value[QV_REPORT_INT8]). Keys are stable (docs/run.md). */
#define QV_FIG_MAX 24

struct qv_figures {
    int32_t n_metrics, n_divergence;
    struct qv_report_metric metrics[QV_FIG_MAX], divergence[QV_FIG_MAX];
};

void qv_report_figures(const struct qv_job_result *r, struct qv_figures *ret_figures);

/* Checks counts and arrays (QV_E_INTERNAL naming the field). */
enum qv_status qv_report_validate(const struct qv_report *rep, struct qv_error *err);

/* Renders the page into f (validated first). Write errors are left to the caller (ferror). */
enum qv_status qv_report_render_html(FILE *f, const struct qv_report *rep, struct qv_error *err);

/* Renders the page to path atomically (temp file + rename). */
enum qv_status qv_report_write_html(const struct qv_report *rep, const char *path,
                                    struct qv_error *err);

/*
 * report.html of a qvet run: heading, gates with their origin, the task metrics and divergence
 * table, confusion matrices and flipped samples (from the run's accumulators), the output error
 * histogram, sizes, options and artifacts with their SHA-256. Sections the run does not compute
 * (per-layer divergence, budget, baseline) say so.
 */
enum qv_status qv_report_write_run_html(const struct qv_job_result *r, const char *path,
                                        struct qv_error *err);

#endif
