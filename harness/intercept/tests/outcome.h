/* SPDX-License-Identifier: MIT */
/* Private to the edge programs of the outcome-set test (examples/dpor.cmake,
 * harness/tests/exec_outcomes.sh): a program's result goes to stdout and is
 * appended to the file $OUTCOME_FILE names, one line a trial, so the test
 * sees every run's result and not only a failing run's output. */
#ifndef RH_EDGE_OUTCOME_H
#define RH_EDGE_OUTCOME_H

#include <stdio.h>
#include <stdlib.h>

static void outcome(const char *name, int value)
{
	const char *out = getenv("OUTCOME_FILE");
	FILE *f = out != NULL ? fopen(out, "a") : NULL;

	printf("%s %d\n", name, value);
	if (f != NULL) {
		fprintf(f, "%s %d\n", name, value);
		fclose(f);
	}
}

#endif
