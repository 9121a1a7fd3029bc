/* SPDX-License-Identifier: MIT */
/* Replaying schedule strings: exact, byte-identical, and the replay
 * command's exit status. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "campaign/campaign.h"
#include "campaign/shrink.h"
#include "campaign/trial_run.h"
#include "cli/replay.h"
#include "controlled/sched.h"
#include "controlled_support.h"
#include "core/registry.h"
#include "racehunt/sync.h"

static int run_cmd(int (*cmd)(int, char **), const char *name, const char *arg)
{
	char *argv[] = {"racehunt", (char *)name, (char *)arg, NULL};
	FILE *saved = stdout;
	int rc;

	/* The commands print traces; keep the test log readable. */
	stdout = fopen("/dev/null", "w");
	rc = cmd(3, argv);
	fclose(stdout);
	stdout = saved;
	return rc;
}

static void test_controlled_replay_is_exact_and_byte_identical(void **state)
{
	struct outcome o = explore(&count, 0, params(3, 2, 1), "pct:3", 3, 50);
	bool failed;
	rh_kind kind;
	char *first;

	RH_ASSERT_NOT_NULL(o.schedule);
	first = replay(o.schedule, &failed, &kind);
	RH_ASSERT_TRUE(failed);
	RH_ASSERT_EQ(kind, o.kind);
	for (int i = 0; i < 20; i++) {
		char *again = replay(o.schedule, &failed, &kind);

		RH_ASSERT_TRUE(failed);
		RH_ASSERT_STR_EQ(again, first);
		free(again);
	}
	RH_ASSERT_CONTAINS(first, "T1 ");
	free(first);
	free(o.schedule);
}

static void test_controlled_replay_command_exit_status(void **state)
{
	struct outcome bad = explore(&abba, 0, params(2, 1, 1), "dfs:1", 1, 1000);
	struct outcome good;
	rh_sched_spec sp;
	char err[256], *unknown;

	RH_ASSERT_NOT_NULL(bad.schedule);
	RH_ASSERT_EQ(run_cmd(rh_cmd_replay, "replay", bad.schedule), 1);
	good.schedule = one_run_schedule(&abba, 1, params(2, 1, 1), "random");
	RH_ASSERT_EQ(run_cmd(rh_cmd_replay, "replay", good.schedule), 0);
	RH_ASSERT_EQ(run_cmd(rh_cmd_replay, "replay", "garbage"), 2);
	bad.schedule[strlen(bad.schedule) - 3] ^= 1;
	RH_ASSERT_EQ(run_cmd(rh_cmd_replay, "replay", bad.schedule), 2);
	/* Valid string, unknown scenario. */
	bad.schedule[strlen(bad.schedule) - 3] ^= 1;
	RH_ASSERT_TRUE(rh_schedule_parse(bad.schedule, &sp, err, sizeof(err)));
	strcpy(sp.scenario, "t.nosuch");
	unknown = rh_schedule_format(&sp, err, sizeof(err));
	RH_ASSERT_EQ(run_cmd(rh_cmd_replay, "replay", unknown), 2);
	/* Valid string that the code no longer follows: a choice for a thread
	 * that cannot run there. */
	sp.devs[0].at = sp.choices - 1;
	strcpy(sp.scenario, "t.abba");
	free(unknown);
	unknown = rh_schedule_format(&sp, err, sizeof(err));
	RH_ASSERT_EQ(run_cmd(rh_cmd_replay, "replay", unknown), 2);
	free(unknown);
	rh_schedule_spec_free(&sp);
	free(bad.schedule);
	free(good.schedule);
}

static void test_controlled_busy_wait_replays(void **state)
{
	char *s = one_run_schedule(&spin, 0, params(2, 1, 1), "dfs:0");
	rh_sched_spec sp;
	char err[128];
	bool failed;
	rh_kind kind;

	/* Thread 0 spun until the fairness switch, which the replay makes
	 * again by itself: no deviation recorded. */
	RH_ASSERT_TRUE(rh_schedule_parse(s, &sp, err, sizeof(err)));
	RH_ASSERT_EQ(sp.n_devs, 0);
	free(replay(s, &failed, &kind));
	RH_ASSERT_FALSE(failed);
	rh_schedule_spec_free(&sp);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controlled_replay_is_exact_and_byte_identical),
		cmocka_unit_test(test_controlled_replay_command_exit_status),
		cmocka_unit_test(test_controlled_busy_wait_replays),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
