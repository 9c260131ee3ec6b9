/* SPDX-License-Identifier: Apache-2.0 */
/* qvet eval MODEL DATA: one engine over a dataset. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char usage[] =
    "usage: qvet eval [OPTIONS] MODEL [DATA]\n\n"
    "Runs every sample of DATA (.npy or .csv) through MODEL with one engine, writes the\n"
    "predictions CSV and prints accuracy when labels exist. MODEL may be a model directory:\n"
    "then DATA defaults to its golden set, and --engine int8 picks its int8 model.\n\n"
    "  --engine float|int8     engine (default: int8 for quantized models, else float)\n"
    "  --rounding double|single  int8 requantization flavour (default double = TFLM)\n"
    "  --labels FILE           labels (.csv one per line, or .npy) for DATA\n"
    "  --label-column NAME     CSV column holding the label (default 'label' if present)\n"
    "  -o, --out FILE          predictions CSV (default predictions.csv)\n"
    "  --save-outputs OUT.npy  raw output tensor of every sample\n"
    "  --save-tensors DIR      every intermediate tensor as DIR/t<index>.npy (+ index.csv)\n"
    "  --batch N               samples per engine run (default 64)\n"
    "  --max-samples N         stop after N samples\n"
    "  --plain-loops           int8: reference loops instead of the fast GEMM path\n"
    "  --allow-nonfinite       accept NaN/Inf in float data\n"
    "  --json                  print the metrics as JSON\n"
    "  --help                  this text\n";

enum { OPT_ENGINE = 256, OPT_ROUNDING, OPT_LABELS, OPT_LABEL_COLUMN, OPT_SAVE_OUTPUTS,
       OPT_SAVE_TENSORS, OPT_BATCH, OPT_MAX, OPT_PLAIN, OPT_NONFINITE, OPT_JSON };

int cmd_eval(int argc, char **argv)
{
    static const struct option opts[] = {
        { "engine", required_argument, NULL, OPT_ENGINE },
        { "rounding", required_argument, NULL, OPT_ROUNDING },
        { "labels", required_argument, NULL, OPT_LABELS },
        { "label-column", required_argument, NULL, OPT_LABEL_COLUMN },
        { "out", required_argument, NULL, 'o' },
        { "save-outputs", required_argument, NULL, OPT_SAVE_OUTPUTS },
        { "save-tensors", required_argument, NULL, OPT_SAVE_TENSORS },
        { "batch", required_argument, NULL, OPT_BATCH },
        { "max-samples", required_argument, NULL, OPT_MAX },
        { "plain-loops", no_argument, NULL, OPT_PLAIN },
        { "allow-nonfinite", no_argument, NULL, OPT_NONFINITE },
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct qv_eval_opts eo = QV_EVAL_OPTS_INIT;
    const char *out = "predictions.csv";
    bool engine_set = false, json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case OPT_ENGINE:
            if (!cli_parse_engine("eval", optarg, &eo.engine.kind))
                return CLI_EXIT_INPUT;
            engine_set = true;
            break;
        case OPT_ROUNDING:
            if (!cli_parse_rounding("eval", optarg, &eo.engine.rounding))
                return CLI_EXIT_INPUT;
            break;
        case OPT_LABELS: eo.data.labels_path = optarg; break;
        case OPT_LABEL_COLUMN: eo.data.label_column = optarg; break;
        case 'o': out = optarg; break;
        case OPT_SAVE_OUTPUTS: eo.save_outputs = optarg; break;
        case OPT_SAVE_TENSORS: eo.save_tensors = optarg; break;
        case OPT_BATCH:
            if (!cli_parse_int("eval", "--batch", optarg, 1, 65536, &eo.batch))
                return CLI_EXIT_INPUT;
            break;
        case OPT_MAX:
            if (!cli_parse_int("eval", "--max-samples", optarg, 1, INT64_MAX, &eo.max_samples))
                return CLI_EXIT_INPUT;
            break;
        case OPT_PLAIN: eo.engine.plain_loops = true; break;
        case OPT_NONFINITE: eo.data.allow_nonfinite = true; break;
        case OPT_JSON: json = true; break;
        case 'h': fputs(usage, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("eval", "unknown option '%s'", argv[optind - 1]);
        }
    }
    int nargs = argc - optind;
    if (nargs < 1 || nargs > 2)
        return cli_usage_error("eval", "expected MODEL [DATA], got %d arguments", nargs);
    const char *model = argv[optind];
    const char *data = nargs == 2 ? argv[optind + 1] : NULL;
    struct qv_error err = QV_ERROR_INIT;
    struct stat sb;
    struct qv_manifest man;
    if (stat(model, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        if (qv_manifest_load(model, &man, &err) != QV_OK)
            return cli_report(&err);
        bool want_int8 = engine_set && eo.engine.kind == QV_ENGINE_INT8 && man.int8_model[0];
        model = want_int8 || !man.model[0] ? man.int8_model : man.model;
        if (!data) {
            data = man.golden_inputs;
            if (!eo.data.labels_path && man.golden_labels[0])
                eo.data.labels_path = man.golden_labels;
        }
        eo.has_preprocess = man.has_preprocess;
        eo.pre_scale = man.pre_scale;
        eo.pre_offset = man.pre_offset;
    } else if (!data) {
        return cli_usage_error("eval", "DATA is required unless MODEL is a model directory");
    }
    struct qv_graph *g = NULL;
    if (qv_model_load(model, &g, &err) != QV_OK)
        return cli_report(&err);
    if (!engine_set)
        eo.engine.kind = cli_default_engine(g);
    struct qv_eval_result r;
    int rc = CLI_EXIT_OK;
    if (qv_eval_run(g, data, &eo, &r, &err) != QV_OK) {
        rc = cli_report(&err);
        qv_graph_free(g);
        return rc;
    }
    if (qv_eval_save_predictions(&r, out, &err) != QV_OK)
        rc = cli_report(&err);
    const char *engine = eo.engine.kind == QV_ENGINE_FLOAT ? "float" : "int8";
    if (rc == CLI_EXIT_OK && json) {
        printf("{\"model\": ");
        qv_json_fputs(stdout, model);
        printf(", \"data\": ");
        qv_json_fputs(stdout, data);
        printf(", \"engine\": \"%s\", \"rounding\": \"%s\", \"samples\": %lld", engine,
               eo.engine.rounding == QV_ROUNDING_DOUBLE ? "double" : "single", (long long)r.n);
        if (r.has_labels)
            printf(", \"correct\": %lld, \"accuracy\": %.6f", (long long)r.correct, r.accuracy);
        printf(", \"predictions\": ");
        qv_json_fputs(stdout, out);
        printf("}\n");
    } else if (rc == CLI_EXIT_OK) {
        printf("%s engine: %lld samples", engine, (long long)r.n);
        if (r.has_labels)
            printf(", accuracy %.4f (%lld/%lld)", r.accuracy, (long long)r.correct,
                   (long long)r.n);
        printf("\npredictions: %s\n", out);
        if (eo.save_outputs)
            printf("outputs: %s\n", eo.save_outputs);
        if (eo.save_tensors)
            printf("tensors: %s/\n", eo.save_tensors);
    }
    qv_eval_result_release(&r);
    qv_graph_free(g);
    return rc;
}
