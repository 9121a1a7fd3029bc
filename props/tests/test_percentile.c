/* SPDX-License-Identifier: MIT */
#include <math.h>

#include "prop_test.h"
#include "racehunt/rng.h"

static void shuffled_1_to_n(uint64_t *v, size_t n, uint64_t seed)
{
	rh_rng rng;

	rh_rng_seed(&rng, seed);
	for (size_t i = 0; i < n; i++)
		v[i] = i + 1;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)(rh_rng_next(&rng) % (i + 1));
		uint64_t t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
}

static void test_percentile_empty_and_single(void **state)
{
	uint64_t one = 42;

	assert_int_equal(rh_percentile(NULL, 0, 0.5), 0);
	assert_int_equal(rh_percentile(&one, 1, 0.0), 42);
	assert_int_equal(rh_percentile(&one, 1, 0.5), 42);
	assert_int_equal(rh_percentile(&one, 1, 1.0), 42);
}

static void test_percentile_nearest_rank(void **state)
{
	uint64_t v[1000];

	shuffled_1_to_n(v, 100, 1);
	assert_int_equal(rh_percentile(v, 100, 0.0), 1);
	assert_int_equal(rh_percentile(v, 100, 0.5), 50);
	assert_int_equal(rh_percentile(v, 100, 0.99), 99);
	assert_int_equal(rh_percentile(v, 100, 1.0), 100);
	/* 0.07 * 100 is 7.000000000000001 in doubles: still rank 7. */
	assert_int_equal(rh_percentile(v, 100, 0.07), 7);
	shuffled_1_to_n(v, 1000, 2);
	assert_int_equal(rh_percentile(v, 1000, 0.5), 500);
	assert_int_equal(rh_percentile(v, 1000, 0.99), 990);
	assert_int_equal(rh_percentile(v, 1000, 0.999), 999);
}

/* Small n, where rank rounding decides: nearest rank takes the smallest
 * value with at least q*n values at or below it, so p99 of two samples is the
 * larger one (floor((n - 1) * q), once used by the reports, said the smaller). */
static void test_percentile_small_n(void **state)
{
	uint64_t two[] = {20, 10}, three[] = {3, 1, 2}, ten[10];

	assert_int_equal(rh_percentile(two, 2, 0.5), 10);
	assert_int_equal(rh_percentile(two, 2, 0.99), 20);
	assert_int_equal(rh_percentile(two, 2, 0.999), 20);
	assert_int_equal(rh_percentile(three, 3, 0.5), 2);
	assert_int_equal(rh_percentile(three, 3, 0.99), 3);
	shuffled_1_to_n(ten, 10, 4);
	assert_int_equal(rh_percentile(ten, 10, 0.5), 5);
	assert_int_equal(rh_percentile(ten, 10, 0.9), 9);
	assert_int_equal(rh_percentile(ten, 10, 0.99), 10);
}

/* The documented side effect: the samples end up sorted. */
static void test_percentile_sorts_in_place(void **state)
{
	uint64_t v[64];

	shuffled_1_to_n(v, 64, 3);
	assert_int_equal(rh_percentile(v, 64, 0.5), 32);
	for (size_t i = 0; i < 64; i++)
		assert_int_equal(v[i], i + 1);
}

static void test_percentile_clamps_q(void **state)
{
	uint64_t v[] = { 3, 1, 2 };

	assert_int_equal(rh_percentile(v, 3, -1.0), 1);
	assert_int_equal(rh_percentile(v, 3, 2.0), 3);
	assert_int_equal(rh_percentile(v, 3, NAN), 1);
}

/* A few huge outliers land in the tail, not in the median. */
static void test_percentile_huge_values(void **state)
{
	uint64_t v[1000];

	for (size_t i = 0; i < 1000; i++)
		v[i] = i < 2 ? UINT64_MAX - i : 100;
	assert_int_equal(rh_percentile(v, 1000, 0.5), 100);
	assert_int_equal(rh_percentile(v, 1000, 0.998), 100);
	assert_int_equal(rh_percentile(v, 1000, 0.999), UINT64_MAX - 1);
	assert_int_equal(rh_percentile(v, 1000, 1.0), UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile_empty_and_single),
		cmocka_unit_test(test_percentile_nearest_rank),
		cmocka_unit_test(test_percentile_small_n),
		cmocka_unit_test(test_percentile_sorts_in_place),
		cmocka_unit_test(test_percentile_clamps_q),
		cmocka_unit_test(test_percentile_huge_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
