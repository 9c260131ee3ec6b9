/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The machine's measured instruction peaks (bench only): the throughput one core reaches with
 * independent chains of one multiply-accumulate instruction, in GMAC/s of CPU time. Machines
 * differ from session to session, so the benchmarks measure them instead of assuming them.
 */
#ifndef QV_BENCH_PEAKS_H
#define QV_BENCH_PEAKS_H

#include <stdbool.h>

enum qv_peak {
    QV_PEAK_VPDPBUSD_512,   /* AVX-512 VNNI: 64 int8 MACs per instruction */
    QV_PEAK_VPDPBUSD_256,   /* AVX-VNNI or AVX-512 VL VNNI: 32 */
    QV_PEAK_VPMADDWD_512,   /* AVX-512 BW: 32 int16 MACs */
    QV_PEAK_VPMADDWD_256,   /* AVX2: 16 */
    QV_PEAK_FMA_512,        /* AVX-512 F: 16 float MACs */
    QV_PEAK_FMA_256,        /* FMA: 8 */
    QV_PEAK_COUNT
};

struct qv_peaks {
    bool have[QV_PEAK_COUNT];
    double gmacs[QV_PEAK_COUNT];   /* GMAC/s per core, CPU time; 0 when absent */
};

/* "vpdpbusd zmm", ... */
const char *qv_peak_name(enum qv_peak k);

/* Measures every peak this CPU has (about 0.1 s each, best of `repeat` runs). */
void qv_peaks_measure(struct qv_peaks *p, int repeat);

#endif
