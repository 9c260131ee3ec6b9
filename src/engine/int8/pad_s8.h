/* SPDX-License-Identifier: Apache-2.0 */
/* PAD / PADV2 glue shared by both ops (pad_s8.c). Private to libqvet. */
#ifndef QV_ENGINE_INT8_PAD_S8_H
#define QV_ENGINE_INT8_PAD_S8_H

#include "engine/kernel.h"

/*
 * Checks input/output int8 quantized and the paddings (constant int32 [rank, 2], output dims =
 * input dims + before + after), then fills a struct qv_pad_s8_params as c->params with the
 * output zero point as the pad value (PADV2 overrides it).
 */
enum qv_status qv_pad_s8_prepare_common(struct qv_kernel_ctx *c, struct qv_error *err);

/* Pads input 0 into output 0 with the prepared parameters (runtime shapes). */
void qv_pad_s8_eval_common(const struct qv_kernel_ctx *c);

#endif
