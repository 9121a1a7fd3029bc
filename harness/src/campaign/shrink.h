/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Replaying and shrinking controlled schedules. */
#ifndef RH_CAMPAIGN_SHRINK_H
#define RH_CAMPAIGN_SHRINK_H

#include <stddef.h>
#include <stdio.h>

/* Shrink a controlled schedule string. *status: 2 (err set: damaged, does
 * not fit or does not replay), 0 (the run does not fail), 1 (shrunk: the
 * malloc'd result, its trace printed to out when out is not NULL; or NULL
 * with err set: the string recorded a violation its replay did not see). */
char *rh_shrink_schedule(const char *schedule, FILE *out, int *status, char *err,
			 size_t errcap);

/* Shrink a failing controlled run to the fewest threads, ops and preemptions
 * that still fail with the same kind; print the shrunk trace to out. Returns
 * a malloc'd schedule string, or NULL when the run does not fail at all. */
char *rh_controlled_shrink(const char *schedule, FILE *out);

/* What makes a candidate's failure the one being shrunk, besides its kind:
 * its message with every number masked (thread ids, offsets and counts
 * differ in a smaller run). */
void rh_shrink_signature(const char *msg, char *sig, size_t cap);

/* Why a finding that only ThreadSanitizer made is left as found. */
extern const char rh_sanitizer_unshrinkable[];

#endif
