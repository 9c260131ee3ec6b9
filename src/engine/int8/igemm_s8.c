/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exact int8 indirect GEMM (igemm_s8.h): packing, the portable C micro-kernel, run-time
 * dispatch, and the CONV_2D / FULLY_CONNECTED drivers that build the indirection. The x86
 * micro-kernels are in igemm_s8_avx512.c and igemm_s8_avxvnni.c (function target attributes
 * only: the library needs no -march flags).
 */
#include "engine/int8/igemm_s8.h"

#include <string.h>

#include "engine/int8/igemm_s8_x86.h"
#include "engine/int8/requant.h"

static size_t align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

/* ---- CPU features --------------------------------------------------------------------------- */

bool qv_igemm_isa_available(enum qv_igemm_isa isa)
{
    switch (isa) {
    case QV_IGEMM_C:
        return true;
#ifdef QV_IGEMM_X86
    case QV_IGEMM_AVXVNNI:
        return qv_igemm_have_avxvnni();
    case QV_IGEMM_AVX512VNNI:
        return qv_igemm_have_avx512vnni();
#endif
    default:
        return false;
    }
}

enum qv_igemm_isa qv_igemm_isa_best(void)
{
    for (int i = QV_IGEMM_ISA_COUNT - 1; i > 0; i--)
        if (qv_igemm_isa_available((enum qv_igemm_isa)i))
            return (enum qv_igemm_isa)i;
    return QV_IGEMM_C;
}

const char *qv_igemm_isa_name(enum qv_igemm_isa isa)
{
    static const char *const names[QV_IGEMM_ISA_COUNT] = {
        [QV_IGEMM_C] = "c",
        [QV_IGEMM_AVXVNNI] = "avxvnni",
        [QV_IGEMM_AVX512VNNI] = "avx512vnni",
    };
    return (unsigned)isa < QV_IGEMM_ISA_COUNT ? names[isa] : "?";
}

/* ---- packing ------------------------------------------------------------------------------ */

/* Padded lanes of n channels in blocks of nr. */
static int64_t padded(int64_t n, int64_t nr)
{
    return (n + nr - 1) / nr * nr;
}

void qv_igemm_s8_shape(enum qv_igemm_isa isa, int64_t n, bool pairable, int32_t *ret_nr,
                       int32_t *ret_mr, bool *ret_paired)
{
    int32_t nr = 16, mr = 4;
    bool paired = false;
    if (isa == QV_IGEMM_AVX512VNNI) {
        /* zmm tiles of 16, 32 or 64 channels, whichever pads least (ties: the wider). Rows:
         * the accumulators fill ~24 registers, and at most 8 row pointers stay in general
         * registers. 8 or fewer channels: two rows per zmm when the caller lays the rows out
         * (paired), else 256-bit tiles. */
        if (n <= 8) {
            nr = 8;
            mr = pairable ? 16 : 8;
            paired = pairable;
        } else {
            nr = 64;
            if (padded(n, 32) < padded(n, nr))
                nr = 32;
            if (padded(n, 16) < padded(n, nr))
                nr = 16;
            mr = nr == 64 ? 6 : 8;
        }
    } else if (isa == QV_IGEMM_AVXVNNI) {
        /* 16 ymm registers: 8 x 8 or 6 x 16 accumulators. */
        nr = n <= 8 ? 8 : 16;
        mr = n <= 8 ? 8 : 6;
    }
    *ret_nr = nr;
    *ret_mr = mr;
    *ret_paired = paired;
}

size_t qv_igemm_s8_packed_size(enum qv_igemm_isa isa, int64_t n, int64_t ks, int64_t kc,
                               bool pairable)
{
    int32_t nr, mr;
    bool paired;
    qv_igemm_s8_shape(isa, n, pairable, &nr, &mr, &paired);
    const int64_t lanes = padded(n > 0 ? n : 1, nr) * (paired ? 2 : 1);
    return align64((size_t)(lanes * ks * kc)) + align64((size_t)QV_IGEMM_RQ_ROWS *
                                                        (size_t)lanes * sizeof(int32_t));
}

void qv_igemm_s8_pack(struct qv_igemm_s8 *g, void *mem, enum qv_igemm_isa isa, int64_t n,
                      int64_t ks, int64_t kc, int64_t kc_real, const int8_t *w, int64_t ldw,
                      bool pairable, const int32_t *bias, int32_t z_in, const int32_t *mult,
                      const int32_t *shift, int32_t zp, int32_t lo, int32_t hi,
                      enum qv_rounding r)
{
    int32_t nr, mr;
    bool paired;
    qv_igemm_s8_shape(isa, n, pairable, &nr, &mr, &paired);
    /* Lanes: a channel per lane, or (paired) channel j in lanes 2j and 2j + 1. */
    const int64_t npad = padded(n > 0 ? n : 1, nr), nblocks = npad / nr;
    const int64_t dup = paired ? 2 : 1, lanes = npad * dup, bl = nr * dup;
    int8_t *wp = mem;
    int32_t *rq = (int32_t *)((char *)mem + align64((size_t)(lanes * ks * kc)));
    memset(mem, 0, qv_igemm_s8_packed_size(isa, n, ks, kc, pairable));
    /* [block][tap][kc / 4][lanes of the block][4] */
    for (int64_t j = 0; j < n; j++) {
        const int64_t blk = j / nr, col = j % nr;
        int32_t wsum = 0;
        for (int64_t t = 0; t < ks; t++) {
            int8_t *dst = wp + ((blk * ks + t) * kc) * bl;
            for (int64_t c = 0; c < kc_real; c++) {
                const int8_t v = w[j * ldw + t * kc_real + c];
                for (int64_t d = 0; d < dup; d++)
                    dst[(c / 4) * bl * 4 + (col * dup + d) * 4 + c % 4] = v;
                wsum = qv_wrap_add(wsum, v);
            }
        }
        const int32_t s = shift[j], right = s > 0 ? 0 : -s;
        for (int64_t d = 0; d < dup; d++) {
            int32_t *row[QV_IGEMM_RQ_ROWS];
            for (int f = 0; f < QV_IGEMM_RQ_ROWS; f++)
                row[f] = rq + (int64_t)f * lanes + d;
            const int64_t l = j * dup;
            row[QV_IGEMM_FOLD][l] =
                qv_wrap_add(bias ? bias[j] : 0, qv_wrap_mul(-(z_in + 128), wsum));
            row[QV_IGEMM_MULT][l] = mult[j];
            row[QV_IGEMM_LEFT][l] = s > 0 ? s : 0;
            row[QV_IGEMM_RIGHT][l] = right;
            row[QV_IGEMM_MASK][l] = (int32_t)(((uint32_t)1 << right) - 1);
            row[QV_IGEMM_HALF][l] = row[QV_IGEMM_MASK][l] >> 1;
            row[QV_IGEMM_T][l] = 31 - s;
        }
    }
    g->paired = paired;
    g->isa = isa;
    g->n = n;
    g->ks = ks;
    g->kc = kc;
    g->nr = nr;
    g->mr = mr;
    g->nblocks = nblocks;
    g->npad = npad;
    g->w = wp;
    g->rq = rq;
    g->zp = zp;
    g->lo = lo;
    g->hi = hi;
    g->rounding = r;
    g->left = false;
    for (int64_t j = 0; j < n; j++)
        g->left = g->left || shift[j] > 0;
}

/* ---- the portable micro-kernel ------------------------------------------------------------ */

/* The scalar epilogue every variant matches: clamp(MBQM(acc, M, shift) + zp, lo, hi). */
static inline int8_t finish(const struct qv_igemm_s8 *g, int32_t acc, int64_t j)
{
    const int32_t *m = g->rq + QV_IGEMM_MULT * g->npad;
    const int32_t *l = g->rq + QV_IGEMM_LEFT * g->npad, *rt = g->rq + QV_IGEMM_RIGHT * g->npad;
    const int32_t v = qv_wrap_add(qv_mbqm(acc, m[j], l[j] - rt[j], g->rounding), g->zp);
    return (int8_t)qv_clamp_i32(v, g->lo, g->hi);
}

static void tile_c(const struct qv_igemm_s8 *g, int64_t m, const uint8_t *base,
                   const int32_t *off, int8_t *out, int64_t ldo)
{
    const int64_t nr = g->nr, ks = g->ks, kc = g->kc;
    const int32_t *fold = g->rq + QV_IGEMM_FOLD * g->npad;
    for (int64_t blk = 0; blk < g->nblocks; blk++) {
        const int8_t *wb = g->w + blk * ks * kc * nr;
        const int64_t j0 = blk * nr, nc = g->n - j0 < nr ? g->n - j0 : nr;
        for (int64_t i = 0; i < m; i++) {
            for (int64_t j = 0; j < nc; j++) {
                int32_t acc = fold[j0 + j];
                for (int64_t t = 0; t < ks; t++) {
                    const uint8_t *x = base + off[i * ks + t];
                    const int8_t *wt = wb + t * kc * nr + j * 4;
                    for (int64_t c = 0; c < kc; c++)
                        acc = qv_wrap_add(acc, (int32_t)x[c] * wt[(c / 4) * nr * 4 + c % 4]);
                }
                out[i * ldo + j0 + j] = finish(g, acc, j0 + j);
            }
        }
    }
}

void qv_igemm_s8_tile(const struct qv_igemm_s8 *g, int64_t m, const uint8_t *base,
                      const int32_t *off, int8_t *out, int64_t ldo)
{
#ifdef QV_IGEMM_X86
    if (g->isa == QV_IGEMM_AVX512VNNI) {
        if (g->paired)
            qv_igemm_s8_tile_pairs_avx512vnni(g, m, base, off, out, ldo);
        else
            qv_igemm_s8_tile_avx512vnni(g, m, base, off, out, ldo);
        return;
    }
    if (g->isa == QV_IGEMM_AVXVNNI) {
        qv_igemm_s8_tile_avxvnni(g, m, base, off, out, ldo);
        return;
    }
#endif
    tile_c(g, m, base, off, out, ldo);
}

void qv_igemm_s8_pair_rows(const struct qv_igemm_s8 *g, const uint8_t *rows, int64_t m,
                           uint8_t *pairs)
{
    const int64_t kc = g->kc;
#ifdef QV_IGEMM_X86
    qv_igemm_s8_pair_avx512(rows, m, kc, pairs);   /* paired g: AVX-512 only */
#else
    for (int64_t i = 0; i < m; i += 2) {
        const uint8_t *a = rows + i * kc, *b = i + 1 < m ? a + kc : a;
        for (int64_t q = 0; q < kc; q += 4) {
            memcpy(pairs + i * kc + 2 * q, a + q, 4);
            memcpy(pairs + i * kc + 2 * q + 4, b + q, 4);
        }
    }
#endif
}

void qv_s8_to_u8(const int8_t *restrict src, uint8_t *restrict dst, int64_t n)
{
#ifdef QV_IGEMM_X86
    if (n >= 64 && qv_igemm_have_avx512vnni()) {
        qv_s8_to_u8_avx512(src, dst, n);
        return;
    }
#endif
    for (int64_t i = 0; i < n; i++)
        dst[i] = (uint8_t)((uint8_t)src[i] ^ 0x80u);
}

/* ---- CONV_2D -------------------------------------------------------------------------------- */

static bool conv_direct(int64_t cin)
{
    return cin % 4 == 0;
}

/* Bytes per gathered row (kh * kw * cin rounded up to 4). */
static int64_t conv_row_bytes(int64_t kh, int64_t kw, int64_t cin)
{
    return (kh * kw * cin + 3) & ~(int64_t)3;
}

size_t qv_conv_igemm_s8_size(enum qv_igemm_isa isa, int64_t oh, int64_t ow, int64_t cout,
                             int64_t kh, int64_t kw, int64_t cin)
{
    if (conv_direct(cin))
        return qv_igemm_s8_packed_size(isa, cout, kh * kw, cin, false) +
               align64((size_t)(oh * ow * kh * kw) * sizeof(int32_t));
    return qv_igemm_s8_packed_size(isa, cout, 1, conv_row_bytes(kh, kw, cin), true);
}

/*
 * Rows laid out by a driver (gathered or FULLY_CONNECTED): [mr rows of kc][pairs of them, when
 * paired][mr row or pair offsets]; 128 bytes of slack after each area (16-byte copies, whole
 * 64-byte stores of the pairs).
 */
static size_t rows_area(const struct qv_igemm_s8 *g)
{
    return align64((size_t)(g->mr * g->kc)) + 128;
}

static size_t rows_scratch(const struct qv_igemm_s8 *g)
{
    return rows_area(g) * (g->paired ? 2 : 1) + align64(QV_IGEMM_MR_MAX * sizeof(int32_t));
}

/* The offsets of the rows (or pairs) in their area. */
static void rows_offsets(const struct qv_igemm_s8 *g, int32_t *off)
{
    for (int64_t i = 0; i < g->mr; i++)
        off[i] = (int32_t)(i * g->kc * (g->paired ? 2 : 1));
}

/* One tile of m laid-out rows: paired first when g is. */
static void rows_tile(const struct qv_igemm_s8 *g, int64_t m, uint8_t *area,
                      const int32_t *off, int8_t *out, int64_t ldo)
{
    if (g->paired) {
        uint8_t *pairs = area + rows_area(g);
        qv_igemm_s8_pair_rows(g, area, m, pairs);
        qv_igemm_s8_tile(g, m, pairs, off, out, ldo);
    } else {
        qv_igemm_s8_tile(g, m, area, off, out, ldo);
    }
}

void qv_conv_igemm_s8_init(struct qv_conv_igemm_s8 *c, void *mem, enum qv_igemm_isa isa,
                           int64_t h, int64_t w, int64_t cin, int64_t oh, int64_t ow,
                           int64_t cout, int64_t kh, int64_t kw, int32_t stride_h,
                           int32_t stride_w, int32_t dil_h, int32_t dil_w, int64_t pad_h,
                           int64_t pad_w, const int8_t *filter, const int32_t *bias, int32_t z_in,
                           const int32_t *mult, const int32_t *shift, int32_t zp, int32_t lo,
                           int32_t hi, enum qv_rounding r)
{
    c->h = h;
    c->w = w;
    c->cin = cin;
    c->oh = oh;
    c->ow = ow;
    c->kh = kh;
    c->kw = kw;
    c->stride_h = stride_h;
    c->stride_w = stride_w;
    c->dil_h = dil_h;
    c->dil_w = dil_w;
    c->pad_h = pad_h;
    c->pad_w = pad_w;
    c->direct = conv_direct(cin);
    c->zbyte = (uint8_t)(z_in + 128);
    c->ind = NULL;
    c->zr = 0;
    const int64_t ks = c->direct ? kh * kw : 1;
    const int64_t kc = c->direct ? cin : conv_row_bytes(kh, kw, cin);
    qv_igemm_s8_pack(&c->g, mem, isa, cout, ks, kc, c->direct ? cin : kh * kw * cin, filter,
                     kh * kw * cin, !c->direct, bias, z_in, mult, shift, zp, lo, hi, r);
    if (!c->direct)
        return;
    /* The indirection: offsets into [zero-point row][sample copy] of every tap of every pixel. */
    c->zr = (int64_t)align64((size_t)cin);
    int32_t *ind = (int32_t *)((char *)mem + qv_igemm_s8_packed_size(isa, cout, ks, kc, false));
    for (int64_t oy = 0; oy < oh; oy++)
        for (int64_t ox = 0; ox < ow; ox++)
            for (int64_t ky = 0; ky < kh; ky++)
                for (int64_t kx = 0; kx < kw; kx++) {
                    const int64_t iy = oy * stride_h - pad_h + ky * dil_h;
                    const int64_t ix = ox * stride_w - pad_w + kx * dil_w;
                    const bool in = iy >= 0 && iy < h && ix >= 0 && ix < w;
                    ind[((oy * ow + ox) * kh + ky) * kw + kx] =
                        in ? (int32_t)(c->zr + (iy * w + ix) * cin) : 0;
                }
    c->ind = ind;
}

/* Gathered rows: the bordered image's rows and columns (padded coordinates, 0 = -pad). */
static int64_t img_h(const struct qv_conv_igemm_s8 *c)
{
    return (c->oh - 1) * c->stride_h + (c->kh - 1) * c->dil_h + 1;
}

static int64_t img_w(const struct qv_conv_igemm_s8 *c)
{
    return (c->ow - 1) * c->stride_w + (c->kw - 1) * c->dil_w + 1;
}

size_t qv_conv_igemm_s8_get_buffer_size(const struct qv_conv_igemm_s8 *c)
{
    if (c->direct)  /* zero-point row + sample copy */
        return (size_t)c->zr + align64((size_t)(c->h * c->w * c->cin)) + 64;
    /* gathered: the rows' scratch, then the bordered image (64 bytes of slack) */
    return rows_scratch(&c->g) + align64((size_t)(img_h(c) * img_w(c) * c->cin)) + 64;
}

/* Sample x as unsigned bytes with z_in + 128 borders: img_h x img_w x cin from (-pad, -pad). */
static void border_sample(const struct qv_conv_igemm_s8 *c, const int8_t *x, uint8_t *img)
{
    const int64_t hp = img_h(c), wp = img_w(c), cin = c->cin;
    const int64_t x0 = c->pad_w, x1 = c->pad_w + c->w < wp ? c->pad_w + c->w : wp;
    memset(img, c->zbyte, align64((size_t)(hp * wp * cin)) + 64);
    for (int64_t py = 0; py < hp && x1 > x0; py++) {
        const int64_t iy = py - c->pad_h;
        if (iy >= 0 && iy < c->h)
            qv_s8_to_u8(x + iy * c->w * cin, img + (py * wp + x0) * cin, (x1 - x0) * cin);
    }
}

/* n (<= 16) bytes from src to dst, as one 16-byte copy (both have 16 bytes of room). */
static inline void copy16(uint8_t *dst, const uint8_t *src)
{
    memcpy(dst, src, 16);
}

/* Gathers the windows of output pixels [p0, p0 + m) from the bordered image into rows of kc. */
/*
 * Rows of pixels [p0, p0 + m) when each kernel row is one run of at most 16 bytes (undilated
 * columns, kw * cin <= 16): kh 16-byte copies per row (each spill is overwritten next, or lands
 * in the slack), the tail (weights 0) zeroed. A function of its own with few variables: they
 * stay in registers.
 */
static void gather_runs(const uint8_t *img, int64_t oy, int64_t ox, int64_t ow, int64_t sy,
                        int64_t sx, int64_t kh, int64_t row_step, int64_t run, int64_t kc,
                        int64_t m, uint8_t *rows)
{
    for (int64_t i = 0; i < m; i++) {
        const uint8_t *src = img + oy * sy + ox * sx;
        uint8_t *dst = rows + i * kc;
        for (int64_t ky = 0; ky < kh; ky++, src += row_step, dst += run)
            copy16(dst, src);
        for (int64_t k = kh * run; k < kc; k++)   /* at most 3 bytes */
            rows[i * kc + k] = 0;
        if (++ox == ow) {
            ox = 0;
            oy++;
        }
    }
}

static void gather_rows(const struct qv_conv_igemm_s8 *c, const uint8_t *img, int64_t p0,
                        int64_t m, uint8_t *rows)
{
    /* locals: the byte stores below would otherwise reload every field of c */
    const int64_t kc = c->g.kc, cin = c->cin, wp = img_w(c), kh = c->kh, kw = c->kw;
    const int64_t run = kw * cin, used = kh * run, ow = c->ow;
    const int64_t row_step = c->dil_h * wp * cin, col_step = c->dil_w * cin;
    const int64_t sy = c->stride_h * wp * cin, sx = c->stride_w * cin;
    int64_t oy = p0 / ow, ox = p0 % ow;
    if (c->dil_w == 1 && run <= 16) {
        gather_runs(img, oy, ox, ow, sy, sx, kh, row_step, run, kc, m, rows);
        return;
    }
    for (int64_t i = 0; i < m; i++) {
        const uint8_t *corner = img + oy * sy + ox * sx;
        uint8_t *dst = rows + i * kc;
        for (int64_t ky = 0; ky < kh; ky++) {
            const uint8_t *src = corner + ky * row_step;
            if (cin <= 16) {
                for (int64_t kx = 0; kx < kw; kx++, dst += cin)
                    copy16(dst, src + kx * col_step);
            } else {
                for (int64_t kx = 0; kx < kw; kx++, dst += cin)
                    memcpy(dst, src + kx * col_step, (size_t)cin);
            }
        }
        for (int64_t k = used; k < kc; k++)   /* at most 3 bytes (weights 0) */
            rows[i * kc + k] = 0;
        if (++ox == ow) {
            ox = 0;
            oy++;
        }
    }
}

void qv_conv_igemm_s8(const struct qv_conv_igemm_s8 *c, void *scratch, int64_t batch,
                      const int8_t *x, int8_t *out)
{
    const int64_t pixels = c->oh * c->ow, n = c->g.n, mr = c->g.mr;
    const int64_t in_sample = c->h * c->w * c->cin;
    uint8_t *s = scratch;
    int32_t *row_off = (int32_t *)(s + rows_scratch(&c->g) -
                                   align64(QV_IGEMM_MR_MAX * sizeof(int32_t)));
    uint8_t *img = s + rows_scratch(&c->g);
    if (c->direct)
        memset(s, c->zbyte, (size_t)c->zr);
    else
        rows_offsets(&c->g, row_off);
    for (int64_t b = 0; b < batch; b++) {
        const int8_t *xb = x + b * in_sample;
        int8_t *ob = out + b * pixels * n;
        if (c->direct) {
            qv_s8_to_u8(xb, s + c->zr, in_sample);
            for (int64_t p0 = 0; p0 < pixels; p0 += mr) {
                const int64_t m = pixels - p0 < mr ? pixels - p0 : mr;
                qv_igemm_s8_tile(&c->g, m, s, c->ind + p0 * c->g.ks, ob + p0 * n, n);
            }
        } else {
            border_sample(c, xb, img);
            for (int64_t p0 = 0; p0 < pixels; p0 += mr) {
                const int64_t m = pixels - p0 < mr ? pixels - p0 : mr;
                gather_rows(c, img, p0, m, s);
                rows_tile(&c->g, m, s, row_off, ob + p0 * n, n);
            }
        }
    }
}

/* ---- FULLY_CONNECTED ------------------------------------------------------------------------ */

static int64_t fc_kc(int64_t depth)
{
    return (depth + 3) & ~(int64_t)3;
}

size_t qv_fc_igemm_s8_size(enum qv_igemm_isa isa, int64_t units, int64_t depth)
{
    return qv_igemm_s8_packed_size(isa, units, 1, fc_kc(depth), true);
}

void qv_fc_igemm_s8_init(struct qv_fc_igemm_s8 *f, void *mem, enum qv_igemm_isa isa,
                         int64_t units, int64_t depth, const int8_t *weights, const int32_t *bias,
                         int32_t z_in, const int32_t *mult, const int32_t *shift, int32_t zp,
                         int32_t lo, int32_t hi, enum qv_rounding r)
{
    f->depth = depth;
    qv_igemm_s8_pack(&f->g, mem, isa, units, 1, fc_kc(depth), depth, weights, depth, true, bias,
                     z_in, mult, shift, zp, lo, hi, r);
}

size_t qv_fc_igemm_s8_get_buffer_size(const struct qv_fc_igemm_s8 *f)
{
    return rows_scratch(&f->g);
}

void qv_fc_igemm_s8(const struct qv_fc_igemm_s8 *f, void *scratch, int64_t batches,
                    const int8_t *x, int8_t *out)
{
    const int64_t mr = f->g.mr, kc = f->g.kc, d = f->depth, n = f->g.n;
    uint8_t *rows = scratch;
    int32_t *row_off = (int32_t *)(rows + rows_scratch(&f->g) -
                                   align64(QV_IGEMM_MR_MAX * sizeof(int32_t)));
    rows_offsets(&f->g, row_off);
    if (kc > d)
        memset(rows, 0, (size_t)(mr * kc));
    for (int64_t b0 = 0; b0 < batches; b0 += mr) {
        const int64_t m = batches - b0 < mr ? batches - b0 : mr;
        for (int64_t i = 0; i < m; i++)
            qv_s8_to_u8(x + (b0 + i) * d, rows + i * kc, d);
        rows_tile(&f->g, m, rows, row_off, out + b0 * n, n);
    }
}
