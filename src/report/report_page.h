/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers of the report.html sections (private to src/report/). */
#ifndef QV_REPORT_PAGE_H
#define QV_REPORT_PAGE_H

#include <stdbool.h>
#include <stdio.h>

#include "report/report.h"

/* <section id=...><h2>...</h2> and the section's notes; closed by page_section_close. */
void qv_page_section_open(FILE *f, const struct qv_report *rep, enum qv_report_section s);
void qv_page_section_close(FILE *f);
/* Whether the section has notes (which then say why data is missing). */
bool qv_page_has_notes(const struct qv_report *rep, enum qv_report_section s);

/* <p class="missing">text</p>: what is absent and how to get it (text is escaped). */
void qv_page_missing(FILE *f, const char *text);

/* Opens <div class="tw"><table> (a table that scrolls on its own on narrow screens). */
void qv_page_table_open(FILE *f);
void qv_page_table_close(FILE *f);

/* <td class="n">v</td> with fixed decimals; cls adds a class ("bad"), may be NULL. */
void qv_page_td_num(FILE *f, double v, int digits, const char *cls);
/* <td class="n">v with sig significant digits</td>. */
void qv_page_td_general(FILE *f, double v, int sig);
/* <td class="n">bytes</td>. */
void qv_page_td_bytes(FILE *f, double v);
/* <td class="name">escaped text</td> ("—" for NULL). */
void qv_page_td_text(FILE *f, const char *s);

/* The label of model slot i: rep->models[i].label, or NULL when absent. */
const char *qv_page_model_label(const struct qv_report *rep, int slot);

/* Sections that live in report_sections.c. */
void qv_page_layers(FILE *f, const struct qv_report *rep);
void qv_page_errors(FILE *f, const struct qv_report *rep);
void qv_page_flips(FILE *f, const struct qv_report *rep);
void qv_page_sizes(FILE *f, const struct qv_report *rep);
void qv_page_budget(FILE *f, const struct qv_report *rep);
void qv_page_baseline(FILE *f, const struct qv_report *rep);
void qv_page_details(FILE *f, const struct qv_report *rep);

#endif
