/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bounds-checked FlatBuffers reading, without the FlatBuffers library (Debian ships no C one).
 *
 * A FlatBuffer is a tree of tables reached through unsigned 32-bit offsets; each table starts
 * with a signed offset to its vtable (field count and per-field offsets). Nothing in the file is
 * trusted: every offset, vtable, field, vector length and string is checked against the buffer
 * before it is read, in 64-bit arithmetic so that no sum can wrap. Every failure is QV_E_INPUT
 * with the path and the byte offset of the offending field.
 *
 * Loops: uoffsets are unsigned and added to their own position, so a reference always points
 * forward and no chain of references can return to where it started. A hostile file can still
 * make many fields point at the same large table or vector (a DAG) and multiply the reading
 * work; every table opened and every vector element counts against a budget proportional to the
 * file size, and running out of it is an input error. Readers walk the fixed TFLite schema
 * (Model -> SubGraph -> Tensor -> QuantizationParameters), never recursively.
 *
 * Values are little-endian; reads are byte loads, so no alignment is required of the input.
 */
#ifndef QV_IO_TFLITE_FLATBUF_H
#define QV_IO_TFLITE_FLATBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qvet/error.h"

/* The buffer being read. Offsets are absolute byte positions in it (< 2^32). */
struct qv_fb {
    const uint8_t *data;
    size_t size;        /* <= UINT32_MAX (checked by qv_fb_init) */
    const char *path;   /* names errors; may be "" */
    uint64_t budget;    /* remaining work units (tables opened + vector elements) */
};

/* A table. A zeroed struct is the "absent" table: every field reads as its default. */
struct qv_fb_table {
    uint32_t pos;       /* the table (its vtable soffset) */
    uint32_t vt;        /* its vtable */
    uint16_t vt_size;   /* bytes of the vtable (0: absent table) */
    uint16_t size;      /* bytes of the table object */
};

/* A vector of len elements; an absent vector has len 0. */
struct qv_fb_vec {
    uint32_t pos;       /* element 0 */
    uint32_t len;
    uint32_t at;        /* the length field, or the table when absent (for messages) */
};

/* Sets up fb; fails when size does not fit a 32-bit offset space. */
enum qv_status qv_fb_init(struct qv_fb *fb, const uint8_t *data, size_t size, const char *path,
                          struct qv_error *err);

/* The root table (uoffset at byte 0). When ident is not NULL, bytes 4..7 must equal it. */
enum qv_status qv_fb_root(struct qv_fb *fb, const char *ident, struct qv_fb_table *ret_table,
                          struct qv_error *err);

/*
 * Opens the table at absolute position pos (checks its vtable and object size). `from` is the
 * position of the offset that led there, reported when pos lies outside the file.
 */
enum qv_status qv_fb_table_at(struct qv_fb *fb, uint64_t pos, uint64_t from,
                              struct qv_fb_table *ret_table, struct qv_error *err);

/*
 * Position of field `slot` (0-based) holding `width` bytes, or 0 when the field is absent. The
 * field must lie inside the table object.
 */
enum qv_status qv_fb_field(const struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                           uint32_t width, uint32_t *ret_pos, struct qv_error *err);

/* Position of a field for messages: the field when present, else the table. */
int64_t qv_fb_where(const struct qv_fb *fb, const struct qv_fb_table *t, int slot);

/* Scalars: the field's value, or def when absent. */
enum qv_status qv_fb_u8(const struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                        uint8_t def, uint8_t *ret, struct qv_error *err);
enum qv_status qv_fb_i8(const struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                        int8_t def, int8_t *ret, struct qv_error *err);
enum qv_status qv_fb_bool(const struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                          bool def, bool *ret, struct qv_error *err);
enum qv_status qv_fb_i32(const struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                         int32_t def, int32_t *ret, struct qv_error *err);
enum qv_status qv_fb_u32(const struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                         uint32_t def, uint32_t *ret, struct qv_error *err);
enum qv_status qv_fb_u64(const struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                         uint64_t def, uint64_t *ret, struct qv_error *err);
enum qv_status qv_fb_f32(const struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                         float def, float *ret, struct qv_error *err);

/* A sub-table; *ret_present false (and a zeroed table) when the field is absent. */
enum qv_status qv_fb_subtable(struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                              struct qv_fb_table *ret_table, bool *ret_present,
                              struct qv_error *err);

/* A vector of elem_size-byte elements (len 0 when absent); all of it lies inside the buffer. */
enum qv_status qv_fb_vector(struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                            uint32_t elem_size, struct qv_fb_vec *ret_vec, struct qv_error *err);

/*
 * A string: *ret_str points into the buffer (NUL-terminated: the terminator is checked), or is
 * NULL when the field is absent.
 */
enum qv_status qv_fb_string(struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                            const char **ret_str, struct qv_error *err);

/* Element i of a vector of tables. */
enum qv_status qv_fb_vec_table(struct qv_fb *fb, const struct qv_fb_vec *v, uint32_t i,
                               struct qv_fb_table *ret_table, struct qv_error *err);

/* Elements of checked vectors (i < len, element size as opened). */
uint8_t qv_fb_vec_u8(const struct qv_fb *fb, const struct qv_fb_vec *v, uint32_t i);
int32_t qv_fb_vec_i32(const struct qv_fb *fb, const struct qv_fb_vec *v, uint32_t i);
int64_t qv_fb_vec_i64(const struct qv_fb *fb, const struct qv_fb_vec *v, uint32_t i);
float qv_fb_vec_f32(const struct qv_fb *fb, const struct qv_fb_vec *v, uint32_t i);

/* Little-endian loads at a checked position. */
uint16_t qv_fb_load_u16(const uint8_t *p);
uint32_t qv_fb_load_u32(const uint8_t *p);
uint64_t qv_fb_load_u64(const uint8_t *p);

#endif
