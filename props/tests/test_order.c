/* SPDX-License-Identifier: MIT */
#include "prop_test.h"

static void test_order_empty_and_single_increase(void **state)
{
	rh_prop_result r;
	uint64_t one = UINT64_MAX;
	rh_value v = { 7, 0, 0 };

	expect_silent(rh_prop_increasing("offset", NULL, 0, true, &r), &r);
	expect_silent(rh_prop_increasing("offset", &one, 1, true, &r), &r);
	expect_silent(rh_prop_increasing_per_thread("seq", NULL, 0, true, &r), &r);
	expect_silent(rh_prop_increasing_per_thread("seq", &v, 1, true, &r), &r);
	expect_silent(rh_prop_unique("offset", NULL, 0, &r), &r);
	expect_silent(rh_prop_unique("offset", &v, 1, &r), &r);
}

static void test_order_global_silent_up_to_max(void **state)
{
	rh_prop_result r;
	uint64_t v[] = { 0, 64, 128, UINT64_MAX - 1, UINT64_MAX };

	expect_silent(rh_prop_increasing("offset", v, N_OF(v), true, &r), &r);
}

static void test_order_global_strict_fires_on_repeat(void **state)
{
	rh_prop_result r;
	uint64_t v[] = { 4096, 6464, 6464, 6528 };

	expect_fired(rh_prop_increasing("offset", v, N_OF(v), true, &r), &r, RH_MONOTONICITY,
		     "offset not strictly increasing at index 2: 6464 after 6464");
}

static void test_order_global_nonstrict_allows_repeat(void **state)
{
	rh_prop_result r;
	uint64_t v[] = { 1, 1, 2, 2 }, down[] = { 1, 1, UINT64_MAX, 0 };

	expect_silent(rh_prop_increasing("WAL seq", v, N_OF(v), false, &r), &r);
	expect_fired(rh_prop_increasing("WAL seq", down, N_OF(down), false, &r), &r,
		     RH_MONOTONICITY,
		     "WAL seq not non-decreasing at index 3: 0 after 18446744073709551615");
}

/* Each thread increases on its own although the merged log does not. */
static void test_order_per_thread_silent_when_interleaved(void **state)
{
	rh_prop_result r;
	rh_value v[] = { { 50, 1, 0 }, { 10, 0, 0 }, { 60, 1, 1 }, { 20, 0, 1 }, { 70, 1, 2 } };

	expect_silent(rh_prop_increasing_per_thread("seq", v, N_OF(v), true, &r), &r);
}

/* Program order is op order, not array order. */
static void test_order_per_thread_orders_by_op(void **state)
{
	rh_prop_result r;
	rh_value quiet[] = { { 30, 2, 2 }, { 10, 2, 0 }, { 20, 2, 1 } };
	rh_value loud[] = { { 10, 2, 2 }, { 20, 2, 0 }, { 30, 2, 1 } };

	expect_silent(rh_prop_increasing_per_thread("seq", quiet, N_OF(quiet), true, &r), &r);
	expect_fired(rh_prop_increasing_per_thread("seq", loud, N_OF(loud), true, &r), &r,
		     RH_MONOTONICITY,
		     "thread 2: seq not strictly increasing: 10 at op 2 after 30 at op 1");
}

/* Two threads go wrong; the offence earlier in the array is reported even
 * though its thread number is higher. */
static void test_order_per_thread_reports_first_in_array(void **state)
{
	rh_prop_result r;
	rh_value v[] = { { 5, 9, 0 }, { 4, 9, 1 }, { 8, 1, 0 }, { 8, 1, 1 } };

	expect_fired(rh_prop_increasing_per_thread("WALOffset", v, N_OF(v), true, &r), &r,
		     RH_MONOTONICITY,
		     "thread 9: WALOffset not strictly increasing: 4 at op 1 after 5 at op 0");
}

static void test_order_per_thread_nonstrict(void **state)
{
	rh_prop_result r;
	rh_value quiet[] = { { 8, 1, 0 }, { 8, 1, 1 } };
	rh_value loud[] = { { 8, 1, 0 }, { 8, 1, 1 }, { 7, 1, 2 } };

	expect_silent(rh_prop_increasing_per_thread("seq", quiet, N_OF(quiet), false, &r), &r);
	expect_fired(rh_prop_increasing_per_thread("seq", loud, N_OF(loud), false, &r), &r,
		     RH_MONOTONICITY, "thread 1: seq not non-decreasing: 7 at op 2 after 8 at op 1");
}

static void test_order_unique_silent_on_distinct(void **state)
{
	rh_prop_result r;
	rh_value v[] = { { UINT64_MAX, 0, 0 }, { 0, 1, 0 }, { 64, 0, 1 } };

	expect_silent(rh_prop_unique("offset", v, N_OF(v), &r), &r);
}

/* The smallest duplicated value is reported, with its first two owners in
 * array order. */
static void test_order_unique_fires_with_both_owners(void **state)
{
	rh_prop_result r;
	rh_value v[] = { { 9000, 4, 0 }, { 6464, 7, 0 }, { 9000, 5, 0 }, { 6464, 3, 1 },
			 { 6464, 2, 2 } };

	expect_fired(rh_prop_unique("offset", v, N_OF(v), &r), &r, RH_DUPLICATE,
		     "offset 6464 recorded by thread 7 op 0 and thread 3 op 1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_empty_and_single_increase),
		cmocka_unit_test(test_order_global_silent_up_to_max),
		cmocka_unit_test(test_order_global_strict_fires_on_repeat),
		cmocka_unit_test(test_order_global_nonstrict_allows_repeat),
		cmocka_unit_test(test_order_per_thread_silent_when_interleaved),
		cmocka_unit_test(test_order_per_thread_orders_by_op),
		cmocka_unit_test(test_order_per_thread_reports_first_in_array),
		cmocka_unit_test(test_order_per_thread_nonstrict),
		cmocka_unit_test(test_order_unique_silent_on_distinct),
		cmocka_unit_test(test_order_unique_fires_with_both_owners),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
