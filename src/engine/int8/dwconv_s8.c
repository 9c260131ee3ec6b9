/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exact int8 depthwise convolution on AVX-512 VNNI (dwconv_s8.h): layout, packing of the
 * weights and per-lane constants (once, at prepare) and dispatch. The kernel itself is in
 * dwconv_s8_avx512.c.
 */
#include "engine/int8/dwconv_s8.h"

#include <string.h>

#include "engine/int8/igemm_s8_x86.h"
#include "engine/int8/requant.h"

static size_t align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

/* lcm(c, 16): the lanes after which the channel pattern of a flat output row repeats. */
static int64_t period_of(int64_t c)
{
    int64_t a = c, b = 16;
    while (b) {
        const int64_t t = a % b;
        a = b;
        b = t;
    }
    return c / a * 16;
}

bool qv_dwconv_s8_available(void)
{
#ifdef QV_IGEMM_X86
    return qv_igemm_have_avx512vnni();
#else
    return false;
#endif
}

bool qv_dwconv_s8_applies(int64_t c, int64_t kh, int64_t kw, const int32_t *mult)
{
    if (c < 1 || period_of(c) > 4096 || kh < 1 || kw < 1 || kh * ((kw + 3) / 4) > 16)
        return false;
    for (int64_t j = 0; j < c; j++)
        if (mult[j] < 0)
            return false;
    return true;
}

size_t qv_dwconv_s8_size(int64_t c, int64_t kh, int64_t kw)
{
    const int64_t p = period_of(c), g = (kw + 3) / 4;
    return align64((size_t)(kh * g * p * 4)) +
           align64((size_t)QV_DWCONV_RQ_ROWS * (size_t)p * sizeof(int32_t));
}

void qv_dwconv_s8_init(struct qv_dwconv_s8 *d, void *mem, int64_t h, int64_t w, int64_t cin,
                       int32_t dm, int64_t oh, int64_t ow, int64_t kh, int64_t kw,
                       int32_t stride_h, int32_t stride_w, int32_t dil_h, int32_t dil_w,
                       int64_t pad_h, int64_t pad_w, const int8_t *filter, const int32_t *bias,
                       int32_t z_in, const int32_t *mult, const int32_t *shift, int32_t zp,
                       int32_t lo, int32_t hi, enum qv_rounding r)
{
    const int64_t c = cin * dm, p = period_of(c), g = (kw + 3) / 4;
    d->h = h;
    d->w = w;
    d->cin = cin;
    d->c = c;
    d->dm = dm;
    d->oh = oh;
    d->ow = ow;
    d->kh = kh;
    d->kw = kw;
    d->stride_h = stride_h;
    d->stride_w = stride_w;
    d->dil_h = dil_h;
    d->dil_w = dil_w;
    d->pad_h = pad_h;
    d->pad_w = pad_w;
    d->groups = g;
    d->hp = (oh - 1) * stride_h + (kh - 1) * dil_h + 1;
    d->wp = (ow - 1) * stride_w + (4 * g - 1) * dil_w + 1;  /* the 4th tap of a group too */
    d->period = p;
    d->zp = zp;
    d->lo = lo;
    d->hi = hi;
    d->rounding = r;
    d->zbyte = (uint8_t)(z_in + 128);
    d->left = false;
    memset(mem, 0, qv_dwconv_s8_size(c, kh, kw));
    int8_t *w4 = mem;
    int32_t *rq = (int32_t *)((char *)mem + align64((size_t)(kh * g * p * 4)));
    /* [ky][group][lane][j]: lane l is channel l % c; bytes past the kernel's width stay 0. */
    for (int64_t ky = 0; ky < kh; ky++)
        for (int64_t kx = 0; kx < kw; kx++)
            for (int64_t l = 0; l < p; l++)
                w4[((ky * g + kx / 4) * p + l) * 4 + kx % 4] = filter[(ky * kw + kx) * c + l % c];
    for (int64_t l = 0; l < p; l++) {
        const int64_t ch = l % c;
        int32_t wsum = 0;
        for (int64_t t = 0; t < kh * kw; t++)
            wsum = qv_wrap_add(wsum, filter[t * c + ch]);
        const int32_t s = shift[ch], right = s > 0 ? 0 : -s;
        rq[QV_DWCONV_FOLD * p + l] =
            qv_wrap_add(bias ? bias[ch] : 0, qv_wrap_mul(-(z_in + 128), wsum));
        rq[QV_DWCONV_MULT * p + l] = mult[ch];
        rq[QV_DWCONV_LEFT * p + l] = s > 0 ? s : 0;
        rq[QV_DWCONV_RIGHT * p + l] = right;
        rq[QV_DWCONV_MASK * p + l] = (int32_t)(((uint32_t)1 << right) - 1);
        rq[QV_DWCONV_HALF * p + l] = rq[QV_DWCONV_MASK * p + l] >> 1;
        rq[QV_DWCONV_T * p + l] = 31 - s;
        d->left = d->left || s > 0;
    }
    d->w4 = w4;
    d->rq = rq;
}

size_t qv_dwconv_s8_get_buffer_size(const struct qv_dwconv_s8 *d)
{
    /* the bordered image, then the rearranged rows; 64 bytes of slack after each */
    return align64((size_t)(d->hp * d->wp * d->c)) + 64 +
           align64((size_t)(d->hp * d->groups * d->ow * d->c * 4)) + 64;
}

void qv_dwconv_s8(const struct qv_dwconv_s8 *d, void *scratch, int64_t batch, const int8_t *x,
                  int8_t *out)
{
#ifdef QV_IGEMM_X86
    qv_dwconv_s8_avx512(d, scratch, batch, x, out);
#else
    (void)d;
    (void)scratch;
    (void)batch;
    (void)x;
    (void)out;
#endif
}
