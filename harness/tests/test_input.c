/* SPDX-License-Identifier: MIT */
/* The fuzz input reader: values, bounds, and what happens past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "racehunt/input.h"

static void test_input_u8_reads_in_order_then_zero(void **state)
{
	static const uint8_t bytes[] = {7, 255};
	rh_input in;

	rh_input_init(&in, bytes, sizeof(bytes));
	assert_int_equal(rh_input_remaining(&in), 2);
	assert_int_equal(rh_input_u8(&in), 7);
	assert_int_equal(rh_input_u8(&in), 255);
	assert_int_equal(rh_input_remaining(&in), 0);
	assert_int_equal(rh_input_u8(&in), 0);
	assert_int_equal(rh_input_remaining(&in), 0);
}

static void test_input_u32_is_little_endian_and_zero_filled(void **state)
{
	static const uint8_t bytes[] = {0x78, 0x56, 0x34, 0x12, 0xaa, 0xbb};
	rh_input in;

	rh_input_init(&in, bytes, sizeof(bytes));
	assert_int_equal(rh_input_u32(&in), 0x12345678u);
	/* Two bytes left: the missing high bytes read as 0. */
	assert_int_equal(rh_input_u32(&in), 0xbbaau);
	assert_int_equal(rh_input_u32(&in), 0);
}

static void test_input_choice_stays_below_n_for_every_byte(void **state)
{
	for (uint32_t n = 2; n <= 300; n++)
		for (unsigned b = 0; b < 256; b++) {
			uint8_t bytes[2] = {(uint8_t)b, (uint8_t)(b * 7)};
			rh_input in;

			rh_input_init(&in, bytes, sizeof(bytes));
			uint32_t v = rh_input_choice(&in, n);
			if (v >= n)
				fail_msg("choice(%u) gave %u for byte %u", n, v, b);
		}
}

static void test_input_choice_uses_one_byte_up_to_256(void **state)
{
	static const uint8_t bytes[] = {5, 1, 2, 3};
	rh_input in;

	rh_input_init(&in, bytes, sizeof(bytes));
	assert_int_equal(rh_input_choice(&in, 256), 5);
	assert_int_equal(rh_input_remaining(&in), 3);
	/* 257 needs a second byte: (1 << 8 | 2) mod 257. */
	assert_int_equal(rh_input_choice(&in, 257), (1 << 8 | 2) % 257);
	assert_int_equal(rh_input_remaining(&in), 1);
}

static void test_input_choice_covers_every_value_of_small_n(void **state)
{
	unsigned seen = 0;

	for (unsigned b = 0; b < 256; b++) {
		uint8_t byte = (uint8_t)b;
		rh_input in;

		rh_input_init(&in, &byte, 1);
		seen |= 1u << rh_input_choice(&in, 5);
	}
	assert_int_equal(seen, 0x1f);
}

static void test_input_choice_of_one_consumes_nothing(void **state)
{
	static const uint8_t bytes[] = {9};
	rh_input in;

	rh_input_init(&in, bytes, sizeof(bytes));
	assert_int_equal(rh_input_choice(&in, 1), 0);
	assert_int_equal(rh_input_choice(&in, 0), 0);
	assert_int_equal(rh_input_remaining(&in), 1);
}

static void test_input_exhausted_choice_is_zero(void **state)
{
	rh_input in;

	rh_input_init(&in, NULL, 0);
	assert_int_equal(rh_input_choice(&in, 10), 0);
	assert_int_equal(rh_input_choice(&in, 100000), 0);
	assert_int_equal(rh_input_range(&in, 2, 4), 2);
}

static void test_input_range_is_inclusive(void **state)
{
	unsigned seen = 0;

	for (unsigned b = 0; b < 256; b++) {
		uint8_t byte = (uint8_t)b;
		rh_input in;

		rh_input_init(&in, &byte, 1);
		uint32_t v = rh_input_range(&in, 2, 4);
		assert_in_range(v, 2, 4);
		seen |= 1u << v;
	}
	assert_int_equal(seen, 0x1c);
	{
		static const uint8_t full[] = {1, 0, 0, 0x80};
		rh_input in;

		rh_input_init(&in, full, sizeof(full));
		assert_int_equal(rh_input_range(&in, 0, UINT32_MAX), 0x80000001u);
	}
}

static void test_input_rest_hands_over_unread_bytes(void **state)
{
	static const uint8_t bytes[] = {1, 2, 3};
	const uint8_t *rest;
	size_t len;
	rh_input in;

	rh_input_init(&in, bytes, sizeof(bytes));
	rh_input_u8(&in);
	rh_input_rest(&in, &rest, &len);
	assert_int_equal(len, 2);
	assert_ptr_equal(rest, bytes + 1);
	assert_int_equal(rh_input_remaining(&in), 0);
	rh_input_rest(&in, &rest, &len);
	assert_int_equal(len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_input_u8_reads_in_order_then_zero),
		cmocka_unit_test(test_input_u32_is_little_endian_and_zero_filled),
		cmocka_unit_test(test_input_choice_stays_below_n_for_every_byte),
		cmocka_unit_test(test_input_choice_uses_one_byte_up_to_256),
		cmocka_unit_test(test_input_choice_covers_every_value_of_small_n),
		cmocka_unit_test(test_input_choice_of_one_consumes_nothing),
		cmocka_unit_test(test_input_exhausted_choice_is_zero),
		cmocka_unit_test(test_input_range_is_inclusive),
		cmocka_unit_test(test_input_rest_hands_over_unread_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
