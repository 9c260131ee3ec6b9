/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AVERAGE_POOL_2D / MAX_POOL_2D int8 (spec §5.6, §5.7): TFLM pooling_common.cc (PoolingPrepare:
 * in/out zero points equal, scales within 1e-6) and the window walk shared by
 * reference_integer_ops::AveragePool and MaxPool. Only the in-image cells of a window are read.
 */
#include <math.h>

#include "core/op_impl.h"
#include "core/ops/ops_common.h"
#include "engine/int8/kernels_s8.h"

struct pool_params {
    int32_t act_min, act_max, stride_h, stride_w, fh, fw;
    int64_t pad_h, pad_w;
};

enum qv_status qv_pool_s8_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_attrs *a = &c->node->attrs;
    float s_in, s_out;
    int32_t z_in, z_out;
    enum qv_status st = qv_s8_need_unary_quant(c, &s_in, &z_in, &s_out, &z_out, err);
    if (st != QV_OK)
        return st;
    if (z_in != z_out)
        return qv_s8_fail(c, err, "input zero point %d must equal output zero point %d",
                          (int)z_in, (int)z_out);
    if (!(fabs((double)s_in - (double)s_out) <= 1e-6))
        return qv_s8_fail(c, err, "input scale %.9g must equal output scale %.9g (within 1e-6)",
                          (double)s_in, (double)s_out);
    const struct qv_shape *x = &c->in[0]->shape;
    if (x->rank != 4 || c->out[0]->shape.rank != 4)
        return qv_s8_fail(c, err, "input and output must have rank 4");
    struct pool_params *p = qv_s8_params_alloc(c, sizeof(*p), err);
    if (!p)
        return QV_E_NOMEM;
    qv_activation_range_s8(a->act, s_out, z_out, &p->act_min, &p->act_max);
    p->stride_h = a->stride_h;
    p->stride_w = a->stride_w;
    p->fh = a->filter_h;
    p->fw = a->filter_w;
    qv_compute_padding(x->dims[1], a->filter_h, a->stride_h, 1, a->padding, NULL, &p->pad_h);
    qv_compute_padding(x->dims[2], a->filter_w, a->stride_w, 1, a->padding, NULL, &p->pad_w);
    return QV_OK;
}

/*
 * AveragePool: mean of the raw q values of the rows x cols cells at px (row stride `row`,
 * column stride `ch`), rounding half away from zero with the sign-split formula.
 */
static int32_t window_average(const int8_t *px, int64_t rows, int64_t cols, int64_t row,
                              int64_t ch)
{
    int32_t sum = 0, n = 0;
    for (int64_t fy = 0; fy < rows; fy++)
        for (int64_t fx = 0; fx < cols; fx++) {
            sum += px[fy * row + fx * ch];
            n++;
        }
    /* n == 0 cannot happen for consistent shapes (TFLM would divide by 0). */
    int32_t avg = 0;
    if (n > 0)
        avg = sum > 0 ? (sum + n / 2) / n : (sum - n / 2) / n;
    return avg;
}

/* MaxPool: max of the same cells, starting from -128. */
static int32_t window_max(const int8_t *px, int64_t rows, int64_t cols, int64_t row, int64_t ch)
{
    int32_t m = -128;
    for (int64_t fy = 0; fy < rows; fy++)
        for (int64_t fx = 0; fx < cols; fx++) {
            const int32_t v = px[fy * row + fx * ch];
            m = v > m ? v : m;
        }
    return m;
}

void qv_pool_s8(const struct qv_kernel_ctx *c, enum qv_pool_kind kind)
{
    const struct pool_params *p = c->params;
    const struct qv_shape *xs = &c->in[0]->shape, *os = &c->out[0]->shape;
    const int8_t *x = c->in[0]->data;
    int8_t *out = c->out[0]->data;
    const int64_t h = xs->dims[1], w = xs->dims[2], ch = xs->dims[3];
    const int64_t oh = os->dims[1], ow = os->dims[2];
    for (int64_t b = 0; b < os->dims[0]; b++)
        for (int64_t oy = 0; oy < oh; oy++)
            for (int64_t ox = 0; ox < ow; ox++) {
                const int64_t iy0 = oy * p->stride_h - p->pad_h, ix0 = ox * p->stride_w - p->pad_w;
                const int64_t fy0 = iy0 < 0 ? -iy0 : 0, fx0 = ix0 < 0 ? -ix0 : 0;
                const int64_t fy1 = p->fh < h - iy0 ? p->fh : h - iy0;
                const int64_t fx1 = p->fw < w - ix0 ? p->fw : w - ix0;
                const int64_t rows = fy1 - fy0, cols = fx1 - fx0;
                /* First in-image cell of the window (only formed when there is one). */
                const int8_t *px = x;
                if (rows > 0 && cols > 0)
                    px = x + ((b * h + iy0 + fy0) * w + ix0 + fx0) * ch;
                for (int64_t cc = 0; cc < ch; cc++) {
                    const int32_t v = kind == QV_POOL_AVERAGE
                                          ? window_average(px + cc, rows, cols, w * ch, ch)
                                          : window_max(px + cc, rows, cols, w * ch, ch);
                    out[((b * oh + oy) * ow + ox) * ch + cc] =
                        (int8_t)qv_clamp_i32(v, p->act_min, p->act_max);
                }
            }
}
