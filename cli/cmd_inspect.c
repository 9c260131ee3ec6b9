/* SPDX-License-Identifier: Apache-2.0 */
/* qvet inspect MODEL: ops, shapes, parameters, MACs, quantization and sizes. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: qvet inspect [--json] MODEL\n\n"
    "Prints every op with its output shape, MACs and parameter count, the model's inputs and\n"
    "outputs with their quantization, and totals (parameters, weight bytes, MACs).\n"
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

static void print_json(const struct qv_graph *g, const char *path)
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
        int32_t ni = g->order[oi];
        const struct qv_node *n = &g->nodes[ni];
        fprintf(f, "%s\n  {\"index\": %d, \"op\": \"%s\", \"name\": ", oi ? "," : "", ni,
                qv_op_name(n->op));
        qv_json_fputs(f, n->name);
        fprintf(f, ", \"inputs\": [");
        for (int32_t k = 0; k < n->n_inputs; k++)
            fprintf(f, "%s%d", k ? ", " : "", n->inputs[k]);
        fprintf(f, "], \"output\": ");
        json_tensor(f, g, n->outputs[0]);
        fprintf(f, ", \"macs\": %lld, \"params\": %lld}", (long long)qv_graph_node_macs(g, ni),
                (long long)node_params(g, n));
    }
    fprintf(f, "\n], \"total_macs\": %lld, \"params\": %lld, \"weight_bytes\": %zu}\n",
            (long long)qv_graph_total_macs(g), (long long)qv_graph_param_count(g),
            qv_graph_weight_bytes(g));
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

static void print_text(const struct qv_graph *g, const char *path)
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
    printf("\n%4s  %-18s %-28s %-20s %-8s %12s %10s\n", "#", "op", "name", "output", "dtype",
           "MACs", "params");
    for (int32_t oi = 0; oi < g->n_nodes; oi++) {
        int32_t ni = g->order[oi];
        const struct qv_node *n = &g->nodes[ni];
        const struct qv_tensor *out = &g->tensors[n->outputs[0]];
        char shape[160], name[29];
        qv_shape_format(&out->shape, shape, sizeof(shape));
        snprintf(name, sizeof(name), "%s", n->name);
        printf("%4d  %-18s %-28s %-20s %-8s %12lld %10lld\n", ni, qv_op_name(n->op), name, shape,
               qv_dtype_name(out->dtype), (long long)qv_graph_node_macs(g, ni),
               (long long)node_params(g, n));
    }
    for (int32_t i = 0; i < g->n_tensors; i++)
        if (g->tensors[i].data)
            by_dtype[g->tensors[i].dtype] += g->tensors[i].nbytes;
    printf("\ntotal    %lld MACs, %lld parameters, %zu weight bytes (", 
           (long long)qv_graph_total_macs(g), (long long)qv_graph_param_count(g),
           qv_graph_weight_bytes(g));
    bool first = true;
    for (int d = 0; d < QV_DTYPE_COUNT; d++) {
        if (!by_dtype[d])
            continue;
        printf("%s%s %zu", first ? "" : ", ", qv_dtype_name((enum qv_dtype)d), by_dtype[d]);
        first = false;
    }
    printf(")\n");
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
    if (json)
        print_json(g, argv[optind]);
    else
        print_text(g, argv[optind]);
    qv_graph_free(g);
    return CLI_EXIT_OK;
}
