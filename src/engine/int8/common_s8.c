/* SPDX-License-Identifier: Apache-2.0 */
/* Prepare-time helpers and broadcasting shared by the int8 kernels (kernels_s8.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/int8/kernels_s8.h"

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

enum qv_status qv_s8_need_quant(const struct qv_kernel_ctx *c, bool out, int32_t k,
                                enum qv_dtype dtype, float *ret_scale, int32_t *ret_zp,
                                struct qv_error *err)
{
    enum qv_status st = qv_s8_need_dtype(c, out, k, dtype == QV_DTYPE_COUNT ? QV_DTYPE_I8 : dtype,
                                         err);
    if (st != QV_OK)
        return st;
    const struct qv_tensor *t = out ? c->out[k]->t : c->in[k]->t;
    if (!qv_tensor_quant1(t, ret_scale, ret_zp))
        return qv_s8_fail(c, err, "%s '%s' has no quantization parameters (scale, zero point)",
                          out ? "output" : "input", t->name);
    return QV_OK;
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

void *qv_s8_params_alloc(struct qv_kernel_ctx *c, size_t size, struct qv_error *err)
{
    void *p = calloc(1, size ? size : 1);
    if (!p) {
        qv_fail_node(err, QV_E_NOMEM, c->node_index, "out of memory preparing %s '%s'",
                     qv_op_name(c->node->op), c->node->name ? c->node->name : "");
        return NULL;
    }
    c->params = p;
    return p;
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

void qv_s8_copy(const struct qv_kernel_ctx *c)
{
    const size_t bytes =
        (size_t)qv_shape_elems(&c->in[0]->shape) * qv_dtype_size(c->in[0]->t->dtype);
    if (c->out[0]->data != c->in[0]->data)
        memmove(c->out[0]->data, c->in[0]->data, bytes);
}

enum qv_status qv_s8_q4_prepare(struct qv_kernel_ctx *c, float s_in, int32_t z_in,
                                struct qv_error *err)
{
    struct qv_q4_params_s8 *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    p->z_in = z_in;
    const double real = (double)s_in * (double)(1 << (31 - 4));
    const double q = frexp(real, &p->shift);
    /* TFLM casts round(q * 2^31) to int32 without the 2^31 carry; keep it in range. */
    const int64_t qf = (int64_t)round(q * (double)((int64_t)1 << 31));
    p->mult = qf > INT32_MAX ? INT32_MAX : (int32_t)qf;
    p->radius = qv_input_radius(4, p->shift);
    return QV_OK;
}

void qv_s8_q4_map(const struct qv_kernel_ctx *c, int8_t (*f)(int32_t q4))
{
    const struct qv_q4_params_s8 *p = c->params;
    const int8_t *x = c->in[0]->data;
    int8_t *out = c->out[0]->data;
    const int64_t n = qv_shape_elems(&c->in[0]->shape);
    for (int64_t i = 0; i < n; i++) {
        const int32_t v = x[i] - p->z_in;
        if (v <= -p->radius)
            out[i] = -128;
        else if (v >= p->radius)
            out[i] = 127;
        else
            out[i] = f(qv_mbqm(v, p->mult, p->shift, c->rounding));
    }
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
    for (int64_t ch = 0; ch < channels; ch++) {
        const float sw = w->quant.scale[w->quant.count == 1 ? 0 : ch];
        const double real = (double)s_in * (double)sw / (double)s_out;
        qv_quantize_multiplier(real, c->rounding, &mult[ch], &shift[ch]);
    }
    return QV_OK;
}

void qv_bcast_init(struct qv_bcast *bc, const struct qv_shape *a, const struct qv_shape *b,
                   const struct qv_shape *out)
{
    int32_t rank = out->rank > 0 ? out->rank : 1;
    bc->rank = rank;
    bc->same = qv_shape_equal(a, out) && qv_shape_equal(b, out);
    int64_t st_a = 1, st_b = 1;
    for (int32_t i = rank - 1; i >= 0; i--) {
        const int32_t ia = i - (rank - a->rank), ib = i - (rank - b->rank);
        const int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        bc->dims[i] = out->rank > 0 ? out->dims[i] : 1;
        bc->sa[i] = da == 1 ? 0 : st_a;
        bc->sb[i] = db == 1 ? 0 : st_b;
        st_a *= da;
        st_b *= db;
    }
}

int64_t qv_bcast_rows(const struct qv_bcast *bc)
{
    int64_t rows = 1;
    for (int32_t i = 0; i < bc->rank - 1; i++)
        rows *= bc->dims[i];
    return rows;
}

void qv_bcast_row_offsets(const struct qv_bcast *bc, int64_t r, int64_t *ret_a, int64_t *ret_b)
{
    int64_t oa = 0, ob = 0;
    for (int32_t i = bc->rank - 2; i >= 0; i--) {
        const int64_t idx = r % bc->dims[i];
        r /= bc->dims[i];
        oa += idx * bc->sa[i];
        ob += idx * bc->sb[i];
    }
    *ret_a = oa;
    *ret_b = ob;
}
