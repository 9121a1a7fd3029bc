/* SPDX-License-Identifier: MIT */
#include "prop_test.h"

static void test_conserved_equal_is_silent(void **state)
{
	rh_prop_result r;

	expect_silent(rh_prop_conserved("EntityCount", 0, 0, &r), &r);
	expect_silent(rh_prop_conserved("DataSize", UINT64_MAX, UINT64_MAX, &r), &r);
}

static void test_conserved_fires_on_lost_update(void **state)
{
	rh_prop_result r;

	expect_fired(rh_prop_conserved("EntityCount", 200, 198, &r), &r, RH_LOST_UPDATE,
		     "EntityCount: expected 200, got 198 (2 lost)");
}

static void test_conserved_fires_on_excess(void **state)
{
	rh_prop_result r;

	expect_fired(rh_prop_conserved("DataSize", 6400, 6464, &r), &r, RH_INVARIANT,
		     "DataSize: expected 6400, got 6464 (64 more than acknowledged)");
}

/* The difference is exact across the whole range (no signed arithmetic). */
static void test_conserved_extremes(void **state)
{
	rh_prop_result r;

	expect_fired(rh_prop_conserved("bytes held", UINT64_MAX, 0, &r), &r, RH_LOST_UPDATE,
		     "bytes held: expected 18446744073709551615, got 0 "
		     "(18446744073709551615 lost)");
	expect_fired(rh_prop_conserved("bytes held", 0, UINT64_MAX, &r), &r, RH_INVARIANT,
		     "bytes held: expected 0, got 18446744073709551615 "
		     "(18446744073709551615 more than acknowledged)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conserved_equal_is_silent),
		cmocka_unit_test(test_conserved_fires_on_lost_update),
		cmocka_unit_test(test_conserved_fires_on_excess),
		cmocka_unit_test(test_conserved_extremes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
