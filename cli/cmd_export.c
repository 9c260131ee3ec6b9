/* SPDX-License-Identifier: Apache-2.0 */
/* qvet export MODEL --format tflite|c|json: write a model for firmware or review. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "qvet/budget.h"

static const char usage[] =
    "usage: qvet export [OPTIONS] MODEL\n\n"
    "Writes MODEL (a .tflite, a qvet .json model or a model directory, whose int8 model is\n"
    "preferred) in another form. Every file is written atomically. --format c writes NAME.h,\n"
    "NAME.c (the model as a 16-byte aligned array) and NAME_resolver.h (NAME_ARENA_SIZE, the\n"
    "whole TFLM arena, and a MicroMutableOpResolver registering exactly the ops used).\n\n"
    "  --format tflite|c|json  output form (default tflite)\n"
    "  -o, --out PATH          tflite/json: the output file (default model_export.tflite or\n"
    "                          model_export.json); c: the directory for NAME.h and NAME.c\n"
    "                          (default .; created when missing)\n"
    "  --name NAME             c: the array's C identifier (default model_data)\n"
    "  --target NAME           c: the target profile NAME_resolver.h's arena size is for\n"
    "                          (default: a 32-bit MCU with reference kernels; 'qvet targets')\n"
    "  --help                  this text\n";

enum { OPT_FORMAT = 256, OPT_NAME, OPT_TARGET };

/* NAME_resolver.h beside the array: the arena for the chosen target (or a generic 32-bit MCU
 * with reference kernels) of exactly the flatbuffer written. */
static enum qv_status write_resolver(const struct qv_graph *g, const uint8_t *buf, size_t size,
                                     const char *dir, const char *name, const char *target,
                                     struct qv_error *err)
{
    enum qv_tflm_build build = QV_TFLM_MCU32;
    enum qv_kernels kernels = QV_KERNELS_REFERENCE;
    enum qv_isa isa = QV_ISA_NONE;
    char what[256];
    snprintf(what, sizeof(what), "a 32-bit MCU build of TFLM with reference kernels");
    struct qv_target_set *set = NULL;
    enum qv_status st = QV_OK;
    if (target) {
        st = qv_targets_builtin(&set, err);
        if (st != QV_OK)
            return st;
        const struct qv_target *t = qv_targets_find(set, target);
        if (!t) {
            qv_targets_free(set);
            return qv_fail(err, QV_E_USAGE, "unknown target '%s' (see 'qvet targets')", target);
        }
        build = t->build;
        kernels = t->kernels;
        isa = qv_target_isa(t);
        snprintf(what, sizeof(what), "target %s, %s kernels", t->name,
                 kernels == QV_KERNELS_CMSIS_NN ? "CMSIS-NN" : "reference");
        qv_targets_free(set);
    }
    struct qv_arena a;
    st = qv_arena_compute(g, buf, size, build, kernels, isa, &a, err);
    if (st != QV_OK)
        return st;
    st = qv_budget_resolver_save(g, dir, name, a.total, what, err);
    qv_arena_release(&a);
    return st;
}

int cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        { "format", required_argument, NULL, OPT_FORMAT },
        { "out", required_argument, NULL, 'o' },
        { "name", required_argument, NULL, OPT_NAME },
        { "target", required_argument, NULL, OPT_TARGET },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *format = "tflite", *out = NULL, *name = "model_data", *target = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case OPT_FORMAT: format = optarg; break;
        case 'o': out = optarg; break;
        case OPT_NAME: name = optarg; break;
        case OPT_TARGET: target = optarg; break;
        case 'h': fputs(usage, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("export", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (strcmp(format, "tflite") && strcmp(format, "c") && strcmp(format, "json"))
        return cli_usage_error("export", "--format expects tflite, c or json, got '%s'", format);
    if (argc - optind != 1)
        return cli_usage_error("export", "expected one MODEL, got %d arguments", argc - optind);
    const char *model = argv[optind];
    struct qv_error err = QV_ERROR_INIT;
    struct qv_manifest man;
    struct stat sb;
    if (stat(model, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        if (qv_manifest_load(model, &man, &err) != QV_OK)
            return cli_report(&err);
        model = man.int8_model[0] ? man.int8_model : man.model;
    }
    struct qv_graph *g = NULL;
    if (qv_model_load(model, &g, &err) != QV_OK)
        return cli_report(&err);
    enum qv_status st;
    const char *written = out;
    if (strcmp(format, "json") == 0) {
        written = out ? out : "model_export.json";
        st = qv_model_json_save(g, written, &err);
    } else if (strcmp(format, "tflite") == 0) {
        written = out ? out : "model_export.tflite";
        st = qv_tflite_save(g, written, &err);
    } else {
        uint8_t *buf = NULL;
        size_t size = 0;
        written = out ? out : ".";
        st = qv_tflite_write(g, &buf, &size, &err);
        if (st == QV_OK)
            st = qv_mkdir_p(written, &err);
        if (st == QV_OK)
            st = qv_c_array_save(buf, size, written, name, &err);
        if (st == QV_OK)
            st = write_resolver(g, buf, size, written, name, target, &err);
        free(buf);
    }
    qv_graph_free(g);
    if (st == QV_E_USAGE)
        return cli_usage_error("export", "%s", err.msg);
    if (st != QV_OK)
        return cli_report(&err);
    if (strcmp(format, "c") == 0)
        printf("wrote %s/%s.h, %s/%s.c and %s/%s_resolver.h\n", written, name, written, name,
               written, name);
    else
        printf("wrote %s\n", written);
    return CLI_EXIT_OK;
}
