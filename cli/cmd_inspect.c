/* SPDX-License-Identifier: Apache-2.0 */
/* qvet inspect MODEL: ops, shapes, parameters, MACs, quantization and sizes. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: qvet inspect [--json] MODEL\n\n"
    "Prints every op with its output shape, MACs and parameter count, the model's inputs and\n"
    "outputs with their quantization, and totals (parameters, weight bytes, MACs).\n"
    "Operators qvet cannot run are shown too, then listed by name and count with whether\n"
    "TensorFlow Lite Micro has a kernel for them (eval, run and compare refuse such a model);\n"
    "so are variable tensors and, for a hybrid model (int8 weights under float activations),\n"
    "every hybrid operator.\n"
    "MODEL is a .tflite file, a qvet .json model or a model directory.\n\n"
    "  --json    machine-readable output on stdout\n"
    "  --help    this text\n";

/* Constant inputs of a node: weights, biases and other parameters. */
static int64_t node_params(const struct qv_graph *g, const struct qv_node *n)
{
    int64_t p = 0;
    for (int32_t k = 0; k < n->n_inputs; k++)
        if (n->inputs[k] >= 0 && g->tensors[n->inputs[k]].data)
            p += qv_shape_elems(&g->tensors[n->inputs[k]].shape);
    return p;
}

/* "TRANSPOSE", "MyOp (custom)" or "CONV_2D". */
static const char *op_label(const struct qv_node *n, char *buf, size_t size)
{
    if (n->op == QV_OP_UNSUPPORTED && n->source_code == 32)
        snprintf(buf, size, "%s (custom)", qv_node_op_name(n));
    else
        snprintf(buf, size, "%s", qv_node_op_name(n));
    return buf;
}

static bool tflm_has(const struct qv_op_tally *t)
{
    return qv_tflite_tflm_supports(t->code, t->name);
}

static void json_shape(FILE *f, const struct qv_shape *s)
{
    fputc('[', f);
    for (int32_t i = 0; i < s->rank; i++)
        fprintf(f, "%s%lld", i ? ", " : "", (long long)s->dims[i]);
    fputc(']', f);
}

static void json_tensor(FILE *f, const struct qv_graph *g, int32_t ti)
{
    const struct qv_tensor *t = &g->tensors[ti];
    fprintf(f, "{\"index\": %d, \"name\": ", ti);
    qv_json_fputs(f, t->name);
    fprintf(f, ", \"dtype\": \"%s\", \"shape\": ", qv_dtype_name(t->dtype));
    json_shape(f, &t->shape);
    if (t->is_variable)
        fprintf(f, ", \"variable\": true");
    if (t->quant.count) {
        fprintf(f, ", \"quant\": {\"scale\": [");
        for (int32_t i = 0; i < t->quant.count; i++)
            fprintf(f, "%s%.9g", i ? ", " : "", (double)t->quant.scale[i]);
        fprintf(f, "], \"zero_point\": [");
        for (int32_t i = 0; i < t->quant.count; i++)
            fprintf(f, "%s%d", i ? ", " : "", t->quant.zero_point[i]);
        fprintf(f, "], \"axis\": %d}", t->quant.axis);
    }
    fputc('}', f);
}

static void json_node(FILE *f, const struct qv_graph *g, int32_t ni)
{
    const struct qv_node *n = &g->nodes[ni];
    bool unsupported = n->op == QV_OP_UNSUPPORTED;
    fprintf(f, "{\"index\": %d, \"op\": ", ni);
    qv_json_fputs(f, qv_node_op_name(n));
    fprintf(f, ", \"name\": ");
    qv_json_fputs(f, n->name);
    fprintf(f, ", \"supported\": %s", unsupported ? "false" : "true");
    if (unsupported)
        fprintf(f, ", \"tflite_code\": %d, \"custom\": %s", n->source_code,
                n->source_code == 32 ? "true" : "false");
    fprintf(f, ", \"hybrid\": %s, \"inputs\": [", qv_node_is_hybrid(g, ni) ? "true" : "false");
    for (int32_t k = 0; k < n->n_inputs; k++)
        fprintf(f, "%s%d", k ? ", " : "", n->inputs[k]);
    fprintf(f, "], \"output\": ");
    if (n->n_outputs > 0)
        json_tensor(f, g, n->outputs[0]);
    else
        fprintf(f, "null");
    fprintf(f, ", \"outputs\": [");
    for (int32_t k = 0; k < n->n_outputs; k++)
        fprintf(f, "%s%d", k ? ", " : "", n->outputs[k]);
    fprintf(f, "], \"macs\": %lld, \"params\": %lld}", (long long)qv_graph_node_macs(g, ni),
            (long long)node_params(g, n));
}

static void print_json(const struct qv_graph *g, const char *path,
                       const struct qv_op_tally *ops, int32_t n_ops)
{
    FILE *f = stdout;
    fprintf(f, "{\"model\": ");
    qv_json_fputs(f, path);
    fprintf(f, ", \"tensors\": %d, \"inputs\": [", g->n_tensors);
    for (int32_t i = 0; i < g->n_inputs; i++) {
        fprintf(f, "%s", i ? ", " : "");
        json_tensor(f, g, g->inputs[i]);
    }
    fprintf(f, "], \"outputs\": [");
    for (int32_t i = 0; i < g->n_outputs; i++) {
        fprintf(f, "%s", i ? ", " : "");
        json_tensor(f, g, g->outputs[i]);
    }
    fprintf(f, "], \"nodes\": [");
    for (int32_t oi = 0; oi < g->n_nodes; oi++) {
        fprintf(f, "%s\n  ", oi ? "," : "");
        json_node(f, g, g->order[oi]);
    }
    fprintf(f, "\n], \"total_macs\": %lld, \"params\": %lld, \"weight_bytes\": %zu",
            (long long)qv_graph_total_macs(g), (long long)qv_graph_param_count(g),
            qv_graph_weight_bytes(g));
    fprintf(f, ", \"runnable\": %s", qv_graph_check_runnable(g, NULL) == QV_OK ? "true" : "false");
    fprintf(f, ", \"unsupported_ops\": [");
    for (int32_t i = 0; i < n_ops; i++) {
        fprintf(f, "%s{\"op\": ", i ? ", " : "");
        qv_json_fputs(f, ops[i].name);
        fprintf(f, ", \"tflite_code\": %d, \"custom\": %s, \"count\": %d, \"tflm\": %s}",
                ops[i].code, ops[i].code == 32 ? "true" : "false", ops[i].count,
                tflm_has(&ops[i]) ? "true" : "false");
    }
    fprintf(f, "], \"variables\": [");
    bool first = true;
    for (int32_t t = 0; t < g->n_tensors; t++) {
        if (!g->tensors[t].is_variable)
            continue;
        fprintf(f, "%s", first ? "" : ", ");
        qv_json_fputs(f, g->tensors[t].name);
        first = false;
    }
    int32_t n_hybrid = qv_graph_count_hybrid(g);
    fprintf(f, "], \"hybrid\": %s, \"hybrid_nodes\": [", n_hybrid ? "true" : "false");
    first = true;
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        if (!qv_node_is_hybrid(g, ni))
            continue;
        fprintf(f, "%s%d", first ? "" : ", ", ni);
        first = false;
    }
    fprintf(f, "]}\n");
}

static void text_tensor(const struct qv_graph *g, int32_t ti)
{
    const struct qv_tensor *t = &g->tensors[ti];
    char shape[160];
    qv_shape_format(&t->shape, shape, sizeof(shape));
    printf("  %-24s %-8s %-18s", t->name, qv_dtype_name(t->dtype), shape);
    if (t->quant.count == 1)
        printf(" scale %.9g zero point %d", (double)t->quant.scale[0], t->quant.zero_point[0]);
    else if (t->quant.count > 1)
        printf(" per-axis (%d scales on dim %d)", t->quant.count, t->quant.axis);
    printf("\n");
}

static void text_node(const struct qv_graph *g, int32_t ni, int op_width)
{
    const struct qv_node *n = &g->nodes[ni];
    char shape[160] = "-", name[29], op[64];
    const char *dtype = "-";
    if (n->n_outputs > 0) {
        const struct qv_tensor *out = &g->tensors[n->outputs[0]];
        qv_shape_format(&out->shape, shape, sizeof(shape));
        dtype = qv_dtype_name(out->dtype);
        if (n->n_outputs > 1)
            snprintf(shape + strlen(shape), sizeof(shape) - strlen(shape), " +%d",
                     n->n_outputs - 1);
    }
    cli_fit_name(n->name, name, sizeof(name) - 1);
    const char *note = n->op == QV_OP_UNSUPPORTED ? "  unsupported"
                       : qv_node_is_hybrid(g, ni) ? "  hybrid" : "";
    printf("%4d  %-*s %-28s %-20s %-8s %12lld %10lld%s\n", ni, op_width,
           op_label(n, op, sizeof(op)), name,
           shape, dtype, (long long)qv_graph_node_macs(g, ni), (long long)node_params(g, n),
           note);
}

/* Operators qvet cannot run, variables and hybrid operators, after the totals. */
static void text_findings(const struct qv_graph *g, const struct qv_op_tally *ops, int32_t n_ops)
{
    char op[64];
    int32_t n_nodes = 0, n_var = 0;
    for (int32_t i = 0; i < n_ops; i++)
        n_nodes += ops[i].count;
    if (n_ops > 0) {
        printf("\nunsupported  %d operator%s qvet cannot run (eval, run and compare refuse this "
               "model):\n", n_nodes, n_nodes == 1 ? "" : "s");
        for (int32_t i = 0; i < n_ops; i++) {
            if (ops[i].code == 32)
                snprintf(op, sizeof(op), "%s (custom)", ops[i].name);
            else
                snprintf(op, sizeof(op), "%s", ops[i].name);
            printf("  %-32s x%-4d TFLM: %s\n", op, ops[i].count, tflm_has(&ops[i]) ? "yes" : "no");
        }
    }
    for (int32_t t = 0; t < g->n_tensors; t++)
        n_var += g->tensors[t].is_variable;
    if (n_var > 0) {
        printf("\nvariables    %d variable tensor%s (state kept across runs; qvet does not run "
               "them):\n", n_var, n_var == 1 ? "" : "s");
        for (int32_t t = 0; t < g->n_tensors; t++)
            if (g->tensors[t].is_variable)
                text_tensor(g, t);
    }
    int32_t n_hybrid = qv_graph_count_hybrid(g);
    if (n_hybrid > 0) {
        printf("\nhybrid       a hybrid model: %d operator%s with int8 weights under float "
               "activations\n             (TFLite quantizes their input on the fly; qvet's float "
               "engine computes them in float):\n", n_hybrid, n_hybrid == 1 ? "" : "s");
        for (int32_t oi = 0; oi < g->n_nodes; oi++) {
            int32_t ni = g->order[oi];
            if (qv_node_is_hybrid(g, ni))
                printf("  %4d  %-18s %s\n", ni, qv_node_op_name(&g->nodes[ni]),
                       g->nodes[ni].name);
        }
    }
}

static void print_text(const struct qv_graph *g, const char *path, const struct qv_op_tally *ops,
                       int32_t n_ops)
{
    size_t by_dtype[QV_DTYPE_COUNT] = { 0 };
    printf("model    %s\n", path);
    printf("graph    %d nodes, %d tensors\n", g->n_nodes, g->n_tensors);
    printf("inputs\n");
    for (int32_t i = 0; i < g->n_inputs; i++)
        text_tensor(g, g->inputs[i]);
    printf("outputs\n");
    for (int32_t i = 0; i < g->n_outputs; i++)
        text_tensor(g, g->outputs[i]);
    int op_width = 18;   /* DEPTHWISE_CONV_2D; wider for long names of unsupported operators */
    for (int32_t ni = 0; ni < g->n_nodes; ni++) {
        char op[64];
        int w = (int)strlen(op_label(&g->nodes[ni], op, sizeof(op)));
        op_width = w > op_width ? w : op_width;
    }
    printf("\n%4s  %-*s %-28s %-20s %-8s %12s %10s\n", "#", op_width, "op", "name", "output",
           "dtype", "MACs", "params");
    for (int32_t oi = 0; oi < g->n_nodes; oi++)
        text_node(g, g->order[oi], op_width);
    for (int32_t i = 0; i < g->n_tensors; i++)
        if (g->tensors[i].data)
            by_dtype[g->tensors[i].dtype] += g->tensors[i].nbytes;
    printf("\ntotal    %lld MACs%s, %lld parameters, %zu weight bytes (",
           (long long)qv_graph_total_macs(g), n_ops ? " (unsupported operators not counted)" : "",
           (long long)qv_graph_param_count(g), qv_graph_weight_bytes(g));
    bool first = true;
    for (int d = 0; d < QV_DTYPE_COUNT; d++) {
        if (!by_dtype[d])
            continue;
        printf("%s%s %zu", first ? "" : ", ", qv_dtype_name((enum qv_dtype)d), by_dtype[d]);
        first = false;
    }
    printf(")\n");
    text_findings(g, ops, n_ops);
}

int cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'h': fputs(usage, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("inspect", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("inspect", "expected one MODEL, got %d arguments", argc - optind);
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    if (qv_model_load(argv[optind], &g, &err) != QV_OK)
        return cli_report(&err);
    int32_t n_ops = qv_graph_unsupported_ops(g, NULL, 0);
    struct qv_op_tally *ops = n_ops >= 0 ? calloc((size_t)n_ops + 1, sizeof(*ops)) : NULL;
    if (!ops) {
        qv_graph_free(g);
        fprintf(stderr, "qvet: error: out of memory\n");
        return CLI_EXIT_INTERNAL;
    }
    qv_graph_unsupported_ops(g, ops, n_ops);
    if (json)
        print_json(g, argv[optind], ops, n_ops);
    else
        print_text(g, argv[optind], ops, n_ops);
    free(ops);
    qv_graph_free(g);
    return CLI_EXIT_OK;
}
