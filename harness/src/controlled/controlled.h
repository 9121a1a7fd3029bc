/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Controlled mode: a trial's scenario threads run as fibers on one OS thread
 * under a deterministic strategy (random, pct:D, dfs:K, replay of a schedule
 * string, or choices read from fuzzer bytes). An explorer is one search: it
 * keeps what dfs has covered and what pct estimated across the trials of a
 * campaign. */
#ifndef RH_CONTROLLED_H
#define RH_CONTROLLED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "racehunt/scenario.h"

typedef struct rh_explorer rh_explorer;

#define RH_REPLAY_PREFIX "replay:"

/* spec: "random", "pct:D", "dfs:K", or "replay:SCHEDULE" (the one run a
 * schedule string recorded, replayed strictly). NULL with a one-line reason
 * in err for a bad spec. */
rh_explorer *rh_explorer_new(const char *spec, uint64_t seed, char *err, size_t errcap);
void rh_explorer_free(rh_explorer *x);

/* Run the next schedule of the search over every round of every thread of a
 * trial whose state setup() has made. Returns false, running nothing, when
 * the strategy's bounded space is exhausted. Deadlocks and threads that die
 * are reported into the trial like any violation. */
bool rh_explorer_run(rh_explorer *x, const rh_scenario *s, void *state, rh_trial *t);

/* Fuzzer hook: an explorer whose choices come from bytes (copied) instead of
 * a random stream. At each step where two or more threads could run, one
 * byte b picks the (b mod n)-th runnable thread counting from the running
 * one, so byte 0 means "no switch". When the bytes run out, or when only one
 * thread can run, no byte is read and the default applies: the running
 * thread continues, else the lowest-numbered runnable one. It runs one
 * schedule; rh_explorer_run returns false after that. NULL when out of
 * memory. */
rh_explorer *rh_explorer_from_bytes(const uint8_t *data, size_t size);

/* After a run: scheduling steps it took, and preemptions (switches away from
 * a thread that could have continued) among them. */
uint64_t rh_explorer_steps(const rh_explorer *x);
unsigned rh_explorer_preemptions(const rh_explorer *x);

/* After a run: the self-contained schedule string that replays it exactly. */
const char *rh_explorer_schedule(rh_explorer *x, const rh_scenario *s, unsigned variant,
				 const rh_params *p);
/* After a run: its trace as per-thread lanes. A long one (a livelock's HANG
 * takes 2,000,000 steps) prints each thread's last steps and where each
 * spins instead; the full form prints every step whatever the length. */
void rh_explorer_print_trace(rh_explorer *x, FILE *out);
void rh_explorer_print_full_trace(rh_explorer *x, FILE *out);
/* Schedules run so far, and whether a bounded search has covered its space. */
uint64_t rh_explorer_runs(const rh_explorer *x);
bool rh_explorer_exhausted(const rh_explorer *x);
/* dpor: runs among those cut short by their sleep sets (equivalent to runs
 * made, so no new trace), 0 for other strategies; and the points model a
 * search's steps are made of ("sync": sync operations and rh_point labels). */
uint64_t rh_explorer_pruned(const rh_explorer *x);
const char *rh_explorer_points(const rh_explorer *x);

#endif
