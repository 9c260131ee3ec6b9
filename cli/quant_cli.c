/* SPDX-License-Identifier: Apache-2.0 */
/* Pieces shared by `qvet calibrate` and `qvet quantize`. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "quant_cli.h"

int quant_resolve_input(const char *cmd, const char *model, int n_data, char **data,
                        const struct cli_run_flags *flags, bool quiet, struct quant_input *ret)
{
    struct stat sb;
    struct qv_calib_opts defaults = QV_CALIB_OPTS_INIT;
    struct qv_data_spec none = QV_DATA_SPEC_INIT;
    memset(ret, 0, sizeof(*ret));
    ret->copts = defaults;
    ret->data = none;
    ret->golden = none;
    int64_t manifest_samples = 0;
    if (stat(model, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        struct qv_error err = QV_ERROR_INIT;
        if (qv_manifest_load(model, &ret->man, &err) != QV_OK)
            return cli_report(&err);
        if (!ret->man.model[0])
            return cli_usage_error(cmd, "model directory '%s' has no float model", model);
        snprintf(ret->model, sizeof(ret->model), "%s", ret->man.model);
        qv_data_spec_from_manifest(&ret->man, true, &ret->data);
        qv_data_spec_from_manifest(&ret->man, false, &ret->golden);
        manifest_samples = ret->man.calib_samples;
    } else {
        snprintf(ret->model, sizeof(ret->model), "%s", model);
    }
    if (n_data > 0) {
        struct qv_data_spec keep = ret->data;
        if (!cli_data_args(cmd, n_data, data, &ret->data))
            return CLI_EXIT_INPUT;
        /* a directory's preprocessing and layout still describe the user's files */
        ret->data.has_preprocess = keep.has_preprocess;
        ret->data.pre_scale = keep.pre_scale;
        ret->data.pre_offset = keep.pre_offset;
        ret->data.layout = keep.layout;
    }
    struct qv_data_spec *specs[2] = { &ret->data, &ret->golden };
    for (int i = 0; i < 2; i++) {
        if (flags->layout_set)
            specs[i]->layout = flags->layout;
        if (flags->scale_set || flags->offset_set) {
            specs[i]->has_preprocess = true;
            specs[i]->pre_scale = flags->scale_set ? (float)flags->scale : 1.0f;
            specs[i]->pre_offset = flags->offset_set ? (float)flags->offset : 0.0f;
        }
        specs[i]->allow_nonfinite = flags->allow_nonfinite;
        specs[i]->labels = NULL;          /* calibration reads no labels */
    }
    ret->copts.n_threads = (int32_t)flags->jobs;   /* 0: all cores */
    ret->copts.batch = flags->batch;
    ret->copts.max_samples = flags->max_samples ? flags->max_samples : manifest_samples;
    cli_progress_init(&ret->bar, cmd, quiet);
    ret->copts.progress = cli_progress_update;
    ret->copts.warn = cli_warn;
    ret->copts.notify_user = &ret->bar;
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
