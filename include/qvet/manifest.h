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

/* A gate is active when its `has_` flag is set. */
struct qv_gates {
    bool has_max_accuracy_drop, has_min_agreement, has_min_output_sqnr_db, has_sram_headroom;
    double max_accuracy_drop, min_agreement, min_output_sqnr_db, sram_headroom;
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
 * Reads DIR/qvet.json (every key optional, unknown keys are an error naming the key) and fills
 * defaults: model.tflite or model.json, model_int8.tflite when present, golden/inputs.npy (or
 * golden/inputs.npz) with golden/labels.csv, or golden/golden.csv. golden.inputs may be one path,
 * an array of paths (one per model input, in input order) or an object {input name: path}.
 * Referenced files must exist. Errors name qvet.json and the key.
 */
enum qv_status qv_manifest_load(const char *dir, struct qv_manifest *ret_manifest,
                                struct qv_error *err);

/* The model to run for the int8 emulator (int8 = true) or the float engine: the directory's
 * int8 model, else its float model, and the other way round; "" when it has neither. */
const char *qv_manifest_model(const struct qv_manifest *m, bool int8);

#endif
