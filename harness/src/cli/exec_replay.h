/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * `racehunt replay` and `racehunt shrink` of a schedule string that recorded
 * a controlled `racehunt exec` trial (scenario "exec"), and what they share
 * with `racehunt exec` itself. */
#ifndef RH_CLI_EXEC_REPLAY_H
#define RH_CLI_EXEC_REPLAY_H

#include <stdbool.h>
#include <stdio.h>

#include "campaign/exec.h"

/* An exec campaign's defaults for PROG ARGS (argv stays the caller's). */
void rh_exec_init(rh_exec *e, char *const *argv);

/* The first violation's report: kind, message, program, its output's tail
 * and the replay command. */
void rh_exec_print_first(FILE *out, const rh_exec *e, const rh_result *r);

/* Re-run the run sp recorded (sp from rh_schedule_resolve) and print its
 * trace: exit 1 violation, 0 none, 2 (one line) the program is not the
 * recorded one or the run left the recorded schedule, 3 harness failure. */
int rh_exec_replay(const rh_sched_spec *sp, bool full_trace);

/* A run's trace (rh_exec_record_trace's text), symbolised; unless full, a
 * long one as its header and its last steps. */
void rh_exec_print_trace(FILE *out, const char *prog, char *text, bool full);
/* The shrunk run's trace and what shrinking kept. */
void rh_exec_print_shrunk(FILE *out, const rh_exec *e, const rh_exec_shrunk *sh);
/* exec --shrink: shrink the campaign's first failure, print its trace, and
 * make r's first violation the shrunk run (its schedule and replay line).
 * 0, or 3 when the harness failed. */
int rh_exec_shrink_first(FILE *out, rh_exec *e, rh_result *r);

/* `racehunt shrink` of an exec run's schedule string: exit status as
 * `racehunt shrink`. */
int rh_exec_shrink(const char *schedule);

/* The trace's {pc:..} and {obj:..} tokens named "file:line function" and by
 * symbol (malloc'd). */
char *rh_exec_symbolize_trace(const char *prog, const char *trace);

#endif
