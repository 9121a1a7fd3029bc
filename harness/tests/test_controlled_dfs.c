/* SPDX-License-Identifier: MIT */
/* dfs:K: bounded exhaustive search. */
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

static void test_controlled_dfs0_counts_free_choices_only(void **state)
{
	/* Two threads: who starts is free, switching away later is a
	 * preemption; dfs:0 has exactly the two start orders. */
	struct outcome o = explore(&count, 1, params(2, 3, 1), "dfs:0", 1, 100);

	RH_ASSERT_TRUE(o.exhausted);
	RH_ASSERT_EQ(o.runs, 2);
	RH_ASSERT_EQ(o.failures, 0);
}

static void test_controlled_dfs_finds_lost_update_and_grows_with_bound(void **state)
{
	struct outcome o1 = explore(&count, 0, params(2, 2, 1), "dfs:1", 1, 100000);
	struct outcome o2 = explore(&count, 0, params(2, 2, 1), "dfs:2", 1, 100000);

	RH_ASSERT_TRUE(o1.exhausted && o2.exhausted);
	RH_ASSERT_GT(o1.failures, 0);
	RH_ASSERT_EQ(o1.kind, RH_LOST_UPDATE);
	RH_ASSERT_GT(o2.runs, o1.runs);
	free(o1.schedule);
	free(o2.schedule);
}

static void test_controlled_fixed_counter_clean_over_dfs2(void **state)
{
	struct outcome o = explore(&count, 1, params(2, 2, 1), "dfs:2", 1, 100000);

	RH_ASSERT_TRUE(o.exhausted);
	RH_ASSERT_EQ(o.failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controlled_dfs0_counts_free_choices_only),
		cmocka_unit_test(test_controlled_dfs_finds_lost_update_and_grows_with_bound),
		cmocka_unit_test(test_controlled_fixed_counter_clean_over_dfs2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
