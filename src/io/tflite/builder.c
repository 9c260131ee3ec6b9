/* SPDX-License-Identifier: Apache-2.0 */
/* A small FlatBuffers builder (see builder.h); layout rules follow flatbuffer_builder.h. */
#include "io/tflite/builder.h"

#include <stdlib.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the TFLite writer copies host-order data: little-endian hosts only"
#endif

/* uoffsets are unsigned 32-bit, but TFLite (like FlatBuffers) limits a buffer to 2 GiB. */
#define FBB_MAX_SIZE ((size_t)INT32_MAX)

static void set_failed(struct qv_fbb *b, enum qv_status st, const char *msg)
{
    if (b->failed == QV_OK) {
        b->failed = st;
        b->fail_msg = msg;
    }
}

void qv_fbb_init(struct qv_fbb *b)
{
    memset(b, 0, sizeof(*b));
    b->minalign = 1;
}

void qv_fbb_release(struct qv_fbb *b)
{
    free(b->buf);
    free(b->vtables);
    qv_fbb_init(b);
}

/* Makes room for n more bytes in front of the data. */
static bool reserve(struct qv_fbb *b, size_t n)
{
    if (b->failed != QV_OK)
        return false;
    if (n > FBB_MAX_SIZE - b->used) {
        set_failed(b, QV_E_INPUT, "the model does not fit a 2 GiB flatbuffer");
        return false;
    }
    if (b->cap - b->used >= n)
        return true;
    size_t ncap = b->cap ? b->cap : 1024;
    while (ncap - b->used < n)
        ncap = ncap > FBB_MAX_SIZE ? b->used + n : ncap * 2;
    uint8_t *nb = malloc(ncap);
    if (!nb) {
        set_failed(b, QV_E_NOMEM, "out of memory building the flatbuffer");
        return false;
    }
    if (b->used)
        memcpy(nb + ncap - b->used, b->buf + b->cap - b->used, b->used);
    free(b->buf);
    b->buf = nb;
    b->cap = ncap;
    return true;
}

static void push(struct qv_fbb *b, const void *data, size_t n)
{
    if (n == 0 || !reserve(b, n))
        return;
    b->used += n;
    memcpy(b->buf + b->cap - b->used, data, n);
}

static void pad(struct qv_fbb *b, size_t n)
{
    if (n == 0 || !reserve(b, n))
        return;
    b->used += n;
    memset(b->buf + b->cap - b->used, 0, n);
}

/* Pads so that after `len` more bytes the data is aligned to `align` (a power of two). */
static void prealign(struct qv_fbb *b, size_t len, size_t align)
{
    if (align > b->minalign)
        b->minalign = align;
    pad(b, (size_t)(-(b->used + len)) & (align - 1));
}

static void push_u32(struct qv_fbb *b, uint32_t v)
{
    push(b, &v, sizeof(v));
}

/* The value of a uoffset about to be pushed (4-aligned) that refers to `ref`. */
static uint32_t refer(struct qv_fbb *b, uint32_t ref)
{
    prealign(b, 4, 4);
    return (uint32_t)(b->used + 4 - ref);
}

uint32_t qv_fbb_vector(struct qv_fbb *b, const void *data, size_t count, size_t elem_size,
                       size_t align)
{
    if (elem_size && count > FBB_MAX_SIZE / elem_size) {
        set_failed(b, QV_E_INPUT, "the model does not fit a 2 GiB flatbuffer");
        return 0;
    }
    size_t n = count * elem_size;
    prealign(b, n, 4);
    prealign(b, n, align < 4 ? 4 : align);
    push(b, data, n);
    push_u32(b, (uint32_t)count);
    return (uint32_t)b->used;
}

uint32_t qv_fbb_ref_vector(struct qv_fbb *b, const uint32_t *refs, size_t count)
{
    if (count > FBB_MAX_SIZE / 4) {
        set_failed(b, QV_E_INPUT, "the model does not fit a 2 GiB flatbuffer");
        return 0;
    }
    prealign(b, count * 4, 4);
    for (size_t i = count; i-- > 0;)
        push_u32(b, refer(b, refs[i]));
    push_u32(b, (uint32_t)count);
    return (uint32_t)b->used;
}

uint32_t qv_fbb_string(struct qv_fbb *b, const char *s)
{
    size_t n = strlen(s);
    prealign(b, n + 1, 4);
    pad(b, 1);
    push(b, s, n);
    push_u32(b, (uint32_t)n);
    return (uint32_t)b->used;
}

void qv_fbb_start(struct qv_fbb *b)
{
    b->table_start = b->used;
    b->n_fields = 0;
    memset(b->fields, 0, sizeof(b->fields));
}

static void add_scalar(struct qv_fbb *b, int slot, const void *v, size_t size)
{
    if (slot < 0 || slot >= QV_FBB_MAX_FIELDS) {
        set_failed(b, QV_E_INTERNAL, "flatbuffer field slot out of range");
        return;
    }
    prealign(b, size, size);
    push(b, v, size);
    b->fields[slot] = (uint32_t)b->used;
    if (slot + 1 > b->n_fields)
        b->n_fields = slot + 1;
}

void qv_fbb_add_u8(struct qv_fbb *b, int slot, uint8_t v, uint8_t def)
{
    if (v != def)
        add_scalar(b, slot, &v, 1);
}

void qv_fbb_add_i32(struct qv_fbb *b, int slot, int32_t v, int32_t def)
{
    if (v != def)
        add_scalar(b, slot, &v, 4);
}

void qv_fbb_add_u32(struct qv_fbb *b, int slot, uint32_t v, uint32_t def)
{
    if (v != def)
        add_scalar(b, slot, &v, 4);
}

void qv_fbb_add_u64(struct qv_fbb *b, int slot, uint64_t v, uint64_t def)
{
    if (v != def)
        add_scalar(b, slot, &v, 8);
}

void qv_fbb_add_f32(struct qv_fbb *b, int slot, float v, float def)
{
    if (memcmp(&v, &def, sizeof(v)) != 0)
        add_scalar(b, slot, &v, 4);
}

void qv_fbb_add_ref(struct qv_fbb *b, int slot, uint32_t ref)
{
    if (ref == 0)
        return;
    uint32_t v = refer(b, ref);
    add_scalar(b, slot, &v, 4);
}

/* An earlier vtable with exactly these bytes, or 0. */
static uint32_t find_vtable(const struct qv_fbb *b, const uint8_t *vt, size_t vt_size)
{
    for (size_t i = 0; i < b->n_vtables; i++) {
        const uint8_t *old = b->buf + b->cap - b->vtables[i];
        if ((size_t)(old[0] | old[1] << 8) == vt_size && memcmp(old, vt, vt_size) == 0)
            return b->vtables[i];
    }
    return 0;
}

uint32_t qv_fbb_end(struct qv_fbb *b)
{
    int32_t zero = 0;
    prealign(b, 4, 4);
    push(b, &zero, 4);
    if (b->failed != QV_OK)
        return 0;
    size_t obj = b->used;
    size_t obj_size = obj - b->table_start;
    size_t vt_size = 4 + 2 * (size_t)b->n_fields;
    if (obj_size > UINT16_MAX) {
        set_failed(b, QV_E_INTERNAL, "flatbuffer table larger than 64 KiB");
        return 0;
    }
    uint8_t vt[4 + 2 * QV_FBB_MAX_FIELDS];
    vt[0] = (uint8_t)vt_size;
    vt[1] = (uint8_t)(vt_size >> 8);
    vt[2] = (uint8_t)obj_size;
    vt[3] = (uint8_t)(obj_size >> 8);
    for (int32_t i = 0; i < b->n_fields; i++) {
        size_t fo = b->fields[i] ? obj - b->fields[i] : 0;
        vt[4 + 2 * i] = (uint8_t)fo;
        vt[5 + 2 * i] = (uint8_t)(fo >> 8);
    }
    uint32_t vt_ref = find_vtable(b, vt, vt_size);
    if (!vt_ref) {
        push(b, vt, vt_size);
        if (b->n_vtables == b->cap_vtables) {
            size_t ncap = b->cap_vtables ? 2 * b->cap_vtables : 32;
            uint32_t *p = realloc(b->vtables, ncap * sizeof(*p));
            if (!p)
                set_failed(b, QV_E_NOMEM, "out of memory building the flatbuffer");
            else {
                b->vtables = p;
                b->cap_vtables = ncap;
            }
        }
        if (b->failed != QV_OK)
            return 0;
        vt_ref = (uint32_t)b->used;
        b->vtables[b->n_vtables++] = vt_ref;
    }
    /* soffset = table position - vtable position = vt_ref - obj (both measured from the end). */
    int32_t soff = (int32_t)((int64_t)vt_ref - (int64_t)obj);
    memcpy(b->buf + b->cap - obj, &soff, 4);
    return (uint32_t)obj;
}

enum qv_status qv_fbb_finish(struct qv_fbb *b, uint32_t root, const char *ident,
                             uint8_t **ret_buf, size_t *ret_size, struct qv_error *err)
{
    prealign(b, 8, b->minalign < 4 ? 4 : b->minalign);
    push(b, ident, 4);
    push_u32(b, refer(b, root));
    if (b->failed != QV_OK)
        return qv_fail(err, b->failed, "%s", b->fail_msg);
    uint8_t *out = malloc(b->used);
    if (!out)
        return qv_fail(err, QV_E_NOMEM, "out of memory finishing a %zu-byte flatbuffer", b->used);
    memcpy(out, b->buf + b->cap - b->used, b->used);
    *ret_buf = out;
    *ret_size = b->used;
    return QV_OK;
}
