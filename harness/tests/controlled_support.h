/* SPDX-License-Identifier: MIT */
/* Private to the controlled-mode tests (test_controlled_*.c): small
 * scenarios of their own and the helpers that run them. */
#ifndef RH_TEST_CONTROLLED_SUPPORT_H
#define RH_TEST_CONTROLLED_SUPPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/trial.h"
#include "racehunt/scenario.h"

/* t.abba: two locks in opposite orders (variant 0) or one order (1).
 * t.count: a counter, lost update (0), locked (1), crashing (2).
 * t.die: a lock holder dies, plain (0) or robust (1) mutex.
 * t.rounds, t.leak (a lock kept after return), t.spin (a busy-wait), t.rw
 * (readers and writers; 1: a reader upgrades and deadlocks on itself). */
extern const rh_scenario abba, count, die, rounds_scenario, leak, spin, rw;

struct outcome {
	uint64_t runs;	      /* schedules run */
	int first_fail;	      /* run index, -1 when none failed */
	rh_kind kind;	      /* of the first failure */
	char msg[RH_MSG_MAX]; /* of the first failure */
	char *schedule;	      /* of the first failure, malloc'd */
	bool exhausted;
	unsigned failures;
};

/* Up to max_runs runs of spec over s: the first failure and the totals. */
struct outcome explore(const rh_scenario *s, unsigned variant, rh_params p, const char *spec,
		       uint64_t seed, uint64_t max_runs);
/* Replay a schedule string strictly; the trace text and the trial's outcome. */
char *replay(const char *schedule, bool *failed, rh_kind *kind);
rh_params params(unsigned threads, unsigned ops, unsigned rounds);
/* The schedule string of one run, failing or not. */
char *one_run_schedule(const rh_scenario *s, unsigned variant, rh_params p, const char *spec);

#endif
