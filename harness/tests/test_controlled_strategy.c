/* SPDX-License-Identifier: MIT */
/* The strategy table: specs, determinism for a seed, rejected specs. */
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

static void test_controlled_strategies_deterministic_for_a_seed(void **state)
{
	static const char *const specs[] = {"random", "pct:3", "dfs:2"};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct outcome a = explore(&count, 0, params(3, 2, 2), specs[i], 7, 50);
		struct outcome b = explore(&count, 0, params(3, 2, 2), specs[i], 7, 50);

		RH_ASSERT_EQ(a.first_fail, b.first_fail);
		RH_ASSERT_EQ(a.failures, b.failures);
		RH_ASSERT_NOT_NULL(a.schedule);
		RH_ASSERT_STR_EQ(a.schedule, b.schedule);
		free(a.schedule);
		free(b.schedule);
	}
}

static void test_controlled_bad_strategy_rejected(void **state)
{
	char err[256];

	RH_ASSERT_NULL(rh_explorer_new("pct:0", 1, err, sizeof(err)));
	RH_ASSERT_CONTAINS(err, "pct");
	RH_ASSERT_NULL(rh_explorer_new("dfs:x", 1, err, sizeof(err)));
	RH_ASSERT_NULL(rh_explorer_new("noise:0.1", 1, err, sizeof(err)));
	RH_ASSERT_CONTAINS(err, "unknown controlled strategy");
}

/* The table is what help, hunt and shrinking read: its rows, in order. */
static void test_controlled_strategy_table_rows_and_flags(void **state)
{
	char names[256] = "";

	for (size_t i = 0; i < rh_strategy_count(); i++) {
		strcat(names, rh_strategy_at(i)->name);
		strcat(names, " ");
	}
	RH_ASSERT_CONTAINS(names, "random pct dfs ");
	RH_ASSERT_CONTAINS(names, "replay fuzz ");
	RH_ASSERT_NULL(rh_strategy_at(rh_strategy_count()));
	RH_ASSERT_TRUE(rh_strategy_exhaustive("dfs:2"));
	RH_ASSERT_FALSE(rh_strategy_exhaustive("pct:3"));
	RH_ASSERT_FALSE(rh_strategy_exhaustive("random"));
	RH_ASSERT_FALSE(rh_strategy_exhaustive("dfsx"));
	RH_ASSERT_PTR_EQ(rh_strategy_find("pct:3"), &rh__strategy_pct);
	/* The byte source is not made from a spec. */
	RH_ASSERT_NULL(rh_strategy_find("fuzz"));
	RH_ASSERT_CONTAINS(RH_STRATEGY_HELP, "\n  pct:D: ");
	RH_ASSERT_NOT_CONTAINS(RH_STRATEGY_HELP, "fuzz");
	RH_ASSERT_CONTAINS(RH_STRATEGY_HUNT_NAMES, ",pct:3,dfs:2");
}

/* Shrinking tries the exhaustive searches first, fewest preemptions first,
 * then the others by rank. */
static void test_controlled_strategy_shrink_specs_in_order(void **state)
{
	const char *specs[16];
	size_t n_exhaustive, n = rh_strategy_shrink_specs(specs, 16, &n_exhaustive);

	RH_ASSERT_GE(n, 5);
	RH_ASSERT_GE(n_exhaustive, 3);
	RH_ASSERT_STR_EQ(specs[0], "dfs:0");
	RH_ASSERT_STR_EQ(specs[1], "dfs:1");
	RH_ASSERT_STR_EQ(specs[2], "dfs:2");
	RH_ASSERT_STR_EQ(specs[n - 2], "pct:3");
	RH_ASSERT_STR_EQ(specs[n - 1], "random");
	for (size_t i = 0; i < n; i++)
		RH_ASSERT_EQ(rh_strategy_exhaustive(specs[i]), i < n_exhaustive);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controlled_strategies_deterministic_for_a_seed),
		cmocka_unit_test(test_controlled_bad_strategy_rejected),
		cmocka_unit_test(test_controlled_strategy_table_rows_and_flags),
		cmocka_unit_test(test_controlled_strategy_shrink_specs_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
