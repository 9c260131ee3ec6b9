/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Instruction peaks (peaks.h): 16 independent accumulator chains of one instruction (more than
 * latency x throughput on current cores), timed with the thread's CPU clock so that a shared
 * machine's preemption does not count. Each kernel has a target attribute and runs only when
 * the CPU has the instructions.
 */
#include "peaks.h"

#include <stdint.h>
#include <time.h>

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const char *qv_peak_name(enum qv_peak k)
{
    static const char *const names[QV_PEAK_COUNT] = {
        [QV_PEAK_VPDPBUSD_512] = "vpdpbusd zmm (int8)",
        [QV_PEAK_VPDPBUSD_256] = "vpdpbusd ymm (int8)",
        [QV_PEAK_VPMADDWD_512] = "vpmaddwd zmm (int16)",
        [QV_PEAK_VPMADDWD_256] = "vpmaddwd ymm (int16)",
        [QV_PEAK_FMA_512] = "vfmadd zmm (float)",
        [QV_PEAK_FMA_256] = "vfmadd ymm (float)",
    };
    return (unsigned)k < QV_PEAK_COUNT ? names[k] : "?";
}

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>

/* 16 chains with 32 vector registers (EVEX), 12 with 16 (VEX): no spills either way. */
#define CH16(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) \
    X(15)
#define CH12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

/* One kernel: `it` iterations of n chained instructions; returns MACs per CPU second / 1e9.
 * The empty asm keeps the operands opaque, the final sum keeps the chains alive. */
#define PEAK_KERNEL(fname, tgt, vec, zero, macs, reduce, CHAINS, n)                             \
    __attribute__((target(tgt))) static double fname(int64_t it)                               \
    {                                                                                            \
        vec x = zero, y = zero;                                                                  \
        CHAINS(DECL_##fname)                                                                     \
        const double t0 = thread_cpu();                                                          \
        for (int64_t k = 0; k < it; k++) {                                                       \
            __asm__ volatile("" : "+v"(x), "+v"(y));                                             \
            CHAINS(STEP_##fname)                                                                 \
        }                                                                                        \
        const double t = thread_cpu() - t0;                                                      \
        vec s = zero;                                                                            \
        CHAINS(SUM_##fname)                                                                      \
        volatile int64_t sink = reduce;                                                          \
        (void)sink;                                                                              \
        return t > 0 ? (double)it * (n) * (macs) / t / 1e9 : 0;                                  \
    }

/* vpdpbusd zmm */
#define DECL_dp512(i) __m512i a##i = _mm512_set1_epi32(i);
#define STEP_dp512(i) a##i = _mm512_dpbusd_epi32(a##i, x, y);
#define SUM_dp512(i) s = _mm512_add_epi32(s, a##i);
PEAK_KERNEL(dp512, "avx512f,avx512vnni", __m512i, _mm512_setzero_si512(), 64,
            _mm512_reduce_add_epi32(s), CH16, 16)
/* vpdpbusd ymm (EVEX or VEX: whichever the CPU has) */
#define DECL_dp256(i) __m256i a##i = _mm256_set1_epi32(i);
#define STEP_dp256(i) a##i = _mm256_dpbusd_epi32(a##i, x, y);
#define SUM_dp256(i) s = _mm256_add_epi32(s, a##i);
PEAK_KERNEL(dp256, "avx512f,avx512vl,avx512vnni", __m256i, _mm256_setzero_si256(), 32,
            _mm256_extract_epi32(s, 0), CH16, 16)
#define DECL_dp256v(i) __m256i a##i = _mm256_set1_epi32(i);
#define STEP_dp256v(i) a##i = _mm256_dpbusd_avx_epi32(a##i, x, y);
#define SUM_dp256v(i) s = _mm256_add_epi32(s, a##i);
PEAK_KERNEL(dp256v, "avx2,avxvnni", __m256i, _mm256_setzero_si256(), 32,
            _mm256_extract_epi32(s, 0), CH12, 12)
/* vpmaddwd + vpaddd (how an int16 GEMM accumulates) */
#define DECL_md512(i) __m512i a##i = _mm512_set1_epi32(i);
#define STEP_md512(i) a##i = _mm512_add_epi32(a##i, _mm512_madd_epi16(x, y));
#define SUM_md512(i) s = _mm512_add_epi32(s, a##i);
PEAK_KERNEL(md512, "avx512f,avx512bw", __m512i, _mm512_setzero_si512(), 32,
            _mm512_reduce_add_epi32(s), CH16, 16)
#define DECL_md256(i) __m256i a##i = _mm256_set1_epi32(i);
#define STEP_md256(i) a##i = _mm256_add_epi32(a##i, _mm256_madd_epi16(x, y));
#define SUM_md256(i) s = _mm256_add_epi32(s, a##i);
PEAK_KERNEL(md256, "avx2", __m256i, _mm256_setzero_si256(), 16, _mm256_extract_epi32(s, 0),
            CH12, 12)
/* vfmadd231ps */
#define DECL_fm512(i) __m512 a##i = _mm512_set1_ps((float)i);
#define STEP_fm512(i) a##i = _mm512_fmadd_ps(x, y, a##i);
#define SUM_fm512(i) s = _mm512_add_ps(s, a##i);
PEAK_KERNEL(fm512, "avx512f", __m512, _mm512_setzero_ps(), 16,
            (int64_t)_mm512_reduce_add_ps(s), CH16, 16)
#define DECL_fm256(i) __m256 a##i = _mm256_set1_ps((float)i);
#define STEP_fm256(i) a##i = _mm256_fmadd_ps(x, y, a##i);
#define SUM_fm256(i) s = _mm256_add_ps(s, a##i);
PEAK_KERNEL(fm256, "avx2,fma", __m256, _mm256_setzero_ps(), 8,
            (int64_t)_mm256_cvtss_f32(s), CH12, 12)

static bool have_avxvnni(void)
{
    unsigned a, b, c, d;
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(1));
    return __builtin_cpu_supports("avx2") && ((a >> 4) & 1);
}

void qv_peaks_measure(struct qv_peaks *p, int repeat)
{
    const bool z = __builtin_cpu_supports("avx512f");
    const bool zv = z && __builtin_cpu_supports("avx512vnni") &&
                    __builtin_cpu_supports("avx512vl");
    p->have[QV_PEAK_VPDPBUSD_512] = zv;
    p->have[QV_PEAK_VPDPBUSD_256] = zv || have_avxvnni();
    p->have[QV_PEAK_VPMADDWD_512] = z && __builtin_cpu_supports("avx512bw");
    p->have[QV_PEAK_VPMADDWD_256] = __builtin_cpu_supports("avx2");
    p->have[QV_PEAK_FMA_512] = z;
    p->have[QV_PEAK_FMA_256] = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const int64_t it = 2000000;   /* 32 M instructions: ~0.01-0.03 s each */
    for (int k = 0; k < QV_PEAK_COUNT; k++) {
        p->gmacs[k] = 0;
        for (int r = 0; r < (repeat > 0 ? repeat : 1) && p->have[k]; r++) {
            double g = 0;
            switch ((enum qv_peak)k) {
            case QV_PEAK_VPDPBUSD_512: g = dp512(it); break;
            case QV_PEAK_VPDPBUSD_256: g = zv ? dp256(it) : dp256v(it); break;
            case QV_PEAK_VPMADDWD_512: g = md512(it); break;
            case QV_PEAK_VPMADDWD_256: g = md256(it); break;
            case QV_PEAK_FMA_512: g = fm512(it); break;
            case QV_PEAK_FMA_256: g = fm256(it); break;
            default: break;
            }
            if (g > p->gmacs[k])
                p->gmacs[k] = g;
        }
    }
}
#else
void qv_peaks_measure(struct qv_peaks *p, int repeat)
{
    (void)repeat;
    for (int k = 0; k < QV_PEAK_COUNT; k++) {
        p->have[k] = false;
        p->gmacs[k] = 0;
    }
}
#endif
