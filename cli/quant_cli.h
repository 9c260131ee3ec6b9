/* SPDX-License-Identifier: Apache-2.0 */
/* Pieces shared by `qvet calibrate` and `qvet quantize`. */
#ifndef QV_QUANT_CLI_H
#define QV_QUANT_CLI_H

#include "cli.h"

/* The model and the calibration data after resolving a model directory. */
struct quant_input {
    char model[QV_PATH_MAX];
    char data[QV_PATH_MAX];          /* "" when none */
    char golden[QV_PATH_MAX];        /* golden inputs of a model directory, or "" */
    int64_t manifest_samples;        /* calibration.samples of qvet.json, or 0 */
    struct qv_calib_opts copts;
};

/*
 * MODEL may be a model directory: its float model, its calibration data (else its golden set),
 * its preprocessing and calibration.samples. data may be NULL. Returns a CLI exit code.
 */
int quant_resolve_input(const char *cmd, const char *model, const char *data,
                        struct quant_input *ret);

/* Parses --method (calibrate: without auto). */
bool quant_parse_method(const char *cmd, const char *text, bool allow_auto, bool *ret_auto,
                        enum qv_range_method *ret_method);

/* A progress line on stderr when it is a terminal (and NO_COLOR/--quiet allow it). */
void quant_progress(int64_t done, int64_t total, void *user);
void quant_progress_end(bool shown);
bool quant_progress_wanted(bool quiet);

#endif
