/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "prop_test.h"

#define PUT(k, v, c, r, t, o) {.key = k, .value = v, .call = c, .ret = r, .kind = RH_LIN_PUT, .thread = t, .op = o}
#define GET(k, v, c, r, t, o) {.key = k, .value = v, .call = c, .ret = r, .kind = RH_LIN_GET, .thread = t, .op = o}

static void test_linearizable_empty_and_sequential_are_silent(void **state)
{
	rh_prop_result r;
	const rh_lin_op seq[] = {
		GET(1, RH_LIN_ABSENT, 1, 2, 0, 0), PUT(1, 10, 3, 4, 0, 1), GET(1, 10, 5, 6, 1, 0),
		PUT(1, 11, 7, 8, 1, 1),		   GET(1, 11, 9, 10, 0, 2),
	};

	expect_silent(rh_prop_linearizable(NULL, 0, RH_LIN_ABSENT, &r), &r);
	expect_silent(rh_prop_linearizable(seq, N_OF(seq), RH_LIN_ABSENT, &r), &r);
}

/* A get overlapping a put may see either value: both orders are allowed. */
static void test_linearizable_overlap_allows_old_or_new(void **state)
{
	rh_prop_result r;
	const rh_lin_op saw_old[] = {PUT(7, 1, 1, 2, 0, 0), PUT(7, 2, 3, 8, 0, 1),
				     GET(7, 1, 4, 6, 1, 0)};
	const rh_lin_op saw_new[] = {PUT(7, 1, 1, 2, 0, 0), PUT(7, 2, 3, 8, 0, 1),
				     GET(7, 2, 4, 6, 1, 0)};

	expect_silent(rh_prop_linearizable(saw_old, N_OF(saw_old), RH_LIN_ABSENT, &r), &r);
	expect_silent(rh_prop_linearizable(saw_new, N_OF(saw_new), RH_LIN_ABSENT, &r), &r);
}

/* A stale read: the get began after the put of 2 had returned, and saw 1. */
static void test_linearizable_fires_on_stale_read(void **state)
{
	rh_prop_result r;
	const rh_lin_op h[] = {PUT(7, 1, 1, 2, 0, 0), PUT(7, 2, 3, 4, 0, 1),
			       GET(7, 1, 5, 6, 1, 0)};

	expect_fired(rh_prop_linearizable(h, N_OF(h), RH_LIN_ABSENT, &r), &r, RH_NOT_LINEARIZABLE,
		     "key 7: no order of its 3 operations is a register history: at most 2 fit "
		     "before T1 op 0 get -> 1");
}

/* Two readers that see two concurrent puts in opposite orders, each read
 * after the other's: no single order explains both. */
static void test_linearizable_fires_on_readers_disagreeing(void **state)
{
	rh_prop_result r;
	const rh_lin_op h[] = {
		PUT(3, 1, 1, 10, 0, 0), PUT(3, 2, 2, 10, 1, 0),
		GET(3, 1, 3, 4, 2, 0),	GET(3, 2, 5, 6, 2, 1), /* T2: 1 then 2 */
		GET(3, 2, 3, 4, 3, 0),	GET(3, 1, 5, 6, 3, 1), /* T3: 2 then 1 */
	};

	assert_false(rh_prop_linearizable(h, N_OF(h), RH_LIN_ABSENT, &r));
	assert_int_equal(r.kind, RH_NOT_LINEARIZABLE);
	assert_non_null(strstr(r.msg, "key 3: no order of its 6 operations"));
}

/* A value nobody put, and a get of absent after a completed put. */
static void test_linearizable_fires_on_phantom_and_lost(void **state)
{
	rh_prop_result r;
	const rh_lin_op phantom[] = {PUT(1, 5, 1, 2, 0, 0), GET(1, 99, 3, 4, 1, 0)};
	const rh_lin_op lost[] = {PUT(2, 5, 1, 2, 0, 0), GET(2, RH_LIN_ABSENT, 3, 4, 1, 0)};

	expect_fired(rh_prop_linearizable(phantom, N_OF(phantom), RH_LIN_ABSENT, &r), &r,
		     RH_NOT_LINEARIZABLE,
		     "key 1: no order of its 2 operations is a register history: at most 1 fit "
		     "before T1 op 0 get -> 99");
	expect_fired(rh_prop_linearizable(lost, N_OF(lost), RH_LIN_ABSENT, &r), &r,
		     RH_NOT_LINEARIZABLE,
		     "key 2: no order of its 2 operations is a register history: at most 1 fit "
		     "before T1 op 0 get -> absent");
}

/* Keys are independent registers, reported smallest key first; the initial
 * value is what a get sees before any put. */
static void test_linearizable_keys_and_initial_value(void **state)
{
	rh_prop_result r;
	const rh_lin_op h[] = {
		GET(9, 0, 1, 2, 0, 0), PUT(9, 4, 3, 4, 0, 1), GET(4, 0, 5, 6, 1, 0),
		GET(4, 1, 7, 8, 1, 1), GET(2, 0, 1, 9, 2, 0),
	};

	assert_false(rh_prop_linearizable(h, N_OF(h), 0, &r));
	assert_string_equal(r.msg, "key 4: no order of its 2 operations is a register history: "
				   "at most 1 fit before T1 op 1 get -> 1");
	expect_silent(rh_prop_linearizable(h, 2, 0, &r), &r);
}

/* Equal timestamps mean "concurrent", never "before". */
static void test_linearizable_touching_operations_are_concurrent(void **state)
{
	rh_prop_result r;
	const rh_lin_op h[] = {PUT(1, 1, 1, 2, 0, 0), PUT(1, 2, 3, 5, 0, 1),
			       GET(1, 1, 5, 6, 1, 0)};

	expect_silent(rh_prop_linearizable(h, N_OF(h), RH_LIN_ABSENT, &r), &r);
}

static void test_linearizable_rejects_inverted_entry(void **state)
{
	rh_prop_result r;
	const rh_lin_op h[] = {PUT(1, 1, 5, 5, 0, 0)};

	expect_fired(rh_prop_linearizable(h, N_OF(h), RH_LIN_ABSENT, &r), &r, RH_INVARIANT,
		     "history entry 0 (T0 op 0 put 1) returns at 5, not after its call at 5");
}

/* A register written by 8 threads, each op overlapping all the others:
 * the cache keeps the search small, and a correct history passes. */
static void test_linearizable_wide_overlap_is_decided(void **state)
{
	enum { THREADS = 8, OPS = 40 };
	rh_lin_op *h = calloc(THREADS * OPS, sizeof(*h));
	rh_prop_result r;
	uint64_t last = RH_LIN_ABSENT;

	assert_non_null(h);
	/* Op j of every thread spans [10j, 10j + 9]; in round j thread t's
	 * operation takes effect in thread order, puts writing 100j + t. */
	for (unsigned j = 0; j < OPS; j++)
		for (unsigned t = 0; t < THREADS; t++) {
			rh_lin_op *o = &h[j * THREADS + t];
			bool put = (t + j) % 2 == 0;

			*o = (rh_lin_op){.key = 1, .call = 10u * j + 1 + t % 3, .ret = 10u * j + 9,
					 .kind = put ? RH_LIN_PUT : RH_LIN_GET, .thread = t,
					 .op = j};
			o->value = put ? 100u * j + t : last;
			if (put)
				last = o->value;
		}
	expect_silent(rh_prop_linearizable(h, THREADS * OPS, RH_LIN_ABSENT, &r), &r);
	/* A get of the last round (thread 6) now names thread 0's put of round 0. */
	assert_int_equal(h[(OPS - 1) * THREADS + 6].kind, RH_LIN_GET);
	h[(OPS - 1) * THREADS + 6].value = 0;
	assert_false(rh_prop_linearizable(h, THREADS * OPS, RH_LIN_ABSENT, &r));
	assert_int_equal(r.kind, RH_NOT_LINEARIZABLE);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linearizable_empty_and_sequential_are_silent),
		cmocka_unit_test(test_linearizable_overlap_allows_old_or_new),
		cmocka_unit_test(test_linearizable_fires_on_stale_read),
		cmocka_unit_test(test_linearizable_fires_on_readers_disagreeing),
		cmocka_unit_test(test_linearizable_fires_on_phantom_and_lost),
		cmocka_unit_test(test_linearizable_keys_and_initial_value),
		cmocka_unit_test(test_linearizable_touching_operations_are_concurrent),
		cmocka_unit_test(test_linearizable_rejects_inverted_entry),
		cmocka_unit_test(test_linearizable_wide_overlap_is_decided),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
