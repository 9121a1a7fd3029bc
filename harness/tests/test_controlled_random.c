/* SPDX-License-Identifier: MIT */
/* random: uniform over the runnable threads at every choice. */
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "controlled/sched.h"
#include "controlled_support.h"

/* A lost update needs a switch between a load and its store: random finds
 * it within a few runs, for every seed tried. */
static void test_controlled_random_finds_lost_update(void **state)
{
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct outcome o = explore(&count, 0, params(3, 2, 1), "random", seed, 50);

		RH_ASSERT_GE(o.first_fail, 0);
		RH_ASSERT_EQ(o.kind, RH_LOST_UPDATE);
		free(o.schedule);
	}
}

/* Never done: random has no space to exhaust, and a locked counter stays
 * clean whatever it picks (it picks only threads that can run: a pick of a
 * blocked one would be a harness error, not a clean run). */
static void test_controlled_random_never_exhausted_and_clean_when_fixed(void **state)
{
	struct outcome o = explore(&count, 1, params(3, 2, 2), "random", 3, 200);

	RH_ASSERT_EQ(o.runs, 200);
	RH_ASSERT_FALSE(o.exhausted);
	RH_ASSERT_EQ(o.failures, 0);
}

/* Different seeds, different runs: of 20 seeds' first failing schedules,
 * most are distinct. */
static void test_controlled_random_seeds_differ(void **state)
{
	char *seen[20];
	unsigned distinct = 0;

	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct outcome o = explore(&count, 0, params(4, 2, 1), "random", seed, 50);
		bool dup = false;

		RH_ASSERT_NOT_NULL(o.schedule);
		for (unsigned i = 0; i < distinct; i++)
			dup |= strcmp(seen[i], o.schedule) == 0;
		if (dup)
			free(o.schedule);
		else
			seen[distinct++] = o.schedule;
	}
	RH_ASSERT_GE(distinct, 15);
	for (unsigned i = 0; i < distinct; i++)
		free(seen[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controlled_random_finds_lost_update),
		cmocka_unit_test(test_controlled_random_never_exhausted_and_clean_when_fixed),
		cmocka_unit_test(test_controlled_random_seeds_differ),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
