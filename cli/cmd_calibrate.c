/* SPDX-License-Identifier: Apache-2.0 */
/* qvet calibrate MODEL DATA -o STATS.json, and --merge. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant_cli.h"

static const char usage[] =
    "usage: qvet calibrate [OPTIONS] MODEL [DATA] -o STATS.json\n"
    "       qvet calibrate --merge A.json B.json... -o ALL.json\n\n"
    "Runs the float model over DATA (.npy or .csv) and writes, for every float activation,\n"
    "statistics that any range observer can use: value count, min and max, a histogram and\n"
    "each sample's extremes. The file is mergeable: --merge gives exactly the statistics of one\n"
    "pass over all the sets (in argument order). MODEL may be a model directory: DATA then\n"
    "defaults to its calibration set (else its golden set) and its preprocessing applies.\n"
    "Diagnostics (clipped values, int8 levels used, dead weight channels, warnings about the\n"
    "set) are written into the file and printed.\n\n"
    "  -o, --out FILE          statistics file (required)\n"
    "  --merge                 merge statistics files of one model instead of calibrating\n"
    "  --method M              observer the diagnostics describe: minmax, ema, percentile,\n"
    "                          kl, mse (default minmax)\n"
    "  --percentile P          percentile observer (default 99.99)\n"
    "  --golden FILE           warn when the calibration inputs differ from this set's\n"
    "                          (default for a model directory: its golden set)\n"
    "  --min-samples N         warn when the set holds fewer samples (default 100)\n"
    "  --batch N               samples per engine run (default 64; results do not depend on it)\n"
    "  --max-samples N         stop after N samples (a model directory's calibration.samples)\n"
    "  --allow-nonfinite       accept NaN/Inf in the data (they still fail calibration)\n"
    "  -q, --quiet             no table, no progress\n"
    "  --json                  print the diagnostics as JSON\n"
    "  --help                  this text\n";

enum { OPT_MERGE = 256, OPT_METHOD, OPT_PERCENTILE, OPT_GOLDEN, OPT_MIN_SAMPLES, OPT_BATCH,
       OPT_MAX, OPT_NONFINITE, OPT_JSON };

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

int cmd_calibrate(int argc, char **argv)
{
    static const struct option opts[] = {
        { "out", required_argument, NULL, 'o' },
        { "merge", no_argument, NULL, OPT_MERGE },
        { "method", required_argument, NULL, OPT_METHOD },
        { "percentile", required_argument, NULL, OPT_PERCENTILE },
        { "golden", required_argument, NULL, OPT_GOLDEN },
        { "min-samples", required_argument, NULL, OPT_MIN_SAMPLES },
        { "batch", required_argument, NULL, OPT_BATCH },
        { "max-samples", required_argument, NULL, OPT_MAX },
        { "allow-nonfinite", no_argument, NULL, OPT_NONFINITE },
        { "quiet", no_argument, NULL, 'q' },
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct qv_range_opts ro = QV_RANGE_OPTS_INIT;
    enum qv_range_method method = QV_RANGE_MINMAX;
    const char *out = NULL, *golden = NULL;
    bool merge = false, quiet = false, json = false, nonfinite = false;
    int64_t min_samples = 100, batch = 64, max_samples = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:q", opts, NULL)) != -1) {
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
        case OPT_BATCH:
            if (!cli_parse_int("calibrate", "--batch", optarg, 1, 65536, &batch))
                return CLI_EXIT_INPUT;
            break;
        case OPT_MAX:
            if (!cli_parse_int("calibrate", "--max-samples", optarg, 1, INT64_MAX, &max_samples))
                return CLI_EXIT_INPUT;
            break;
        case OPT_NONFINITE: nonfinite = true; break;
        case 'q': quiet = true; break;
        case OPT_JSON: json = true; break;
        case 'h': fputs(usage, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("calibrate", "unknown option '%s'", argv[optind - 1]);
        }
    }
    int nargs = argc - optind;
    if (!out)
        return cli_usage_error("calibrate", "-o STATS.json is required");
    if (merge) {
        if (nargs < 1)
            return cli_usage_error("calibrate", "--merge expects one or more statistics files");
        return merge_files(nargs, argv + optind, out, method, &ro, quiet || json);
    }
    if (nargs < 1 || nargs > 2)
        return cli_usage_error("calibrate", "expected MODEL [DATA], got %d arguments", nargs);
    struct quant_input in;
    int rc = quant_resolve_input("calibrate", argv[optind], nargs == 2 ? argv[optind + 1] : NULL,
                                 &in);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!in.data[0])
        return cli_usage_error("calibrate", "DATA is required unless MODEL is a model directory");
    in.copts.batch = batch;
    in.copts.max_samples = max_samples ? max_samples : in.manifest_samples;
    in.copts.data.allow_nonfinite = nonfinite;
    bool progress = quant_progress_wanted(quiet || json);
    if (progress) {
        in.copts.progress = quant_progress;
        in.copts.progress_user = "calibrate";
    }
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    struct qv_calib *cal = NULL;
    if (qv_model_load(in.model, &g, &err) != QV_OK)
        return cli_report(&err);
    enum qv_status st = qv_calib_run(g, in.data, &in.copts, &cal, &err);
    quant_progress_end(progress);
    if (st == QV_OK)
        st = qv_calib_check_set(cal, min_samples, golden ? golden : (in.golden[0] ? in.golden
                                                                                  : NULL),
                                &in.copts, &err);
    if (st == QV_OK)
        st = qv_calib_save(cal, out, method, &ro, &err);
    if (st != QV_OK) {
        rc = cli_report(&err);
    } else {
        if (!quiet)
            print_table(cal, method, &ro, json);
        struct qv_dead_channels *dead = NULL;
        int32_t n_dead = 0;
        if (qv_dead_channels_find(g, &dead, &n_dead, &err) == QV_OK) {
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
        for (int32_t i = 0; i < cal->n_warnings; i++)
            fprintf(stderr, "qvet calibrate: warning: %s\n", cal->warnings[i]);
        if (!quiet && !json)
            printf("statistics: %s\n", out);
    }
    qv_calib_free(cal);
    qv_graph_free(g);
    return rc;
}
