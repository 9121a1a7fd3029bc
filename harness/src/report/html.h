/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * The hunt's HTML report: one self-contained page (inline CSS and SVG, no
 * scripts, nothing fetched) drawn from every cell's result. */
#ifndef RH_HTML_H
#define RH_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "campaign/campaign.h"
#include "json_read.h"
#include "result_read.h"

/* One hunt cell: a scenario x variant under one detector. */
typedef struct rh_hunt_cell {
	const char *detector;
	rh_campaign campaign;
	rh_result *result; /* owned by the list */
	char *err;	   /* what its trials wrote to stderr (a sanitizer's report), or
			    * NULL; owned (report/ci.h rh_hunt_cells_note_stderr) */
	char *program;	   /* the exec program it ran when that is not the scenario's
			    * name (a hunt's exec row), or NULL; owned */
} rh_hunt_cell;

/* Cells in the order the hunt ran them. */
typedef struct rh_hunt_cells {
	rh_hunt_cell *items;
	size_t n, cap;
} rh_hunt_cells;

/* Keep a copy of one cell's campaign and result. */
void rh_hunt_cells_add(rh_hunt_cells *l, const char *detector, const rh_campaign *c,
		       const rh_result *r);
/* Keep a cell another build ran (hunt --build), from its hunt --json result;
 * NULL adds nothing. The JSON must outlive rh_html_write. */
void rh_hunt_cells_add_json(rh_hunt_cells *l, const char *detector, const rh_scenario *s,
			    unsigned variant, const rh_jvalue *result);
/* The same from a decoded result (whose strings must outlive rh_html_write). */
void rh_hunt_cells_add_doc(rh_hunt_cells *l, const char *detector, const rh_scenario *s,
			   unsigned variant, const rh_result_doc *d);
void rh_hunt_cells_free(rh_hunt_cells *l);

/* The page: detector matrix, detection rates per detector with their 95%
 * intervals, outcome histograms per scenario, and each seeded bug's first
 * failing interleaving as swimlanes. argv is the command shown on the page. */
void rh_html_write(FILE *out, const rh_hunt_cells *l, int argc, char **argv);

#endif
