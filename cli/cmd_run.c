/* SPDX-License-Identifier: Apache-2.0 */
/* qvet run [DIR...]: the main job on model directories. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: qvet run [OPTIONS] [DIR...]\n\n"
    "For each model directory (default: the current directory): runs the float model with the\n"
    "float32 reference engine and the int8 model with the bit-exact int8 emulator over the\n"
    "golden set, compares accuracy, agreement and output SQNR, evaluates the gates of\n"
    "qvet.json and writes summary.json, summary.md, metrics.csv, predictions.csv and\n"
    "junit.xml. Exit code 0 when every gate passes, 1 when one fails, 2 on bad input.\n\n"
    "  -o, --out DIR           output directory (default DIR/qvet-out; with several DIRs,\n"
    "                          OUT/<name>)\n"
    "  --rounding double|single  int8 requantization flavour (default double = TFLM)\n"
    "  --json                  print each directory's summary.json to stdout\n"
    CLI_RUN_HELP
    "  --help                  this text\n";

enum { OPT_ROUNDING = 256, OPT_JSON };

static void print_result(const struct qv_job_result *r)
{
    const struct qv_manifest *m = &r->manifest;
    printf("%s: %s\n", m->name, r->passed ? "PASS" : "FAIL");
    if (r->has_float) {
        printf("  float32  %-40s %lld samples", m->model, (long long)r->f.n);
        if (r->has_labels)
            printf(", accuracy %.4f", r->f.accuracy);
        printf("\n");
    }
    if (r->has_int8) {
        printf("  int8     %-40s %lld samples", m->int8_model, (long long)r->q.n);
        if (r->has_labels)
            printf(", accuracy %.4f", r->q.accuracy);
        printf("\n");
    }
    if (r->has_float && r->has_int8)
        printf("  agreement %.4f, output SQNR %.2f dB\n", r->agreement, r->output_sqnr_db);
    if (r->note[0])
        printf("  note: %s\n", r->note);
    for (int32_t i = 0; i < r->n_gates; i++) {
        const struct qv_gate_result *g = &r->gates[i];
        printf("  gate %-20s %-7s %s\n", g->name,
               g->state == QV_GATE_PASS ? "pass" : (g->state == QV_GATE_FAIL ? "FAIL" : "skipped"),
               g->detail);
    }
    printf("  reports: %s/\n", r->out_dir);
}

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        { "out", required_argument, NULL, 'o' },
        { "rounding", required_argument, NULL, OPT_ROUNDING },
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, 'h' },
        CLI_RUN_OPTIONS,
        { NULL, 0, NULL, 0 },
    };
    struct qv_job_opts ro = QV_JOB_OPTS_INIT;
    struct cli_run_flags flags = { 0 };
    const char *out = NULL;
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:j:q", opts, NULL)) != -1) {
        int shared = cli_run_flag("run", c, optarg, &flags);
        if (shared < 0)
            return CLI_EXIT_INPUT;
        if (shared > 0)
            continue;
        switch (c) {
        case 'o': out = optarg; break;
        case OPT_ROUNDING:
            if (!cli_parse_rounding("run", optarg, &ro.rounding))
                return CLI_EXIT_INPUT;
            break;
        case OPT_JSON: json = true; break;
        case 'h': fputs(usage, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("run", "unknown option '%s'", argv[optind - 1]);
        }
    }
    int ndirs = argc - optind;
    char *const here[] = { "." };
    char *const *dirs = ndirs ? argv + optind : here;
    if (!ndirs)
        ndirs = 1;
    int rc = CLI_EXIT_OK;
    struct cli_progress bar;
    cli_progress_init(&bar, "run", flags.quiet);
    cli_apply_run_flags(&flags, &ro.run, &bar);
    for (int i = 0; i < ndirs; i++) {
        struct qv_error err = QV_ERROR_INIT;
        struct qv_job_result r;
        char outdir[QV_PATH_MAX];
        if (out && ndirs > 1) {
            struct qv_manifest m;
            if (qv_manifest_load(dirs[i], &m, &err) != QV_OK) {
                rc = cli_report(&err);
                continue;
            }
            snprintf(outdir, sizeof(outdir), "%s/%s", out, m.name);
            ro.out_dir = outdir;
        } else {
            ro.out_dir = out;
        }
        enum qv_status st = qv_job_run(dirs[i], &ro, &r, &err);
        cli_progress_end(&bar);
        if (st != QV_OK) {
            int e = cli_report(&err);
            rc = e > rc ? e : rc;
            continue;
        }
        if (json) {
            char path[QV_PATH_MAX + 32];
            snprintf(path, sizeof(path), "%s/summary.json", r.out_dir);
            FILE *f = fopen(path, "rb");
            char buf[4096];
            size_t n;
            while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
                fwrite(buf, 1, n, stdout);
            if (f)
                fclose(f);
        } else {
            print_result(&r);
        }
        if (!r.passed && rc == CLI_EXIT_OK)
            rc = CLI_EXIT_GATE;
        qv_job_result_release(&r);
    }
    return rc;
}
