/* SPDX-License-Identifier: MIT */
#include "prop_test.h"

enum { ITEMS = 3, CONSUMERS = 2 };

/* The queue scenario's expectation: every item dequeued once per consumer. */
static rh_once *queue_expectation(void)
{
	rh_once *o = rh_once_new("dequeue", "item", "consumer");

	for (uint64_t item = 0; item < ITEMS; item++)
		for (unsigned c = 0; c < CONSUMERS; c++)
			rh_once_expect(o, item, c, 1);
	return o;
}

static void record_all_but(rh_once *o, uint64_t skip_item, unsigned skip_c)
{
	/* Consumers finish in reverse order: check() must not depend on it. */
	for (unsigned c = CONSUMERS; c-- > 0;)
		for (uint64_t item = ITEMS; item-- > 0;)
			if (item != skip_item || c != skip_c)
				rh_once_record(o, item, c);
}

static void test_once_empty_is_silent(void **state)
{
	rh_prop_result r;
	rh_once *o = rh_once_new("dequeue", "item", "consumer");

	expect_silent(rh_prop_once(o, &r), &r);
	rh_once_free(o);
	rh_once_free(NULL);
}

static void test_once_exact_is_silent(void **state)
{
	rh_prop_result r;
	rh_once *o = queue_expectation();

	record_all_but(o, UINT64_MAX, 0);
	expect_silent(rh_prop_once(o, &r), &r);
	rh_once_free(o);
}

static void test_once_fires_on_lost_event(void **state)
{
	rh_prop_result r;
	rh_once *o = queue_expectation();

	record_all_but(o, 1, 1);
	expect_fired(rh_prop_once(o, &r), &r, RH_LOST_UPDATE,
		     "dequeue of item 1 by consumer 1: expected 1, got 0; 1 lost, 0 extra in all");
	rh_once_free(o);
}

static void test_once_fires_on_duplicate_event(void **state)
{
	rh_prop_result r;
	rh_once *o = queue_expectation();

	record_all_but(o, UINT64_MAX, 0);
	rh_once_record(o, 2, 0);
	expect_fired(rh_prop_once(o, &r), &r, RH_DUPLICATE,
		     "dequeue of item 2 by consumer 0: expected 1, got 2; 0 lost, 1 extra in all");
	rh_once_free(o);
}

/* An event nobody expected (a dequeue of an item never enqueued). */
static void test_once_fires_on_unexpected_event(void **state)
{
	rh_prop_result r;
	rh_once *o = queue_expectation();

	record_all_but(o, UINT64_MAX, 0);
	rh_once_record(o, UINT64_MAX, 7);
	expect_fired(rh_prop_once(o, &r), &r, RH_DUPLICATE,
		     "dequeue of item 18446744073709551615 by consumer 7: expected 0, got 1; "
		     "0 lost, 1 extra in all");
	rh_once_free(o);
}

/* The smallest (item, consumer) is reported whatever the recording order;
 * the totals count every discrepancy. */
static void test_once_reports_smallest_pair_and_totals(void **state)
{
	rh_prop_result r;
	rh_once *o = queue_expectation();

	record_all_but(o, 0, 1);
	rh_once_record(o, 2, 1);
	rh_once_record(o, 2, 1);
	expect_fired(rh_prop_once(o, &r), &r, RH_LOST_UPDATE,
		     "dequeue of item 0 by consumer 1: expected 1, got 0; 1 lost, 2 extra in all");
	rh_once_free(o);
}

/* Expectations add up: an enqueue plus a dequeue per consumer, declared
 * separately, is one pair expected several times. */
static void test_once_expectations_add_up(void **state)
{
	rh_prop_result r;
	rh_once *o = rh_once_new("event", "item", "thread");

	rh_once_expect(o, 5, 0, 1);
	rh_once_expect(o, 5, 0, 2);
	rh_once_record(o, 5, 0);
	rh_once_record(o, 5, 0);
	expect_fired(rh_prop_once(o, &r), &r, RH_LOST_UPDATE,
		     "event of item 5 by thread 0: expected 3, got 2; 1 lost, 0 extra in all");
	rh_once_record(o, 5, 0);
	expect_silent(rh_prop_once(o, &r), &r);
	rh_once_free(o);
}

/* Enough events to grow the log many times. */
static void test_once_many_events(void **state)
{
	enum { N = 20000 };
	rh_prop_result r;
	rh_once *o = rh_once_new("dequeue", "item", "consumer");

	for (uint64_t i = 0; i < N; i++)
		rh_once_expect(o, i, (unsigned)(i % 20), 1);
	for (uint64_t i = N; i-- > 0;)
		rh_once_record(o, i, (unsigned)(i % 20));
	expect_silent(rh_prop_once(o, &r), &r);
	rh_once_record(o, N / 2, N / 2 % 20);
	expect_fired(rh_prop_once(o, &r), &r, RH_DUPLICATE,
		     "dequeue of item 10000 by consumer 0: expected 1, got 2; 0 lost, 1 extra in all");
	rh_once_free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_once_empty_is_silent),
		cmocka_unit_test(test_once_exact_is_silent),
		cmocka_unit_test(test_once_fires_on_lost_event),
		cmocka_unit_test(test_once_fires_on_duplicate_event),
		cmocka_unit_test(test_once_fires_on_unexpected_event),
		cmocka_unit_test(test_once_reports_smallest_pair_and_totals),
		cmocka_unit_test(test_once_expectations_add_up),
		cmocka_unit_test(test_once_many_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
