/* SPDX-License-Identifier: Apache-2.0 */
/* qvet calibrate MODEL DATA -o STATS.json, and --merge. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant_cli.h"

static const char usage[] =
    "usage: qvet calibrate [OPTIONS] MODEL [DATA...] -o STATS.json\n"
    "       qvet calibrate --merge A.json B.json... -o ALL.json\n\n"
    "Runs the float model over DATA (.npy, .npz or .csv; one .npy per input as INPUT=FILE) and\n"
    "writes, for every float activation, statistics that any range observer can use: value\n"
    "count, min and max, a histogram and each sample's extremes. They are identical for any\n"
    "-j and --batch, and mergeable: --merge gives exactly the statistics of one pass over all\n"
    "the sets (in argument order). MODEL may be a model directory: DATA then defaults to its\n"
    "calibration set (else its golden set) and its preprocessing applies. Diagnostics (clipped\n"
    "values, int8 levels used, dead weight channels, warnings about the set) are written into\n"
    "the file and printed.\n\n"
    "  -o, --out FILE          statistics file (required)\n"
    "  --merge                 merge statistics files of one model instead of calibrating\n"
    "  --method M              observer the diagnostics describe: minmax, ema, percentile,\n"
    "                          kl, mse (default minmax)\n"
    "  --percentile P          percentile observer (default 99.99)\n"
    "  --golden FILE           warn when the calibration inputs differ from this set's\n"
    "                          (default for a model directory: its golden set)\n"
    "  --min-samples N         warn when the set holds fewer samples (default 100)\n"
    "  --json                  print the diagnostics as JSON\n"
    CLI_RUN_HELP
    "  --help                  this text\n";

enum { OPT_MERGE = 256, OPT_METHOD, OPT_PERCENTILE, OPT_GOLDEN, OPT_MIN_SAMPLES, OPT_JSON };

static void print_table(const struct qv_calib *c, enum qv_range_method m,
                        const struct qv_range_opts *ro, bool json)
{
    if (json)
        printf("{\"samples\": %lld, \"method\": \"%s\", \"tensors\": [", (long long)c->n_samples,
               qv_range_method_name(m));
    else
        printf("%lld calibration samples; ranges by %s:\n  %-36s %12s %12s %10s %4s %8s %6s\n",
               (long long)c->n_samples, qv_range_method_name(m), "tensor", "lo", "hi", "scale",
               "zp", "clipped", "levels");
    for (int32_t i = 0; i < c->n_stats; i++) {
        const struct qv_tensor_stats *s = &c->stats[i];
        float lo, hi, scale;
        int32_t zp;
        struct qv_range_diag d;
        if (s->count == 0 || qv_calib_range(c, s->tensor, m, ro, &lo, &hi, NULL) != QV_OK)
            continue;   /* e.g. a min/max-only file and a histogram method */
        qv_quant_act_params(lo, hi, &scale, &zp);
        qv_calib_diagnose(s, scale, zp, &d);
        if (json) {
            printf("%s{\"name\": ", i ? ", " : "");
            qv_json_fputs(stdout, s->name);
            printf(", \"lo\": %.9g, \"hi\": %.9g, \"scale\": %.9g, \"zero_point\": %d, "
                   "\"clipped\": %.6g, \"levels\": %d}", (double)lo, (double)hi, (double)scale,
                   zp, d.clipped, d.levels);
        } else {
            size_t len = strlen(s->name);
            printf("  %-36.36s %12.6g %12.6g %10.4g %4d %7.4f%% %6d\n",
                   len > 36 ? s->name + len - 36 : s->name, (double)lo, (double)hi,
                   (double)scale, zp, 100.0 * d.clipped, d.levels);
        }
    }
    if (json) {
        printf("], \"warnings\": [");
        for (int32_t i = 0; i < c->n_warnings; i++) {
            printf("%s", i ? ", " : "");
            qv_json_fputs(stdout, c->warnings[i]);
        }
        printf("]}\n");
    }
}

static int merge_files(int n, char **paths, const char *out, enum qv_range_method m,
                       const struct qv_range_opts *ro, bool quiet)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_calib *all = NULL;
    int rc = CLI_EXIT_OK;
    for (int i = 0; i < n && rc == CLI_EXIT_OK; i++) {
        struct qv_calib *c = NULL;
        if (qv_calib_load(NULL, paths[i], &c, &err) != QV_OK) {
            rc = cli_report(&err);
        } else if (!all) {
            all = c;
        } else {
            if (qv_calib_merge(all, c, &err) != QV_OK) {
                qv_error_prefix(&err, paths[i], "%s", paths[i]);
                rc = cli_report(&err);
            }
            qv_calib_free(c);
        }
    }
    if (rc == CLI_EXIT_OK && qv_calib_save(all, out, m, ro, &err) != QV_OK)
        rc = cli_report(&err);
    if (rc == CLI_EXIT_OK && !quiet)
        printf("merged %d files: %lld samples -> %s\n", n, (long long)all->n_samples, out);
    qv_calib_free(all);
    return rc;
}

static void print_dead(const struct qv_graph *g)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_dead_channels *dead = NULL;
    int32_t n_dead = 0;
    if (qv_dead_channels_find(g, &dead, &n_dead, &err) != QV_OK)
        return;
    for (int32_t i = 0; i < n_dead; i++) {
        fprintf(stderr, "qvet calibrate: warning: weights '%s' (node %d): %d of %d output "
                "channels quantize to all zeros (channel", g->tensors[dead[i].tensor].name,
                dead[i].node, dead[i].n_dead, dead[i].n_channels);
        for (int32_t k = 0; k < dead[i].n_dead && k < 8; k++)
            fprintf(stderr, "%s %d", k ? "," : "", dead[i].dead[k]);
        fprintf(stderr, "%s)\n", dead[i].n_dead > 8 ? ", ..." : "");
    }
    qv_dead_channels_free(dead, n_dead);
}

int cmd_calibrate(int argc, char **argv)
{
    static const struct option opts[] = {
        { "out", required_argument, NULL, 'o' },
        { "merge", no_argument, NULL, OPT_MERGE },
        { "method", required_argument, NULL, OPT_METHOD },
        { "percentile", required_argument, NULL, OPT_PERCENTILE },
        { "golden", required_argument, NULL, OPT_GOLDEN },
        { "min-samples", required_argument, NULL, OPT_MIN_SAMPLES },
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, 'h' },
        CLI_RUN_OPTIONS,
        { NULL, 0, NULL, 0 },
    };
    struct qv_range_opts ro = QV_RANGE_OPTS_INIT;
    struct cli_run_flags flags = { 0 };
    enum qv_range_method method = QV_RANGE_MINMAX;
    const char *out = NULL, *golden = NULL;
    bool merge = false, json = false;
    int64_t min_samples = 100;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:qj:", opts, NULL)) != -1) {
        int shared = cli_run_flag("calibrate", c, optarg, &flags);
        if (shared < 0)
            return CLI_EXIT_INPUT;
        if (shared > 0)
            continue;
        switch (c) {
        case 'o': out = optarg; break;
        case OPT_MERGE: merge = true; break;
        case OPT_METHOD:
            if (!quant_parse_method("calibrate", optarg, false, NULL, &method))
                return CLI_EXIT_INPUT;
            break;
        case OPT_PERCENTILE: {
            char *end = NULL;
            ro.percentile = strtod(optarg, &end);
            if (!end || *end || !(ro.percentile > 50.0 && ro.percentile <= 100.0))
                return cli_usage_error("calibrate", "--percentile expects a number in (50, 100],"
                                       " got '%s'", optarg);
            break;
        }
        case OPT_GOLDEN: golden = optarg; break;
        case OPT_MIN_SAMPLES:
            if (!cli_parse_int("calibrate", "--min-samples", optarg, 0, INT64_MAX, &min_samples))
                return CLI_EXIT_INPUT;
            break;
        case OPT_JSON: json = true; break;
        case 'h': fputs(usage, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("calibrate", "unknown option '%s'", argv[optind - 1]);
        }
    }
    int nargs = argc - optind;
    bool quiet = flags.quiet;
    if (!out)
        return cli_usage_error("calibrate", "-o STATS.json is required");
    if (merge) {
        if (nargs < 1)
            return cli_usage_error("calibrate", "--merge expects one or more statistics files");
        return merge_files(nargs, argv + optind, out, method, &ro, quiet || json);
    }
    if (nargs < 1)
        return cli_usage_error("calibrate", "expected MODEL [DATA...]");
    struct quant_input *in = malloc(sizeof(*in));
    if (!in)
        return CLI_EXIT_INTERNAL;
    int rc = quant_resolve_input("calibrate", argv[optind], nargs - 1, argv + optind + 1,
                                 &flags, quiet || json, in);
    if (rc == CLI_EXIT_OK && in->data.n_files == 0)
        rc = cli_usage_error("calibrate", "DATA is required unless MODEL is a model directory");
    if (rc != CLI_EXIT_OK) {
        free(in);
        return rc;
    }
    struct qv_data_spec gspec = QV_DATA_SPEC_INIT;
    const struct qv_data_spec *gs = in->golden.n_files ? &in->golden : NULL;
    if (golden) {
        gspec = in->data;
        gspec.n_files = 1;
        gspec.files[0] = golden;
        gspec.names[0] = NULL;
        gs = &gspec;
    }
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    struct qv_calib *cal = NULL;
    if (qv_model_load(in->model, &g, &err) != QV_OK) {
        free(in);
        return cli_report(&err);
    }
    enum qv_status st = qv_calib_run(g, &in->data, &in->copts, &cal, &err);
    cli_progress_end(&in->bar);
    if (st == QV_OK)
        st = qv_calib_check_set(cal, min_samples, gs, &err);
    if (st == QV_OK)
        st = qv_calib_save(cal, out, method, &ro, &err);
    if (st != QV_OK) {
        rc = cli_report(&err);
    } else {
        if (!quiet)
            print_table(cal, method, &ro, json);
        print_dead(g);
        for (int32_t i = 0; i < cal->n_warnings; i++)
            fprintf(stderr, "qvet calibrate: warning: %s\n", cal->warnings[i]);
        if (!quiet && !json)
            printf("statistics: %s\n", out);
    }
    qv_calib_free(cal);
    qv_graph_free(g);
    free(in);
    return rc;
}
