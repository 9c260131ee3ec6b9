/* SPDX-License-Identifier: Apache-2.0 */
/* Bounds-checked FlatBuffers reading (see flatbuf.h). All position sums are done in uint64_t. */
#include "io/tflite/flatbuf.h"

#include <string.h>

/* Work allowed per byte of input, plus a floor for tiny files (see the loop note in flatbuf.h). */
#define BUDGET_PER_BYTE 16
#define BUDGET_FLOOR 65536

uint16_t qv_fb_load_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t qv_fb_load_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t qv_fb_load_u64(const uint8_t *p)
{
    return (uint64_t)qv_fb_load_u32(p) | (uint64_t)qv_fb_load_u32(p + 4) << 32;
}

static enum qv_status fail(const struct qv_fb *fb, struct qv_error *err, uint64_t at,
                           const char *what)
{
    return qv_fail_at(err, QV_E_INPUT, fb->path, (int64_t)at, "malformed flatbuffer: %s", what);
}

static enum qv_status charge(struct qv_fb *fb, uint64_t units, uint64_t at, struct qv_error *err)
{
    if (units > fb->budget)
        return qv_fail_at(err, QV_E_INPUT, fb->path, (int64_t)at,
                          "malformed flatbuffer: the same data is referenced too many times "
                          "(more than %d reads per byte of the file)", BUDGET_PER_BYTE);
    fb->budget -= units;
    return QV_OK;
}

enum qv_status qv_fb_init(struct qv_fb *fb, const uint8_t *data, size_t size, const char *path,
                          struct qv_error *err)
{
    fb->data = data;
    fb->size = size;
    fb->path = path ? path : "";
    fb->budget = (uint64_t)size * BUDGET_PER_BYTE + BUDGET_FLOOR;
    if ((uint64_t)size > UINT32_MAX)
        return qv_fail_at(err, QV_E_INPUT, fb->path, -1,
                          "file of %zu bytes is larger than a flatbuffer can address (4 GiB)",
                          size);
    return QV_OK;
}

enum qv_status qv_fb_table_at(struct qv_fb *fb, uint64_t pos, uint64_t from,
                              struct qv_fb_table *ret_table, struct qv_error *err)
{
    if (pos + 4 > fb->size)
        return fail(fb, err, from, "table lies outside the file");
    enum qv_status st = charge(fb, 1, pos, err);
    if (st != QV_OK)
        return st;
    int32_t soff = (int32_t)qv_fb_load_u32(fb->data + pos);
    int64_t vt = (int64_t)pos - (int64_t)soff;
    if (vt < 0 || (uint64_t)vt + 4 > fb->size)
        return fail(fb, err, pos, "vtable offset points outside the file");
    uint16_t vt_size = qv_fb_load_u16(fb->data + vt);
    uint16_t size = qv_fb_load_u16(fb->data + vt + 2);
    if (vt_size < 4 || (vt_size & 1) || (uint64_t)vt + vt_size > fb->size)
        return fail(fb, err, (uint64_t)vt, "vtable size is invalid or runs past the file");
    if (size < 4 || pos + size > fb->size)
        return fail(fb, err, (uint64_t)vt + 2, "table size is invalid or runs past the file");
    *ret_table = (struct qv_fb_table){ .pos = (uint32_t)pos, .vt = (uint32_t)vt,
                                       .vt_size = vt_size, .size = size };
    return QV_OK;
}

enum qv_status qv_fb_root(struct qv_fb *fb, const char *ident, struct qv_fb_table *ret_table,
                          struct qv_error *err)
{
    if (fb->size < 8)
        return qv_fail_at(err, QV_E_INPUT, fb->path, 0,
                          "file of %zu bytes is too short for a flatbuffer", fb->size);
    if (ident && memcmp(fb->data + 4, ident, 4) != 0)
        return qv_fail_at(err, QV_E_INPUT, fb->path, 4,
                          "not a TFLite model: file identifier is not \"%.4s\"", ident);
    return qv_fb_table_at(fb, qv_fb_load_u32(fb->data), 0, ret_table, err);
}

enum qv_status qv_fb_field(const struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                           uint32_t width, uint32_t *ret_pos, struct qv_error *err)
{
    uint32_t vo = 4 + 2 * (uint32_t)slot;
    *ret_pos = 0;
    if (vo + 2 > t->vt_size)
        return QV_OK;
    uint16_t fo = qv_fb_load_u16(fb->data + t->vt + vo);
    if (fo == 0)
        return QV_OK;
    if ((uint32_t)fo + width > t->size)
        return fail(fb, err, (uint64_t)t->vt + vo, "field lies outside its table");
    *ret_pos = t->pos + fo;
    return QV_OK;
}

int64_t qv_fb_where(const struct qv_fb *fb, const struct qv_fb_table *t, int slot)
{
    uint32_t pos;
    if (t->vt_size == 0)
        return -1;
    if (qv_fb_field(fb, t, slot, 1, &pos, NULL) == QV_OK && pos)
        return pos;
    return t->pos;
}

/* Reads a scalar field of `width` bytes into a uint64 (0-extended); *present false if absent. */
static enum qv_status scalar(const struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                             uint32_t width, uint64_t *ret, bool *present, struct qv_error *err)
{
    uint32_t pos;
    enum qv_status st = qv_fb_field(fb, t, slot, width, &pos, err);
    if (st != QV_OK)
        return st;
    *present = pos != 0;
    if (!pos)
        return QV_OK;
    const uint8_t *p = fb->data + pos;
    switch (width) {
    case 1: *ret = p[0]; break;
    case 2: *ret = qv_fb_load_u16(p); break;
    case 4: *ret = qv_fb_load_u32(p); break;
    default: *ret = qv_fb_load_u64(p); break;
    }
    return QV_OK;
}

#define SCALAR_GETTER(fn, type, width, conv)                                                     \
    enum qv_status fn(const struct qv_fb *fb, const struct qv_fb_table *t, int slot, type def,   \
                      type *ret, struct qv_error *err)                                           \
    {                                                                                            \
        uint64_t v = 0;                                                                          \
        bool present;                                                                            \
        enum qv_status st = scalar(fb, t, slot, width, &v, &present, err);                       \
        if (st != QV_OK)                                                                         \
            return st;                                                                           \
        *ret = present ? conv : def;                                                             \
        return QV_OK;                                                                            \
    }

SCALAR_GETTER(qv_fb_u8, uint8_t, 1, (uint8_t)v)
SCALAR_GETTER(qv_fb_i8, int8_t, 1, (int8_t)(uint8_t)v)
SCALAR_GETTER(qv_fb_bool, bool, 1, v != 0)
SCALAR_GETTER(qv_fb_i32, int32_t, 4, (int32_t)(uint32_t)v)
SCALAR_GETTER(qv_fb_u32, uint32_t, 4, (uint32_t)v)
SCALAR_GETTER(qv_fb_u64, uint64_t, 8, v)

enum qv_status qv_fb_f32(const struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                         float def, float *ret, struct qv_error *err)
{
    uint64_t v = 0;
    bool present;
    enum qv_status st = scalar(fb, t, slot, 4, &v, &present, err);
    if (st != QV_OK)
        return st;
    if (!present) {
        *ret = def;
        return QV_OK;
    }
    uint32_t bits = (uint32_t)v;
    memcpy(ret, &bits, sizeof(bits));
    return QV_OK;
}

/* The target of the uoffset field `slot` (0 when absent). */
static enum qv_status ref(const struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                          uint64_t *ret_target, uint32_t *ret_field, struct qv_error *err)
{
    uint32_t pos;
    enum qv_status st = qv_fb_field(fb, t, slot, 4, &pos, err);
    *ret_target = 0;
    *ret_field = pos;
    if (st != QV_OK || !pos)
        return st;
    uint64_t target = (uint64_t)pos + qv_fb_load_u32(fb->data + pos);
    if (target >= fb->size)
        return fail(fb, err, pos, "offset points outside the file");
    *ret_target = target;
    return QV_OK;
}

enum qv_status qv_fb_subtable(struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                              struct qv_fb_table *ret_table, bool *ret_present,
                              struct qv_error *err)
{
    uint64_t target;
    uint32_t field;
    enum qv_status st = ref(fb, t, slot, &target, &field, err);
    memset(ret_table, 0, sizeof(*ret_table));
    *ret_present = false;
    if (st != QV_OK || !field)
        return st;
    st = qv_fb_table_at(fb, target, field, ret_table, err);
    *ret_present = st == QV_OK;
    return st;
}

static enum qv_status vector_at(struct qv_fb *fb, uint64_t pos, uint64_t from,
                                uint32_t elem_size, struct qv_fb_vec *ret_vec,
                                struct qv_error *err)
{
    /* written on every path: callers read it only on success, but the compiler cannot see that
     * the failure helpers never return QV_OK */
    *ret_vec = (struct qv_fb_vec){ .pos = 0, .len = 0, .at = (uint32_t)from };
    if (pos + 4 > fb->size)
        return fail(fb, err, from, "vector length lies outside the file");
    uint32_t len = qv_fb_load_u32(fb->data + pos);
    if (pos + 4 + (uint64_t)len * elem_size > fb->size)
        return qv_fail_at(err, QV_E_INPUT, fb->path, (int64_t)pos,
                          "malformed flatbuffer: vector of %u elements runs past the end of the "
                          "file", len);
    enum qv_status st = charge(fb, len, pos, err);
    if (st != QV_OK)
        return st;
    *ret_vec = (struct qv_fb_vec){ .pos = (uint32_t)pos + 4, .len = len, .at = (uint32_t)pos };
    return QV_OK;
}

enum qv_status qv_fb_vector(struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                            uint32_t elem_size, struct qv_fb_vec *ret_vec, struct qv_error *err)
{
    uint64_t target;
    uint32_t field;
    enum qv_status st = ref(fb, t, slot, &target, &field, err);
    *ret_vec = (struct qv_fb_vec){ .pos = 0, .len = 0, .at = t->pos };
    if (st != QV_OK || !field)
        return st;
    return vector_at(fb, target, field, elem_size, ret_vec, err);
}

enum qv_status qv_fb_string(struct qv_fb *fb, const struct qv_fb_table *t, int slot,
                            const char **ret_str, struct qv_error *err)
{
    struct qv_fb_vec v;
    uint64_t target;
    uint32_t field;
    enum qv_status st = ref(fb, t, slot, &target, &field, err);
    *ret_str = NULL;
    if (st != QV_OK || !field)
        return st;
    st = vector_at(fb, target, field, 1, &v, err);
    if (st != QV_OK)
        return st;
    if ((uint64_t)v.pos + v.len >= fb->size || fb->data[v.pos + v.len] != 0)
        return fail(fb, err, v.at, "string is not NUL-terminated");
    *ret_str = (const char *)fb->data + v.pos;
    return QV_OK;
}

enum qv_status qv_fb_vec_table(struct qv_fb *fb, const struct qv_fb_vec *v, uint32_t i,
                               struct qv_fb_table *ret_table, struct qv_error *err)
{
    uint64_t at = (uint64_t)v->pos + 4 * (uint64_t)i;
    uint64_t target = at + qv_fb_load_u32(fb->data + at);
    if (target >= fb->size)
        return fail(fb, err, at, "offset points outside the file");
    return qv_fb_table_at(fb, target, at, ret_table, err);
}

uint8_t qv_fb_vec_u8(const struct qv_fb *fb, const struct qv_fb_vec *v, uint32_t i)
{
    return fb->data[(size_t)v->pos + i];
}

int32_t qv_fb_vec_i32(const struct qv_fb *fb, const struct qv_fb_vec *v, uint32_t i)
{
    return (int32_t)qv_fb_load_u32(fb->data + (size_t)v->pos + 4 * (size_t)i);
}

int64_t qv_fb_vec_i64(const struct qv_fb *fb, const struct qv_fb_vec *v, uint32_t i)
{
    return (int64_t)qv_fb_load_u64(fb->data + (size_t)v->pos + 8 * (size_t)i);
}

float qv_fb_vec_f32(const struct qv_fb *fb, const struct qv_fb_vec *v, uint32_t i)
{
    uint32_t bits = qv_fb_load_u32(fb->data + (size_t)v->pos + 4 * (size_t)i);
    float f;
    memcpy(&f, &bits, sizeof(f));
    return f;
}
