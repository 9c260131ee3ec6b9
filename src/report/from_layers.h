/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-layer part of report.html (struct qv_report's layers, threshold and culprit) from the
 * per-layer statistics of include/qvet/layers.h. Report sits above analysis: this bridge reads the
 * analysis' results and fills the page's plain description.
 */
#ifndef QV_REPORT_FROM_LAYERS_H
#define QV_REPORT_FROM_LAYERS_H

#include "qvet/layers.h"
#include "report/report.h"

/*
 * Fills rep->layers (one entry per layer of the int8 model, paired or not, in its execution
 * order), rep->n_layers, rep->layer_threshold_db and rep->culprit (the first layer whose local
 * SQNR is below threshold_db: qv_layer_culprit; NAN threshold: no culprit). *ret_layers is the
 * malloc'd array rep->layers points to: free() it after rendering. Names and op names are
 * borrowed from the pairing's graphs, which must outlive the rendering.
 */
enum qv_status qv_report_fill_layers(struct qv_report *rep, const struct qv_layer_stats *s,
                                     double threshold_db, struct qv_report_layer **ret_layers,
                                     struct qv_error *err);

#endif
