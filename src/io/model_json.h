/* SPDX-License-Identifier: Apache-2.0 */
/* What the native JSON model's loader (model_json.c) and saver (model_json_save.c) share. */
#ifndef QV_IO_MODEL_JSON_H
#define QV_IO_MODEL_JSON_H

#include <stddef.h>

#include "qvet/graph.h"

#define FORMAT_NAME "qvet-model"
#define FORMAT_VERSION 1
#define MAX_JSON_SIZE ((size_t)2 << 30)   /* 2 GiB */
#define MAX_ITEMS (1 << 22)               /* tensors, nodes, scales: far beyond any MCU model */
#define MAX_EXACT_INT 9007199254740992.0  /* 2^53: larger integers are not exact in a double */
#define WEIGHT_ALIGN 16

/* ---- attribute table (load and save) ------------------------------------------------------- */

enum attr_kind { ATTR_INT, ATTR_BOOL, ATTR_FLOAT, ATTR_PADDING, ATTR_ACT, ATTR_LIST };

struct attr_def {
    const char *key;
    enum attr_kind kind;
    size_t off;                    /* of the field in struct qv_attrs */
    size_t count_off;              /* ATTR_LIST: of its int32_t count */
};

extern const struct attr_def qv_json_attr_defs[];
extern const size_t qv_json_n_attrs;
extern const char *const qv_json_padding_names[2];
extern const char *const qv_json_act_names[QV_ACT_COUNT];

#endif
