/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ADD int8 (spec §5.4, §2.3): TFLM add_common.cc (CalculateOpDataAdd: double precision) and
 * reference_integer_ops::AddElementwise / BroadcastAdd6DSlow. Broadcasting follows numpy up to
 * rank 8 with the same per-element function.
 */
#include "core/op_impl.h"
#include "engine/int8/kernels_s8.h"

struct add_params {
    int32_t in1_offset, in2_offset, out_offset, act_min, act_max;
    int32_t m1, m2, mo;
    int sh1, sh2, sho;
};

enum qv_status qv_add_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    float s1, s2, so;
    int32_t z1, z2, zo;
    enum qv_status st;
    if ((st = qv_s8_need_quant(c, false, 0, QV_DTYPE_I8, &s1, &z1, err)) != QV_OK ||
        (st = qv_s8_need_quant(c, false, 1, QV_DTYPE_I8, &s2, &z2, err)) != QV_OK ||
        (st = qv_s8_need_quant(c, true, 0, QV_DTYPE_I8, &so, &zo, err)) != QV_OK)
        return st;
    struct add_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    const double tm = 2 * (double)(s1 > s2 ? s1 : s2);
    const double r1 = (double)s1 / tm, r2 = (double)s2 / tm;
    const double ro = tm / ((double)(1 << 20) * (double)so);
    if (!(ro > 0 && ro < 1))
        return qv_s8_fail(c, err, "output multiplier 2*max(s1, s2) / (2^20 * s_out) = %g is not "
                          "in (0, 1) (QuantizeMultiplierSmallerThanOneExp)", ro);
    qv_quantize_multiplier(r1, c->rounding, &p->m1, &p->sh1);
    qv_quantize_multiplier(r2, c->rounding, &p->m2, &p->sh2);
    qv_quantize_multiplier(ro, c->rounding, &p->mo, &p->sho);
    p->in1_offset = -z1;
    p->in2_offset = -z2;
    p->out_offset = zo;
    qv_activation_range_s8(c->node->attrs.act, so, zo, &p->act_min, &p->act_max);
    return QV_OK;
}

static inline int8_t add1(const struct add_params *p, enum qv_rounding r, int8_t a, int8_t b)
{
    const int32_t sa = qv_wrap_mul(a + p->in1_offset, 1 << 20);
    const int32_t sb = qv_wrap_mul(b + p->in2_offset, 1 << 20);
    const int32_t ra = qv_mbqm(sa, p->m1, p->sh1, r), rb = qv_mbqm(sb, p->m2, p->sh2, r);
    const int32_t v = qv_mbqm(qv_wrap_add(ra, rb), p->mo, p->sho, r) + p->out_offset;
    return (int8_t)qv_clamp_i32(v, p->act_min, p->act_max);
}

void qv_add_s8(const struct qv_kernel_ctx *c)
{
    const struct add_params *p = c->params;
    const int8_t *a = c->in[0]->data, *b = c->in[1]->data;
    int8_t *out = c->out[0]->data;
    struct qv_bcast bc;
    qv_bcast_init(&bc, &c->in[0]->shape, &c->in[1]->shape, &c->out[0]->shape);
    const int64_t rows = qv_bcast_rows(&bc), len = bc.dims[bc.rank - 1];
    const int64_t sa = bc.sa[bc.rank - 1], sb = bc.sb[bc.rank - 1];
    for (int64_t r = 0; r < rows; r++) {
        int64_t oa, ob;
        qv_bcast_row_offsets(&bc, r, &oa, &ob);
        for (int64_t i = 0; i < len; i++)
            out[r * len + i] = add1(p, c->rounding, a[oa + i * sa], b[ob + i * sb]);
    }
}
