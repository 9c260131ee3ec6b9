/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small FlatBuffers builder (the subset TFLite needs), after the official C++ builder: the
 * buffer grows from the end towards the front, children are written before their parents, and
 * an object is named by its "ref", the distance from its start to the end of the buffer.
 *
 *     struct qv_fbb b;
 *     qv_fbb_init(&b);
 *     uint32_t name = qv_fbb_string(&b, "x");
 *     qv_fbb_start(&b);
 *     qv_fbb_add_ref(&b, 3, name);
 *     qv_fbb_add_i32(&b, 1, 9, 0);
 *     uint32_t t = qv_fbb_end(&b);
 *     qv_fbb_finish(&b, t, "TFL3", &buf, &size, err);
 *     qv_fbb_release(&b);
 *
 * Failures (out of memory, a buffer past 2 GiB, a table over 64 KiB) are sticky: later calls do
 * nothing and qv_fbb_finish reports the first one. Scalars equal to their schema default are not
 * written (readers return the default for an absent field). Vtables are shared between tables
 * with identical layouts.
 */
#ifndef QV_IO_TFLITE_BUILDER_H
#define QV_IO_TFLITE_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/error.h"

#define QV_FBB_MAX_FIELDS 32

struct qv_fbb {
    uint8_t *buf;                       /* data occupies buf[cap - used, cap) */
    size_t cap, used;
    size_t minalign;                    /* largest alignment requested so far */
    enum qv_status failed;              /* first failure, QV_OK while healthy */
    const char *fail_msg;
    size_t table_start;                 /* `used` when the open table was started */
    int32_t n_fields;                   /* 1 + highest slot set in the open table */
    uint32_t fields[QV_FBB_MAX_FIELDS]; /* ref of each field of the open table, 0 = unset */
    uint32_t *vtables;                  /* refs of the vtables written so far */
    size_t n_vtables, cap_vtables;
};

void qv_fbb_init(struct qv_fbb *b);
void qv_fbb_release(struct qv_fbb *b);

/*
 * A vector of count elements of elem_size bytes copied from data (little-endian host order),
 * its first element aligned to `align` (a power of two >= elem_size; 16 for TFLite buffers).
 */
uint32_t qv_fbb_vector(struct qv_fbb *b, const void *data, size_t count, size_t elem_size,
                       size_t align);
/* A vector of references (a vector of tables or strings). */
uint32_t qv_fbb_ref_vector(struct qv_fbb *b, const uint32_t *refs, size_t count);
/* A NUL-terminated string. */
uint32_t qv_fbb_string(struct qv_fbb *b, const char *s);

/* Tables: start, add fields (slot = field index in the schema), end. Tables do not nest. */
void qv_fbb_start(struct qv_fbb *b);
void qv_fbb_add_u8(struct qv_fbb *b, int slot, uint8_t v, uint8_t def);
void qv_fbb_add_i32(struct qv_fbb *b, int slot, int32_t v, int32_t def);
void qv_fbb_add_u32(struct qv_fbb *b, int slot, uint32_t v, uint32_t def);
void qv_fbb_add_u64(struct qv_fbb *b, int slot, uint64_t v, uint64_t def);
void qv_fbb_add_f32(struct qv_fbb *b, int slot, float v, float def);
/* A reference field (table, vector or string); ref 0 = leave the field absent. */
void qv_fbb_add_ref(struct qv_fbb *b, int slot, uint32_t ref);
uint32_t qv_fbb_end(struct qv_fbb *b);

/*
 * Writes the root offset and the 4-byte file identifier and hands over a malloc'd copy of the
 * finished buffer (its size a multiple of the largest alignment used). b is left empty.
 */
enum qv_status qv_fbb_finish(struct qv_fbb *b, uint32_t root, const char *ident,
                             uint8_t **ret_buf, size_t *ret_size, struct qv_error *err);

#endif
