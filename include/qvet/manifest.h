/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The model directory (DESIGN §1): qvet.json and the files it names or that defaults find. This
 * is the one place that interprets a directory: which model is the float one and which the int8
 * one, where the golden and calibration data and their labels are, how data are preprocessed,
 * the task, targets and gates. Commands ask it instead of looking into directories themselves.
 *
 *     struct qv_manifest m;
 *     qv_manifest_load("models/kws", &m, err);
 *     const char *int8 = qv_manifest_model(&m, true);   // "" when the directory has none
 */
#ifndef QVET_MANIFEST_H
#define QVET_MANIFEST_H

#include <stdbool.h>
#include <stdint.h>

#include "qvet/error.h"

#define QV_PATH_MAX 1024
/* Data files of one dataset (one per model input, or one .npz / .npy / .csv). */
#define QV_DATA_MAX_FILES 16

enum qv_task { QV_TASK_CLASSIFICATION, QV_TASK_REGRESSION, QV_TASK_ANOMALY, QV_TASK_RAW,
               QV_TASK_COUNT };

const char *qv_task_name(enum qv_task task);

/* How each sample's stored shape maps onto a model input of the same element count. */
enum qv_layout {
    QV_LAYOUT_AS_IS = 0,  /* shapes must agree (size-1 dims aside); anything else is refused */
    QV_LAYOUT_NCHW,       /* samples are [C, H, W] (channels first): transposed to [H, W, C] */
    QV_LAYOUT_RESHAPE,    /* any shape of the same element count, taken in C order */
    QV_LAYOUT_COUNT
};

/* "as-is", "nchw", "reshape". */
const char *qv_layout_name(enum qv_layout layout);
bool qv_layout_from_name(const char *name, enum qv_layout *ret_layout);

/*
 * The gates of qvet run (DESIGN §1; docs/run.md): key in qvet.json "gates" and on the command
 * line (--max-accuracy-drop ...), the range a threshold must be in.
 */
enum qv_gate_id {
    QV_GATE_MAX_ACCURACY_DROP,       /* top-1 accuracy float - int8 (classification, labels) */
    QV_GATE_MIN_AGREEMENT,           /* share of samples whose top-1 is the same */
    QV_GATE_MIN_OUTPUT_SQNR_DB,      /* int8 outputs against float outputs */
    QV_GATE_MIN_LAYER_SQNR_DB,       /* every paired layer's propagated SQNR */
    QV_GATE_MAX_NONFINITE_OUTPUTS,   /* samples whose outputs hold NaN/Inf (any model) */
    QV_GATE_MAX_ARENA,               /* TFLM arena bytes (every target) */
    QV_GATE_MAX_FLASH,               /* flash bytes (every target) */
    QV_GATE_SRAM_HEADROOM,           /* SRAM share kept free on every target (fits verdicts) */
    QV_GATE_MAX_REGRESSION,          /* fall of the task's headline metric against --baseline */
    QV_GATE_ID_COUNT
};

struct qv_gate_def {
    const char *key;                 /* "max_accuracy_drop" */
    const char *option;              /* "--max-accuracy-drop" */
    double lo, hi;                   /* accepted thresholds */
};

extern const struct qv_gate_def qv_gate_defs[QV_GATE_ID_COUNT];

/* Gate thresholds: a gate is set when has[id]. */
struct qv_gates {
    bool present;                    /* qvet.json had a "gates" object (even an empty one) */
    bool has[QV_GATE_ID_COUNT];
    double value[QV_GATE_ID_COUNT];
};

/* Data files: one .npy/.csv/.npz, or one .npy per model input (named, or in input order). */
struct qv_manifest_data {
    int32_t n_files;                       /* 0: none */
    char files[QV_DATA_MAX_FILES][QV_PATH_MAX];
    char names[QV_DATA_MAX_FILES][128];    /* the model input a file feeds, or "" */
    char labels[QV_PATH_MAX];              /* "" when none */
};

/* qvet.json of a model directory; paths are resolved against the directory. */
struct qv_manifest {
    char dir[QV_PATH_MAX];
    char path[QV_PATH_MAX];          /* the qvet.json read, or "" when absent */
    char name[128];
    char model[QV_PATH_MAX];         /* float (or only) model; "" when none */
    char int8_model[QV_PATH_MAX];    /* "" when none */
    enum qv_task task;
    struct qv_manifest_data golden;
    struct qv_manifest_data calib;   /* n_files 0 = a slice of golden */
    int64_t calib_samples;
    char calib_method[32];
    bool per_channel;
    bool has_preprocess;
    float pre_scale, pre_offset;     /* x * scale + offset on data holding real values */
    enum qv_layout layout;           /* preprocess.layout */
    int32_t n_targets;
    char targets[16][32];
    struct qv_gates gates;
};

/*
 * Reads DIR/qvet.json (every key optional; unknown keys and keys given twice are errors naming
 * the key) and fills defaults: model.tflite or model.json, model_int8.tflite when present,
 * golden/inputs.npy (or golden/inputs.npz) with golden/labels.csv, or golden/golden.csv.
 * golden.inputs may be one path, an array of paths (one per model input, in input order) or an
 * object {input name: path}.
 * Referenced files must exist. Errors name qvet.json and the key.
 */
enum qv_status qv_manifest_load(const char *dir, struct qv_manifest *ret_manifest,
                                struct qv_error *err);

/* The model to run for the int8 emulator (int8 = true) or the float engine: the directory's
 * int8 model, else its float model, and the other way round; "" when it has neither. */
const char *qv_manifest_model(const struct qv_manifest *m, bool int8);

#endif
