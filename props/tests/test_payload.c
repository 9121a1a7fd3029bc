/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <string.h>

#include "prop_test.h"

/* Every length from the minimum up, for a few owners, including the largest. */
static void test_payload_round_trip(void **state)
{
	static const unsigned owners[][2] = { { 0, 0 }, { 6, 4 }, { UINT_MAX, UINT_MAX } };
	uint8_t buf[300];
	rh_prop_result r;

	for (size_t k = 0; k < N_OF(owners); k++) {
		for (size_t len = RH_PAYLOAD_MIN; len <= sizeof(buf); len++) {
			unsigned t = 1, o = 1;
			size_t l = 0;

			assert_true(rh_payload_sign(buf, len, owners[k][0], owners[k][1]));
			assert_true(rh_payload_decode(buf, len, &t, &o, &l));
			assert_int_equal(t, owners[k][0]);
			assert_int_equal(o, owners[k][1]);
			assert_int_equal(l, len);
			expect_silent(rh_payload_verify(buf, len, owners[k][0], owners[k][1], len,
							&r),
				      &r);
		}
	}
}

static void test_payload_sign_rejects_short(void **state)
{
	uint8_t buf[RH_PAYLOAD_MIN] = { 0 }, zero[RH_PAYLOAD_MIN] = { 0 };

	assert_false(rh_payload_sign(buf, RH_PAYLOAD_MIN - 1, 1, 1));
	assert_false(rh_payload_sign(buf, 0, 1, 1));
	assert_memory_equal(buf, zero, sizeof(buf));
}

/* The example of issue 2: the reader asked for its own 34 bytes and got
 * another thread's 40. */
static void test_payload_names_whose_bytes_arrived(void **state)
{
	uint8_t buf[40];
	rh_prop_result r;

	assert_true(rh_payload_sign(buf, sizeof(buf), 6, 4));
	expect_fired(rh_payload_verify(buf, sizeof(buf), 0, 0, 34, &r), &r, RH_CORRUPTION,
		     "expected thread 0 op 0 (34 bytes), got thread 6 op 4 (40 bytes)");
}

/* Same owner, different length signed: a lost or misread content length. */
static void test_payload_fires_on_length_mismatch(void **state)
{
	uint8_t buf[64];
	rh_prop_result r;

	assert_true(rh_payload_sign(buf, 34, 0, 0));
	expect_fired(rh_payload_verify(buf, 34, 0, 0, 35, &r), &r, RH_CORRUPTION,
		     "expected thread 0 op 0 (35 bytes), got thread 0 op 0 (34 bytes)");
	memset(buf + 34, 0xab, sizeof(buf) - 34);
	expect_fired(rh_payload_verify(buf, 40, 0, 0, 34, &r), &r, RH_CORRUPTION,
		     "expected thread 0 op 0 (34 bytes), got thread 0 op 0 (34 bytes) "
		     "read as 40 bytes");
	expect_fired(rh_payload_verify(buf, 20, 0, 0, 34, &r), &r, RH_CORRUPTION,
		     "expected thread 0 op 0 (34 bytes), got thread 0 op 0 (34 bytes) "
		     "read as 20 bytes");
}

static void test_payload_torn_tail(void **state)
{
	uint8_t buf[40];
	rh_prop_result r;

	assert_true(rh_payload_sign(buf, sizeof(buf), 6, 4));
	for (size_t i = 17; i < sizeof(buf); i++)
		buf[i] = (uint8_t)~buf[i];
	expect_fired(rh_payload_verify(buf, sizeof(buf), 6, 4, 40, &r), &r, RH_CORRUPTION,
		     "expected thread 6 op 4 (40 bytes), got thread 6 op 4 (40 bytes) "
		     "torn at byte 17");
	expect_fired(rh_payload_verify(buf, sizeof(buf), 0, 0, 34, &r), &r, RH_CORRUPTION,
		     "expected thread 0 op 0 (34 bytes), got thread 6 op 4 (40 bytes) "
		     "torn at byte 17");
	expect_fired(rh_payload_verify(buf, 30, 6, 4, 40, &r), &r, RH_CORRUPTION,
		     "expected thread 6 op 4 (40 bytes), got thread 6 op 4 (40 bytes) "
		     "read as 30 bytes, torn at byte 17");
}

/* A tail that is another payload's body, the way a torn write mixes two. */
static void test_payload_tail_of_another_payload(void **state)
{
	uint8_t mine[64], theirs[64];
	rh_prop_result r;

	assert_true(rh_payload_sign(mine, sizeof(mine), 1, 2));
	assert_true(rh_payload_sign(theirs, sizeof(theirs), 1, 3));
	memcpy(mine + 32, theirs + 32, 32);
	expect_fired(rh_payload_verify(mine, sizeof(mine), 1, 2, 64, &r), &r, RH_CORRUPTION,
		     "expected thread 1 op 2 (64 bytes), got thread 1 op 2 (64 bytes) "
		     "torn at byte 32");
}

static void test_payload_unsigned_zeros(void **state)
{
	uint8_t buf[34] = { 0 };
	rh_prop_result r;

	expect_fired(rh_payload_verify(buf, sizeof(buf), 0, 0, 34, &r), &r, RH_CORRUPTION,
		     "expected thread 0 op 0 (34 bytes), got unsigned bytes (34 bytes: all zero)");
	expect_fired(rh_payload_verify(buf, 0, 0, 0, 34, &r), &r, RH_CORRUPTION,
		     "expected thread 0 op 0 (34 bytes), got unsigned bytes (0 bytes)");
}

static void test_payload_unsigned_garbage(void **state)
{
	uint8_t buf[34], small[3] = { 0xde, 0xad, 0x00 };
	rh_prop_result r;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(0xf0 + i);
	expect_fired(rh_payload_verify(buf, sizeof(buf), 2, 1, 34, &r), &r, RH_CORRUPTION,
		     "expected thread 2 op 1 (34 bytes), got unsigned bytes "
		     "(34 bytes: f0 f1 f2 f3 f4 f5 f6 f7 ...)");
	expect_fired(rh_payload_verify(small, sizeof(small), 2, 1, 34, &r), &r, RH_CORRUPTION,
		     "expected thread 2 op 1 (34 bytes), got unsigned bytes (3 bytes: de ad 00)");
}

/* Any single flipped byte is caught: in the header the payload no longer
 * decodes, in the body it is the byte reported. */
static void test_payload_every_byte_counts(void **state)
{
	uint8_t buf[64];
	rh_prop_result r;
	char want[128];
	unsigned t, o;
	size_t l;

	for (size_t i = 0; i < sizeof(buf); i++) {
		assert_true(rh_payload_sign(buf, sizeof(buf), 3, 7));
		buf[i] ^= 0x01;
		assert_false(rh_payload_verify(buf, sizeof(buf), 3, 7, 64, &r));
		assert_int_equal(r.kind, RH_CORRUPTION);
		if (i < RH_PAYLOAD_MIN) {
			assert_false(rh_payload_decode(buf, sizeof(buf), &t, &o, &l));
			continue;
		}
		snprintf(want, sizeof(want),
			 "expected thread 3 op 7 (64 bytes), got thread 3 op 7 (64 bytes) "
			 "torn at byte %zu",
			 i);
		assert_string_equal(r.msg, want);
	}
}

/* Neighbouring owners and lengths must not produce the same bytes. */
static void test_payload_owners_differ(void **state)
{
	uint8_t a[48], b[48];

	assert_true(rh_payload_sign(a, sizeof(a), 0, 1));
	assert_true(rh_payload_sign(b, sizeof(b), 1, 0));
	assert_memory_not_equal(a + RH_PAYLOAD_MIN, b + RH_PAYLOAD_MIN, 32);
	assert_true(rh_payload_sign(b, sizeof(b) - 1, 0, 1));
	assert_memory_not_equal(a + RH_PAYLOAD_MIN, b + RH_PAYLOAD_MIN, 31);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payload_round_trip),
		cmocka_unit_test(test_payload_sign_rejects_short),
		cmocka_unit_test(test_payload_names_whose_bytes_arrived),
		cmocka_unit_test(test_payload_fires_on_length_mismatch),
		cmocka_unit_test(test_payload_torn_tail),
		cmocka_unit_test(test_payload_tail_of_another_payload),
		cmocka_unit_test(test_payload_unsigned_zeros),
		cmocka_unit_test(test_payload_unsigned_garbage),
		cmocka_unit_test(test_payload_every_byte_counts),
		cmocka_unit_test(test_payload_owners_differ),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
