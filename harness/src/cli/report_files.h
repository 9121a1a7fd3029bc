/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * The CI report files the campaign commands write: --junit FILE and
 * --sarif FILE ("-": standard output, after everything else). A command adds
 * the two rows below to its option table, opens the files before any work
 * starts (a bad path fails fast, exit 2) and writes them whole at the end
 * (core/atomic_file: never half a file for a CI to read). */
#ifndef RH_CLI_REPORT_FILES_H
#define RH_CLI_REPORT_FILES_H

#include <stdbool.h>

#include "campaign/campaign.h"
#include "core/atomic_file.h"
#include "report/html.h"

/* Option-table rows: [O_JUNIT] = RH_OPTION_JUNIT, [O_SARIF] = RH_OPTION_SARIF. */
#define RH_OPTION_JUNIT {"junit", "FILE|-", "JUnit XML: a testcase per scenario x variant x detector", 0}
#define RH_OPTION_SARIF {"sarif", "FILE|-", "SARIF 2.1.0: a result per violation found, at its source", 0}

typedef struct rh_report_file {
	const char *path; /* NULL: not asked for */
	bool open;	  /* af holds an open file (not "-") */
	rh_atomic_file af;
} rh_report_file;

typedef struct rh_report_files {
	rh_report_file junit, sarif;
} rh_report_files;

/* Open the files asked for (either path may be NULL). RH_EXIT_CLEAN, or
 * RH_EXIT_USAGE after a one-line message (nothing is left open then). */
int rh_report_files_open(rh_report_files *f, const char *junit, const char *sarif);
bool rh_report_files_wanted(const rh_report_files *f);
/* Write the reports of cells l and put them in place. name: the JUnit
 * suite's name; argv: the command, for SARIF. RH_EXIT_CLEAN, or
 * RH_EXIT_HARNESS when a file could not be completed (said on stderr). */
int rh_report_files_write(rh_report_files *f, const rh_hunt_cells *l, const char *name, int argc,
			  char **argv);
/* The same for the one cell of a `run`. */
int rh_report_files_run(rh_report_files *f, const rh_campaign *c, const rh_result *r, int argc,
			char **argv);
/* Drop whatever is still open (an early exit); the targets stay as they were. */
void rh_report_files_abandon(rh_report_files *f);

#endif
