/* SPDX-License-Identifier: MIT */
/* core/replay_command: the one replay line, quoted for a POSIX shell. */
#include "test.h"

#include "core/replay_command.h"
#include "core/util.h"

static void test_replay_command_quotes_the_schedule(void **state)
{
	char buf[128];

	rh_program = "racehunt";
	RH_ASSERT_STR_EQ(rh_replay_command(buf, sizeof(buf), "rh1:offset.collide:buggy:x"),
			 "racehunt replay 'rh1:offset.collide:buggy:x'");
	RH_ASSERT_STR_EQ(rh_replay_command(buf, sizeof(buf), "it's"),
			 "racehunt replay 'it'\\''s'");
}

static void test_replay_command_cut_to_the_buffer(void **state)
{
	char buf[20];

	rh_program = "racehunt";
	rh_replay_command(buf, sizeof(buf), "rh1:a-very-long-schedule-string");
	RH_ASSERT_STR_EQ(buf, "racehunt replay 'r'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_command_quotes_the_schedule),
		cmocka_unit_test(test_replay_command_cut_to_the_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
