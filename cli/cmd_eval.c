/* SPDX-License-Identifier: Apache-2.0 */
/* qvet eval MODEL [DATA...]: one engine over a dataset. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char usage[] =
    "usage: qvet eval [OPTIONS] MODEL [DATA...]\n\n"
    "Runs every sample of DATA through MODEL with one engine and prints the accuracy when\n"
    "labels exist. DATA is one .npy, .csv or .npz file, or one .npy per model input (in input\n"
    "order, or INPUT=FILE). MODEL may be a model directory: then DATA defaults to its golden\n"
    "set, --engine int8 picks its int8 model, and its preprocessing and task apply.\n"
    "Nothing is written unless asked; every output appears only when the command succeeds.\n\n"
    "  --engine float|int8     engine (default: int8 for quantized models, else float)\n"
    "  --rounding double|single  int8 requantization flavour (default double = TFLM)\n"
    "  --labels FILE           labels (.csv one per line, or .npy) for DATA\n"
    "  --label-column NAME     CSV column holding the label (default 'label' if present)\n"
    "  --task classification|regression|anomaly|raw  what labels mean (default: the\n"
    "                          directory's, else classification: labels are class indices)\n"
    "  -o, --out FILE          write the predictions CSV to FILE\n"
    "  --save-outputs OUT.npy  raw output tensor of every sample\n"
    "  --save-tensors DIR      every intermediate tensor as DIR/t<index>.npy (+ index.csv)\n"
    "  --plain-loops           int8: reference loops instead of the fast GEMM path\n"
    "  --hybrid tflite|dequantize  hybrid layers (int8 weights, float activations): TFLite's\n"
    "                          hybrid arithmetic (default) or float on dequantized weights\n"
    "  --json                  print the metrics as JSON\n"
    CLI_RUN_HELP
    "  --help                  this text\n";

enum { OPT_ENGINE = 256, OPT_ROUNDING, OPT_LABELS, OPT_LABEL_COLUMN, OPT_SAVE_OUTPUTS,
       OPT_SAVE_TENSORS, OPT_PLAIN, OPT_JSON, OPT_TASK, OPT_HYBRID };

static bool parse_task(const char *text, enum qv_task *ret)
{
    for (int t = 0; t < QV_TASK_COUNT; t++) {
        if (strcmp(text, qv_task_name((enum qv_task)t)) == 0) {
            *ret = (enum qv_task)t;
            return true;
        }
    }
    cli_usage_error("eval", "--task expects classification, regression, anomaly or raw, got "
                    "'%s'", text);
    return false;
}

/* What the hybrid layers ran, or NULL for a model without any. */
static const char *hybrid_desc(const struct qv_eval_opts *eo, int32_t n_hybrid, bool json)
{
    if (n_hybrid == 0)
        return NULL;
    if (eo->engine.hybrid == QV_HYBRID_TFLITE)
        return json ? "tflite" : "TFLite's hybrid arithmetic";
    return json ? "dequantize" : "float on dequantized weights";
}

static void print_result(const struct qv_eval_opts *eo, const struct qv_eval_result *r,
                         const char *model, const char *out, bool json, int32_t n_hybrid)
{
    const char *engine = eo->engine.kind == QV_ENGINE_FLOAT ? "float" : "int8";
    if (json) {
        printf("{\"model\": ");
        qv_json_fputs(stdout, model);
        printf(", \"data\": ");
        qv_json_fputs(stdout, eo->run.data.files[0]);
        printf(", \"engine\": \"%s\", \"rounding\": \"%s\", \"samples\": %lld", engine,
               eo->engine.rounding == QV_ROUNDING_DOUBLE ? "double" : "single", (long long)r->n);
        if (r->has_labels && eo->task == QV_TASK_CLASSIFICATION)
            printf(", \"correct\": %lld, \"accuracy\": %.6f", (long long)r->correct,
                   r->accuracy);
        if (n_hybrid)
            printf(", \"hybrid_nodes\": %d, \"hybrid\": \"%s\"", (int)n_hybrid,
                   hybrid_desc(eo, n_hybrid, true));
        printf(", \"predictions\": ");
        if (out)
            qv_json_fputs(stdout, out);
        else
            printf("null");
        printf("}\n");
        return;
    }
    printf("%s engine: %lld samples", engine, (long long)r->n);
    if (r->has_labels && eo->task == QV_TASK_CLASSIFICATION)
        printf(", accuracy %.4f (%lld/%lld)", r->accuracy, (long long)r->correct,
               (long long)r->n);
    printf("\n");
    if (n_hybrid)
        printf("hybrid layers: %d, %s\n", (int)n_hybrid, hybrid_desc(eo, n_hybrid, false));
    if (out)
        printf("predictions: %s\n", out);
    if (eo->save_outputs)
        printf("outputs: %s\n", eo->save_outputs);
    if (eo->save_tensors)
        printf("tensors: %s/\n", eo->save_tensors);
}

int cmd_eval(int argc, char **argv)
{
    static const struct option opts[] = {
        { "engine", required_argument, NULL, OPT_ENGINE },
        { "rounding", required_argument, NULL, OPT_ROUNDING },
        { "labels", required_argument, NULL, OPT_LABELS },
        { "label-column", required_argument, NULL, OPT_LABEL_COLUMN },
        { "task", required_argument, NULL, OPT_TASK },
        { "out", required_argument, NULL, 'o' },
        { "save-outputs", required_argument, NULL, OPT_SAVE_OUTPUTS },
        { "save-tensors", required_argument, NULL, OPT_SAVE_TENSORS },
        { "plain-loops", no_argument, NULL, OPT_PLAIN },
        { "hybrid", required_argument, NULL, OPT_HYBRID },
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, 'h' },
        CLI_RUN_OPTIONS,
        { NULL, 0, NULL, 0 },
    };
    struct qv_eval_opts eo = QV_EVAL_OPTS_INIT;
    struct cli_run_flags flags = { 0 };
    const char *out = NULL, *labels = NULL, *label_column = NULL;
    const char *save_outputs = NULL, *save_tensors = NULL;
    bool engine_set = false, task_set = false, json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:j:q", opts, NULL)) != -1) {
        int shared = cli_run_flag("eval", c, optarg, &flags);
        if (shared < 0)
            return CLI_EXIT_INPUT;
        if (shared > 0)
            continue;
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
        case OPT_LABELS: labels = optarg; break;
        case OPT_LABEL_COLUMN: label_column = optarg; break;
        case OPT_TASK:
            if (!parse_task(optarg, &eo.task))
                return CLI_EXIT_INPUT;
            task_set = true;
            break;
        case 'o': out = optarg; break;
        case OPT_SAVE_OUTPUTS: save_outputs = optarg; break;
        case OPT_SAVE_TENSORS: save_tensors = optarg; break;
        case OPT_PLAIN: eo.engine.plain_loops = true; break;
        case OPT_HYBRID:
            if (strcmp(optarg, "tflite") == 0)
                eo.engine.hybrid = QV_HYBRID_TFLITE;
            else if (strcmp(optarg, "dequantize") == 0)
                eo.engine.hybrid = QV_HYBRID_DEQUANTIZE;
            else
                return cli_usage_error("eval", "--hybrid expects tflite or dequantize, got '%s'",
                                       optarg);
            break;
        case OPT_JSON: json = true; break;
        case 'h': fputs(usage, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("eval", "unknown option '%s'", argv[optind - 1]);
        }
    }
    int nargs = argc - optind;
    if (nargs < 1)
        return cli_usage_error("eval", "expected MODEL [DATA...], got no arguments");
    const char *model = argv[optind];
    struct qv_error err = QV_ERROR_INIT;
    struct stat sb;
    static struct qv_manifest man;   /* large; eval runs once per process */
    if (stat(model, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        if (qv_manifest_load(model, &man, &err) != QV_OK)
            return cli_report(&err);
        bool want_int8 = engine_set && eo.engine.kind == QV_ENGINE_INT8;
        model = qv_manifest_model(&man, want_int8);
        qv_data_spec_from_manifest(&man, false, &eo.run.data);
        if (!task_set)
            eo.task = man.task;
    } else if (nargs < 2) {
        return cli_usage_error("eval", "DATA is required unless MODEL is a model directory");
    }
    if (nargs >= 2) {
        /* data named here replace the directory's golden set (and its labels) */
        if (!cli_data_args("eval", nargs - 1, argv + optind + 1, &eo.run.data))
            return CLI_EXIT_INPUT;
        eo.run.data.labels = NULL;
    }
    if (labels || label_column) {
        eo.run.data.labels = labels;
        eo.run.data.label_column = label_column;
    }
    struct cli_progress bar;
    cli_progress_init(&bar, "eval", flags.quiet || json);
    cli_apply_run_flags(&flags, &eo.run, &bar);
    eo.model_name = model;
    struct qv_graph *g = NULL;
    if (qv_model_load(model, &g, &err) != QV_OK)
        return cli_report(&err);
    if (!engine_set)
        eo.engine.kind = cli_default_engine(g);
    /* every output goes to a temporary and appears only if everything succeeds */
    struct qv_outset *os = NULL;
    struct qv_eval_result r;
    const char *pred_tmp = NULL;
    int rc = CLI_EXIT_OK;
    bool have_result = false;
    enum qv_status st = qv_outset_create(&os, &err);
    if (st == QV_OK && out)
        st = qv_outset_add_file(os, out, &pred_tmp, &err);
    if (st == QV_OK && save_outputs)
        st = qv_outset_add_file(os, save_outputs, &eo.save_outputs, &err);
    if (st == QV_OK && save_tensors)
        st = qv_outset_add_dir(os, save_tensors, "index.csv", &eo.save_tensors, &err);
    if (st == QV_OK) {
        st = qv_eval_run(g, &eo, &r, &err);
        have_result = st == QV_OK;
    }
    cli_progress_end(&bar);
    if (st == QV_OK && pred_tmp)
        st = qv_eval_save_predictions(&r, pred_tmp, &err);
    if (st == QV_OK)
        st = qv_outset_commit(os, &err);
    if (st != QV_OK) {
        rc = cli_report(&err);
    } else {
        eo.save_outputs = save_outputs;
        eo.save_tensors = save_tensors;
        print_result(&eo, &r, model, out, json, qv_graph_count_hybrid(g));
    }
    if (have_result)
        qv_eval_result_release(&r);
    qv_outset_free(os);
    qv_graph_free(g);
    return rc;
}
