/* SPDX-License-Identifier: Apache-2.0 */
/* qvet targets: the target profiles qvet budget knows. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "qvet/budget.h"

static const char usage[] =
    "usage: qvet targets [--targets FILE.json] [--json]\n\n"
    "Lists the target profiles (the built-in host64 and the shipped data/targets.json, embedded\n"
    "in the binary), plus those of FILE.json (schema: docs/budget.md).\n\n"
    "  --targets FILE.json  extra profiles (a profile named like a shipped one replaces it)\n"
    "  --json               machine-readable output on stdout\n"
    "  --help               this text\n";

enum { OPT_TARGETS = 256, OPT_JSON };

static const char *kernels_name(enum qv_kernels k)
{
    return k == QV_KERNELS_CMSIS_NN ? "cmsis-nn" : "reference";
}

int cmd_targets(int argc, char **argv)
{
    static const struct option opts[] = {
        { "targets", required_argument, NULL, OPT_TARGETS },
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *file = NULL;
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_TARGETS: file = optarg; break;
        case OPT_JSON: json = true; break;
        case 'h': fputs(usage, stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("targets", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 0)
        return cli_usage_error("targets", "expected no arguments, got %d", argc - optind);
    struct qv_error err = QV_ERROR_INIT;
    struct qv_target_set *set = NULL;
    if (qv_targets_builtin(&set, &err) != QV_OK ||
        (file && qv_targets_load(set, file, &err) != QV_OK)) {
        qv_targets_free(set);
        return cli_report(&err);
    }
    if (json)
        printf("{\"targets\": [");
    else
        printf("%-15s %-17s %8s %10s %10s %10s %-10s %s\n", "name", "core", "MHz", "flash KiB",
               "SRAM KiB", "PSRAM KiB", "kernels", "description");
    for (int32_t i = 0; i < qv_targets_count(set); i++) {
        const struct qv_target *t = qv_targets_at(set, i);
        if (json) {
            printf("%s\n  {\"name\": ", i ? "," : "");
            qv_json_fputs(stdout, t->name);
            printf(", \"core\": \"%s\", \"clock_mhz\": %g, \"flash_bytes\": %zu, "
                   "\"sram_bytes\": %zu, \"psram_bytes\": %zu, \"fpu\": %s, \"dsp\": %s, "
                   "\"simd\": \"%s\", \"active_ma\": %g, \"voltage\": %g, \"sleep_ua\": %g, "
                   "\"kernels\": \"%s\", \"modelled\": %s, \"description\": ",
                   qv_core_name(t->core), t->clock_hz / 1e6, t->flash_bytes, t->sram_bytes,
                   t->psram_bytes, t->fpu ? "true" : "false", t->dsp ? "true" : "false",
                   t->simd, t->active_ma, t->voltage, t->sleep_ua, kernels_name(t->kernels),
                   t->modelled ? "true" : "false");
            qv_json_fputs(stdout, t->description);
            printf("}");
        } else {
            printf("%-15s %-17s %8g %10zu %10zu %10zu %-10s %s%s\n", t->name,
                   qv_core_name(t->core), t->clock_hz / 1e6, t->flash_bytes / 1024,
                   t->sram_bytes / 1024, t->psram_bytes / 1024, kernels_name(t->kernels),
                   t->description, t->modelled ? "" : " [not modelled]");
        }
    }
    if (json)
        printf("\n]}\n");
    qv_targets_free(set);
    return CLI_EXIT_OK;
}
