/* SPDX-License-Identifier: Apache-2.0 */
/* The int8 glue's shared checks and helpers (node_s8.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/int8/lut_s8.h"
#include "engine/int8/node_s8.h"

enum qv_status qv_s8_fail(const struct qv_kernel_ctx *c, struct qv_error *err, const char *fmt,
                          ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* The engine prefixes "node N (OP, 'name'): " at its boundary. */
    return qv_fail_node(err, QV_E_INPUT, c->node_index, "%s", msg);
}

const char *qv_s8_in_name(const struct qv_kernel_ctx *c, int32_t k)
{
    if (k < 0 || k >= c->n_in || !c->in[k] || !c->in[k]->t || !c->in[k]->t->name)
        return "(omitted)";
    return c->in[k]->t->name;
}

const char *qv_s8_out_name(const struct qv_kernel_ctx *c, int32_t k)
{
    if (k < 0 || k >= c->n_out || !c->out[k] || !c->out[k]->t || !c->out[k]->t->name)
        return "(omitted)";
    return c->out[k]->t->name;
}

enum qv_status qv_s8_need_dtype(const struct qv_kernel_ctx *c, bool out, int32_t k,
                                enum qv_dtype dtype, struct qv_error *err)
{
    const struct qv_tensor_view *v = out ? (k < c->n_out ? c->out[k] : NULL)
                                         : (k < c->n_in ? c->in[k] : NULL);
    const char *role = out ? "output" : "input";
    if (!v || !v->t)
        return qv_s8_fail(c, err, "%s %d is missing", role, (int)k);
    if (v->t->dtype != dtype)
        return qv_s8_fail(c, err, "%s '%s' must be %s, is %s", role, v->t->name,
                          qv_dtype_name(dtype), qv_dtype_name(v->t->dtype));
    return QV_OK;
}

/* Graph index of input/output k. */
static int32_t tensor_index(const struct qv_kernel_ctx *c, bool out, int32_t k)
{
    return out ? c->node->outputs[k] : c->node->inputs[k];
}

/* Range of a quantized dtype's zero point; false for dtypes that are not quantized. */
static bool zp_range(enum qv_dtype dt, int64_t *lo, int64_t *hi)
{
    switch (dt) {
    case QV_DTYPE_I8: *lo = INT8_MIN; *hi = INT8_MAX; return true;
    case QV_DTYPE_U8: *lo = 0; *hi = UINT8_MAX; return true;
    case QV_DTYPE_I16: *lo = INT16_MIN; *hi = INT16_MAX; return true;
    case QV_DTYPE_I32: *lo = INT32_MIN; *hi = INT32_MAX; return true;
    default: return false;
    }
}

enum qv_status qv_s8_check_quant(const struct qv_kernel_ctx *c, bool out, int32_t k,
                                 struct qv_error *err)
{
    const struct qv_tensor *t = out ? c->out[k]->t : c->in[k]->t;
    const int32_t idx = tensor_index(c, out, k);
    int64_t lo = 0, hi = 0;
    const bool ranged = zp_range(t->dtype, &lo, &hi);
    for (int32_t i = 0; i < t->quant.count; i++) {
        const float s = t->quant.scale ? t->quant.scale[i] : NAN;
        if (!(isfinite(s) && s > 0 && isnormal(s)))
            return qv_s8_fail(c, err, "tensor %d ('%s'): scale = %.9g is not a finite, "
                              "positive, normal number", (int)idx, t->name, (double)s);
        const int64_t z = t->quant.zero_point ? t->quant.zero_point[i] : 0;
        if (ranged && (z < lo || z > hi))
            return qv_s8_fail(c, err, "tensor %d ('%s'): zero_point = %lld is outside %s's "
                              "%lld..%lld", (int)idx, t->name, (long long)z,
                              qv_dtype_name(t->dtype), (long long)lo, (long long)hi);
    }
    return QV_OK;
}

enum qv_status qv_s8_multiplier(const struct qv_kernel_ctx *c, int32_t out_k, double real,
                                const char *what, int32_t *ret_m, int *ret_shift,
                                struct qv_error *err)
{
    int32_t m = 0;
    int shift = 32;
    if (isfinite(real))
        qv_quantize_multiplier(real, c->rounding, &m, &shift);
    if (shift > 31) {
        const struct qv_tensor *t = c->out[out_k]->t;
        const float s = t->quant.count > 0 && t->quant.scale ? t->quant.scale[0] : NAN;
        return qv_s8_fail(c, err, "tensor %d ('%s'): scale = %.9g makes the %s multiplier %g, "
                          "which no int32 fixed-point multiplier represents (2^31 or more)",
                          (int)tensor_index(c, true, out_k), t->name, (double)s, what, real);
    }
    *ret_m = m;
    *ret_shift = shift;
    return QV_OK;
}

enum qv_status qv_s8_need_quant(const struct qv_kernel_ctx *c, bool out, int32_t k,
                                enum qv_dtype dtype, float *ret_scale, int32_t *ret_zp,
                                struct qv_error *err)
{
    enum qv_status st = qv_s8_need_dtype(c, out, k, dtype, err);
    if (st != QV_OK)
        return st;
    const struct qv_tensor *t = out ? c->out[k]->t : c->in[k]->t;
    if (!qv_tensor_quant1(t, ret_scale, ret_zp))
        return qv_s8_fail(c, err, "%s '%s' has no quantization parameters (scale, zero point)",
                          out ? "output" : "input", t->name);
    return qv_s8_check_quant(c, out, k, err);
}

enum qv_status qv_s8_need_unary_quant(const struct qv_kernel_ctx *c, float *ret_s_in,
                                      int32_t *ret_z_in, float *ret_s_out, int32_t *ret_z_out,
                                      struct qv_error *err)
{
    enum qv_status st = qv_s8_need_quant(c, false, 0, QV_DTYPE_I8, ret_s_in, ret_z_in, err);
    if (st != QV_OK)
        return st;
    return qv_s8_need_quant(c, true, 0, QV_DTYPE_I8, ret_s_out, ret_z_out, err);
}

enum qv_status qv_s8_need_filter_op(const struct qv_kernel_ctx *c, float *ret_s_in,
                                    int32_t *ret_z_in, float *ret_s_out, int32_t *ret_z_out,
                                    struct qv_error *err)
{
    enum qv_status st;
    if ((st = qv_s8_need_quant(c, false, 0, QV_DTYPE_I8, ret_s_in, ret_z_in, err)) != QV_OK ||
        (st = qv_s8_need_dtype(c, false, 1, QV_DTYPE_I8, err)) != QV_OK ||
        (st = qv_s8_need_quant(c, true, 0, QV_DTYPE_I8, ret_s_out, ret_z_out, err)) != QV_OK)
        return st;
    if (c->n_in > 2 && c->in[2])
        return qv_s8_need_dtype(c, false, 2, QV_DTYPE_I32, err);
    return QV_OK;
}

enum qv_status qv_s8_need_binary_quant(const struct qv_kernel_ctx *c,
                                       struct qv_s8_binary_quant *ret_q, struct qv_error *err)
{
    struct qv_s8_binary_quant q;
    enum qv_status st;
    if ((st = qv_s8_need_quant(c, false, 0, QV_DTYPE_I8, &q.s1, &q.z1, err)) != QV_OK ||
        (st = qv_s8_need_quant(c, false, 1, QV_DTYPE_I8, &q.s2, &q.z2, err)) != QV_OK ||
        (st = qv_s8_need_quant(c, true, 0, QV_DTYPE_I8, &q.so, &q.zo, err)) != QV_OK)
        return st;
    *ret_q = q;
    return QV_OK;
}

void *qv_s8_params_alloc(struct qv_kernel_ctx *c, size_t size, struct qv_error *err)
{
    const size_t bytes = qv_s8_align64(size ? size : 1);
    void *p = aligned_alloc(64, bytes);
    if (!p) {
        qv_fail_node(err, QV_E_NOMEM, c->node_index, "out of memory preparing %s '%s'",
                     qv_op_name(c->node->op), c->node->name ? c->node->name : "");
        return NULL;
    }
    memset(p, 0, bytes);
    c->params = p;
    return p;
}

enum qv_status qv_s8_channel_multipliers(const struct qv_kernel_ctx *c, int32_t filter_k,
                                         int64_t channels, float s_in, float s_out,
                                         int32_t *mult, int32_t *shift, struct qv_error *err)
{
    const struct qv_tensor *w = c->in[filter_k]->t;
    if (w->quant.count < 1 || !w->quant.scale)
        return qv_s8_fail(c, err, "filter '%s' has no quantization parameters", w->name);
    if (w->quant.count != 1 && w->quant.count != channels)
        return qv_s8_fail(c, err, "filter '%s' has %d scales, expected 1 or %lld", w->name,
                          (int)w->quant.count, (long long)channels);
    enum qv_status st = qv_s8_check_quant(c, false, filter_k, err);
    for (int64_t ch = 0; ch < channels && st == QV_OK; ch++) {
        const float sw = w->quant.scale[w->quant.count == 1 ? 0 : ch];
        const double real = (double)s_in * (double)sw / (double)s_out;
        st = qv_s8_multiplier(c, 0, real, "requantization", &mult[ch], &shift[ch], err);
    }
    return st;
}

enum qv_status qv_s8_q4_prepare(struct qv_kernel_ctx *c, float s_in, int32_t z_in,
                                qv_q4_s8_fn *op, struct qv_error *err)
{
    const bool table = qv_s8_node_variant(c) != QV_S8_PLAIN;
    const size_t head = qv_s8_align64(sizeof(struct qv_q4_s8_params));
    struct qv_q4_s8_params *p = qv_s8_params_alloc(c, head + (table ? 256 : 0), err);
    if (!p)
        return QV_E_NOMEM;
    qv_q4_s8_params_init(p, s_in, z_in, c->rounding);
    if (p->shift < -31) {
        const struct qv_tensor *t = c->in[0]->t;
        return qv_s8_fail(c, err, "tensor %d ('%s'): scale = %.9g makes the Q4 input rescaling "
                          "2^%d, below the 2^-31 a fixed-point division reaches",
                          (int)c->node->inputs[0], t->name, (double)t->quant.scale[0], p->shift);
    }
    if (table) {
        int8_t codes[256];
        qv_lut1_s8_codes(codes);
        op(p, 256, codes, (int8_t *)p + head);   /* p->lut is still NULL: the plain loop */
        p->lut = (int8_t *)p + head;
    }
    return QV_OK;
}

enum qv_s8_variant qv_s8_node_variant(const struct qv_kernel_ctx *c)
{
    return c->plain_loops ? QV_S8_PLAIN : qv_s8_variant_best();
}

enum qv_status qv_s8_copy_prepare(const struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_tensor *in = c->in[0]->t, *out = c->out[0]->t;
    if (in->dtype != out->dtype)
        return qv_s8_fail(c, err, "input '%s' is %s but output '%s' is %s", in->name,
                          qv_dtype_name(in->dtype), out->name, qv_dtype_name(out->dtype));
    if (qv_shape_elems(&c->in[0]->shape) != qv_shape_elems(&c->out[0]->shape))
        return qv_s8_fail(c, err, "input and output element counts differ");
    return QV_OK;
}

void qv_s8_copy_eval(const struct qv_kernel_ctx *c)
{
    const size_t bytes = (size_t)qv_s8_elems(c->in[0]) * qv_dtype_size(c->in[0]->t->dtype);
    if (c->out[0]->data != c->in[0]->data)
        memmove(c->out[0]->data, c->in[0]->data, bytes);
}
