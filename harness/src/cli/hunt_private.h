/* SPDX-License-Identifier: MIT */
/* This file is private to racehunt's hunt command (hunt.c, hunt_exec.c).
 *
 * A hunt is a table: one row per scenario x variant, then one row per exec
 * example program (hunt_exec.c), one column per detector. Both kinds of rows
 * share the columns, the verdict rule and the result files. */
#ifndef RH_CLI_HUNT_PRIVATE_H
#define RH_CLI_HUNT_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "campaign/campaign.h"
#include "capture.h"
#include "hunt_builds.h"
#include "options.h"
#include "output.h"
#include "report/html.h"
#include "report_files.h"
#include "shard.h"

typedef struct rh_hunt_detector {
	const char *name;
	rh_mode mode;
	const char *strategy;
	/* Controlled searches shrink the workload so bounded search ends. */
	unsigned max_threads, max_ops;
	uint64_t trials;
	bool opt_in; /* a column only when --detectors names it */
} rh_hunt_detector;

#define RH_HUNT_MAX_DETECTORS 8
#define RH_MAX_BUILDS 4

extern const rh_hunt_detector rh__hunt_detectors[];
extern const unsigned rh__hunt_n_detectors;

typedef struct hunt_opts {
	uint64_t seed;
	uint64_t stress_trials; /* 0 = each scenario's own budget */
	bool full;		/* measure rates over the whole budget */
	const char *json_path;
	const char *html_path;
	const char *junit_path, *sarif_path;
	/* Other builds folded in as columns: NAME=PATH. */
	const char *builds[RH_MAX_BUILDS + 1];
	unsigned n_builds;
	uint64_t build_trials;
	const char *only;	/* comma list of detector names, NULL = all */
	char *filters[RH_MAX_OPERANDS]; /* scenario or store names, none = all */
	unsigned n_filters;
	const char *variant; /* only this variant of each scenario, NULL = all */
	rh_shard shard;	     /* rows of this shard only (shard.h) */
	const char *examples; /* --examples FILE, "none", or NULL: next to racehunt */
} hunt_opts;

typedef struct rh_hunt_examples rh_hunt_examples;

typedef struct hunt_run {
	hunt_opts o;
	rh_output json, html;
	rh_report_files files;
	bool keep; /* every row's cells, for --html, --junit or --sarif (else only
		    * the rows not as declared, for the summary under the table) */
	rh_hunt_cells cells;
	rh_build *builds[RH_MAX_BUILDS];
	rh_hunt_examples *examples; /* the exec rows, NULL for none */
	rh_result *r;
	unsigned rows, mismatches;
	/* The points models of the clean cells that ran a whole space ("all"),
	 * for the line under the table that says what they proved. */
	char proved_points[32];
	int w_scn, w_var; /* the scenario and variant columns' widths */
	int status;
	char caught[RH_HUNT_MAX_DETECTORS][RH_CAPTURE_MAX];
} hunt_run;

/* Whether detector d is a column of this hunt. */
bool rh__hunt_column(const hunt_opts *o, const rh_hunt_detector *d);
/* s is selected by the hunt's scenario or store names (all when none). */
bool rh__hunt_matches_filter(const rh_scenario *s, const hunt_opts *o);
/* A cell's text in the table. spec: the strategy the cell ran. */
void rh__hunt_cell_text(const rh_result *r, const rh_hunt_detector *d, const char *spec, char *buf,
			size_t cap);
/* Keep one cell that ran: the --json element, the cells for the reports.
 * program: the exec program it ran, NULL for a scenario. */
void rh__hunt_keep_cell(hunt_run *h, unsigned d, const rh_campaign *c, const rh_result *r,
			const char *program);
/* An SGR escape for the verdict column, or "" (off a terminal, NO_COLOR). */
const char *rh__hunt_sgr(const char *code);
/* The row's verdict column, the count of mismatches, the caught stderr
 * lines under it. first_cell: where the row's cells start. */
void rh__hunt_row_end(hunt_run *h, rh_expect expect, bool detected, bool failed,
		      size_t first_cell);

/* The exec rows (hunt_exec.c). The examples file (--examples FILE; by
 * default examples/racehunt-examples.txt of the build this racehunt is in):
 * a line per program, "NAME VARIANT EXPECT PROGRAM [ARGS...]", EXPECT
 * detected or clean, PROGRAM relative to the file's folder unless absolute,
 * '#' starts a comment. *out: NULL when there is no file and no filter asks
 * for exec rows. 0, or 2 after a one-line error. */
int rh__hunt_examples_load(const hunt_opts *o, rh_hunt_examples **out);
/* name is an exec row's example ("exec.NAME") or "exec". */
bool rh__hunt_examples_known(const rh_hunt_examples *x, const char *name);
/* Some selected example has a variant named v. */
bool rh__hunt_examples_have_variant(const rh_hunt_examples *x, const hunt_opts *o, const char *v);
/* Widen h's name columns for the selected exec rows. */
void rh__hunt_examples_size(hunt_run *h);
/* Run the selected exec rows, numbered from row on for --shard. */
void rh__hunt_exec_rows(hunt_run *h, unsigned row);
void rh__hunt_examples_free(rh_hunt_examples *x);

#endif
