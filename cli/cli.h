/* SPDX-License-Identifier: Apache-2.0 */
/* Shared pieces of the qvet command line: exit codes, error printing, common option parsing. */
#ifndef QV_CLI_H
#define QV_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "qvet/qvet.h"

/* DESIGN §3 */
enum cli_exit {
    CLI_EXIT_OK = 0,        /* all gates pass */
    CLI_EXIT_GATE = 1,      /* a gate failed (reports still written) */
    CLI_EXIT_INPUT = 2,     /* bad usage or bad input */
    CLI_EXIT_INTERNAL = 3,  /* internal error */
};

struct cli_cmd {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

int cmd_run(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_quantize(int argc, char **argv);
int cmd_budget(int argc, char **argv);
int cmd_targets(int argc, char **argv);

/*
 * A tensor or node name fitted into a table column of width bytes (buf has room for width + 1):
 * the first of the names TFLite joins with ';', and when longer than the column its end behind
 * "..." (converter names share their beginning, "model/block_3/conv/Relu6"). Returns buf.
 */
const char *cli_fit_name(const char *name, char *buf, size_t width);
/* Prints "qvet: error: PATH:LINE:COL: msg" to stderr and returns 2 or 3 by status. */
int cli_report(const struct qv_error *err);
/* Prints "qvet CMD: msg" plus a --help hint to stderr and returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) QV_PRINTF(2, 3);

/* Parsers for option values; false (after printing why) when the text is not valid. */
bool cli_parse_int(const char *cmd, const char *opt, const char *text, int64_t lo, int64_t hi,
                   int64_t *ret);
bool cli_parse_engine(const char *cmd, const char *text, enum qv_engine_kind *ret);
bool cli_parse_rounding(const char *cmd, const char *text, enum qv_rounding *ret);

/* int8 when the model's first input or any activation is int8/uint8/int16, else float. */
enum qv_engine_kind cli_default_engine(const struct qv_graph *g);

/* ---- options shared by the commands that run datasets (eval, compare, run) ------------------ */

enum {
    CLI_OPT_JOBS = 'j',
    CLI_OPT_QUIET = 'q',
    CLI_OPT_BATCH = 1000,
    CLI_OPT_MAX_SAMPLES,
    CLI_OPT_LAYOUT,
    CLI_OPT_SCALE,
    CLI_OPT_OFFSET,
    CLI_OPT_NONFINITE,
};

/* getopt_long entries of the shared options (spread into each command's table). */
#define CLI_RUN_OPTIONS                                                                          \
    { "jobs", required_argument, NULL, CLI_OPT_JOBS },                                           \
    { "quiet", no_argument, NULL, CLI_OPT_QUIET },                                               \
    { "batch", required_argument, NULL, CLI_OPT_BATCH },                                         \
    { "max-samples", required_argument, NULL, CLI_OPT_MAX_SAMPLES },                             \
    { "layout", required_argument, NULL, CLI_OPT_LAYOUT },                                       \
    { "scale", required_argument, NULL, CLI_OPT_SCALE },                                         \
    { "offset", required_argument, NULL, CLI_OPT_OFFSET },                                       \
    { "allow-nonfinite", no_argument, NULL, CLI_OPT_NONFINITE }

/* Their help lines. */
#define CLI_RUN_HELP                                                                             \
    "  -j, --jobs N            worker threads (default: all cores); results are identical\n"   \
    "                          for every N\n"                                                  \
    "  -q, --quiet             no progress bar (drawn on stderr only when it is a terminal;\n" \
    "                          NO_COLOR turns its colour off)\n"                               \
    "  --batch N               samples per engine run (default 64; results do not depend\n"    \
    "                          on it)\n"                                                       \
    "  --max-samples N         stop after N samples\n"                                         \
    "  --layout as-is|nchw|reshape  how samples of another shape map onto the model input:\n" \
    "                          nchw transposes channels-first images, reshape takes the\n"     \
    "                          values in C order (default: shapes must agree; docs/data.md)\n" \
    "  --scale X, --offset Y   preprocess real-valued data: x * X + Y (overrides qvet.json)\n" \
    "  --allow-nonfinite       accept NaN/Inf in float data\n"

struct cli_run_flags {
    int64_t jobs;                  /* 0: all cores */
    bool quiet;
    int64_t batch, max_samples;
    bool layout_set;
    enum qv_layout layout;
    bool scale_set, offset_set;
    double scale, offset;
    bool allow_nonfinite;
};

/* 1: c was a shared option (handled), 0: not one, -1: its value is bad (printed). */
int cli_run_flag(const char *cmd, int c, const char *arg, struct cli_run_flags *f);

/* The progress bar on stderr (only when it is a terminal and not --quiet). */
struct cli_progress {
    bool on, color, drawn;
    double last;
    char label[64];
};

void cli_progress_init(struct cli_progress *p, const char *label, bool quiet);
/* qv_run progress callback; user = struct cli_progress. */
void cli_progress_update(void *user, const struct qv_run_progress *pr);
/* qv_run warning callback; user = struct cli_progress (clears the bar first). */
void cli_warn(void *user, const char *msg);
/* Erases the bar. */
void cli_progress_end(struct cli_progress *p);

/*
 * The shared flags into an analysis run (threads, batch, limits, layout, preprocessing, the
 * progress bar and warnings).
 */
void cli_apply_run_flags(const struct cli_run_flags *f, struct qv_analysis_run *a,
                         struct cli_progress *p);

/*
 * DATA arguments into a data spec: "FILE" or "INPUT=FILE" (the model input the file feeds).
 * Returns false (after printing why) on too many files.
 */
bool cli_data_args(const char *cmd, int n, char **args, struct qv_data_spec *spec);

/* True when path names a model (a .tflite or .json file, or a directory). */
bool cli_is_model_path(const char *path);

#endif
