/* SPDX-License-Identifier: Apache-2.0 */
/* Pieces shared by `qvet calibrate` and `qvet quantize`. */
#ifndef QV_QUANT_CLI_H
#define QV_QUANT_CLI_H

#include "cli.h"

/* The model and the data after resolving a model directory and the shared run flags. */
struct quant_input {
    char model[QV_PATH_MAX];
    struct qv_manifest man;          /* a model directory's qvet.json (data strings point in) */
    struct qv_data_spec data;        /* the calibration data (n_files 0: none) */
    struct qv_data_spec golden;      /* a model directory's golden set (n_files 0: none) */
    struct qv_calib_opts copts;      /* threads, batch, limit, progress */
    struct cli_progress bar;
};

/*
 * MODEL may be a model directory: its float model, its calibration set (else its golden set),
 * its preprocessing, layout and calibration.samples. DATA arguments ("FILE" or "INPUT=FILE")
 * replace the directory's data. The shared flags (-j, --batch, --max-samples, --layout,
 * --scale/--offset, --allow-nonfinite, -q) apply on top. Returns a CLI exit code.
 */
int quant_resolve_input(const char *cmd, const char *model, int n_data, char **data,
                        const struct cli_run_flags *flags, bool quiet, struct quant_input *ret);

/* Parses --method (calibrate: without auto). */
bool quant_parse_method(const char *cmd, const char *text, bool allow_auto, bool *ret_auto,
                        enum qv_range_method *ret_method);

#endif
