/* SPDX-License-Identifier: Apache-2.0 */
/* qvet run [DIR...]: the main job on model directories; qvet merge OUT PART...: shards. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "qvet/report.h"
#include "report/report.h"

static const char usage[] =
    "usage: qvet run [OPTIONS] [DIR...]\n\n"
    "For each model directory (default: the current directory): runs the float model with the\n"
    "float32 reference engine and the int8 model with the bit-exact int8 emulator over the\n"
    "golden set in one pass (no int8 model: qvet's own PTQ makes one; both given: qvet's PTQ\n"
    "is compared beside the int8 model), computes the task metrics (qvet.json \"task\"),\n"
    "evaluates the gates (qvet.json's and the command line's, else qvet's defaults:\n"
    "docs/run.md) and writes the report set (summary.json, summary.md, metrics.csv,\n"
    "predictions.csv, junit.xml, layers.csv, budget.csv, report.html, the int8 model's\n"
    "exports) as one unit. Exit 0 when every gate passes, 1 when one fails, 2 on bad input.\n"
    "Files among several DIRs are skipped with a warning (datasets/* also matches a README).\n\n"
    "  -o, --out DIR           output directory (default DIR/qvet-out; with several DIRs,\n"
    "                          OUT/<name>)\n"
    "  --rounding double|single  int8 requantization flavour (default double = TFLM)\n"
    "  -t, --target NAME       an MCU target profile to budget and gate the int8 model for\n"
    "                          ('qvet targets' lists them; repeatable; replaces qvet.json's\n"
    "                          \"targets\")\n"
    "  --no-own-ptq            with a float and an int8 model, do not also quantize the float\n"
    "                          model with qvet's own PTQ to compare (the \"int8 (qvet PTQ)\"\n"
    "                          column)\n"
    "  --shard K/N             evaluate the K-th of N slices of the golden set and write a\n"
    "                          partial result; 'qvet merge' combines the N of them\n"
    "  --json                  print the summaries as one JSON document\n"
    "  --timings               print each stage's wall time on stderr (load, ptq, run, budget,\n"
    "                          reports; never in the reports)\n"
    "  --baseline OLD/summary.json  show what changed since a previous run (every report);\n"
    "                          --max-regression X gates the task's headline figure\n"
    "  --max-accuracy-drop X, --min-agreement X, --min-output-sqnr-db X,\n"
    "  --min-layer-sqnr-db X, --max-nonfinite-outputs N, --max-arena BYTES,\n"
    "  --max-flash BYTES, --sram-headroom X, --max-regression X\n"
    "                          gates (override qvet.json's)\n"
    CLI_RUN_HELP
    "  --help                  this text\n";

static const char merge_usage[] =
    "usage: qvet merge [OPTIONS] OUT PART...\n\n"
    "Combines the partial results of the N shards of one 'qvet run --shard K/N' (each PART the\n"
    "output directory of one shard, in any order) into OUT: exactly the reports one run over the\n"
    "whole golden set would have written. Exit codes as for qvet run.\n\n"
    "  --json                  print the summary as JSON\n"
    "  --baseline OLD/summary.json  as for qvet run (give the run's baseline again)\n"
    "  --help                  this text\n";

enum { OPT_ROUNDING = 256, OPT_JSON, OPT_SHARD, OPT_GATE, OPT_BASELINE, OPT_TIMINGS,
       OPT_NO_OWN_PTQ };

static void print_result(const struct qv_job_result *r)
{
    struct qv_figures fig;
    qv_report_figures(r, &fig);
    printf("%s: %s (%s, %lld samples%s)\n", r->manifest.name, r->passed ? "PASS" : "FAIL",
           qv_task_name(r->spec.task), (long long)r->samples,
           r->default_gates ? ", default gates" : "");
    for (int s = 0; s < QV_JOB_MODELS; s++) {
        if (!r->models[s].present)
            continue;
        /* a model qvet's PTQ made: named by the float model it quantized */
        if (r->models[s].own_ptq)
            printf("  %s of %s", r->models[s].label, r->models[QV_SIDE_FLOAT].path);
        else
            printf("  %-8s %s", r->models[s].label, r->models[s].path);
        for (int32_t i = 0; i < fig.n_metrics; i++)
            if (isfinite(fig.metrics[i].value[s]) &&
                strcmp(fig.metrics[i].key, "nonfinite_samples") != 0)
                printf(", %s %.*f", fig.metrics[i].key, fig.metrics[i].digits,
                       fig.metrics[i].value[s]);
        printf("\n");
    }
    for (int s = QV_SIDE_INT8; s < QV_JOB_MODELS; s++) {
        if (s == QV_JOB_ALT && !r->models[s].present)
            break;
        for (int32_t i = 0; i < fig.n_divergence && i < 3; i++)
            printf("%s%s %.*f%s", i ? ", " : (s == QV_JOB_ALT ? "  qvet PTQ: " : "  "),
                   fig.divergence[i].key, fig.divergence[i].digits, fig.divergence[i].value[s],
                   i + 1 == fig.n_divergence || i == 2 ? "\n" : "");
    }
    for (int32_t i = 0; i < r->n_notes; i++)
        printf("  note: %s\n", r->notes[i]);
    for (int32_t i = 0; i < r->n_gates; i++) {
        const struct qv_gate_result *g = &r->gates[i];
        printf("  gate %-22s %-7s %s\n", g->name,
               g->state == QV_GATE_PASS ? "pass" : (g->state == QV_GATE_FAIL ? "FAIL" : "skipped"),
               g->detail);
    }
    printf("  reports: %s/\n", r->out_dir);
}

static bool is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* One directory's line of the table that closes a run over several directories. */
struct dir_row {
    char name[128];
    const char *task;
    long long samples;
    int exit_code;                   /* 0 pass, 1 a gate failed, 2/3 not run */
    int gates_pass, gates_fail, gates_skipped;
    char key[40];                    /* the headline figure: the task's first metric */
    double value[QV_SIDES];
    int digits;
};

static void fill_row(struct dir_row *row, const struct qv_job_result *r)
{
    struct qv_figures fig;
    qv_report_figures(r, &fig);
    snprintf(row->name, sizeof(row->name), "%s", r->manifest.name);
    row->task = qv_task_name(r->spec.task);
    row->samples = (long long)r->samples;
    row->exit_code = r->passed ? CLI_EXIT_OK : CLI_EXIT_GATE;
    for (int32_t i = 0; i < r->n_gates; i++) {
        row->gates_pass += r->gates[i].state == QV_GATE_PASS;
        row->gates_fail += r->gates[i].state == QV_GATE_FAIL;
        row->gates_skipped += r->gates[i].state == QV_GATE_SKIPPED;
    }
    /* the task's first metric measured, else the output SQNR (raw, or no labels) */
    const struct qv_report_metric *h = NULL;
    for (int32_t i = 0; i < fig.n_metrics && !h; i++)
        if (strcmp(fig.metrics[i].key, "nonfinite_samples") != 0 &&
            (isfinite(fig.metrics[i].value[0]) || isfinite(fig.metrics[i].value[1])))
            h = &fig.metrics[i];
    for (int32_t i = 0; i < fig.n_divergence && !h; i++)
        if (strcmp(fig.divergence[i].key, "output_sqnr_db") == 0)
            h = &fig.divergence[i];
    if (h) {
        snprintf(row->key, sizeof(row->key), "%s", h->key);
        bool per_model = h >= fig.metrics && h < fig.metrics + fig.n_metrics;
        row->value[0] = per_model ? h->value[0] : NAN;
        row->value[1] = h->value[1];
        row->digits = h->digits;
    } else {
        row->value[0] = row->value[1] = NAN;
    }
}

static void print_value(double v, int digits)
{
    if (isnan(v))
        printf(" %10s", "-");
    else
        printf(" %10.*f", digits, v);
}

/* Several directories: one table after their results. */
static void print_table(const struct dir_row *rows, int n)
{
    int counts[4] = { 0, 0, 0, 0 };
    for (int i = 0; i < n; i++)
        counts[rows[i].exit_code > 1 ? 2 : rows[i].exit_code]++;
    printf("\n%d directories: %d passed, %d failed a gate, %d not evaluated\n", n, counts[0],
           counts[1], counts[2]);
    printf("  %-20s %-14s %8s %-6s %-14s %-16s %10s %10s\n", "directory", "task", "samples",
           "result", "gates", "figure", "float32", "int8");
    for (int i = 0; i < n; i++) {
        const struct dir_row *w = &rows[i];
        if (w->exit_code > 1) {
            printf("  %-20s %-14s %8s %-6s (exit %d: the error above)\n", w->name, "-", "-",
                   "ERROR", w->exit_code);
            continue;
        }
        char gates[32];
        snprintf(gates, sizeof(gates), "%d/%d pass", w->gates_pass,
                 w->gates_pass + w->gates_fail + w->gates_skipped);
        printf("  %-20s %-14s %8lld %-6s %-14s %-16s", w->name, w->task, w->samples,
               w->exit_code ? "FAIL" : "PASS", gates, w->key[0] ? w->key : "-");
        print_value(w->value[0], w->digits);
        print_value(w->value[1], w->digits);
        printf("\n");
    }
}

/* --timings: each stage's wall time, on stderr (stdout may be --json). */
static void print_timings(const struct qv_job_result *r, int32_t threads)
{
    double total = 0;
    fprintf(stderr, "%s: wall time:", r->manifest.name);
    for (int s = 0; s < QV_STAGE_COUNT; s++) {
        double t = r->stage_s[s];
        total += t;
        if (s == QV_STAGE_PTQ && t == 0)
            continue;
        fprintf(stderr, "%s %s %.3f s", s ? "," : "", qv_job_stage_name(s), t);
        if (s == QV_STAGE_RUN)
            fprintf(stderr, " (%lld samples, %.0f/s, -j %d)", (long long)r->samples,
                    t > 0 ? (double)r->samples / t : 0.0, threads);
    }
    fprintf(stderr, ", total %.3f s\n", total);
}

/* Adds a run's summary.json to the document's array. */
static void add_json(cJSON *runs, const struct qv_job_result *r)
{
    char *text = qv_report_summary_text(r);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    cJSON_free(text);
    if (j)
        cJSON_AddItemToArray(runs, j);
}

/* Adds a directory that could not be evaluated to the document's "errors". */
static void add_error(cJSON *errors, const char *dir, int exit_code, const struct qv_error *err)
{
    char msg[2048];
    qv_error_format(err, msg, sizeof(msg));
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "dir", dir);
    cJSON_AddNumberToObject(e, "exit_code", exit_code);
    cJSON_AddStringToObject(e, "message", msg);
    cJSON_AddItemToArray(errors, e);
}

static int finish_json(cJSON *doc, bool passed)
{
    cJSON_AddBoolToObject(doc, "passed", passed);
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    if (!text)
        return CLI_EXIT_INTERNAL;
    printf("%s\n", text);
    cJSON_free(text);
    return CLI_EXIT_OK;
}

/* --max-accuracy-drop etc.: which gate an option name sets. */
static int gate_of_option(const char *name)
{
    for (int g = 0; g < QV_GATE_ID_COUNT; g++)
        if (strcmp(qv_gate_defs[g].option + 2, name) == 0)
            return g;
    return -1;
}

static bool parse_gate(const char *cmd, int g, const char *text, struct qv_gates *gates)
{
    char *end = NULL;
    double v = strtod(text, &end);
    const struct qv_gate_def *d = &qv_gate_defs[g];
    if (end == text || *end || !(v >= d->lo && v <= d->hi)) {
        cli_usage_error(cmd, "%s expects a number in [%g, %g], got '%s'", d->option, d->lo,
                        d->hi, text);
        return false;
    }
    gates->has[g] = true;
    gates->value[g] = v;
    return true;
}

/* --target names must be built-in profiles; an unknown one lists them (as qvet budget does). */
static bool check_targets(const char *const *names, int32_t n)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_target_set *set = NULL;
    if (qv_targets_builtin(&set, &err) != QV_OK) {
        cli_report(&err);
        return false;
    }
    bool ok = true;
    for (int32_t i = 0; i < n && ok; i++) {
        if (qv_targets_find(set, names[i]))
            continue;
        char known[1024] = "";
        for (int32_t k = 0; k < qv_targets_count(set); k++)
            snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s", k ? ", " : "",
                     qv_targets_at(set, k)->name);
        cli_usage_error("run", "unknown target '%s' (known: %s)", names[i], known);
        ok = false;
    }
    qv_targets_free(set);
    return ok;
}

int cmd_run(int argc, char **argv)
{
    struct option opts[32] = {
        { "out", required_argument, NULL, 'o' },
        { "rounding", required_argument, NULL, OPT_ROUNDING },
        { "json", no_argument, NULL, OPT_JSON },
        { "shard", required_argument, NULL, OPT_SHARD },
        { "baseline", required_argument, NULL, OPT_BASELINE },
        { "timings", no_argument, NULL, OPT_TIMINGS },
        { "no-own-ptq", no_argument, NULL, OPT_NO_OWN_PTQ },
        { "target", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        CLI_RUN_OPTIONS,
    };
    int no = 0;
    while (opts[no].name)
        no++;
    for (int g = 0; g < QV_GATE_ID_COUNT; g++)
        opts[no++] = (struct option){ qv_gate_defs[g].option + 2, required_argument, NULL,
                                      OPT_GATE };
    opts[no] = (struct option){ NULL, 0, NULL, 0 };
    struct qv_job_opts ro = QV_JOB_OPTS_INIT;
    struct cli_run_flags flags = { 0 };
    const char *out = NULL;
    bool json = false, timings = false;
    int c, index = 0;
    optind = 1;
    const char *targets[16];
    int32_t n_targets = 0;
    while ((c = getopt_long(argc, argv, "ho:j:qt:", opts, &index)) != -1) {
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
        case OPT_SHARD:
            if (!qv_run_parse_shard(optarg, &ro.run.shard, &ro.run.n_shards))
                return cli_usage_error("run", "--shard expects K/N with 1 <= K <= N, got '%s'",
                                       optarg);
            ro.partial = true;
            break;
        case OPT_GATE:
            if (!parse_gate("run", gate_of_option(opts[index].name), optarg, &ro.gates))
                return CLI_EXIT_INPUT;
            break;
        case OPT_BASELINE: ro.baseline = optarg; break;
        case OPT_TIMINGS: timings = true; break;
        case OPT_NO_OWN_PTQ: ro.no_own_ptq = true; break;
        case 't':
            if (n_targets == (int32_t)(sizeof(targets) / sizeof(targets[0])))
                return cli_usage_error("run", "more than %d --target options",
                                       (int)(sizeof(targets) / sizeof(targets[0])));
            targets[n_targets++] = optarg;
            break;
        case 'h': fputs(usage, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("run", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (n_targets > 0 && !check_targets(targets, n_targets))
        return CLI_EXIT_INPUT;
    ro.targets = targets;
    ro.n_targets = n_targets;
    int ndirs = 0;
    char *const here[] = { "." };
    char **dirs = argv + optind;
    /* `qvet run datasets/<star>`: the glob also matches files beside the directories (a README):
     * when at least one argument is a directory, the arguments that are existing files are
     * skipped with a warning. Paths that do not exist stay errors (a typo is not skipped). */
    bool any_dir = false;
    for (int i = optind; i < argc; i++)
        any_dir |= is_dir(argv[i]);
    for (int i = optind; i < argc; i++) {
        struct stat sb;
        if (any_dir && stat(argv[i], &sb) == 0 && !S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "qvet: warning: %s is not a directory: skipped\n", argv[i]);
            continue;
        }
        dirs[ndirs++] = argv[i];   /* in place: argv's own array, already parsed */
    }
    if (!ndirs) {
        dirs = (char **)here;
        ndirs = 1;
    }
    int32_t shard = ro.run.shard, n_shards = ro.run.n_shards;
    /* several directories into one --out: OUT/<name>, and the names must differ */
    /* (a directory whose qvet.json cannot be read gets no name: it is reported in its turn,
     * as an error row, like any directory that cannot be evaluated) */
    static char names[256][128];
    static struct qv_error name_err[256];
    if (out && ndirs > 1) {
        if (ndirs > 256)
            return cli_usage_error("run", "at most 256 directories with -o, got %d", ndirs);
        for (int i = 0; i < ndirs; i++) {
            static struct qv_manifest m;
            name_err[i] = (struct qv_error)QV_ERROR_INIT;
            names[i][0] = '\0';
            if (qv_manifest_load(dirs[i], &m, &name_err[i]) != QV_OK)
                continue;
            snprintf(names[i], sizeof(names[i]), "%s", m.name);
            for (int k = 0; k < i; k++)
                if (names[k][0] && strcmp(names[k], names[i]) == 0)
                    return cli_usage_error("run", "'%s' and '%s' are both named '%s': their "
                                           "reports would overwrite each other under %s (set "
                                           "\"name\" in qvet.json)", dirs[k], dirs[i], names[i],
                                           out);
        }
    }
    int rc = CLI_EXIT_OK;
    bool passed = true;
    struct cli_progress bar;
    cli_progress_init(&bar, "run", flags.quiet || json);
    cli_apply_run_flags(&flags, &ro.run, &bar);
    ro.run.shard = shard;
    ro.run.n_shards = n_shards;
    cJSON *doc = json ? cJSON_CreateObject() : NULL;
    cJSON *runs = doc ? cJSON_AddArrayToObject(doc, "runs") : NULL;
    /* directories that could not be evaluated: in the document too, so that it accounts for
     * every directory given */
    cJSON *errors = doc ? cJSON_AddArrayToObject(doc, "errors") : NULL;
    /* several directories, printed: a table at the end */
    struct dir_row *table = ndirs > 1 && !json && !ro.partial ? calloc((size_t)ndirs,
                                                                       sizeof(*table)) : NULL;
    for (int i = 0; i < ndirs; i++) {
        struct qv_error err = QV_ERROR_INIT;
        static struct qv_job_result r;
        char outdir[QV_PATH_MAX];
        if (out && ndirs > 1) {
            snprintf(outdir, sizeof(outdir), "%s/%s", out, names[i]);
            ro.out_dir = outdir;
        } else {
            ro.out_dir = out;
        }
        enum qv_status st;
        if (out && ndirs > 1 && !names[i][0]) {
            err = name_err[i];
            st = err.status;
        } else {
            st = qv_job_run(dirs[i], &ro, &r, &err);
        }
        cli_progress_end(&bar);
        if (st != QV_OK) {
            int e = cli_report(&err);
            rc = e > rc ? e : rc;
            passed = false;
            if (errors)
                add_error(errors, dirs[i], e, &err);
            if (table) {
                snprintf(table[i].name, sizeof(table[i].name), "%s", dirs[i]);
                table[i].exit_code = e;
            }
            continue;
        }
        if (table)
            fill_row(&table[i], &r);
        if (ro.partial && !json)
            printf("%s: shard %d/%d, %lld samples from %lld: partial result in %s/\n",
                   r.manifest.name, shard + 1, n_shards, (long long)r.samples,
                   (long long)r.first, r.out_dir);
        else if (runs)
            add_json(runs, &r);
        else
            print_result(&r);
        if (timings)
            print_timings(&r, ro.run.n_threads > 0 ? ro.run.n_threads
                                                   : qv_run_default_threads());
        if (!r.passed && !ro.partial) {
            passed = false;
            if (rc == CLI_EXIT_OK)
                rc = CLI_EXIT_GATE;
        }
        qv_job_result_release(&r);
    }
    if (table) {
        print_table(table, ndirs);
        free(table);
    }
    if (doc) {
        int e = finish_json(doc, passed && rc == CLI_EXIT_OK);
        rc = e > rc ? e : rc;
    }
    return rc;
}

int cmd_merge(int argc, char **argv)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, OPT_JSON },
        { "baseline", required_argument, NULL, OPT_BASELINE },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    bool json = false;
    const char *baseline = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_JSON: json = true; break;
        case OPT_BASELINE: baseline = optarg; break;
        case 'h': fputs(merge_usage, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("merge", "unknown option '%s'", argv[optind - 1]);
        }
    }
    int nargs = argc - optind;
    if (nargs < 2)
        return cli_usage_error("merge", "expected OUT PART..., got %d arguments", nargs);
    struct qv_error err = QV_ERROR_INIT;
    static struct qv_job_result r;
    if (qv_job_merge(argv[optind], nargs - 1, (const char *const *)argv + optind + 1, baseline, &r,
                     &err) != QV_OK)
        return cli_report(&err);
    int rc = r.passed ? CLI_EXIT_OK : CLI_EXIT_GATE;
    if (json) {
        cJSON *doc = cJSON_CreateObject();
        add_json(cJSON_AddArrayToObject(doc, "runs"), &r);
        cJSON_AddArrayToObject(doc, "errors");
        if (finish_json(doc, r.passed) != CLI_EXIT_OK)
            rc = CLI_EXIT_INTERNAL;
    } else {
        print_result(&r);
    }
    qv_job_result_release(&r);
    return rc;
}
