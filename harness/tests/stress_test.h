/* SPDX-License-Identifier: MIT */
/* Private to racehunt's stress tests (test_stress.c, test_stress_locks.c):
 * the pieces both use. */
#ifndef RH_STRESS_TEST_H
#define RH_STRESS_TEST_H

/* Includers define _GNU_SOURCE first (pthread_timedjoin_np). */
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "racehunt/sync.h"
#include "test.h"

#include "core/trial.h"
#include "core/util.h"
#include "stress/stress.h"

static const rh_variant variants[] = {{"v", RH_EXPECT_CLEAN, "test"}};
/* A watchdog far beyond the test's time: only the cycle detector can end
 * these runs in time, and a HANG report would say it did not. */
static const rh_stress_opts patient = {.noise = 0, .watchdog_ms = 60000};
/* Short windows, so that a round of a few dozen of them stays short. */
static const rh_stress_opts quick_watchdog = {.noise = 0, .watchdog_ms = 10};

static inline double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* rh_stress_run on a helper thread, so that a run that never returns fails
 * the test after within_ms instead of hanging it. */
struct bounded_run {
	const rh_scenario *s;
	void *state;
	rh_trial *t;
	const rh_stress_opts *o;
	bool completed;
};

static inline void *bounded_run_main(void *arg)
{
	struct bounded_run *b = arg;

	b->completed = rh_stress_run(b->s, b->state, b->t, b->o);
	return NULL;
}

static inline bool run_within(unsigned within_ms, const rh_scenario *s, void *state,
			      rh_trial *t, const rh_stress_opts *o)
{
	static struct bounded_run b;
	struct timespec deadline;
	pthread_t runner;

	b = (struct bounded_run){s, state, t, o, false};
	RH_ASSERT_EQ(pthread_create(&runner, NULL, bounded_run_main, &b), 0);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += rh_timeout_ms(within_ms) / 1000;
	if (pthread_timedjoin_np(runner, NULL, &deadline) != 0)
		fail_msg("rh_stress_run did not return within %u ms", rh_timeout_ms(within_ms));
	return b.completed;
}

#endif
