/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CPU cores: the TFLM build and CMSIS-NN code path each implies, and the cycle costs of the
 * latency estimate. Indexed by enum qv_core. docs/budget.md, "Cycles per MAC", gives the source
 * of every cpm figure: cortex-m4, cortex-m33, cortex-m0plus and the riscv32 reference column are
 * fitted to published MLPerf Tiny v0.5-v1.1 latencies of the four MLPerf Tiny models (whole-model
 * figures, so they include im2col, requantization and memory wait states); xtensa-lx7 comes from
 * the ESP-NN kernel benchmarks; the others are derived estimates, labelled as such there. The
 * per-element, per-byte and per-operator costs (cpe, cpl, cpb, op_overhead) are unmeasured
 * engineering estimates.
 */
#include <strings.h>

#include "budget/budget_int.h"

const struct qv_core_def qv_core_defs[QV_CORE_COUNT] = {
    [QV_CORE_CORTEX_M0PLUS] = {
        .name = "cortex-m0plus", .build = QV_TFLM_MCU32, .isa = QV_ISA_NONE,
        .kernels = QV_KERNELS_CMSIS_NN, .optimized = "CMSIS-NN (plain C)",
        .cpm = { { 40, 100, 24 }, { 16, 24, 16 } }, .cpe = { 20, 10 }, .cpl = { 60, 40 },
        .cpb = 2, .op_overhead = 600,
    },
    [QV_CORE_CORTEX_M4] = {
        .name = "cortex-m4", .build = QV_TFLM_MCU32, .isa = QV_ISA_DSP,
        .kernels = QV_KERNELS_CMSIS_NN, .optimized = "CMSIS-NN (DSP)",
        .cpm = { { 18, 37, 18 }, { 4.0, 8.0, 3.9 } }, .cpe = { 12, 4 }, .cpl = { 40, 25 },
        .cpb = 1, .op_overhead = 400,
    },
    [QV_CORE_CORTEX_M7] = {
        .name = "cortex-m7", .build = QV_TFLM_MCU32, .isa = QV_ISA_DSP,
        .kernels = QV_KERNELS_CMSIS_NN, .optimized = "CMSIS-NN (DSP)",
        .cpm = { { 9, 18, 9 }, { 2.0, 4.0, 2.0 } }, .cpe = { 8, 3 }, .cpl = { 30, 18 },
        .cpb = 0.5, .op_overhead = 300,
    },
    [QV_CORE_CORTEX_M33] = {
        .name = "cortex-m33", .build = QV_TFLM_MCU32, .isa = QV_ISA_DSP,
        .kernels = QV_KERNELS_CMSIS_NN, .optimized = "CMSIS-NN (DSP)",
        .cpm = { { 18, 28, 16 }, { 3.9, 6.0, 3.5 } }, .cpe = { 12, 4 }, .cpl = { 40, 25 },
        .cpb = 1, .op_overhead = 400,
    },
    [QV_CORE_CORTEX_M55] = {
        .name = "cortex-m55", .build = QV_TFLM_MCU32, .isa = QV_ISA_MVE,
        .kernels = QV_KERNELS_CMSIS_NN, .optimized = "CMSIS-NN (Helium)",
        .cpm = { { 16, 24, 14 }, { 0.8, 1.4, 0.9 } }, .cpe = { 10, 1 }, .cpl = { 35, 10 },
        .cpb = 0.5, .op_overhead = 300,
    },
    [QV_CORE_CORTEX_M55_NO_MVE] = {
        .name = "cortex-m55-nomve", .build = QV_TFLM_MCU32, .isa = QV_ISA_DSP,
        .kernels = QV_KERNELS_CMSIS_NN, .optimized = "CMSIS-NN (DSP)",
        .cpm = { { 16, 24, 14 }, { 3.4, 5.2, 3.0 } }, .cpe = { 10, 4 }, .cpl = { 35, 22 },
        .cpb = 0.5, .op_overhead = 300,
    },
    [QV_CORE_XTENSA_LX7] = {
        .name = "xtensa-lx7", .build = QV_TFLM_MCU32, .isa = QV_ISA_NONE,
        .kernels = QV_KERNELS_REFERENCE, .optimized = "ESP-NN (PIE SIMD)",
        .cpm = { { 15, 40, 15 }, { 2.0, 7.0, 4.0 } }, .cpe = { 10, 3 }, .cpl = { 35, 20 },
        .cpb = 0.5, .op_overhead = 400,
    },
    [QV_CORE_RISCV32] = {
        .name = "riscv32", .build = QV_TFLM_MCU32, .isa = QV_ISA_NONE,
        .kernels = QV_KERNELS_REFERENCE, .optimized = "ESP-NN (C)",
        .cpm = { { 33.5, 90, 17.5 }, { 15, 40, 8 } }, .cpe = { 14, 8 }, .cpl = { 45, 35 },
        .cpb = 1, .op_overhead = 500,
    },
    [QV_CORE_K210] = {
        .name = "k210", .build = QV_TFLM_MCU64, .isa = QV_ISA_NONE,
        .kernels = QV_KERNELS_REFERENCE, .optimized = NULL,
        .cpm = { { 6, 7, 5 }, { 6, 7, 5 } }, .cpe = { 10, 10 }, .cpl = { 35, 35 },
        .cpb = 0.5, .op_overhead = 400,
    },
    [QV_CORE_AVR8] = {
        .name = "avr8", .build = QV_TFLM_MCU32, .isa = QV_ISA_NONE,
        .kernels = QV_KERNELS_REFERENCE, .optimized = NULL,
        .cpm = { { 40, 45, 35 }, { 40, 45, 35 } }, .cpe = { 80, 80 }, .cpl = { 300, 300 },
        .cpb = 4, .op_overhead = 2000,
    },
    /* measured: the tflite-micro Python interpreter runs bench/peers/mobilenet_int8.tflite
     * (6.82 M MACs) in 10.5 ms on this project's 2.6 GHz Xeon: about 4 cycles per MAC */
    [QV_CORE_X86_64] = {
        .name = "x86-64", .build = QV_TFLM_HOST64_PYTHON, .isa = QV_ISA_NONE,
        .kernels = QV_KERNELS_REFERENCE, .optimized = NULL,
        .cpm = { { 4, 4, 4 }, { 4, 4, 4 } }, .cpe = { 3, 3 }, .cpl = { 12, 12 },
        .cpb = 0.25, .op_overhead = 2000,
    },
};

const char *qv_core_name(enum qv_core core)
{
    return (unsigned)core < QV_CORE_COUNT ? qv_core_defs[core].name : "?";
}

bool qv_core_from_name(const char *name, enum qv_core *ret_core)
{
    for (int i = 0; i < QV_CORE_COUNT; i++) {
        if (strcasecmp(qv_core_defs[i].name, name) == 0) {
            *ret_core = (enum qv_core)i;
            return true;
        }
    }
    return false;
}

enum qv_isa qv_target_isa(const struct qv_target *t)
{
    return (unsigned)t->core < QV_CORE_COUNT ? qv_core_defs[t->core].isa : QV_ISA_NONE;
}
