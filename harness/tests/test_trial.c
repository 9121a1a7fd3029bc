/* SPDX-License-Identifier: MIT */
/* Trials: violations from many threads at once are all counted, and the
 * first one is kept whole. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/trial.h"

static const rh_variant variants[] = {{"v", RH_EXPECT_CLEAN, "test"}};
static const rh_scenario scenario = {.name = "test.trial", .variants = variants, .n_variants = 1};
static const rh_params params = {.threads = 4, .ops = 1, .rounds = 1, .size = 16};

enum { REPORTERS = 8, REPORTS_EACH = 1000 };

static void *report_many(void *arg)
{
	rh_trial *t = arg;

	for (int i = 0; i < REPORTS_EACH; i++)
		rh_violation(t, i % 2 ? RH_OVERLAP : RH_CORRUPTION, "report %d", i);
	return NULL;
}

static void test_trial_violation_counts_every_report_and_keeps_one_first(void **state)
{
	static rh_trial t;
	pthread_t th[REPORTERS];

	rh_trial_init(&t, &scenario, 0, &params, 1, 0);
	assert_false(rh_trial_failed(&t));
	for (int i = 0; i < REPORTERS; i++)
		pthread_create(&th[i], NULL, report_many, &t);
	for (int i = 0; i < REPORTERS; i++)
		pthread_join(th[i], NULL);
	assert_true(rh_trial_failed(&t));
	assert_int_equal(atomic_load(&t.violations), REPORTERS * REPORTS_EACH);
	assert_int_equal(atomic_load(&t.kind_counts[RH_OVERLAP]), REPORTERS * REPORTS_EACH / 2);
	assert_int_equal(atomic_load(&t.kind_counts[RH_CORRUPTION]), REPORTERS * REPORTS_EACH / 2);
	assert_true(strncmp(rh_trial_first_msg(&t), "report ", 7) == 0);
	rh_trial_fini(&t);
}

static void test_trial_rng_streams_depend_on_seed_trial_and_thread(void **state)
{
	static rh_trial a, b;
	uint64_t x;

	rh_trial_init(&a, &scenario, 0, &params, 7, 3);
	rh_trial_init(&b, &scenario, 0, &params, 7, 3);
	x = rh_rng_next(rh_trial_rng(&a, 1));
	assert_true(x == rh_rng_next(rh_trial_rng(&b, 1)));
	assert_true(rh_rng_next(rh_trial_rng(&a, 2)) != rh_rng_next(rh_trial_rng(&b, 1)));
	rh_trial_init(&b, &scenario, 0, &params, 7, 4);
	assert_true(x != rh_rng_next(rh_trial_rng(&b, 1)));
}

static void test_trial_kind_names_round_trip(void **state)
{
	for (int k = 0; k < RH_KIND_COUNT_; k++)
		assert_int_equal(rh_kind_parse(rh_kind_name((rh_kind)k)), k);
	assert_int_equal(rh_kind_parse("NOT_A_KIND"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trial_violation_counts_every_report_and_keeps_one_first),
		cmocka_unit_test(test_trial_rng_streams_depend_on_seed_trial_and_thread),
		cmocka_unit_test(test_trial_kind_names_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
