/* SPDX-License-Identifier: MIT */
/* Schedule strings of exec runs: a program and arguments of any bytes round
 * trip through one shell-safe field; malformed fields are refused. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "controlled/sched.h"

static char *const awkward[] = {"./my prog", "--name=a,b", "it's", "100%", "a:b", "", "\t\xc3\xa9", NULL};

static void test_schedule_exec_argv_round_trip(void **state)
{
	char *enc = rh_schedule_argv_encode(awkward);
	char **back;
	size_t n = 0;

	RH_ASSERT_NOT_NULL(enc);
	RH_ASSERT_NULL(strchr(enc, ':'));
	RH_ASSERT_NULL(strchr(enc, '\''));
	RH_ASSERT_NULL(strchr(enc, ' '));
	back = rh_schedule_argv_decode(enc, 64);
	RH_ASSERT_NOT_NULL(back);
	for (; awkward[n] != NULL; n++)
		RH_ASSERT_STR_EQ(back[n], awkward[n]);
	RH_ASSERT_NULL(back[n]);
	free(back);
	RH_ASSERT_NULL(rh_schedule_argv_decode(enc, n - 1)); /* more words than allowed */
	free(enc);
}

static void test_schedule_exec_argv_malformed(void **state)
{
	static const char *const bad[] = {"", ",x", "a%", "a%4", "a%zz", "a%00", "a b", "a;b", "a'b"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		RH_ASSERT_NULL(rh_schedule_argv_decode(bad[i], 64));
}

static void test_schedule_exec_round_trip(void **state)
{
	rh_dev devs[] = {{3, 1}, {9, 2}};
	rh_sched_spec sp = {.seed = 7, .index = 42, .devs = devs, .n_devs = 2, .choices = 12,
			    .fingerprint = 0x1234abcd, .program_hash = 0xfedcba9876543210ull,
			    .points = 2, .watchdog_ms = 3600000, .end = RH_END_FAILED,
			    .end_kind = RH_DEADLOCK};
	rh_sched_spec back;
	char err[256], *s;

	strcpy(sp.scenario, "exec");
	strcpy(sp.strategy, "dfs:2");
	sp.argv = rh_schedule_argv_encode(awkward);
	s = rh_schedule_format(&sp, err, sizeof(err));
	RH_ASSERT_NOT_NULL(s);
	RH_ASSERT_TRUE(rh_schedule_is_exec(s));
	RH_ASSERT_TRUE(rh_schedule_parse(s, &back, err, sizeof(err)));
	RH_ASSERT_STR_EQ(back.argv, sp.argv);
	RH_ASSERT_EQ(back.program_hash, sp.program_hash);
	RH_ASSERT_EQ(back.points, 2);
	RH_ASSERT_EQ(back.watchdog_ms, 3600000);
	RH_ASSERT_EQ(back.index, 42);
	RH_ASSERT_EQ(back.n_devs, 2);
	RH_ASSERT_EQ(back.devs[1].at, 9);
	RH_ASSERT_EQ(back.end_kind, RH_DEADLOCK);
	rh_schedule_spec_free(&back);
	free(s);
	free(sp.argv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule_exec_argv_round_trip),
		cmocka_unit_test(test_schedule_exec_argv_malformed),
		cmocka_unit_test(test_schedule_exec_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
