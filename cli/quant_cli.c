/* SPDX-License-Identifier: Apache-2.0 */
/* Pieces shared by `qvet calibrate` and `qvet quantize`. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quant_cli.h"

int quant_resolve_input(const char *cmd, const char *model, const char *data,
                        struct quant_input *ret)
{
    struct stat sb;
    struct qv_calib_opts defaults = QV_CALIB_OPTS_INIT;
    memset(ret, 0, sizeof(*ret));
    ret->copts = defaults;
    if (stat(model, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        struct qv_manifest man;
        struct qv_error err = QV_ERROR_INIT;
        if (qv_manifest_load(model, &man, &err) != QV_OK)
            return cli_report(&err);
        if (!man.model[0])
            return cli_usage_error(cmd, "model directory '%s' has no float model", model);
        snprintf(ret->model, sizeof(ret->model), "%s", man.model);
        /* one data file per model input is the runner's (run.h); the first file here */
        snprintf(ret->data, sizeof(ret->data), "%s",
                 data ? data : (man.calib.n_files ? man.calib.files[0] : man.golden.files[0]));
        snprintf(ret->golden, sizeof(ret->golden), "%s", man.golden.files[0]);
        ret->manifest_samples = man.calib_samples;
        ret->copts.has_preprocess = man.has_preprocess;
        ret->copts.pre_scale = man.pre_scale;
        ret->copts.pre_offset = man.pre_offset;
        return CLI_EXIT_OK;
    }
    snprintf(ret->model, sizeof(ret->model), "%s", model);
    snprintf(ret->data, sizeof(ret->data), "%s", data ? data : "");
    return CLI_EXIT_OK;
}

bool quant_parse_method(const char *cmd, const char *text, bool allow_auto, bool *ret_auto,
                        enum qv_range_method *ret_method)
{
    if (allow_auto && strcmp(text, "auto") == 0) {
        *ret_auto = true;
        return true;
    }
    if (qv_range_method_from_name(text, ret_method)) {
        if (ret_auto)
            *ret_auto = false;
        return true;
    }
    cli_usage_error(cmd, "--method expects minmax, ema, percentile, kl, mse%s, got '%s'",
                    allow_auto ? " or auto" : "", text);
    return false;
}

bool quant_progress_wanted(bool quiet)
{
    return !quiet && isatty(STDERR_FILENO);
}

void quant_progress(int64_t done, int64_t total, void *user)
{
    const char *what = user;
    if (total > 0)
        fprintf(stderr, "\r%s: %lld/%lld samples", what, (long long)done, (long long)total);
    else
        fprintf(stderr, "\r%s: %lld samples", what, (long long)done);
    fflush(stderr);
}

void quant_progress_end(bool shown)
{
    if (shown)
        fprintf(stderr, "\r\033[K");
}
