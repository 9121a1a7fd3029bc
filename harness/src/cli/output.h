/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Where a command's result files go (--json, --html): FILE is written whole
 * or not at all (core/atomic_file: a temporary beside it, renamed on
 * success), "-" is standard output (the command's own report then goes to
 * stderr, so the file can be piped). Every write and the close are checked:
 * a result that could not be written is exit 3 with one line. */
#ifndef RH_CLI_OUTPUT_H
#define RH_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "core/atomic_file.h"

typedef struct rh_output {
	FILE *f;	    /* write here; NULL when the option was not given */
	const char *option; /* "--json" */
	const char *path;
	bool to_stdout;
	rh_atomic_file af;
} rh_output;

/* Open path (NULL: nothing to open) for option; 0, or exit 2 after a line. */
int rh_output_open(rh_output *o, const char *option, const char *path);
/* Finish the file; 0, or exit 3 after a line naming the option and path. */
int rh_output_commit(rh_output *o);
/* Give up the file (the old one stays as it was). */
void rh_output_abort(rh_output *o);
/* Exit 2 when two options name one file (the same path, or two names of one
 * existing file); "-" twice is one standard output. */
int rh_output_distinct(const char *opt_a, const char *a, const char *opt_b, const char *b);
/* Flush stdout and check it: status, or exit 3 after a line when standard
 * output could not be written (a full disk, /dev/full, a closed pipe). */
int rh_output_check_stdout(int status);

#endif
