/* SPDX-License-Identifier: Apache-2.0 */
/* Options shared by eval, compare and run; the progress bar and warnings on stderr. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define BAR_WIDTH 28
#define REDRAW_SECONDS 0.1

static bool parse_double(const char *cmd, const char *opt, const char *text, double *ret)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(v)) {
        cli_usage_error(cmd, "%s expects a finite number, got '%s'", opt, text);
        return false;
    }
    *ret = v;
    return true;
}

int cli_run_flag(const char *cmd, int c, const char *arg, struct cli_run_flags *f)
{
    switch (c) {
    case CLI_OPT_JOBS:
        return cli_parse_int(cmd, "-j", arg, 1, 1024, &f->jobs) ? 1 : -1;
    case CLI_OPT_QUIET:
        f->quiet = true;
        return 1;
    case CLI_OPT_BATCH:
        return cli_parse_int(cmd, "--batch", arg, 1, 65536, &f->batch) ? 1 : -1;
    case CLI_OPT_MAX_SAMPLES:
        return cli_parse_int(cmd, "--max-samples", arg, 1, INT64_MAX, &f->max_samples) ? 1 : -1;
    case CLI_OPT_LAYOUT:
        if (!qv_layout_from_name(arg, &f->layout)) {
            cli_usage_error(cmd, "--layout expects as-is, nchw or reshape, got '%s'", arg);
            return -1;
        }
        f->layout_set = true;
        return 1;
    case CLI_OPT_SCALE:
        f->scale_set = true;
        return parse_double(cmd, "--scale", arg, &f->scale) ? 1 : -1;
    case CLI_OPT_OFFSET:
        f->offset_set = true;
        return parse_double(cmd, "--offset", arg, &f->offset) ? 1 : -1;
    case CLI_OPT_NONFINITE:
        f->allow_nonfinite = true;
        return 1;
    default:
        return 0;
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void cli_progress_init(struct cli_progress *p, const char *label, bool quiet)
{
    memset(p, 0, sizeof(*p));
    const char *term = getenv("TERM");
    p->on = !quiet && isatty(STDERR_FILENO);
    p->color = p->on && !getenv("NO_COLOR") && !(term && strcmp(term, "dumb") == 0);
    snprintf(p->label, sizeof(p->label), "%s", label);
}

static void erase(struct cli_progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->drawn = false;
    }
}

void cli_progress_update(void *user, const struct qv_run_progress *pr)
{
    struct cli_progress *p = user;
    if (!p || !p->on)
        return;
    double t = now();
    bool last = pr->total >= 0 && pr->done >= pr->total;
    if (!last && p->drawn && t - p->last < REDRAW_SECONDS)
        return;
    p->last = t;
    if (pr->total > 0) {
        double frac = (double)pr->done / (double)pr->total;
        int fill = (int)(frac * BAR_WIDTH);
        char bar[BAR_WIDTH + 1];
        for (int i = 0; i < BAR_WIDTH; i++)
            bar[i] = i < fill ? '#' : '-';
        bar[BAR_WIDTH] = '\0';
        double eta = pr->rate > 0 ? (double)(pr->total - pr->done) / pr->rate : 0;
        fprintf(stderr, "\r\033[K%s [%s%.*s%s%s%s] %3.0f%%  %lld/%lld  %.0f/s  ETA %.0fs",
                p->label, p->color ? "\033[32m" : "", fill, bar, p->color ? "\033[2m" : "",
                bar + fill, p->color ? "\033[0m" : "", 100.0 * frac, (long long)pr->done,
                (long long)pr->total, pr->rate, eta);
    } else {
        fprintf(stderr, "\r\033[K%s %lld samples  %.0f/s", p->label, (long long)pr->done,
                pr->rate);
    }
    fflush(stderr);
    p->drawn = true;
}

void cli_warn(void *user, const char *msg)
{
    struct cli_progress *p = user;
    if (p)
        erase(p);
    fprintf(stderr, "qvet: warning: %s\n", msg);
}

void cli_progress_end(struct cli_progress *p)
{
    erase(p);
}

void cli_apply_run_flags(const struct cli_run_flags *f, struct qv_analysis_run *a,
                         struct cli_progress *p)
{
    a->n_threads = (int32_t)f->jobs;   /* 0: all cores */
    a->batch = f->batch;
    a->max_samples = f->max_samples;
    if (f->layout_set)
        a->data.layout = f->layout;
    if (f->scale_set || f->offset_set) {
        a->data.has_preprocess = true;
        a->data.pre_scale = f->scale_set ? (float)f->scale : 1.0f;
        a->data.pre_offset = f->offset_set ? (float)f->offset : 0.0f;
    }
    a->data.allow_nonfinite = f->allow_nonfinite;
    a->progress = cli_progress_update;
    a->warn = cli_warn;
    a->user = p;
}

bool cli_data_args(const char *cmd, int n, char **args, struct qv_data_spec *spec)
{
    if (n > QV_DATA_MAX_FILES) {
        cli_usage_error(cmd, "at most %d data files, got %d", QV_DATA_MAX_FILES, n);
        return false;
    }
    spec->n_files = n;
    for (int i = 0; i < n; i++) {
        char *eq = strchr(args[i], '=');
        struct stat sb;
        spec->names[i] = NULL;
        spec->files[i] = args[i];
        /* INPUT=FILE, unless the whole argument is an existing file */
        if (eq && eq != args[i] && !memchr(args[i], '/', (size_t)(eq - args[i])) &&
            stat(args[i], &sb) != 0) {
            *eq = '\0';
            spec->names[i] = args[i];
            spec->files[i] = eq + 1;
        }
    }
    return true;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool cli_is_model_path(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return true;
    return ends_with(path, ".tflite") || ends_with(path, ".json");
}
