/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "prop_test.h"
#include "racehunt/rng.h"

static void test_ranges_empty_and_single_are_disjoint(void **state)
{
	rh_prop_result r;
	rh_range one = { .start = 5, .len = UINT64_MAX };

	expect_silent(rh_prop_disjoint(NULL, 0, &r), &r);
	expect_silent(rh_prop_disjoint(&one, 1, &r), &r);
}

static void test_ranges_adjacent_do_not_overlap(void **state)
{
	rh_prop_result r;
	rh_range v[] = { { 128, 64, 2, 0 }, { 0, 64, 0, 0 }, { 64, 64, 1, 0 } };

	expect_silent(rh_prop_disjoint(v, N_OF(v), &r), &r);
}

static void test_ranges_same_offset_fires_with_both_owners(void **state)
{
	rh_prop_result r;
	rh_range v[] = { { 0, 64, 0, 0 }, { 6464, 64, 7, 0 }, { 6464, 64, 3, 1 } };

	expect_fired(rh_prop_disjoint(v, N_OF(v), &r), &r, RH_OVERLAP,
		     "thread 3 op 1 [6464,6528) overlaps thread 7 op 0 [6464,6528)");
}

static void test_ranges_one_shared_byte_fires(void **state)
{
	rh_prop_result r;
	rh_range v[] = { { 99, 1, 1, 4 }, { 0, 100, 0, 2 } };

	expect_fired(rh_prop_disjoint(v, N_OF(v), &r), &r, RH_OVERLAP,
		     "thread 0 op 2 [0,100) overlaps thread 1 op 4 [99,100)");
}

static void test_ranges_input_is_not_reordered(void **state)
{
	rh_prop_result r;
	rh_range v[] = { { 64, 64, 1, 0 }, { 0, 64, 0, 0 } };
	rh_range before[N_OF(v)];

	memcpy(before, v, sizeof(v));
	expect_silent(rh_prop_disjoint(v, N_OF(v), &r), &r);
	assert_memory_equal(v, before, sizeof(v));
}

/* An empty range owns no byte, so it overlaps nothing, even inside another;
 * the range after it is still compared with the one that reaches furthest. */
static void test_ranges_empty_range_overlaps_nothing(void **state)
{
	rh_prop_result r;
	rh_range quiet[] = { { 0, 100, 0, 0 }, { 10, 0, 1, 0 }, { 100, 0, 2, 0 }, { 0, 0, 3, 0 } };
	rh_range loud[] = { { 0, 100, 0, 0 }, { 10, 0, 1, 0 }, { 50, 10, 2, 0 } };

	expect_silent(rh_prop_disjoint(quiet, N_OF(quiet), &r), &r);
	expect_fired(rh_prop_disjoint(loud, N_OF(loud), &r), &r, RH_OVERLAP,
		     "thread 0 op 0 [0,100) overlaps thread 2 op 0 [50,60)");
}

/* Ends past UINT64_MAX do not wrap around to 0. */
static void test_ranges_end_past_uint64_max(void **state)
{
	rh_prop_result r;
	rh_range quiet[] = { { UINT64_MAX - 10, 100, 1, 0 }, { 0, 10, 0, 0 } };
	rh_range loud[] = { { UINT64_MAX - 10, 100, 1, 0 }, { UINT64_MAX, 1, 2, 0 } };

	expect_silent(rh_prop_disjoint(quiet, N_OF(quiet), &r), &r);
	expect_fired(rh_prop_disjoint(loud, N_OF(loud), &r), &r, RH_OVERLAP,
		     "thread 1 op 0 [18446744073709551605,+100) overlaps "
		     "thread 2 op 0 [18446744073709551615,+1)");
}

/* Many shuffled allocations of random sizes packed end to end: silent; then
 * one allocation grows by a byte into its neighbour: that pair is reported. */
static void test_ranges_many_shuffled(void **state)
{
	enum { N = 10000 };
	rh_prop_result r;
	rh_range *v = malloc(N * sizeof(*v));
	rh_rng rng;
	uint64_t at = 4096;
	char want[128];

	assert_non_null(v);
	rh_rng_seed(&rng, 17);
	for (unsigned i = 0; i < N; i++) {
		v[i] = (rh_range){ at, 1 + rh_rng_next(&rng) % 300, i % 20, i / 20 };
		at += v[i].len;
	}
	for (unsigned i = N - 1; i > 0; i--) {
		unsigned j = (unsigned)(rh_rng_next(&rng) % (i + 1));
		rh_range t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
	expect_silent(rh_prop_disjoint(v, N, &r), &r);

	for (unsigned i = 0; i < N; i++)
		if (v[i].thread == 5 && v[i].op == 100)
			v[i].len++;
	for (unsigned i = 0; i < N; i++)
		if (v[i].thread == 6 && v[i].op == 100)
			snprintf(want, sizeof(want), "overlaps thread 6 op 100 [%llu,",
				 (unsigned long long)v[i].start);
	assert_false(rh_prop_disjoint(v, N, &r));
	assert_int_equal(r.kind, RH_OVERLAP);
	assert_non_null(strstr(r.msg, "thread 5 op 100 ["));
	assert_non_null(strstr(r.msg, want));
	free(v);
}

static void test_ranges_within_silent_inside(void **state)
{
	rh_prop_result r;
	rh_range v[] = { { 4096, 100, 0, 0 }, { 8000, 192, 1, 0 }, { 8192, 0, 2, 0 } };

	expect_silent(rh_prop_within(NULL, 0, 0, 0, &r), &r);
	expect_silent(rh_prop_within(v, N_OF(v), 4096, 8192, &r), &r);
}

static void test_ranges_within_fires_past_hi(void **state)
{
	rh_prop_result r;
	rh_range v[] = { { 4096, 100, 0, 0 }, { 8000, 193, 1, 3 }, { 9000, 1, 2, 0 } };

	expect_fired(rh_prop_within(v, N_OF(v), 4096, 8192, &r), &r, RH_OUT_OF_BOUNDS,
		     "thread 1 op 3 [8000,8193) outside [4096,8192)");
}

static void test_ranges_within_fires_below_lo(void **state)
{
	rh_prop_result r;
	rh_range v[] = { { 4095, 1, 2, 0 } };

	expect_fired(rh_prop_within(v, N_OF(v), 4096, 8192, &r), &r, RH_OUT_OF_BOUNDS,
		     "thread 2 op 0 [4095,4096) outside [4096,8192)");
}

/* An "astronomical" offset whose end overflows must not wrap back inside. */
static void test_ranges_within_fires_on_overflowing_end(void **state)
{
	rh_prop_result r;
	rh_range v[] = { { UINT64_MAX - 1, 4098, 4, 9 } };

	expect_fired(rh_prop_within(v, N_OF(v), 0, UINT64_MAX, &r), &r, RH_OUT_OF_BOUNDS,
		     "thread 4 op 9 [18446744073709551614,+4098) outside [0,18446744073709551615)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges_empty_and_single_are_disjoint),
		cmocka_unit_test(test_ranges_adjacent_do_not_overlap),
		cmocka_unit_test(test_ranges_same_offset_fires_with_both_owners),
		cmocka_unit_test(test_ranges_one_shared_byte_fires),
		cmocka_unit_test(test_ranges_input_is_not_reordered),
		cmocka_unit_test(test_ranges_empty_range_overlaps_nothing),
		cmocka_unit_test(test_ranges_end_past_uint64_max),
		cmocka_unit_test(test_ranges_many_shuffled),
		cmocka_unit_test(test_ranges_within_silent_inside),
		cmocka_unit_test(test_ranges_within_fires_past_hi),
		cmocka_unit_test(test_ranges_within_fires_below_lo),
		cmocka_unit_test(test_ranges_within_fires_on_overflowing_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
