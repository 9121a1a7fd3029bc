/* SPDX-License-Identifier: MIT */
/* Stress mode's rounds and watchdog: rounds run every live thread once, and
 * the watchdog turns a thread that dies holding a plain lock into a HANG
 * report instead of a hung run, while a robust lock lets the others go on; a
 * round that is slow but moving is no HANG. Threads of an abandoned trial
 * never touch the caller's trial. Lock cycles: test_stress_locks.c. */
#define _GNU_SOURCE /* pthread_timedjoin_np, in stress_test.h */
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "stress_test.h"

enum { THREADS = 3, ROUNDS = 3 };

typedef struct lock_state {
	rh_mutex lock;
	rh_atomic_u64 runs[ROUNDS];
	rh_atomic_u64 owner_died_seen;
	bool victim;
} lock_state;

static void body(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	lock_state *s = state;
	int rc;

	rh_atomic_fetch_add(&s->runs[round], 1, RH_RELAXED);
	/* Round 0: only the victim takes the lock, and dies in it. */
	if (s->victim && (round == 0) != (tid == 0))
		return;
	rc = rh_mutex_lock(&s->lock);
	if (rc == RH_OWNER_DIED) {
		rh_atomic_fetch_add(&s->owner_died_seen, 1, RH_RELAXED);
		rh_mutex_consistent(&s->lock);
	}
	rh_point("inside", tid);
	if (s->victim && tid == 0)
		rh_thread_die();
	rh_mutex_unlock(&s->lock);
}

static const rh_scenario scenario = {
	.name = "test.stress", .variants = variants, .n_variants = 1, .thread = body};
static const rh_params params = {.threads = THREADS, .ops = 1, .rounds = ROUNDS, .size = 0};
static const rh_stress_opts opts = {.noise = 0.5, .watchdog_ms = 300};

static lock_state *new_state(unsigned flags, bool victim)
{
	lock_state *s = calloc(1, sizeof(*s));

	rh_mutex_init(&s->lock, "the_lock", flags);
	for (int r = 0; r < ROUNDS; r++)
		rh_atomic_init(&s->runs[r], "runs", 0);
	rh_atomic_init(&s->owner_died_seen, "owner_died_seen", 0);
	s->victim = victim;
	return s;
}

static void test_stress_every_thread_runs_every_round(void **state)
{
	static rh_trial t;
	lock_state *s = new_state(0, false);

	rh_trial_init(&t, &scenario, 0, &params, 1, 0);
	assert_true(rh_stress_run(&scenario, s, &t, &opts));
	for (int r = 0; r < ROUNDS; r++)
		assert_int_equal(rh_atomic_load(&s->runs[r], RH_RELAXED), THREADS);
	assert_false(rh_trial_failed(&t));
	rh_mutex_destroy(&s->lock);
	free(s);
	rh_trial_fini(&t);
}

static void test_stress_watchdog_reports_dead_owner_as_hang(void **state)
{
	static rh_trial t;
	lock_state *s = new_state(0, true);

	rh_trial_init(&t, &scenario, 0, &params, 1, 0);
	assert_false(rh_stress_run(&scenario, s, &t, &opts));
	assert_true(rh_trial_failed(&t));
	assert_int_equal(rh_trial_first_kind(&t), RH_HANG);
	assert_non_null(strstr(rh_trial_first_msg(&t), "round 1 hung"));
	assert_non_null(strstr(rh_trial_first_msg(&t), "T0 died after point inside=0, holding the_lock"));
	assert_non_null(strstr(rh_trial_first_msg(&t), "blocked acquiring the_lock"));
	/* The lock is still held by the dead thread: the state is abandoned,
	 * and the stress engine keeps it. */
	rh_trial_fini(&t);
}

static void test_stress_robust_lock_survives_dead_owner(void **state)
{
	static rh_trial t;
	lock_state *s = new_state(RH_MUTEX_ROBUST, true);

	rh_trial_init(&t, &scenario, 0, &params, 1, 0);
	assert_true(rh_stress_run(&scenario, s, &t, &opts));
	assert_false(rh_trial_failed(&t));
	assert_int_equal(rh_atomic_load(&s->owner_died_seen, RH_RELAXED), 1);
	/* The victim ran round 0 only; the others ran every round. */
	assert_int_equal(rh_atomic_load(&s->runs[0], RH_RELAXED), THREADS);
	assert_int_equal(rh_atomic_load(&s->runs[2], RH_RELAXED), THREADS - 1);
	rh_mutex_destroy(&s->lock);
	free(s);
	rh_trial_fini(&t);
}

/* --- the watchdog: a HANG needs a round that does not move ------------- */

/* Each thread passes a sync point every millisecond for 40 watchdog
 * windows: slow, but never still. */
static void ticking_body(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	double until = now_ms() + 40.0 * rh_timeout_ms(quick_watchdog.watchdog_ms);

	for (uint64_t i = 0; now_ms() < until; i++) {
		struct timespec ms = {0, 1000000L};

		nanosleep(&ms, NULL);
		rh_point("tick", i);
	}
}

static const rh_scenario ticking_scenario = {
	.name = "test.ticking", .variants = variants, .n_variants = 1, .thread = ticking_body};

static void test_stress_slow_round_is_no_hang(void **state)
{
	static rh_trial t;
	rh_params p = {.threads = 2, .ops = 1, .rounds = 1};

	rh_trial_init(&t, &ticking_scenario, 0, &p, 1, 0);
	RH_ASSERT_TRUE(run_within(20000, &ticking_scenario, NULL, &t, &quick_watchdog));
	if (rh_trial_failed(&t))
		fail_msg("%s", rh_trial_first_msg(&t));
	rh_trial_fini(&t);
}

/* T0 works for 8 windows under a lock without reaching a sync point; T1
 * waits for the lock. No sync point is passed meanwhile, but T0 runs. */
typedef struct busy_state {
	rh_mutex lock;
	atomic_uint holding;
} busy_state;

static void busy_body(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	busy_state *s = state;

	if (tid == 1) {
		while (atomic_load(&s->holding) == 0)
			sched_yield();
	}
	rh_mutex_lock(&s->lock);
	if (tid == 0) {
		double until = now_ms() + 8.0 * rh_timeout_ms(quick_watchdog.watchdog_ms);

		atomic_store(&s->holding, 1);
		while (now_ms() < until)
			;
	}
	rh_mutex_unlock(&s->lock);
}

static const rh_scenario busy_scenario = {
	.name = "test.busy", .variants = variants, .n_variants = 1, .thread = busy_body};

static void test_stress_long_work_under_a_lock_is_no_hang(void **state)
{
	static rh_trial t;
	rh_params p = {.threads = 2, .ops = 1, .rounds = 1};
	busy_state *s = calloc(1, sizeof(*s));

	rh_mutex_init(&s->lock, "the_lock", 0);
	rh_trial_init(&t, &busy_scenario, 0, &p, 1, 0);
	RH_ASSERT_TRUE(run_within(20000, &busy_scenario, s, &t, &quick_watchdog));
	if (rh_trial_failed(&t))
		fail_msg("%s", rh_trial_first_msg(&t));
	rh_mutex_destroy(&s->lock);
	free(s);
	rh_trial_fini(&t);
}

/* --- abandoned threads never touch the caller's trial --------------------- */

/* T0 dies holding the lock, T1 blocks on it, T2 sleeps outside any sync
 * point until the test lets it go, long after the trial was given up: then
 * it uses the trial it was handed, as a slow thread of a hung trial would. */
static atomic_int straggler_done;
static sem_t straggler_sem;

static void straggler_body(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	lock_state *s = state;

	if (tid == 2) {
		sem_wait(&straggler_sem);
		rh_rng_next(rh_trial_rng(t, tid));
		rh_trial_sample(t, tid, 42);
		rh_violation(t, RH_INVARIANT, "a straggler of an abandoned trial");
		atomic_store(&straggler_done, 1);
		rh_point("after the trial", 0);
		return;
	}
	if (tid == 1) {
		while (atomic_load(&s->owner_died_seen.v) == 0)
			sched_yield();
	}
	rh_mutex_lock(&s->lock);
	if (tid == 0) {
		atomic_store(&s->owner_died_seen.v, 1);
		rh_thread_die();
	}
	rh_mutex_unlock(&s->lock);
}

static const rh_scenario straggler_scenario = {
	.name = "test.straggler", .variants = variants, .n_variants = 1,
	.thread = straggler_body};

static void test_stress_abandoned_threads_leave_the_callers_trial_alone(void **state)
{
	static rh_trial t, fresh;
	rh_params p = {.threads = 3, .ops = 1, .rounds = 1};
	lock_state *s = new_state(0, false);
	double until;

	sem_init(&straggler_sem, 0, 0);
	rh_trial_init(&t, &straggler_scenario, 0, &p, 1, 0);
	RH_ASSERT_FALSE(run_within(20000, &straggler_scenario, s, &t, &quick_watchdog));
	RH_ASSERT_EQ(rh_trial_first_kind(&t), RH_HANG);
	RH_ASSERT_CONTAINS(rh_trial_first_msg(&t), "T1 blocked acquiring the_lock");
	/* The caller reuses its trial for the next one, as a campaign does. */
	rh_trial_init(&t, &straggler_scenario, 0, &p, 1, 1);
	rh_trial_init(&fresh, &straggler_scenario, 0, &p, 1, 1);
	sem_post(&straggler_sem);
	until = now_ms() + rh_timeout_ms(10000);
	while (atomic_load(&straggler_done) == 0 && now_ms() < until)
		sched_yield();
	RH_ASSERT_EQ(atomic_load(&straggler_done), 1);
	RH_ASSERT_EQ(atomic_load(&t.violations), 0);
	RH_ASSERT_EQ(t.sample_count[2], 0);
	RH_ASSERT_MEM_EQ(&t.rng[2], &fresh.rng[2], sizeof(t.rng[2]));
	rh_trial_fini(&t);
}

static void test_stress_parse_strategy(void **state)
{
	char err[128];
	double p = -1;

	assert_true(rh_stress_parse_strategy("noise:0", &p, err, sizeof(err)));
	assert_true(p == 0);
	assert_true(rh_stress_parse_strategy("noise:0.25", &p, err, sizeof(err)));
	assert_true(p == 0.25);
	assert_false(rh_stress_parse_strategy("noise:1.5", &p, err, sizeof(err)));
	assert_false(rh_stress_parse_strategy("noise:", &p, err, sizeof(err)));
	assert_false(rh_stress_parse_strategy("noise:0.1x", &p, err, sizeof(err)));
	assert_false(rh_stress_parse_strategy("pct:3", &p, err, sizeof(err)));
	assert_non_null(strstr(err, "pct:3"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress_every_thread_runs_every_round),
		cmocka_unit_test(test_stress_watchdog_reports_dead_owner_as_hang),
		cmocka_unit_test(test_stress_robust_lock_survives_dead_owner),
		cmocka_unit_test(test_stress_slow_round_is_no_hang),
		cmocka_unit_test(test_stress_long_work_under_a_lock_is_no_hang),
		cmocka_unit_test(test_stress_abandoned_threads_leave_the_callers_trial_alone),
		cmocka_unit_test(test_stress_parse_strategy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
