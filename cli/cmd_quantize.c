/* SPDX-License-Identifier: Apache-2.0 */
/* qvet quantize MODEL (DATA | --stats STATS.json) -o OUT.tflite */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant_cli.h"

static const char usage[] =
    "usage: qvet quantize [OPTIONS] MODEL (DATA... | --stats STATS.json) -o OUT.tflite\n\n"
    "Post-training quantization: the float model becomes a new full-integer int8 model that\n"
    "TFLite Micro runs unchanged (per-channel symmetric int8 weights, int32 biases, asymmetric\n"
    "int8 activations, the TFLite quantization spec). Ranges come from calibrating on DATA or\n"
    "from statistics written by 'qvet calibrate'. With minmax (the default) and per-channel\n"
    "weights the result equals the TFLite converter's for the same ranges. MODEL may be a model\n"
    "directory (its float model, calibration set and preprocessing).\n\n"
    "  -o, --out FILE          the int8 model: .tflite, or .json (qvet's native format)\n"
    "  --stats FILE            calibration statistics instead of calibrating on DATA (DATA may\n"
    "                          still be given: auto and the SQNR figure use it)\n"
    "  --method M              minmax, ema, percentile, kl, mse, or auto: per tensor the\n"
    "                          observer with the best output SQNR on DATA (default minmax)\n"
    "  --io int8|float         integer I/O, or float I/O with QUANTIZE/DEQUANTIZE at the edges\n"
    "                          (default int8)\n"
    "  --per-tensor            per-tensor weights (default per-channel)\n"
    "  --bias-correction       correct biases for the mean shift weight rounding causes\n"
    "  --sensitivity           per node, the output SQNR and task metric with only that node\n"
    "                          int8 (the rest float) and only that node float (the rest\n"
    "                          int8), ranked, the culprit named; on a model directory's golden\n"
    "                          set (its task's metric), on --sensitivity-data, or else on the\n"
    "                          calibration samples (SQNR only)\n"
    "  --sensitivity-data FILE  the samples for --sensitivity (with --labels FILE and --task\n"
    "                          classification|regression|anomaly for the metric)\n"
    "  --sensitivity-samples N  samples of that set used (default 512)\n"
    "  --keep-float NODES      leave these nodes float (names or indices, comma separated):\n"
    "                          a mixed-precision model with float I/O\n"
    "  --converter-ranges      reproduce the TFLite converter's calibration artefact (inputs\n"
    "                          that ADD/SUB/MUL overwrite in place also take the output's\n"
    "                          range), to compare with the converter\n"
    "  --percentile P          percentile observer (default 99.99)\n"
    "  --ema-chunk N           ema observer: samples per chunk (default 16)\n"
    "  --ema-decay D           ema observer: decay per chunk in [0, 1) (default 0.9)\n"
    "  --auto-samples N        samples auto and the SQNR figure use (default 128)\n"
    "  -v, --verbose           the parameters of every tensor\n"
    "  --json                  the per-tensor decisions as JSON on stdout\n"
    CLI_RUN_HELP
    "  --help                  this text\n";

enum { OPT_STATS = 256, OPT_METHOD, OPT_IO, OPT_PER_TENSOR, OPT_BIAS, OPT_CONV, OPT_KEEP_FLOAT,
       OPT_SENS, OPT_SENS_DATA, OPT_SENS_SAMPLES, OPT_LABELS, OPT_TASK, OPT_PERCENTILE,
       OPT_EMA_CHUNK, OPT_EMA_DECAY, OPT_AUTO_SAMPLES, OPT_JSON };

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static const char *short_name(const char *s)
{
    size_t len = strlen(s);
    return len > 36 ? s + len - 36 : s;
}

/* NODES (names or indices, comma separated) into a per-node mask; false after printing why. */
static bool parse_nodes(const struct qv_graph *g, const char *text, bool *mask)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", text);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int32_t found = -1;
        for (int32_t n = 0; n < g->n_nodes && found < 0; n++)
            if (strcmp(g->nodes[n].name, tok) == 0)
                found = n;
        char *end = NULL;
        long v = strtol(tok, &end, 10);
        if (found < 0 && end && !*end && end != tok && v >= 0 && v < g->n_nodes)
            found = (int32_t)v;
        if (found < 0) {
            cli_usage_error("quantize", "--keep-float: no node '%s' (a name or an index from 0 "
                            "to %d)", tok, g->n_nodes - 1);
            return false;
        }
        mask[found] = true;
    }
    return true;
}

static void print_metric(enum qv_sens_metric m, double v)
{
    if (m != QV_SENS_NONE)
        printf(" %10.4f", v);
}

/* A node name for a table column: its first ';'-separated part (the converter joins fused
 * ops' names), the last `width` characters of it. */
static void column_name(const char *s, char *buf, size_t width)
{
    size_t len = strcspn(s, ";");
    if (len > width) {
        s += len - width;
        len = width;
    }
    memcpy(buf, s, len);
    buf[len] = 0;
}

static void print_sensitivity(const struct qv_graph *g, const struct qv_sensitivity *s)
{
    char name[31];
    const char *mn = qv_sens_metric_name(s->metric);
    printf("\nsensitivity on %lld samples: the int8 model's output SQNR %.2f dB",
           (long long)s->samples, s->sqnr_int8_db);
    if (s->metric != QV_SENS_NONE)
        printf(", %s %.4f (float %.4f)", mn, s->metric_int8, s->metric_float);
    printf("\n  %-4s %-5s %-17s %-30s %16s", "rank", "node", "op", "name", "alone int8 SQNR");
    if (s->metric != QV_SENS_NONE)
        printf(" %10s", mn);
    printf(" %17s", "alone float SQNR");
    if (s->metric != QV_SENS_NONE)
        printf(" %10s", mn);
    printf("\n");
    for (int32_t i = 0; i < s->n_layers; i++) {
        const struct qv_sens_layer *l = &s->layers[i];
        const struct qv_node *n = &g->nodes[l->node];
        column_name(n->name, name, 30);
        printf("  %-4d %-5d %-17s %-30s %13.2f dB", i + 1, l->node, qv_node_op_name(n), name,
               l->sqnr_alone_int8_db);
        print_metric(s->metric, l->metric_alone_int8);
        printf(" %14.2f dB", l->sqnr_alone_float_db);
        print_metric(s->metric, l->metric_alone_float);
        printf("\n");
    }
    if (s->n_layers == 0)
        return;
    const struct qv_sens_layer *c = &s->layers[0];
    const struct qv_node *n = &g->nodes[c->node];
    printf("culprit: node %d (%s '%s'): alone in int8 it brings the output SQNR to %.2f dB",
           c->node, qv_node_op_name(n), n->name, c->sqnr_alone_int8_db);
    if (s->metric != QV_SENS_NONE)
        printf(" (%s %.4f)", mn, c->metric_alone_int8);
    printf("; kept float with the rest int8, %.2f dB", c->sqnr_alone_float_db);
    if (s->metric != QV_SENS_NONE)
        printf(" (%s %.4f)", mn, c->metric_alone_float);
    printf("; all int8: %.2f dB\n", s->sqnr_int8_db);
}

static void print_result(const struct qv_graph *g, const struct qv_quant_result *r,
                         const struct qv_quant_opts *o, const char *out, bool verbose, bool json)
{
    if (json) {
        printf("{\"model\": ");
        qv_json_fputs(stdout, out);
        printf(", \"method\": \"%s\", \"per_channel\": %s, \"io\": \"%s\"",
               o->auto_method ? "auto" : qv_range_method_name(o->method),
               o->per_tensor ? "false" : "true", o->io == QV_QUANT_IO_FLOAT ? "float" : "int8");
        if (r->has_sqnr && isfinite(r->output_sqnr_db))
            printf(", \"output_sqnr_db\": %.4f, \"mean_sample_sqnr_db\": %.4f",
                   r->output_sqnr_db, r->mean_sample_sqnr_db);
        printf(", \"requantize_ops\": %d, \"bias_scales_raised\": %d, \"biases_corrected\": %d, "
               "\"tensors\": [", r->n_requantize, r->n_bias_adjusted, r->n_bias_corrected);
        for (int32_t i = 0; i < r->n_tensors; i++) {
            const struct qv_quant_tensor *t = &r->tensors[i];
            printf("%s{\"name\": ", i ? ", " : "");
            qv_json_fputs(stdout, g->tensors[t->tensor].name);
            printf(", \"from\": \"%s\", \"method\": \"%s\", \"lo\": %.9g, \"hi\": %.9g, "
                   "\"scale\": %.9g, \"zero_point\": %d, \"clipped\": %.6g, \"levels\": %d}",
                   t->from, qv_range_method_name(t->method), (double)t->lo, (double)t->hi,
                   (double)t->scale, t->zero_point, t->diag.clipped, t->diag.levels);
        }
        printf("]");
        if (r->has_sensitivity) {
            const struct qv_sensitivity *sv = &r->sens;
            printf(", \"sensitivity\": {\"samples\": %lld, \"metric\": \"%s\", "
                   "\"sqnr_int8_db\": %.4f", (long long)sv->samples,
                   qv_sens_metric_name(sv->metric), sv->sqnr_int8_db);
            if (sv->metric != QV_SENS_NONE)
                printf(", \"metric_float\": %.6f, \"metric_int8\": %.6f", sv->metric_float,
                       sv->metric_int8);
            printf(", \"layers\": [");
            for (int32_t i = 0; i < sv->n_layers; i++) {
                const struct qv_sens_layer *l = &sv->layers[i];
                printf("%s{\"node\": %d, \"op\": \"%s\", \"name\": ", i ? ", " : "", l->node,
                       qv_node_op_name(&g->nodes[l->node]));
                qv_json_fputs(stdout, g->nodes[l->node].name);
                printf(", \"sqnr_alone_int8_db\": %.4f, \"sqnr_alone_float_db\": %.4f",
                       l->sqnr_alone_int8_db, l->sqnr_alone_float_db);
                if (sv->metric != QV_SENS_NONE)
                    printf(", \"metric_alone_int8\": %.6f, \"metric_alone_float\": %.6f",
                           l->metric_alone_int8, l->metric_alone_float);
                printf("}");
            }
            printf("]}");
        }
        printf(", \"warnings\": [");
        for (int32_t i = 0; i < r->n_warnings; i++) {
            printf("%s", i ? ", " : "");
            qv_json_fputs(stdout, r->warnings[i]);
        }
        printf("]}\n");
        return;
    }
    printf("int8 model: %s (%d ops, %zu weight bytes; %s, %s weights, %s I/O)\n", out,
           r->graph->n_nodes, qv_graph_weight_bytes(r->graph),
           o->auto_method ? "auto" : qv_range_method_name(o->method),
           o->per_tensor ? "per-tensor" : "per-channel",
           o->io == QV_QUANT_IO_FLOAT ? "float" : "int8");
    if (r->has_sqnr)
        printf("output SQNR against the float model: %.2f dB (mean per sample %.2f dB)\n",
               r->output_sqnr_db, r->mean_sample_sqnr_db);
    if (r->n_requantize)
        printf("%d requantizing QUANTIZE ops reconcile shared parameters\n", r->n_requantize);
    if (r->n_bias_adjusted)
        printf("%d bias scales raised (bias too large for input scale x weight scale)\n",
               r->n_bias_adjusted);
    if (o->bias_correction)
        printf("bias correction changed %d layers\n", r->n_bias_corrected);
    if (!verbose)
        return;
    printf("  %-36s %-6s %-10s %12s %12s %10s %4s %8s %6s\n", "tensor", "from", "method", "lo",
           "hi", "scale", "zp", "clipped", "levels");
    for (int32_t i = 0; i < r->n_tensors; i++) {
        const struct qv_quant_tensor *t = &r->tensors[i];
        printf("  %-36.36s %-6s %-10s %12.6g %12.6g %10.4g %4d ",
               short_name(g->tensors[t->tensor].name), t->from, qv_range_method_name(t->method),
               (double)t->lo, (double)t->hi, (double)t->scale, t->zero_point);
        if (t->diag.levels > 0)   /* 0: statistics without a histogram */
            printf("%7.4f%% %6d\n", 100.0 * t->diag.clipped, t->diag.levels);
        else
            printf("%8s %6s\n", "-", "-");
    }
}

int cmd_quantize(int argc, char **argv)
{
    static const struct option opts[] = {
        { "out", required_argument, NULL, 'o' },
        { "stats", required_argument, NULL, OPT_STATS },
        { "method", required_argument, NULL, OPT_METHOD },
        { "io", required_argument, NULL, OPT_IO },
        { "per-tensor", no_argument, NULL, OPT_PER_TENSOR },
        { "bias-correction", no_argument, NULL, OPT_BIAS },
        { "converter-ranges", no_argument, NULL, OPT_CONV },
        { "keep-float", required_argument, NULL, OPT_KEEP_FLOAT },
        { "sensitivity", no_argument, NULL, OPT_SENS },
        { "sensitivity-data", required_argument, NULL, OPT_SENS_DATA },
        { "sensitivity-samples", required_argument, NULL, OPT_SENS_SAMPLES },
        { "labels", required_argument, NULL, OPT_LABELS },
        { "task", required_argument, NULL, OPT_TASK },
        { "percentile", required_argument, NULL, OPT_PERCENTILE },
        { "ema-chunk", required_argument, NULL, OPT_EMA_CHUNK },
        { "ema-decay", required_argument, NULL, OPT_EMA_DECAY },
        { "auto-samples", required_argument, NULL, OPT_AUTO_SAMPLES },
        { "verbose", no_argument, NULL, 'v' },
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, 'h' },
        CLI_RUN_OPTIONS,
        { NULL, 0, NULL, 0 },
    };
    struct qv_quant_opts qo = QV_QUANT_OPTS_INIT;
    struct cli_run_flags flags = { 0 };
    const char *out = NULL, *stats = NULL, *keep_float = NULL, *sens_data = NULL;
    const char *labels = NULL, *task = NULL;
    bool verbose = false, json = false;
    int64_t v = 0;
    char *end = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:vqj:", opts, NULL)) != -1) {
        int shared = cli_run_flag("quantize", c, optarg, &flags);
        if (shared < 0)
            return CLI_EXIT_INPUT;
        if (shared > 0)
            continue;
        switch (c) {
        case 'o': out = optarg; break;
        case OPT_STATS: stats = optarg; break;
        case OPT_METHOD:
            if (!quant_parse_method("quantize", optarg, true, &qo.auto_method, &qo.method))
                return CLI_EXIT_INPUT;
            break;
        case OPT_IO:
            if (strcmp(optarg, "int8") == 0)
                qo.io = QV_QUANT_IO_INT8;
            else if (strcmp(optarg, "float") == 0)
                qo.io = QV_QUANT_IO_FLOAT;
            else
                return cli_usage_error("quantize", "--io expects int8 or float, got '%s'",
                                       optarg);
            break;
        case OPT_PER_TENSOR: qo.per_tensor = true; break;
        case OPT_BIAS: qo.bias_correction = true; break;
        case OPT_CONV: qo.converter_ranges = true; break;
        case OPT_KEEP_FLOAT: keep_float = optarg; break;
        case OPT_SENS: qo.sensitivity = true; break;
        case OPT_SENS_DATA: sens_data = optarg; qo.sensitivity = true; break;
        case OPT_SENS_SAMPLES:
            if (!cli_parse_int("quantize", "--sensitivity-samples", optarg, 1, 1 << 24,
                               &qo.sens_samples))
                return CLI_EXIT_INPUT;
            break;
        case OPT_LABELS: labels = optarg; break;
        case OPT_TASK: task = optarg; break;
        case OPT_PERCENTILE:
            qo.range.percentile = strtod(optarg, &end);
            if (!end || *end || !(qo.range.percentile > 50.0 && qo.range.percentile <= 100.0))
                return cli_usage_error("quantize", "--percentile expects a number in (50, 100],"
                                       " got '%s'", optarg);
            break;
        case OPT_EMA_CHUNK:
            if (!cli_parse_int("quantize", "--ema-chunk", optarg, 1, 1 << 30, &v))
                return CLI_EXIT_INPUT;
            qo.range.ema_chunk = (int32_t)v;
            break;
        case OPT_EMA_DECAY:
            qo.range.ema_decay = strtod(optarg, &end);
            if (!end || *end || !(qo.range.ema_decay >= 0.0 && qo.range.ema_decay < 1.0))
                return cli_usage_error("quantize", "--ema-decay expects a number in [0, 1), "
                                       "got '%s'", optarg);
            break;
        case OPT_AUTO_SAMPLES:
            if (!cli_parse_int("quantize", "--auto-samples", optarg, 1, 1 << 24,
                               &qo.auto_samples))
                return CLI_EXIT_INPUT;
            break;
        case 'v': verbose = true; break;
        case OPT_JSON: json = true; break;
        case 'h': fputs(usage, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("quantize", "unknown option '%s'", argv[optind - 1]);
        }
    }
    int nargs = argc - optind;
    bool quiet = flags.quiet;
    if (!out)
        return cli_usage_error("quantize", "-o OUT.tflite is required");
    if (nargs < 1)
        return cli_usage_error("quantize", "expected MODEL [DATA...]");
    if (!ends_with(out, ".tflite") && !ends_with(out, ".json"))
        return cli_usage_error("quantize", "-o expects a .tflite or .json file, got '%s'", out);
    struct quant_input *in = malloc(sizeof(*in));
    if (!in)
        return CLI_EXIT_INTERNAL;
    int rc = quant_resolve_input("quantize", argv[optind], nargs - 1, argv + optind + 1,
                                 &flags, quiet || json, in);
    if (rc == CLI_EXIT_OK && stats && nargs == 1 && !qo.auto_method)
        in->data.n_files = 0;   /* a model directory's data is not needed with --stats */
    if (rc == CLI_EXIT_OK && !stats && !in->data.n_files)
        rc = cli_usage_error("quantize", "DATA or --stats is required");
    if (rc == CLI_EXIT_OK && qo.auto_method && !in->data.n_files)
        rc = cli_usage_error("quantize", "--method auto needs DATA (it measures the output "
                             "SQNR)");
    if (rc == CLI_EXIT_OK && (labels || task) && !qo.sensitivity)
        rc = cli_usage_error("quantize", "--labels and --task go with --sensitivity");
    if (rc == CLI_EXIT_OK && sens_data && ((labels != NULL) != (task != NULL)))
        rc = cli_usage_error("quantize", "--sensitivity-data takes --labels FILE and --task "
                             "together (or neither, for the output SQNR only)");
    if (rc == CLI_EXIT_OK && (labels || task) && !sens_data)
        rc = cli_usage_error("quantize", "--labels and --task describe --sensitivity-data "
                             "(a model directory brings its golden set's)");
    if (rc == CLI_EXIT_OK && qo.sensitivity && !sens_data && !in->golden.n_files &&
        !in->data.n_files)
        rc = cli_usage_error("quantize", "--sensitivity needs samples: DATA, "
                             "--sensitivity-data FILE or a model directory's golden set");
    if (rc != CLI_EXIT_OK) {
        free(in);
        return rc;
    }
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    struct qv_calib *cal = NULL;
    struct qv_quant_result r = { 0 };
    enum qv_status st = qv_model_load(in->model, &g, &err);
    if (st == QV_OK && stats) {
        st = qv_calib_load(g, stats, &cal, &err);
    } else if (st == QV_OK) {
        in->copts.keep_samples = qo.auto_samples;   /* the SQNR figure and auto reuse them */
        st = qv_calib_run(g, &in->data, &in->copts, &cal, &err);
        cli_progress_end(&in->bar);
        if (st == QV_OK)
            st = qv_calib_check_set(cal, 100, in->golden.n_files ? &in->golden : NULL, &err);
    }
    struct qv_data_spec sspec = QV_DATA_SPEC_INIT;
    if (st == QV_OK && qo.sensitivity) {
        const char *t = task ? task : (in->golden.n_files && !sens_data
                                       ? qv_task_name(in->man.task) : NULL);
        qo.sens_metric = QV_SENS_NONE;
        if (t && strcmp(t, "classification") == 0)
            qo.sens_metric = QV_SENS_ACCURACY;
        else if (t && strcmp(t, "regression") == 0)
            qo.sens_metric = QV_SENS_RMSE;
        else if (t && strcmp(t, "anomaly") == 0)
            qo.sens_metric = QV_SENS_AUC;
        else if (t && strcmp(t, "raw") != 0)
            st = qv_fail(&err, QV_E_USAGE, "--task expects classification, regression, anomaly "
                         "or raw, got '%s'", t);
        if (sens_data) {
            sspec = in->data;
            sspec.n_files = 1;
            sspec.files[0] = sens_data;
            sspec.names[0] = NULL;
            sspec.labels = labels;
            qo.sens_data = &sspec;
        } else if (in->golden.n_files) {
            sspec = in->golden;
            sspec.labels = in->man.golden.labels[0] ? in->man.golden.labels : NULL;
            qo.sens_data = &sspec;
        }
    }
    bool *mask = NULL;
    if (st == QV_OK && keep_float) {
        mask = calloc((size_t)g->n_nodes + 1, sizeof(bool));
        if (!mask || !parse_nodes(g, keep_float, mask)) {
            free(mask);
            qv_calib_free(cal);
            qv_graph_free(g);
            free(in);
            return mask ? CLI_EXIT_INPUT : CLI_EXIT_INTERNAL;
        }
        if (qo.auto_method)
            st = qv_fail(&err, QV_E_USAGE, "--keep-float takes a named method, not auto");
        else
            st = qv_quantize_mixed(g, cal, &qo, mask, &r.graph, &err);
    } else if (st == QV_OK) {
        in->copts.progress = NULL;
        qo.data = stats && in->data.n_files ? &in->data : NULL;   /* else the kept samples */
        qo.data_opts = &in->copts;
        st = qv_quantize(g, cal, &qo, &r, &err);
    }
    free(mask);
    if (st == QV_OK)
        st = ends_with(out, ".json") ? qv_model_json_save(r.graph, out, &err)
                                     : qv_tflite_save(r.graph, out, &err);
    if (st != QV_OK) {
        rc = cli_report(&err);
    } else {
        if (!quiet && keep_float)
            printf("mixed model: %s (%d ops, float I/O)\n", out, r.graph->n_nodes);
        else if (!quiet)
            print_result(g, &r, &qo, out, verbose, json);
        if (!quiet && !json && r.has_sensitivity)
            print_sensitivity(g, &r.sens);
        for (int32_t i = 0; i < r.n_warnings; i++)
            fprintf(stderr, "qvet quantize: warning: %s\n", r.warnings[i]);
    }
    qv_quant_result_release(&r);
    qv_calib_free(cal);
    qv_graph_free(g);
    free(in);
    return rc;
}
