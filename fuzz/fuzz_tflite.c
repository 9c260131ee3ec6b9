/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the TFLite reader and writer: any input must either read into a valid
 * graph or fail with QV_E_INPUT; an accepted graph must write (unless it holds what qvet cannot
 * run, which the writer must refuse as input), and the written model must read back.
 * ASan/UBSan (fuzz/run.sh) turn out-of-bounds reads, overflows and leaks into findings.
 */
#include <stdint.h>
#include <stdlib.h>

#include "qvet/qvet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL, *g2 = NULL;
    uint8_t *out = NULL;
    size_t n = 0;
    enum qv_status st = qv_tflite_read(data, size, "fuzz.tflite", &g, &err);
    if (st != QV_OK) {
        if (st != QV_E_INPUT && st != QV_E_NOMEM)
            abort(); /* hostile bytes are input errors, never internal ones */
        return 0;
    }
    if (qv_graph_check_runnable(g, NULL) != QV_OK) {
        if (qv_tflite_write(g, &out, &n, &err) != QV_E_INPUT || out)
            abort();
        qv_graph_free(g);
        return 0;
    }
    if (qv_tflite_write(g, &out, &n, &err) != QV_OK)
        abort();
    if (qv_tflite_read(out, n, "rewritten.tflite", &g2, &err) != QV_OK)
        abort();
    if (g2->n_tensors != g->n_tensors || g2->n_nodes != g->n_nodes)
        abort();
    qv_graph_free(g2);
    qv_graph_free(g);
    free(out);
    return 0;
}
