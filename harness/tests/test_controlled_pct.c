/* SPDX-License-Identifier: MIT */
/* pct:D: probabilistic concurrency testing. */
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

static void test_controlled_pct3_finds_lost_update_in_few_runs(void **state)
{
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct outcome o = explore(&count, 0, params(4, 2, 1), "pct:3", seed, 10);

		RH_ASSERT_GE(o.first_fail, 0);
		free(o.schedule);
	}
}

/* A lost update needs one switch in the middle of a thread (bug depth 2):
 * pct:1 has no change point, so it only ever runs threads one after the
 * other by priority and never sees it; pct:2 does. */
static void test_controlled_pct_depth_matters(void **state)
{
	struct outcome d1 = explore(&count, 0, params(2, 1, 1), "pct:1", 1, 200);
	struct outcome d2 = explore(&count, 0, params(2, 1, 1), "pct:2", 1, 200);

	RH_ASSERT_EQ(d1.failures, 0);
	RH_ASSERT_GT(d2.failures, 0);
	free(d2.schedule);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controlled_pct3_finds_lost_update_in_few_runs),
		cmocka_unit_test(test_controlled_pct_depth_matters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
