/* This file is private to the racehunt harness.
 *
 * Replaying and shrinking controlled schedules. */
#ifndef RH_CAMPAIGN_SHRINK_H
#define RH_CAMPAIGN_SHRINK_H

#include <stdio.h>

/* Commands behind `racehunt replay` and `racehunt shrink`; exit status as the
 * command line documents. */
int rh_cmd_replay(int argc, char **argv);
int rh_cmd_shrink(int argc, char **argv);

/* Shrink a failing controlled run to the fewest threads, ops and preemptions
 * that still fail with the same kind; print the shrunk trace to out. Returns
 * a malloc'd schedule string, or NULL when the run does not fail at all. */
char *rh_controlled_shrink(const char *schedule, FILE *out);

/* Why a finding that only ThreadSanitizer made is left as found. */
extern const char rh_sanitizer_unshrinkable[];

#endif
