/* SPDX-License-Identifier: Apache-2.0 */
/* qvet budget MODEL: TFLM arena, flash, SRAM, latency and energy per target, with a verdict. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "qvet/budget.h"

static const char usage[] =
    "usage: qvet budget [OPTIONS] MODEL\n\n"
    "Budgets MODEL (a .tflite, a qvet .json model or a model directory, whose int8 model is\n"
    "preferred) for microcontroller targets: the whole TFLite Micro tensor arena (exact for the\n"
    "target's TFLM build), a tighter activation plan, flash (the model, exact, plus TFLM code,\n"
    "estimated), SRAM (arena + input/output buffers + stack, with headroom), estimated latency\n"
    "and energy, and whether every op has a TFLM kernel. Exits 1 when a target does not fit.\n\n"
    "  -t, --target NAME    a target profile (repeatable; default: every profile; see\n"
    "                       'qvet targets')\n"
    "  --targets FILE.json  extra target profiles (schema: docs/budget.md)\n"
    "  --rate R             inferences per second for the average current (default 1)\n"
    "  --stack BYTES        stack the application needs (default 4096)\n"
    "  --headroom F         fraction of SRAM kept free (default 0.20)\n"
    "  --app-share F        fraction of flash left to the application (default 0.50)\n"
    "  --json               machine-readable output on stdout\n"
    "  --csv FILE           per-op rows for every target (written atomically)\n"
    "  --help               this text\n\n"
    "Latency and energy are estimates (MACs x cycles per MAC of the core; docs/budget.md).\n";

enum { OPT_TARGETS = 256, OPT_RATE, OPT_STACK, OPT_HEADROOM, OPT_SHARE, OPT_JSON, OPT_CSV };

#define MAX_TARGETS 64

static bool parse_fraction(const char *opt, const char *text, double lo, double hi, double *ret)
{
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end || !(v >= lo && v <= hi)) {
        cli_usage_error("budget", "%s expects a number in [%g, %g], got '%s'", opt, lo, hi,
                        text);
        return false;
    }
    *ret = v;
    return true;
}

/* "1/s", "0.5", "10/s": inferences per second. */
static bool parse_rate(const char *text, double *ret)
{
    char buf[64];
    size_t n = strlen(text);
    if (n >= sizeof(buf))
        return parse_fraction("--rate", text, 0, 1e6, ret);
    memcpy(buf, text, n + 1);
    if (n > 2 && strcmp(buf + n - 2, "/s") == 0)
        buf[n - 2] = '\0';
    return parse_fraction("--rate", buf, 0, 1e6, ret);
}

static const char *kernels_name(enum qv_kernels k)
{
    return k == QV_KERNELS_CMSIS_NN ? "cmsis-nn" : "reference";
}

static const char *build_name(enum qv_tflm_build b)
{
    switch (b) {
    case QV_TFLM_HOST64_PYTHON: return "host64-python";
    case QV_TFLM_MCU32: return "mcu32";
    case QV_TFLM_MCU64: return "mcu64";
    default: return "?";
    }
}

static void print_text(const struct qv_budget *b, const struct qv_graph *g, const char *path,
                       const struct qv_budget_opts *o)
{
    printf("model    %s\n", path);
    printf("flash    %zu bytes of .tflite: weights %zu, biases %zu, other constants %zu, "
           "quantization %zu, flatbuffer %zu\n", b->model_bytes, b->weight_bytes, b->bias_bytes,
           b->other_const_bytes, b->quant_bytes, b->flatbuffer_overhead);
    const struct qv_budget_target *t0 = &b->targets[0];
    printf("\nper op (arena: TFLM's greedy plan, bytes of activations alive / extent of the "
           "plan; cycles: %s, estimated)\n", t0->profile->name);
    printf("%4s  %-18s %-24s %12s %9s %9s %14s %14s\n", "#", "op", "name", "MACs", "live",
           "extent", "cycles", "cycles (ref)");
    for (int32_t i = 0; i < b->n_ops; i++) {
        const struct qv_budget_op *r = &t0->ops[i];
        char name[25];
        cli_fit_name(g->nodes[r->node].name, name, sizeof(name) - 1);
        printf("%4d  %-18s %-24s %12lld %9zu %9zu %14.0f %14.0f%s\n", r->node,
               qv_op_name(r->op), name, (long long)r->macs, r->arena_live, r->arena_extent,
               r->cycles, r->cycles_ref, r->supported ? "" : "  (no TFLM kernel)");
    }
    printf("\n%-15s %9s %19s %21s %10s %10s %9s  %s\n", "target", "arena", "flash (budget)",
           "sram (budget)", "latency", "energy", "I @rate", "verdict");
    for (int32_t i = 0; i < b->n_targets; i++) {
        const struct qv_budget_target *t = &b->targets[i];
        char lat[32], en[32], cur[32], fl[40], sr[40];
        if (t->profile->modelled) {
            snprintf(lat, sizeof(lat), "%.3f ms", t->latency_ms);
            snprintf(en, sizeof(en), "%.1f uJ", t->energy_uj);
            snprintf(cur, sizeof(cur), "%.1f uA", t->avg_current_ua);
        } else {
            snprintf(lat, sizeof(lat), "n/m");
            snprintf(en, sizeof(en), "n/m");
            snprintf(cur, sizeof(cur), "n/m");
        }
        snprintf(fl, sizeof(fl), "%zu/%zu", t->flash_bytes, t->flash_budget);
        snprintf(sr, sizeof(sr), "%zu/%zu", t->sram_bytes, t->sram_budget);
        const char *why = t->fits ? "fits" : !t->ops_ok ? "does not fit: ops"
                          : !t->sram_ok ? "does not fit: SRAM" : "does not fit: flash";
        printf("%-15s %9zu %19s %21s %10s %10s %9s  %s%s%s\n", t->profile->name,
               t->arena.total, fl, sr, lat, en, cur, why,
               t->arena_in_psram ? " (arena in PSRAM)" : "",
               t->profile->modelled && !t->rate_ok ? " (too slow for --rate)" : "");
    }
    printf("\n");
    for (int32_t i = 0; i < b->n_targets; i++) {
        const struct qv_budget_target *t = &b->targets[i];
        const struct qv_arena *a = &t->arena;
        printf("%s: %s, %s kernels, TFLM %s build\n", t->profile->name,
               qv_core_name(t->profile->core), kernels_name(t->profile->kernels),
               build_name(t->profile->build));
        printf("  arena %zu = tail %zu + head %zu (+%zu slack); tail:", a->total, a->tail,
               a->head, a->total - a->tail - a->head);
        for (int p = 0; p < QV_ARENA_HEAD; p++)
            printf("%s %s %zu", p ? "," : "", qv_arena_part_name((enum qv_arena_part)p),
                   a->parts[p]);
        printf("\n  minimum set by %s", qv_arena_phase_name(a->binding));
        if (a->binding_node >= 0)
            printf(" of node %d (%s)", a->binding_node,
                   qv_op_name(g->nodes[a->binding_node].op));
        printf("; %d scratch buffers (%zu bytes)\n", a->n_scratch, a->scratch);
        printf("  activations: TFLM plan %zu, better plan %zu (arena %zu, saves %zu)",
               a->head, a->head_better, a->total_better, a->total - a->total_better);
        if (a->head_reordered < a->head_better)
            printf(", with reordered ops %zu (arena %zu)", a->head_reordered,
                   a->total_reordered);
        printf("; lower bound %zu\n", a->plan_lower_bound);
        printf("  flash %zu = model %zu + TFLM code %zu (estimate); sram %zu = arena + I/O "
               "%zu + stack %zu\n", t->flash_bytes, t->model_bytes, t->code_bytes,
               t->sram_bytes, t->io_bytes, o->stack_bytes);
        if (t->profile->modelled)
            printf("  latency %.3f ms (reference kernels %.3f ms), %.1f uJ per inference, "
                   "%.1f uA average at %g/s (estimates)\n", t->latency_ms, t->latency_ref_ms,
                   t->energy_uj, t->avg_current_ua, o->rate_hz);
        else
            printf("  latency and energy not modelled (%s)\n", t->profile->description);
        if (!a->exact)
            printf("  note: %s\n", a->note);
        if (!t->ops_ok)
            printf("  no TFLM kernel for: %s\n", t->unsupported);
    }
}

static void json_num(FILE *f, const char *key, double v, bool modelled)
{
    if (modelled)
        fprintf(f, ", \"%s\": %.6g", key, v);
    else
        fprintf(f, ", \"%s\": null", key);
}

static void print_json(const struct qv_budget *b, const struct qv_graph *g, const char *path,
                       const struct qv_budget_opts *o)
{
    FILE *f = stdout;
    fprintf(f, "{\"model\": ");
    qv_json_fputs(f, path);
    fprintf(f, ", \"model_bytes\": %zu, \"model_split\": {\"weights\": %zu, \"biases\": %zu, "
            "\"other_constants\": %zu, \"quantization\": %zu, \"flatbuffer\": %zu}",
            b->model_bytes, b->weight_bytes, b->bias_bytes, b->other_const_bytes,
            b->quant_bytes, b->flatbuffer_overhead);
    fprintf(f, ", \"rate_hz\": %g, \"stack_bytes\": %zu, \"sram_headroom\": %g, "
            "\"flash_app_share\": %g", o->rate_hz, o->stack_bytes, o->sram_headroom,
            o->flash_app_share);
    fprintf(f, ", \"ops\": [");
    for (int32_t i = 0; i < b->n_ops; i++) {
        const struct qv_budget_op *r = &b->targets[0].ops[i];
        fprintf(f, "%s\n  {\"node\": %d, \"op\": \"%s\", \"name\": ", i ? "," : "", r->node,
                qv_op_name(r->op));
        qv_json_fputs(f, g->nodes[r->node].name);
        fprintf(f, ", \"macs\": %lld, \"arena_live_bytes\": %zu, \"arena_extent_bytes\": %zu}",
                (long long)r->macs, r->arena_live, r->arena_extent);
    }
    fprintf(f, "\n], \"targets\": [");
    for (int32_t i = 0; i < b->n_targets; i++) {
        const struct qv_budget_target *t = &b->targets[i];
        const struct qv_arena *a = &t->arena;
        bool m = t->profile->modelled;
        fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
        qv_json_fputs(f, t->profile->name);
        fprintf(f, ", \"core\": \"%s\", \"clock_mhz\": %g, \"kernels\": \"%s\", "
                "\"tflm_build\": \"%s\"", qv_core_name(t->profile->core),
                t->profile->clock_hz / 1e6, kernels_name(t->profile->kernels),
                build_name(t->profile->build));
        fprintf(f, ", \"arena_bytes\": %zu, \"arena\": {\"head\": %zu, \"tail\": %zu, "
                "\"parts\": {", a->total, a->head, a->tail);
        for (int p = 0; p < QV_ARENA_PART_COUNT; p++)
            fprintf(f, "%s\"%s\": %zu", p ? ", " : "", qv_arena_part_name((enum qv_arena_part)p),
                    a->parts[p]);
        fprintf(f, "}, \"binding\": \"%s\", \"binding_node\": %d, \"scratch_buffers\": %d, "
                "\"scratch_bytes\": %zu, \"plan_lower_bound\": %zu, \"better_head\": %zu, "
                "\"better_arena_bytes\": %zu, \"better_saving_bytes\": %zu, "
                "\"reordered_head\": %zu, \"reordered_arena_bytes\": %zu, \"exact\": %s}",
                qv_arena_phase_name(a->binding), a->binding_node, a->n_scratch, a->scratch,
                a->plan_lower_bound, a->head_better, a->total_better,
                a->total - a->total_better, a->head_reordered, a->total_reordered,
                a->exact ? "true" : "false");
        fprintf(f, ", \"flash_bytes\": %zu, \"model_bytes\": %zu, \"code_bytes\": %zu, "
                "\"flash_budget\": %zu, \"sram_bytes\": %zu, \"io_bytes\": %zu, "
                "\"sram_budget\": %zu, \"arena_in_psram\": %s", t->flash_bytes, t->model_bytes,
                t->code_bytes, t->flash_budget, t->sram_bytes, t->io_bytes, t->sram_budget,
                t->arena_in_psram ? "true" : "false");
        json_num(f, "latency_ms", t->latency_ms, m);
        json_num(f, "latency_reference_ms", t->latency_ref_ms, m);
        json_num(f, "energy_uj", t->energy_uj, m);
        json_num(f, "avg_current_ua", t->avg_current_ua, m);
        fprintf(f, ", \"estimates\": [\"code_bytes\", \"latency_ms\", \"energy_uj\", "
                "\"avg_current_ua\"], \"modelled\": %s, \"ops_ok\": %s, \"flash_ok\": %s, "
                "\"sram_ok\": %s, \"fits\": %s, \"unsupported\": ", m ? "true" : "false",
                t->ops_ok ? "true" : "false", t->flash_ok ? "true" : "false",
                t->sram_ok ? "true" : "false", t->fits ? "true" : "false");
        qv_json_fputs(f, t->unsupported);
        fprintf(f, ", \"op_cycles\": [");
        for (int32_t k = 0; k < b->n_ops; k++)
            fprintf(f, "%s%.0f", k ? ", " : "", t->ops[k].cycles);
        fprintf(f, "]}");
    }
    fprintf(f, "\n]}\n");
}

static enum qv_status write_csv(const struct qv_budget *b, const struct qv_graph *g,
                                const char *path, struct qv_error *err)
{
    struct qv_atomic_file af = { 0 };
    enum qv_status st = qv_atomic_open(&af, path, err);
    if (st != QV_OK)
        return st;
    fprintf(af.fp, "target,node,op,name,macs,arena_live_bytes,arena_extent_bytes,"
            "est_cycles,est_cycles_reference,supported\n");
    for (int32_t i = 0; i < b->n_targets; i++) {
        const struct qv_budget_target *t = &b->targets[i];
        for (int32_t k = 0; k < b->n_ops; k++) {
            const struct qv_budget_op *r = &t->ops[k];
            fprintf(af.fp, "%s,%d,%s,\"", t->profile->name, r->node, qv_op_name(r->op));
            for (const char *p = g->nodes[r->node].name; *p; p++)
                fprintf(af.fp, *p == '"' ? "\"\"" : "%c", *p);
            fprintf(af.fp, "\",%lld,%zu,%zu,%.0f,%.0f,%d\n", (long long)r->macs, r->arena_live,
                    r->arena_extent, r->cycles, r->cycles_ref, r->supported ? 1 : 0);
        }
    }
    st = qv_atomic_commit(&af, err);
    if (st != QV_OK)
        qv_atomic_abort(&af);
    return st;
}

int cmd_budget(int argc, char **argv)
{
    static const struct option opts[] = {
        { "target", required_argument, NULL, 't' },
        { "targets", required_argument, NULL, OPT_TARGETS },
        { "rate", required_argument, NULL, OPT_RATE },
        { "stack", required_argument, NULL, OPT_STACK },
        { "headroom", required_argument, NULL, OPT_HEADROOM },
        { "app-share", required_argument, NULL, OPT_SHARE },
        { "json", no_argument, NULL, OPT_JSON },
        { "csv", required_argument, NULL, OPT_CSV },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *targets[MAX_TARGETS];
    const char *csv = NULL;
    bool json = false;
    int64_t stack;
    struct qv_budget_opts o;
    qv_budget_opts_init(&o);
    o.targets = targets;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ht:", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (o.n_targets == MAX_TARGETS)
                return cli_usage_error("budget", "at most %d --target options", MAX_TARGETS);
            targets[o.n_targets++] = optarg;
            break;
        case OPT_TARGETS: o.targets_file = optarg; break;
        case OPT_RATE:
            if (!parse_rate(optarg, &o.rate_hz))
                return CLI_EXIT_INPUT;
            break;
        case OPT_STACK:
            if (!cli_parse_int("budget", "--stack", optarg, 0, (int64_t)1 << 40, &stack))
                return CLI_EXIT_INPUT;
            o.stack_bytes = (size_t)stack;
            break;
        case OPT_HEADROOM:
            if (!parse_fraction("--headroom", optarg, 0, 0.99, &o.sram_headroom))
                return CLI_EXIT_INPUT;
            break;
        case OPT_SHARE:
            if (!parse_fraction("--app-share", optarg, 0, 0.99, &o.flash_app_share))
                return CLI_EXIT_INPUT;
            break;
        case OPT_JSON: json = true; break;
        case OPT_CSV: csv = optarg; break;
        case 'h': fputs(usage, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("budget", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("budget", "expected one MODEL, got %d arguments", argc - optind);
    const char *model = argv[optind];
    struct qv_error err = QV_ERROR_INIT;
    struct qv_manifest man;
    struct stat sb;
    if (stat(model, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        if (qv_manifest_load(model, &man, &err) != QV_OK)
            return cli_report(&err);
        model = man.int8_model[0] ? man.int8_model : man.model;
    }
    struct qv_graph *g = NULL;
    uint8_t *buf = NULL;
    size_t size = 0;
    struct qv_budget *b = NULL;
    int rc = CLI_EXIT_OK;
    if (qv_budget_model_load(model, &g, &buf, &size, &err) != QV_OK ||
        qv_budget_create(g, buf, size, &o, &b, &err) != QV_OK ||
        (csv && write_csv(b, g, csv, &err) != QV_OK)) {
        if (err.status == QV_E_USAGE) {
            rc = cli_usage_error("budget", "%s", err.msg);
        } else {
            rc = cli_report(&err);
        }
        goto cleanup;
    }
    if (json)
        print_json(b, g, model, &o);
    else
        print_text(b, g, model, &o);
    for (int32_t i = 0; i < b->n_targets; i++)
        if (!b->targets[i].fits)
            rc = CLI_EXIT_GATE;
cleanup:
    qv_budget_free(b);
    qv_graph_free(g);
    free(buf);
    return rc;
}
