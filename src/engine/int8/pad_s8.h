/* SPDX-License-Identifier: Apache-2.0 */
/* PAD / PADV2 shared pieces (pad_s8.c). Private to libqvet. */
#ifndef QV_ENGINE_INT8_PAD_S8_H
#define QV_ENGINE_INT8_PAD_S8_H

#include <stdint.h>

#include "qvet/graph.h"

/* Checks input/output int8 quantized, paddings int32 [rank, 2]; returns the output zero point. */
enum qv_status qv_pad_s8_check(struct qv_kernel_ctx *c, int32_t *ret_z_out,
                               struct qv_error *err);
/* Pads input 0 into output 0 with `value` (paddings = input 1, runtime shapes). */
void qv_pad_s8_run(const struct qv_kernel_ctx *c, int8_t value);

#endif
