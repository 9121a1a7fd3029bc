/* Stress mode: rounds run every live thread once, and the watchdog turns a
 * thread that dies holding a plain lock into a HANG report instead of a hung
 * run, while a robust lock lets the others go on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "racehunt/sync.h"
#include "stress.h"

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

static const rh_variant variants[] = {{"v", RH_EXPECT_CLEAN, "test"}};
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
	/* The lock is still held by the dead thread: the state is abandoned. */
	free(s);
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
		cmocka_unit_test(test_stress_parse_strategy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
