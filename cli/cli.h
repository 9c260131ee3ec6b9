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
int cmd_calibrate(int argc, char **argv);
int cmd_quantize(int argc, char **argv);

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

#endif
