/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * What a trial writes (the scenario's stdout and stderr, a sanitizer's
 * report), caught per trial in a memory file: so it splits no table and
 * corrupts no `--json -`, and so the report of the first violating trial can
 * carry its own output. What was caught is copied to stderr after the trial
 * (where it would have gone), then forgotten. A trial process that dies in a
 * trial leaves its output in the file, which its parent shares. */
#ifndef RH_CAMPAIGN_TRIAL_OUTPUT_H
#define RH_CAMPAIGN_TRIAL_OUTPUT_H

#include <stddef.h>

typedef struct rh_trial_output {
	int file;     /* the memory file, -1: trials write where they would */
	int out, err; /* this process's own stdout and stderr */
} rh_trial_output;

void rh__output_open(rh_trial_output *o);
void rh__output_close(rh_trial_output *o);
/* From here fd 1 and 2 go to the file. No-op for NULL or no file. */
void rh__output_begin(const rh_trial_output *o);
/* fd 1 and 2 back, then rh__output_collect. */
void rh__output_end(const rh_trial_output *o, char *tail, size_t cap);
/* What the file holds: its last lines (at most cap - 1 bytes) into tail
 * when tail is not NULL, all of it copied to stderr; then emptied. */
void rh__output_collect(const rh_trial_output *o, char *tail, size_t cap);

/* The last lines of what file fd holds, at most cap - 1 bytes, cut at a
 * line start ("" when it is empty). */
void rh__file_tail(int fd, char *tail, size_t cap);

#endif
