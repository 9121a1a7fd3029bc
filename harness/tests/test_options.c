/* Option parsing: numbers are taken whole or refused, never half-read. */

#include "test.h"

#include "cli/options.h"

static void test_options_parse_u64_accepts_whole_numbers_in_range(void **state)
{
	uint64_t v = 0;

	RH_ASSERT_TRUE(rh_parse_u64("0", 0, 10, &v));
	RH_ASSERT_EQ(v, 0);
	RH_ASSERT_TRUE(rh_parse_u64("10", 0, 10, &v));
	RH_ASSERT_EQ(v, 10);
	RH_ASSERT_TRUE(rh_parse_u64("18446744073709551615", 0, UINT64_MAX, &v));
	RH_ASSERT_EQ(v, UINT64_MAX);
}

static void test_options_parse_u64_rejects_everything_else(void **state)
{
	uint64_t v = 42;

	RH_ASSERT_FALSE(rh_parse_u64("", 0, 10, &v));
	RH_ASSERT_FALSE(rh_parse_u64("11", 0, 10, &v));
	RH_ASSERT_FALSE(rh_parse_u64("0", 1, 10, &v));
	RH_ASSERT_FALSE(rh_parse_u64("-1", 0, 10, &v));
	RH_ASSERT_FALSE(rh_parse_u64("+1", 0, 10, &v));
	RH_ASSERT_FALSE(rh_parse_u64(" 1", 0, 10, &v));
	RH_ASSERT_FALSE(rh_parse_u64("1x", 0, 10, &v));
	RH_ASSERT_FALSE(rh_parse_u64("0x10", 0, 100, &v));
	RH_ASSERT_FALSE(rh_parse_u64("18446744073709551616", 0, UINT64_MAX, &v));
	RH_ASSERT_FALSE(rh_parse_u64(NULL, 0, 10, &v));
	RH_ASSERT_EQ(v, 42);
}

static void test_options_parse_seconds(void **state)
{
	double s = 0;

	RH_ASSERT_TRUE(rh_parse_seconds("1.5", &s));
	RH_ASSERT_DBL_EQ(s, 1.5);
	RH_ASSERT_FALSE(rh_parse_seconds("0", &s));
	RH_ASSERT_FALSE(rh_parse_seconds("-3", &s));
	RH_ASSERT_FALSE(rh_parse_seconds("3s", &s));
	RH_ASSERT_FALSE(rh_parse_seconds("nan", &s));
	RH_ASSERT_FALSE(rh_parse_seconds("", &s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_parse_u64_accepts_whole_numbers_in_range),
		cmocka_unit_test(test_options_parse_u64_rejects_everything_else),
		cmocka_unit_test(test_options_parse_seconds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
