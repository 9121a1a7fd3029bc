/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Reports for CI systems, and for the person reading a red CI run, drawn
 * from a hunt's cells (a `run` is a hunt of one cell): JUnit XML, SARIF
 * 2.1.0, and the terminal's account of every result that was not as
 * declared. */
#ifndef RH_REPORT_CI_H
#define RH_REPORT_CI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "html.h"

/* A row is the run of consecutive cells of one scenario x variant. */
typedef enum rh_row_verdict {
	RH_ROW_AS_DECLARED,
	RH_ROW_MISSED,	/* declared detected, no detector caught it */
	RH_ROW_FLAGGED, /* declared clean, some detector caught something */
	RH_ROW_HARNESS_FAILED,
} rh_row_verdict;

/* The verdict of the row that starts at cell first; *end is one past its last
 * cell. */
rh_row_verdict rh_hunt_row(const rh_hunt_cells *l, size_t first, size_t *end);
const char *rh_row_verdict_text(rh_row_verdict v);

/* The first violation's message holds exec's {pc:..}/{obj:..} addresses
 * (of rh_cell_program's file). */
bool rh_cell_has_addresses(const rh_hunt_cell *c);
/* That message for people (addresses named by the symbolizer), malloc'd. */
char *rh_cell_message(const rh_hunt_cell *c);

/* The one-sided 95% upper bound on the rate of a bug none of `trials`
 * independent trials showed: 1 - 0.05^(1/n), about 3/n ("rule of three"). */
double rh_clean_upper95(uint64_t trials);

/* One <testsuite> per scenario, one <testcase> per cell (classname
 * "scenario.variant", name the detector). A testcase fails when its cell
 * contradicts the declaration: it flagged a clean-declared variant, or its
 * row missed a seeded bug altogether; a harness failure is an <error>. */
void rh_junit_write(FILE *out, const rh_hunt_cells *l, const char *name);

/* One SARIF 2.1.0 run: a result per cell that found a violation, ruleId the
 * violation kind, located at the scenario's source. argv: the command. */
void rh_sarif_write(FILE *out, const rh_hunt_cells *l, int argc, char **argv);

/* Under the hunt's table: for each row not as declared, every detector's
 * finding with its replay command, and the shortest shrunk interleaving.
 * Returns how many rows it showed (nothing printed for none). */
unsigned rh_regressions_print(FILE *out, const rh_hunt_cells *l);
/* The same as a section at the top of the HTML page, nothing when all rows
 * are as declared. */
void rh_regressions_html(FILE *out, const rh_hunt_cells *l);
/* The last cell's trials wrote text to stderr (nothing for NULL or ""). */
void rh_hunt_cells_note_stderr(rh_hunt_cells *l, const char *text);
/* The last cell ran this exec program (nothing for NULL). */
void rh_hunt_cells_note_program(rh_hunt_cells *l, const char *program);
/* The program whose addresses a cell's message holds: the one noted, else
 * the scenario's name (`racehunt exec` names its scenario after it). */
const char *rh_cell_program(const rh_hunt_cell *c);
/* Forget the cells from n on (a row the hunt needs no more). */
void rh_hunt_cells_truncate(rh_hunt_cells *l, size_t n);

/* XML character data and attribute values: markup escaped, every byte that
 * is not valid UTF-8 or not an XML 1.0 character written as the text \xHH. */
void rh_xml_text(FILE *out, const char *s);

#endif
