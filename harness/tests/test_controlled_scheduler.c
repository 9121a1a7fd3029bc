/* SPDX-License-Identifier: MIT */
/* The controlled scheduler on small scenarios of its own: deadlock and hang
 * reports, dying lock holders, rounds, rwlocks, fairness, and the fast path
 * making the same runs as the scheduler. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "campaign/campaign.h"
#include "campaign/shrink.h"
#include "campaign/trial_run.h"
#include "cli/replay.h"
#include "controlled/sched.h"
#include "controlled_support.h"
#include "core/registry.h"
#include "racehunt/sync.h"

/* The schedule strings of the first runs of spec, through the fast path or
 * with every step through the scheduler (as under TSan). */
static char *schedules_of(const rh_scenario *s, unsigned variant, rh_params p, const char *spec,
			  bool slow)
{
	char err[64], *all = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&all, &len);
	rh_explorer *x = rh_explorer_new(spec, 9, err, sizeof(err));
	rh_trial *t = malloc(sizeof(*t));

	x->no_fast_path = slow;
	for (uint64_t i = 0; i < 30; i++) {
		bool ran;

		rh_trial_init(t, s, variant, &p, 9, i);
		ran = rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, x);
		if (ran)
			fprintf(mem, "%s %d\n", rh_explorer_schedule(x, s, variant, &p),
				rh_trial_failed(t));
		rh_trial_fini(t);
		if (!ran)
			break;
	}
	fclose(mem);
	rh_explorer_free(x);
	free(t);
	return all;
}

static void test_controlled_deadlock_reported_with_cycle(void **state)
{
	struct outcome o = explore(&abba, 0, params(2, 1, 1), "dfs:1", 1, 1000);

	RH_ASSERT_TRUE(o.exhausted);
	RH_ASSERT_GE(o.first_fail, 0);
	RH_ASSERT_EQ(o.kind, RH_DEADLOCK);
	RH_ASSERT_CONTAINS(o.msg, "T0 waits for mutex B held by T1");
	RH_ASSERT_CONTAINS(o.msg, "T1 waits for mutex A held by T0");
	free(o.schedule);
}

static void test_controlled_one_lock_order_never_deadlocks(void **state)
{
	struct outcome o = explore(&abba, 1, params(3, 1, 1), "dfs:3", 1, 100000);

	RH_ASSERT_TRUE(o.exhausted);
	RH_ASSERT_EQ(o.failures, 0);
	RH_ASSERT_GT(o.runs, 10);
}

/* TSan builds take every step through the scheduler, other builds let a
 * fiber that keeps running carry on: the runs must be the same, or schedule
 * strings would not replay across builds. */
static void test_controlled_fast_path_makes_the_same_runs(void **state)
{
	static const char *const specs[] = {"random", "pct:3", "dfs:2"};
	const struct {
		const rh_scenario *s;
		unsigned variant;
		rh_params p;
	} cases[] = {
		{&count, 0, {3, 3, 2, 0}}, {&abba, 0, {3, 2, 1, 0}}, {&rw, 0, {3, 2, 1, 0}},
		{&die, 1, {3, 1, 2, 0}},   {&spin, 0, {2, 1, 1, 0}},
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
			char *fast = schedules_of(cases[c].s, cases[c].variant, cases[c].p,
						  specs[i], false);
			char *slow = schedules_of(cases[c].s, cases[c].variant, cases[c].p,
						  specs[i], true);

			RH_ASSERT_STR_EQ(fast, slow);
			free(fast);
			free(slow);
		}
}

static void test_controlled_dead_owner_hangs_plain_mutex(void **state)
{
	struct outcome o = explore(&die, 0, params(2, 1, 1), "dfs:1", 1, 1000);

	RH_ASSERT_GE(o.first_fail, 0);
	RH_ASSERT_EQ(o.kind, RH_HANG);
	RH_ASSERT_CONTAINS(o.msg, "held by T0, which died holding it");
	free(o.schedule);
}

static void test_controlled_dead_owner_recovered_with_robust_mutex(void **state)
{
	struct outcome o = explore(&die, 1, params(3, 1, 1), "dfs:2", 1, 100000);

	RH_ASSERT_TRUE(o.exhausted);
	RH_ASSERT_EQ(o.failures, 0);
}

static void test_controlled_rounds_are_barrier_separated(void **state)
{
	struct outcome o = explore(&rounds_scenario, 0, params(3, 1, 4), "random", 1, 200);

	RH_ASSERT_EQ(o.failures, 0);
	o = explore(&rounds_scenario, 0, params(2, 1, 3), "dfs:2", 1, 100000);
	RH_ASSERT_TRUE(o.exhausted);
	RH_ASSERT_EQ(o.failures, 0);
}

static void test_controlled_rwlock_excludes_writer_not_readers(void **state)
{
	struct outcome o = explore(&rw, 0, params(3, 1, 1), "dfs:3", 1, 100000);

	RH_ASSERT_TRUE(o.exhausted);
	RH_ASSERT_EQ(o.failures, 0);
	/* Readers share: some schedule has both inside at once, which only
	 * shows as more schedules than with one reader. */
	RH_ASSERT_GT(o.runs, explore(&rw, 0, params(2, 1, 1), "dfs:3", 1, 100000).runs);
}

static void test_controlled_rwlock_upgrade_deadlocks_on_itself(void **state)
{
	struct outcome o = explore(&rw, 1, params(2, 1, 1), "dfs:0", 1, 10);

	RH_ASSERT_GE(o.first_fail, 0);
	RH_ASSERT_EQ(o.kind, RH_DEADLOCK);
	RH_ASSERT_CONTAINS(o.msg, "T1 waits for rwlock (to write) L held by T1 (cycle)");
	free(o.schedule);
}

static void test_controlled_lock_kept_after_return_hangs(void **state)
{
	struct outcome o = explore(&leak, 0, params(2, 1, 1), "dfs:0", 1, 10);

	RH_ASSERT_EQ(o.kind, RH_HANG);
	RH_ASSERT_CONTAINS(o.msg, "T1 waits for mutex M held by T0, which returned without "
				      "releasing it");
	free(o.schedule);
}

static void test_controlled_lock_kept_across_barrier_deadlocks(void **state)
{
	struct outcome o = explore(&leak, 0, params(2, 1, 2), "dfs:0", 1, 10);

	RH_ASSERT_EQ(o.kind, RH_DEADLOCK);
	RH_ASSERT_CONTAINS(o.msg, "T1 waits for mutex M held by T0; T0 waits at the end of "
				      "round 0");
	free(o.schedule);
}

/* A strategy that never preempts would spin thread 0 forever; fairness
 * switches it out, and the replay retraces that switch. */
static void test_controlled_busy_wait_ends(void **state)
{
	static const char *const specs[] = {"dfs:0", "pct:3", "random"};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct outcome o = explore(&spin, 0, params(2, 1, 1), specs[i], 1, 20);

		RH_ASSERT_EQ(o.failures, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controlled_deadlock_reported_with_cycle),
		cmocka_unit_test(test_controlled_one_lock_order_never_deadlocks),
		cmocka_unit_test(test_controlled_fast_path_makes_the_same_runs),
		cmocka_unit_test(test_controlled_dead_owner_hangs_plain_mutex),
		cmocka_unit_test(test_controlled_dead_owner_recovered_with_robust_mutex),
		cmocka_unit_test(test_controlled_rounds_are_barrier_separated),
		cmocka_unit_test(test_controlled_rwlock_excludes_writer_not_readers),
		cmocka_unit_test(test_controlled_rwlock_upgrade_deadlocks_on_itself),
		cmocka_unit_test(test_controlled_lock_kept_after_return_hangs),
		cmocka_unit_test(test_controlled_lock_kept_across_barrier_deadlocks),
		cmocka_unit_test(test_controlled_busy_wait_ends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
