/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exact sums of doubles (struct qv_xacc, docs/metrics.md §1): a fixed-point superaccumulator.
 * Every finite double is an integer multiple of 2^-1074, so the sum of any number of them is an
 * integer multiple too; it is held as 67 signed 32-bit digits in int64 words (bit 0 of digit 0
 * weighs 2^-1074; digit 66 takes the carries), i.e. as an ordinary big integer. Integer addition
 * is associative, so the state after adding a multiset of values does not depend on the order or
 * the grouping; the rounded value and the text form are computed from the normalized digits.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qvet/metrics.h"

#define DIGIT_BITS 32
#define DIGIT_MASK 0xffffffffu
#define LSB_EXP (-1074)
/* Digits absorb 2^31 adds of values below 2^32 before an int64 could overflow: normalize
 * well before that. */
#define MAX_PENDING ((int64_t)1 << 30)

void qv_xacc_init(struct qv_xacc *a)
{
    memset(a, 0, sizeof(*a));
}

/* Propagates carries: digits 0..CHUNKS-2 into [0, 2^32), the top digit signed. */
static void normalize(struct qv_xacc *a)
{
    for (int i = 0; i < QV_XACC_CHUNKS - 1; i++) {
        int64_t v = a->chunk[i];
        int64_t low = (int64_t)((uint64_t)v & DIGIT_MASK);
        int64_t carry = (v - low) / ((int64_t)1 << DIGIT_BITS);   /* exact: v - low is a multiple */
        a->chunk[i] = low;
        a->chunk[i + 1] += carry;
    }
    a->pending = 0;
}

void qv_xacc_add(struct qv_xacc *a, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    uint32_t e = (uint32_t)(bits >> 52) & 0x7ffu;
    uint64_t m = bits & (((uint64_t)1 << 52) - 1);
    bool neg = (bits >> 63) != 0;
    if (e == 0x7ffu) {
        if (m)
            a->n_nan++;
        else if (neg)
            a->n_ninf++;
        else
            a->n_pinf++;
        return;
    }
    if (e == 0 && m == 0)
        return;
    /* value = m * 2^(p + LSB_EXP), p >= 0 */
    uint32_t p = e ? e - 1 : 0;
    if (e)
        m |= (uint64_t)1 << 52;
    uint32_t i = p / DIGIT_BITS, s = p % DIGIT_BITS;
    int64_t w0 = (int64_t)((m << s) & DIGIT_MASK);
    int64_t w1 = (int64_t)(((m << s) >> DIGIT_BITS) & DIGIT_MASK);
    int64_t w2 = s ? (int64_t)(m >> (64 - s)) : 0;
    if (neg) {
        a->chunk[i] -= w0;
        a->chunk[i + 1] -= w1;
        a->chunk[i + 2] -= w2;
    } else {
        a->chunk[i] += w0;
        a->chunk[i + 1] += w1;
        a->chunk[i + 2] += w2;
    }
    if (++a->pending >= MAX_PENDING)
        normalize(a);
}

void qv_xacc_merge(struct qv_xacc *a, const struct qv_xacc *b)
{
    struct qv_xacc t = *b;
    normalize(&t);
    normalize(a);
    for (int i = 0; i < QV_XACC_CHUNKS; i++)
        a->chunk[i] += t.chunk[i];
    a->pending = 1;
    normalize(a);
    a->n_nan += b->n_nan;
    a->n_pinf += b->n_pinf;
    a->n_ninf += b->n_ninf;
}

/* Normalized magnitude of a copy of a into mag[] (digits in [0, 2^32)); returns the sign. */
static int magnitude(const struct qv_xacc *a, uint32_t mag[QV_XACC_CHUNKS])
{
    struct qv_xacc t = *a;
    normalize(&t);
    int sign = t.chunk[QV_XACC_CHUNKS - 1] < 0 ? -1 : 1;
    if (sign < 0) {
        for (int i = 0; i < QV_XACC_CHUNKS; i++)
            t.chunk[i] = -t.chunk[i];
        normalize(&t);
    }
    bool zero = true;
    for (int i = 0; i < QV_XACC_CHUNKS; i++) {
        /* the top digit of a magnitude is small (< 2^32 even after 2^62 adds) */
        mag[i] = (uint32_t)t.chunk[i];
        zero = zero && mag[i] == 0;
    }
    return zero ? 0 : sign;
}

static int top_bit(const uint32_t mag[QV_XACC_CHUNKS])
{
    for (int i = QV_XACC_CHUNKS - 1; i >= 0; i--) {
        if (mag[i]) {
            int b = 31;
            while (!(mag[i] >> b))
                b--;
            return i * DIGIT_BITS + b;
        }
    }
    return -1;
}

static int bit_at(const uint32_t mag[QV_XACC_CHUNKS], int pos)
{
    if (pos < 0 || pos >= QV_XACC_CHUNKS * DIGIT_BITS)
        return 0;
    return (int)((mag[pos / DIGIT_BITS] >> (pos % DIGIT_BITS)) & 1u);
}

/* Any bit set strictly below pos. */
static bool any_below(const uint32_t mag[QV_XACC_CHUNKS], int pos)
{
    if (pos <= 0)
        return false;
    int d = pos / DIGIT_BITS, s = pos % DIGIT_BITS;
    for (int i = 0; i < d; i++)
        if (mag[i])
            return true;
    return s && (mag[d] & ((1u << s) - 1u));
}

double qv_xacc_value(const struct qv_xacc *a)
{
    if (a->n_nan || (a->n_pinf && a->n_ninf))
        return NAN;
    if (a->n_pinf)
        return INFINITY;
    if (a->n_ninf)
        return -INFINITY;
    uint32_t mag[QV_XACC_CHUNKS];
    int sign = magnitude(a, mag);
    if (!sign)
        return 0.0;
    int top = top_bit(mag);
    uint64_t mant = 0;
    int lo = top - 52;       /* lowest bit kept: 53 significant bits */
    if (lo < 0)
        lo = 0;              /* below 2^-1022 every multiple of 2^-1074 is a double: exact */
    for (int b = top; b >= lo; b--)
        mant = (mant << 1) | (uint64_t)bit_at(mag, b);
    if (lo > 0) {            /* round to nearest, ties to even */
        int half = bit_at(mag, lo - 1);
        bool sticky = any_below(mag, lo - 1);
        if (half && (sticky || (mant & 1u)))
            mant++;
    }
    double v = ldexp((double)mant, lo + LSB_EXP);   /* mant <= 2^53: exact; overflow -> inf */
    return sign < 0 ? -v : v;
}

bool qv_xacc_is_zero(const struct qv_xacc *a)
{
    uint32_t mag[QV_XACC_CHUNKS];
    return !a->n_nan && !a->n_pinf && !a->n_ninf && magnitude(a, mag) == 0;
}

/* ---- text ------------------------------------------------------------------------------------ */

static const char HEX[] = "0123456789abcdef";

/* "HEXpEXP" for the magnitude (odd integer HEX times 2^EXP), "0" when zero. */
static void format_mag(const uint32_t mag[QV_XACC_CHUNKS], int sign, char *buf, size_t size)
{
    if (!sign) {
        snprintf(buf, size, "0");
        return;
    }
    int low = 0;
    while (!bit_at(mag, low))
        low++;
    int top = top_bit(mag);
    char digits[QV_XACC_CHUNKS * DIGIT_BITS / 4 + 2];
    int nd = 0;
    /* hex digits of mag >> low, most significant first */
    int nbits = top - low + 1;
    int first = (nbits - 1) / 4;                /* index of the top nibble */
    for (int k = first; k >= 0; k--) {
        int v = 0;
        for (int b = 3; b >= 0; b--)
            v = (v << 1) | (low + 4 * k + b <= top ? bit_at(mag, low + 4 * k + b) : 0);
        digits[nd++] = HEX[v];
    }
    digits[nd] = 0;
    snprintf(buf, size, "%s%sp%d", sign < 0 ? "-" : "", digits, low + LSB_EXP);
}

void qv_xacc_format(const struct qv_xacc *a, char *buf, size_t size)
{
    uint32_t mag[QV_XACC_CHUNKS];
    int sign = magnitude(a, mag);
    format_mag(mag, sign, buf, size);
    size_t len = strlen(buf);
    if (a->n_nan && len < size)
        len += (size_t)snprintf(buf + len, size - len, ",nan:%lld", (long long)a->n_nan);
    if (a->n_pinf && len < size)
        len += (size_t)snprintf(buf + len, size - len, ",+inf:%lld", (long long)a->n_pinf);
    if (a->n_ninf && len < size)
        snprintf(buf + len, size - len, ",-inf:%lld", (long long)a->n_ninf);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Parses a decimal integer of 1..18 digits (optional leading '-' when allow_neg). */
static bool parse_int(const char **ps, bool allow_neg, int64_t *ret)
{
    const char *s = *ps;
    bool neg = false;
    if (allow_neg && *s == '-') {
        neg = true;
        s++;
    }
    int64_t v = 0;
    int n = 0;
    while (*s >= '0' && *s <= '9' && n < 19) {
        v = v * 10 + (*s - '0');
        s++;
        n++;
    }
    if (n == 0 || n > 18)
        return false;
    *ret = neg ? -v : v;
    *ps = s;
    return true;
}

/* Parses "0" or "[-]HEXpEXP" (canonical: no leading zero digit, odd value) into mag/sign. */
static bool parse_mag(const char **ps, struct qv_xacc *a)
{
    const char *s = *ps;
    if (s[0] == '0' && (s[1] == 0 || s[1] == ',')) {
        *ps = s + 1;
        return true;
    }
    bool neg = false;
    if (*s == '-') {
        neg = true;
        s++;
    }
    const char *d0 = s;
    while (hex_value(*s) >= 0)
        s++;
    size_t nd = (size_t)(s - d0);
    if (nd == 0 || d0[0] == '0' || !(hex_value(s[-1]) & 1) || *s != 'p')
        return false;
    s++;
    int64_t exp;
    if (!parse_int(&s, true, &exp))
        return false;
    /* bit positions [exp - LSB_EXP, exp - LSB_EXP + 4 nd) must fit below the top digit */
    int64_t low = exp - LSB_EXP;
    if (low < 0 || nd > (size_t)(QV_XACC_CHUNKS - 1) * DIGIT_BITS / 4 ||
        low + 4 * (int64_t)nd > (int64_t)(QV_XACC_CHUNKS - 1) * DIGIT_BITS)
        return false;
    for (size_t k = 0; k < nd; k++) {
        int v = hex_value(d0[nd - 1 - k]);
        for (int b = 0; b < 4; b++) {
            if (!((v >> b) & 1))
                continue;
            int64_t pos = low + 4 * (int64_t)k + b;
            int64_t bit = (int64_t)1 << (pos % DIGIT_BITS);
            a->chunk[pos / DIGIT_BITS] += neg ? -bit : bit;
        }
    }
    normalize(a);
    *ps = s;
    return true;
}

bool qv_xacc_parse(const char *s, struct qv_xacc *ret)
{
    struct qv_xacc a;
    qv_xacc_init(&a);
    if (!s || strlen(s) >= QV_XACC_TEXT_MAX || !parse_mag(&s, &a))
        return false;
    /* optional ",nan:N", ",+inf:N", ",-inf:N" in this order, each at most once, N > 0 */
    static const char *const tags[3] = { ",nan:", ",+inf:", ",-inf:" };
    int64_t *dst[3] = { &a.n_nan, &a.n_pinf, &a.n_ninf };
    for (int k = 0; k < 3; k++) {
        size_t len = strlen(tags[k]);
        if (strncmp(s, tags[k], len) != 0)
            continue;
        s += len;
        if (!parse_int(&s, false, dst[k]) || *dst[k] <= 0)
            return false;
    }
    if (*s)
        return false;
    *ret = a;
    return true;
}

void qv_exact_format_double(double v, char *buf, size_t size)
{
    if (isnan(v)) {
        snprintf(buf, size, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, size, v < 0 ? "-inf" : "inf");
        return;
    }
    struct qv_xacc a;
    qv_xacc_init(&a);
    qv_xacc_add(&a, v);
    uint32_t mag[QV_XACC_CHUNKS];
    int sign = magnitude(&a, mag);
    if (!sign && signbit(v))
        snprintf(buf, size, "-0");
    else
        format_mag(mag, sign, buf, size);
}

bool qv_exact_parse_double(const char *s, double *ret)
{
    if (!s)
        return false;
    if (!strcmp(s, "nan")) {
        *ret = NAN;
        return true;
    }
    if (!strcmp(s, "inf") || !strcmp(s, "-inf")) {
        *ret = s[0] == '-' ? -INFINITY : INFINITY;
        return true;
    }
    if (!strcmp(s, "-0")) {
        *ret = -0.0;
        return true;
    }
    struct qv_xacc a;
    qv_xacc_init(&a);
    if (strlen(s) >= QV_XACC_TEXT_MAX || !parse_mag(&s, &a) || *s)
        return false;
    /* only an exactly representable double is accepted */
    double v = qv_xacc_value(&a);
    if (!isfinite(v))
        return false;
    struct qv_xacc b;
    qv_xacc_init(&b);
    qv_xacc_add(&b, -v);
    qv_xacc_merge(&b, &a);
    if (!qv_xacc_is_zero(&b))
        return false;
    *ret = v;
    return true;
}
