/* SPDX-License-Identifier: Apache-2.0 */
/* qvet: the command table, global options, and shared CLI helpers. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct cli_cmd cmds[] = {
    { "run", cmd_run, "evaluate, gate and report model directories (the main job)" },
    { "inspect", cmd_inspect, "ops, shapes, parameters, MACs, quantization and sizes of a model" },
    { "eval", cmd_eval, "run one engine over a dataset: predictions, accuracy, tensors" },
    { "compare", cmd_compare, "per-layer divergence between engines, roundings or saved tensors" },
    { "export", cmd_export, "write a model as .tflite, a C array or native JSON" },
    { "calibrate", cmd_calibrate, "activation statistics of a float model (mergeable JSON)" },
    { "quantize", cmd_quantize, "post-training quantization of a float model to int8" },
    { "budget", cmd_budget, "TFLM arena, flash, SRAM, latency and energy per MCU target" },
    { "targets", cmd_targets, "list the MCU target profiles qvet budget knows" },
    { "merge", cmd_merge, "combine the partial results of qvet run --shard K/N" },
};

static void print_help(FILE *f)
{
    fprintf(f, "usage: qvet [--version] [--help] COMMAND [ARGS]\n\n"
               "Verifies int8 models for microcontrollers against their float reference.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].summary);
    fprintf(f, "\n'qvet COMMAND --help' describes a command.\n"
               "exit codes: 0 all gates pass, 1 a gate failed, 2 bad usage or input, "
               "3 internal error\n");
}

int main(int argc, char **argv)
{
    opterr = 0;   /* commands print their own usage errors */
    if (argc < 2) {
        print_help(stderr);
        return CLI_EXIT_INPUT;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("qvet %s\n", QV_VERSION_STRING);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].run(argc - 1, argv + 1);
    fprintf(stderr, "qvet: error: unknown command '%s'\n\n", argv[1]);
    print_help(stderr);
    return CLI_EXIT_INPUT;
}

const char *cli_fit_name(const char *name, char *buf, size_t width)
{
    size_t n = strcspn(name, ";");
    if (n <= width || width < 4)
        snprintf(buf, width + 1, "%.*s", (int)n, name);
    else
        snprintf(buf, width + 1, "...%.*s", (int)(width - 3), name + n - (width - 3));
    return buf;
}

int cli_report(const struct qv_error *err)
{
    char buf[2048];
    qv_error_format(err, buf, sizeof(buf));
    fprintf(stderr, "qvet: error: %s\n", buf);
    switch (err->status) {
    case QV_E_NOMEM:
    case QV_E_INTERNAL: return CLI_EXIT_INTERNAL;
    default: return CLI_EXIT_INPUT;
    }
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "qvet %s: error: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'qvet %s --help')\n", cmd);
    return CLI_EXIT_INPUT;
}

bool cli_parse_int(const char *cmd, const char *opt, const char *text, int64_t lo, int64_t hi,
                   int64_t *ret)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi) {
        cli_usage_error(cmd, "%s expects a whole number from %lld to %lld, got '%s'", opt,
                        (long long)lo, (long long)hi, text);
        return false;
    }
    *ret = v;
    return true;
}

bool cli_parse_engine(const char *cmd, const char *text, enum qv_engine_kind *ret)
{
    if (strcmp(text, "float") == 0)
        *ret = QV_ENGINE_FLOAT;
    else if (strcmp(text, "int8") == 0)
        *ret = QV_ENGINE_INT8;
    else {
        cli_usage_error(cmd, "--engine expects float or int8, got '%s'", text);
        return false;
    }
    return true;
}

bool cli_parse_rounding(const char *cmd, const char *text, enum qv_rounding *ret)
{
    if (strcmp(text, "double") == 0)
        *ret = QV_ROUNDING_DOUBLE;
    else if (strcmp(text, "single") == 0)
        *ret = QV_ROUNDING_SINGLE;
    else {
        cli_usage_error(cmd, "rounding expects double or single, got '%s'", text);
        return false;
    }
    return true;
}

enum qv_engine_kind cli_default_engine(const struct qv_graph *g)
{
    for (int32_t i = 0; i < g->n_tensors; i++) {
        const struct qv_tensor *t = &g->tensors[i];
        if (!t->data && t->dtype != QV_DTYPE_F32 && t->dtype != QV_DTYPE_I32)
            return QV_ENGINE_INT8;
    }
    return QV_ENGINE_FLOAT;
}
