/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AVERAGE_POOL_2D / MAX_POOL_2D, float32 (TFLite reference_ops::AveragePool and MaxPool): the
 * checks and the window walk both share. Only a window's in-image cells are read: padding is
 * neither counted by the average nor able to win the max. Then the fused activation.
 */
#include <float.h>

#include "engine/kernel.h"
#include "engine/float/float_common.h"

enum qv_status qv_f32_pool_prepare(struct qv_kernel_ctx *c, struct qv_error *err)
{
    const struct qv_node *n = c->node;
    const char *op = qv_op_name(n->op);
    enum qv_status st = qv_f32_check_window(c, false, err);
    if (st != QV_OK)
        return st;
    if (n->attrs.filter_h < 1 || n->attrs.filter_w < 1)
        return qv_fail_node(err, QV_E_INPUT, c->node_index, "%s '%s': filter %dx%d must be >= 1",
                            op, n->name, n->attrs.filter_h, n->attrs.filter_w);
    if (c->in[0]->shape.dims[3] != c->out[0]->shape.dims[3])
        return qv_fail_node(err, QV_E_INPUT, c->node_index,
                            "%s '%s': %lld input channels, %lld output channels", op, n->name,
                            (long long)c->in[0]->shape.dims[3],
                            (long long)c->out[0]->shape.dims[3]);
    return QV_OK;
}

/* In-image part of one window: rows [ky0, ky1) x cols [kx0, kx1) from input cell (y0, x0). */
struct window {
    int64_t y0, x0, ky0, ky1, kx0, kx1;
};

/* out[k] = sum of the cells / their count (TFLite divides by the float count). */
static void window_average(const struct qv_f32_window *w, const struct window *win,
                           const float *img, float *out, float lo, float hi)
{
    const int64_t ch = w->in_c;
    for (int64_t k = 0; k < ch; k++)
        out[k] = 0.0f;
    int64_t count = 0;
    for (int64_t ky = win->ky0; ky < win->ky1; ky++) {
        for (int64_t kx = win->kx0; kx < win->kx1; kx++, count++) {
            const float *px = img + ((win->y0 + ky) * w->in_w + win->x0 + kx) * ch;
            for (int64_t k = 0; k < ch; k++)
                out[k] += px[k];
        }
    }
    /* An empty window (impossible for valid shapes) would give 0/0, so keep 0 instead. */
    for (int64_t k = 0; k < ch; k++)
        out[k] = qv_f32_clamp(count ? out[k] / (float)count : 0.0f, lo, hi);
}

static void window_max(const struct qv_f32_window *w, const struct window *win,
                       const float *img, float *out, float lo, float hi)
{
    const int64_t ch = w->in_c;
    for (int64_t k = 0; k < ch; k++)
        out[k] = -FLT_MAX;   /* TFLite's numeric_limits<float>::lowest() */
    for (int64_t ky = win->ky0; ky < win->ky1; ky++) {
        for (int64_t kx = win->kx0; kx < win->kx1; kx++) {
            const float *px = img + ((win->y0 + ky) * w->in_w + win->x0 + kx) * ch;
            for (int64_t k = 0; k < ch; k++)
                out[k] = px[k] > out[k] ? px[k] : out[k];
        }
    }
    for (int64_t k = 0; k < ch; k++)
        out[k] = qv_f32_clamp(out[k], lo, hi);
}

void qv_f32_pool(const struct qv_kernel_ctx *c, enum qv_pool_kind kind)
{
    const struct qv_attrs *a = &c->node->attrs;
    struct qv_f32_window w;
    qv_f32_window_init(&w, c, a->filter_h, a->filter_w, 1, 1);
    const float *in = c->in[0]->data;
    float *out = c->out[0]->data;
    const int64_t ch = w.in_c;
    float lo, hi;
    qv_f32_act_range(a->act, &lo, &hi);

    for (int64_t b = 0; b < w.n; b++) {
        const float *img = in + b * w.in_h * w.in_w * ch;
        for (int64_t oy = 0; oy < w.out_h; oy++) {
            struct window win;
            win.y0 = oy * w.stride_h - w.pad_h;
            win.ky0 = win.y0 < 0 ? -win.y0 : 0;
            win.ky1 = w.in_h - win.y0 < w.k_h ? w.in_h - win.y0 : w.k_h;
            for (int64_t ox = 0; ox < w.out_w; ox++, out += ch) {
                win.x0 = ox * w.stride_w - w.pad_w;
                win.kx0 = win.x0 < 0 ? -win.x0 : 0;
                win.kx1 = w.in_w - win.x0 < w.k_w ? w.in_w - win.x0 : w.k_w;
                if (kind == QV_POOL_AVERAGE)
                    window_average(&w, &win, img, out, lo, hi);
                else
                    window_max(&w, &win, img, out, lo, hi);
            }
        }
    }
}
