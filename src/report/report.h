/* SPDX-License-Identifier: Apache-2.0 */
/* Report writers for qvet run (DESIGN §2 results out). Each file is written atomically. */
#ifndef QV_REPORT_REPORT_H
#define QV_REPORT_REPORT_H

#include "qvet/analysis.h"

/* summary.json, summary.md, metrics.csv, predictions.csv and junit.xml into r->out_dir. */
enum qv_status qv_report_write_all(const struct qv_run_result *r, struct qv_error *err);

#endif
