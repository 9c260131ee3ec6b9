/* SPDX-License-Identifier: Apache-2.0 */
/* qvet compare: per-layer divergence between two engines, roundings, models or saved tensors. */
#define _DEFAULT_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char usage[] =
    "usage: qvet compare [OPTIONS] MODEL_A [MODEL_B] DATA...\n"
    "       qvet compare [OPTIONS] DIR [DATA...]\n\n"
    "Runs the same samples through two sides and reports, per layer, how many elements are\n"
    "identical, differ by one LSB, or by more, with the largest difference and the SQNR.\n"
    "  qvet compare MODEL DATA                      int8 double vs single rounding\n"
    "  qvet compare MODEL DATA --a-engine float --b-engine int8\n"
    "  qvet compare FLOAT.tflite INT8.tflite DATA   layers paired by name, else by structure\n"
    "                                               (unpaired layers are listed)\n"
    "  qvet compare DIR                             its float and int8 models on its golden set\n"
    "  qvet compare MODEL DATA --against DIR        vs tensors saved as DIR/t<index>.npy\n"
    "                                               (qvet eval --save-tensors, or reference/)\n"
    "DATA is one .npy, .csv or .npz file, or one .npy per model input (INPUT=FILE).\n\n"
    "  --a-engine float|int8       engine of side a (default: by model)\n"
    "  --b-engine float|int8       engine of side b (default: by model)\n"
    "  --rounding double|single    rounding of side a (default double)\n"
    "  --vs-rounding double|single rounding of side b (default: single with one model,\n"
    "                              else double)\n"
    "  --against DIR               compare side b against saved tensors\n"
    "  --labels FILE               labels for DATA (not needed; accepted for symmetry)\n"
    "  --fail-on-diff              exit 1 when any element differs\n"
    "  --json                      machine-readable output\n"
    CLI_RUN_HELP
    "  --help                      this text\n";

enum { OPT_AENG = 256, OPT_BENG, OPT_ROUND, OPT_VSROUND, OPT_AGAINST, OPT_LABELS, OPT_FAIL,
       OPT_JSON };

/* The layers of side b that stayed unpaired (two models), as JSON members or text lines. */
static void print_unpaired(const struct qv_pairing *p, bool json)
{
    if (json) {
        printf(", \"unpaired\": [");
        int k = 0;
        for (int32_t i = 0; p && i < p->n_pairs; i++) {
            const struct qv_layer_pair *lp = &p->pairs[i];
            if (lp->how != QV_PAIR_NONE)
                continue;
            printf("%s{\"tensor\": ", k++ ? ", " : "");
            qv_json_fputs(stdout, p->gq->tensors[lp->tensor_q].name);
            printf(", \"why\": ");
            qv_json_fputs(stdout, lp->why);
            printf("}");
        }
        printf("]");
        return;
    }
    if (!p)
        return;
    if (p->n_unpaired == 0) {
        printf("every layer of the second model is paired with the first's\n");
        return;
    }
    printf("%d layers of the second model stayed unpaired (not compared):\n", p->n_unpaired);
    for (int32_t i = 0; i < p->n_pairs; i++) {
        const struct qv_layer_pair *lp = &p->pairs[i];
        if (lp->how == QV_PAIR_NONE)
            printf("  %s: %s\n", p->gq->tensors[lp->tensor_q].name, lp->why);
    }
}

static void print_table(const struct qv_graph *g, const struct qv_graph *ga,
                        const struct qv_layer_diff *d, int32_t n, int64_t samples,
                        const struct qv_pairing *pairing, bool json)
{
    int64_t tot = 0, same = 0, one = 0, more = 0;
    for (int32_t i = 0; i < n; i++) {
        tot += d[i].elems;
        same += d[i].same;
        one += d[i].off_by_one;
        more += d[i].more;
    }
    if (json) {
        printf("{\"samples\": %lld, \"elements\": %lld, \"same\": %lld, \"off_by_one\": %lld, "
               "\"more\": %lld, \"layers\": [", (long long)samples, (long long)tot,
               (long long)same, (long long)one, (long long)more);
        for (int32_t i = 0; i < n; i++) {
            printf("%s\n  {\"node\": %d, \"op\": \"%s\", \"tensor\": ", i ? "," : "", d[i].node,
                   qv_op_name(g->nodes[d[i].node].op));
            qv_json_fputs(stdout, g->tensors[d[i].tensor].name);
            printf(", \"paired_with\": ");
            qv_json_fputs(stdout, ga->tensors[d[i].tensor_a].name);
            printf(", \"pairing\": \"%s\"", d[i].pairing ? d[i].pairing : "index");
            printf(", \"elements\": %lld, \"same\": %lld, \"off_by_one\": %lld, \"more\": %lld, "
                   "\"max_abs\": %.9g, \"sqnr_db\": ", (long long)d[i].elems, (long long)d[i].same,
                   (long long)d[i].off_by_one, (long long)d[i].more, d[i].max_abs);
            if (isfinite(d[i].sqnr_db))
                printf("%.4f}", d[i].sqnr_db);
            else
                printf("null}");
        }
        printf("\n]");
        print_unpaired(pairing, true);
        printf("}\n");
        return;
    }
    printf("%4s  %-18s %-30s %10s %10s %8s %8s %10s %9s\n", "node", "op", "tensor", "elements",
           "same", "+-1", ">1", "max|d|", "SQNR dB");
    for (int32_t i = 0; i < n; i++) {
        char name[31];
        cli_fit_name(g->tensors[d[i].tensor].name, name, sizeof(name) - 1);
        printf("%4d  %-18s %-30s %10lld %10lld %8lld %8lld %10.4g ", d[i].node,
               qv_op_name(g->nodes[d[i].node].op), name, (long long)d[i].elems,
               (long long)d[i].same, (long long)d[i].off_by_one, (long long)d[i].more,
               d[i].max_abs);
        if (isfinite(d[i].sqnr_db))
            printf("%9.2f\n", d[i].sqnr_db);
        else
            printf("%9s\n", d[i].sqnr_db > 0 ? "inf" : "-inf");
    }
    printf("\n%lld samples, %lld elements: %lld identical, %lld off by 1 LSB, %lld by more\n",
           (long long)samples, (long long)tot, (long long)same, (long long)one, (long long)more);
    print_unpaired(pairing, false);
}

int cmd_compare(int argc, char **argv)
{
    static const struct option opts[] = {
        { "a-engine", required_argument, NULL, OPT_AENG },
        { "b-engine", required_argument, NULL, OPT_BENG },
        { "rounding", required_argument, NULL, OPT_ROUND },
        { "vs-rounding", required_argument, NULL, OPT_VSROUND },
        { "against", required_argument, NULL, OPT_AGAINST },
        { "labels", required_argument, NULL, OPT_LABELS },
        { "fail-on-diff", no_argument, NULL, OPT_FAIL },
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, 'h' },
        CLI_RUN_OPTIONS,
        { NULL, 0, NULL, 0 },
    };
    struct qv_compare_opts co = QV_COMPARE_OPTS_INIT;
    struct cli_run_flags flags = { 0 };
    bool a_set = false, b_set = false, vs_set = false, fail_on_diff = false, json = false;
    const char *against = NULL, *labels = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hj:q", opts, NULL)) != -1) {
        int shared = cli_run_flag("compare", c, optarg, &flags);
        if (shared < 0)
            return CLI_EXIT_INPUT;
        if (shared > 0)
            continue;
        switch (c) {
        case OPT_AENG:
            if (!cli_parse_engine("compare", optarg, &co.a.kind))
                return CLI_EXIT_INPUT;
            a_set = true;
            break;
        case OPT_BENG:
            if (!cli_parse_engine("compare", optarg, &co.b.kind))
                return CLI_EXIT_INPUT;
            b_set = true;
            break;
        case OPT_ROUND:
            if (!cli_parse_rounding("compare", optarg, &co.a.rounding))
                return CLI_EXIT_INPUT;
            break;
        case OPT_VSROUND:
            if (!cli_parse_rounding("compare", optarg, &co.b.rounding))
                return CLI_EXIT_INPUT;
            vs_set = true;
            break;
        case OPT_AGAINST: against = optarg; break;
        case OPT_LABELS: labels = optarg; break;
        case OPT_FAIL: fail_on_diff = true; break;
        case OPT_JSON: json = true; break;
        case 'h': fputs(usage, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("compare", "unknown option '%s'", argv[optind - 1]);
        }
    }
    int nargs = argc - optind;
    if (nargs < 1)
        return cli_usage_error("compare", "expected MODEL_A [MODEL_B] DATA..., got no arguments");
    /* MODEL_A, then MODEL_B when the next argument names a model, then the data files; a model
     * directory alone stands for its float and int8 models (and its golden set) */
    struct stat sb;
    static struct qv_manifest man;
    const char *pa = argv[optind], *pb = NULL;
    bool dir = stat(pa, &sb) == 0 && S_ISDIR(sb.st_mode);
    bool two = !dir && !against && nargs >= 3 && cli_is_model_path(argv[optind + 1]);
    int n_data = nargs - (two ? 2 : 1);
    struct qv_error merr = QV_ERROR_INIT;
    if (dir) {
        if (qv_manifest_load(pa, &man, &merr) != QV_OK)
            return cli_report(&merr);
        qv_data_spec_from_manifest(&man, false, &co.run.data);
        if (against) {
            pb = NULL;
            pa = qv_manifest_model(&man, true);
        } else if (!man.model[0] || !man.int8_model[0]) {
            return cli_usage_error("compare", "%s needs a float and an int8 model to compare "
                                   "(qvet.json \"model\" and \"int8_model\")", argv[optind]);
        } else {
            pa = man.model;
            pb = man.int8_model;
        }
    } else {
        pb = two ? argv[optind + 1] : NULL;
    }
    if (n_data < 1 && !dir)
        return cli_usage_error("compare", "expected MODEL_A [MODEL_B] DATA..., got %d "
                               "arguments", nargs);
    if (n_data > 0) {
        if (!cli_data_args("compare", n_data, argv + optind + (two ? 2 : 1), &co.run.data))
            return CLI_EXIT_INPUT;
        co.run.data.labels = NULL;
    }
    if (labels)
        co.run.data.labels = labels;
    struct cli_progress bar;
    cli_progress_init(&bar, "compare", flags.quiet || json);
    cli_apply_run_flags(&flags, &co.run, &bar);
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *ga = NULL, *gb = NULL;
    struct qv_layer_diff *diffs = NULL;
    struct qv_pairing *pairing = NULL;
    int32_t n = 0;
    int64_t samples = 0;
    int rc = CLI_EXIT_OK;
    if (qv_model_load(pa, &ga, &err) != QV_OK)
        return cli_report(&err);
    if (pb && qv_model_load(pb, &gb, &err) != QV_OK) {
        qv_graph_free(ga);
        return cli_report(&err);
    }
    const struct qv_graph *side_b = gb ? gb : ga;
    if (pb) {
        /* the same file twice with the same engine: nothing would be compared */
        char *ra = realpath(pa, NULL), *rb = realpath(pb, NULL);
        bool same = ra && rb && strcmp(ra, rb) == 0;
        free(ra);
        free(rb);
        if (same && (!a_set || !b_set || co.a.kind == co.b.kind) && !vs_set) {
            qv_graph_free(ga);
            qv_graph_free(gb);
            return cli_usage_error("compare", "'%s' would be compared with itself: give two "
                                   "models, --a-engine/--b-engine or --vs-rounding", pa);
        }
    }
    co.name_a = pa;
    co.name_b = pb ? pb : pa;
    if (!a_set)
        co.a.kind = cli_default_engine(ga);
    if (!b_set)
        co.b.kind = cli_default_engine(side_b);
    if (!pb && !against && !vs_set && co.a.kind == co.b.kind)
        co.b.rounding = co.a.rounding == QV_ROUNDING_DOUBLE ? QV_ROUNDING_SINGLE
                                                            : QV_ROUNDING_DOUBLE;
    enum qv_status st;
    if (against)
        st = qv_compare_saved(ga, against, &co, &diffs, &n, &samples, &err);
    else
        st = qv_compare_run(ga, side_b, &co, &diffs, &n, &samples, &pairing, &err);
    cli_progress_end(&bar);
    if (st != QV_OK) {
        rc = cli_report(&err);
    } else {
        print_table(side_b, ga, diffs, n, samples, pairing, json);
        for (int32_t i = 0; fail_on_diff && i < n; i++)
            if (diffs[i].same != diffs[i].elems)
                rc = CLI_EXIT_GATE;
    }
    free(diffs);
    qv_pairing_free(pairing);
    qv_graph_free(ga);
    qv_graph_free(gb);
    return rc;
}
