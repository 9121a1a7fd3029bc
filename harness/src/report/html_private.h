/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * The hunt report page's pieces shared by its three files: html.c (the page:
 * cells, rows, header, matrix), html_charts.c (detection rates, outcome
 * histograms) and html_swimlanes.c (interleavings). */
#ifndef RH_HTML_PRIVATE_H
#define RH_HTML_PRIVATE_H

#include <stdbool.h>
#include <stdio.h>

#include "html.h"

/* ---- rows: one scenario x variant, its cells by detector ----------------- */

#define MAX_DETECTORS 16

typedef struct row {
	const rh_scenario *scenario;
	unsigned variant;
	const rh_hunt_cell *cell[MAX_DETECTORS]; /* NULL: detector not run */
} row;

typedef struct report {
	const rh_hunt_cells *cells;
	const char *detectors[MAX_DETECTORS];
	unsigned n_detectors;
	row *rows;
	size_t n_rows;
} report;

typedef enum row_verdict { AS_DECLARED, MISSED, FLAGGED, HARNESS_FAILED } row_verdict;

bool rh__html_expects_detection(const row *r);
row_verdict rh__html_verdict_of(const row *r, const report *rep);

/* ---- text ---------------------------------------------------------------- */

/* s escaped for HTML text and attributes; _cut: at most max bytes, with an
 * ellipsis, never splitting a UTF-8 sequence. */
void rh__html_esc(FILE *out, const char *s);
void rh__html_esc_cut(FILE *out, const char *s, size_t max);
void rh__html_ms_text(FILE *out, double ms);
/* The id of a seeded bug's trace box ("trace-SCENARIO-VARIANT") and an <a> opening a link to it. */
void rh__html_trace_id(FILE *out, const row *r);
void rh__html_trace_link(FILE *out, const row *r);

extern const char *const rh__html_kind_colors[RH_KIND_COUNT_];
#define CLEAN_COLOR "#8fc9a3"

/* ---- sections ------------------------------------------------------------ */

void rh__html_rates(FILE *out, const report *rep);      /* html_charts.c */
void rh__html_histograms(FILE *out, const report *rep); /* html_charts.c */
void rh__html_traces(FILE *out, const report *rep);     /* html_swimlanes.c */

#endif
