/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qvet: host-side verification of int8 models for microcontrollers.
 *
 * The umbrella header; the only include the CLI needs. Modules:
 *   error.h   status codes and the error record every fallible call fills
 *   graph.h   tensors, nodes and the op table (graph semantics)
 *   lifetime.h when each activation is alive (arena planning)
 *   io.h      .npy, CSV datasets, native JSON models, TFLite, C arrays, atomic files
 *   engine.h  the float32 reference engine and the bit-exact int8 emulator
 *   manifest.h the model directory (qvet.json and its defaults)
 *   run.h     the dataset -> engine runner: threads, ordered delivery, observers, progress
 *   quant.h   calibration statistics, range observers and post-training quantization
 *   analysis.h dataset runs, metrics, per-layer comparison, the main job
 *   budget.h  TFLM arena, flash, SRAM, latency and energy budgets for MCU targets
 *   metrics.h  task metrics and divergence as exact, mergeable accumulators
 *   layers.h   per-layer pairing, propagated and local divergence, the culprit layer
 */
#ifndef QVET_QVET_H
#define QVET_QVET_H

#include "qvet/version.h"
#include "qvet/error.h"
#include "qvet/graph.h"
#include "qvet/lifetime.h"
#include "qvet/io.h"
#include "qvet/engine.h"
#include "qvet/manifest.h"
#include "qvet/run.h"
#include "qvet/quant.h"
#include "qvet/analysis.h"
#include "qvet/budget.h"
#include "qvet/metrics.h"
#include "qvet/layers.h"

#endif
