/* SPDX-License-Identifier: MIT */
/* Campaigns: limits of a workload and of a trial range, result files written
 * whole, and a first violation that does not reproduce alone said so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "campaign/campaign.h"
#include "cli/campaign_options.h"
#include "core/atomic_file.h"
#include "core/limits.h"
#include "racehunt/sync.h"
#include "test.h"

static const rh_variant variants[] = {{"v", RH_EXPECT_CLEAN, "test"}};

/* A scenario with a global its setup never resets: trial 3 of a process
 * fails, the same schedule alone never does. */
static unsigned leaked;
static int state_token;

static void *leaky_setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	leaked++;
	return &state_token;
}

static void leaky_thread(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	rh_point("step", tid);
	rh_point("step", tid);
}

static void leaky_check(void *state, rh_trial *t)
{
	if (leaked == 3)
		rh_violation(t, RH_INVARIANT, "the third trial of this process");
}

static void leaky_teardown(void *state)
{
}

static const rh_scenario leaky = {
	.name = "t.leaky",
	.variants = variants,
	.n_variants = 1,
	.defaults = {.threads = 2, .ops = 1, .rounds = 1, .size = 1},
	.setup = leaky_setup,
	.thread = leaky_thread,
	.check = leaky_check,
	.teardown = leaky_teardown,
	.limits = {.max_ops = 100, .max_rounds = 10, .max_size = 5},
};

static void test_campaign_limits_name_the_one_exceeded(void **state)
{
	char err[512];
	rh_params p = {.threads = 2, .ops = 50, .rounds = 1, .size = 5};

	RH_ASSERT_TRUE(rh_params_fit(&leaky, &p, err, sizeof(err)));
	p.ops = 51;
	RH_ASSERT_FALSE(rh_params_fit(&leaky, &p, err, sizeof(err)));
	RH_ASSERT_CONTAINS(err, "at most 100 operations per trial");
	p = (rh_params){.threads = 2, .ops = 65536, .rounds = 10, .size = 1};
	RH_ASSERT_FALSE(rh_params_fit(&leaky, &p, err, sizeof(err)));
	/* 32-bit products would wrap: 65536 x 65536 x 2 is 0 mod 2^32. */
	p = (rh_params){.threads = 2, .ops = 65536, .rounds = 65536, .size = 1};
	RH_ASSERT_FALSE(rh_params_fit(&leaky, &p, err, sizeof(err)));
	RH_ASSERT_CONTAINS(err, "--rounds 65536 is over the limit");
	p = (rh_params){.threads = 1, .ops = 1, .rounds = 1, .size = 6};
	RH_ASSERT_FALSE(rh_params_fit(&leaky, &p, err, sizeof(err)));
	RH_ASSERT_CONTAINS(err, "--size 6");
	p.size = 5;
	p.threads = 0;
	RH_ASSERT_FALSE(rh_params_fit(&leaky, &p, err, sizeof(err)));
}

static void test_campaign_trial_range_never_wraps(void **state)
{
	char err[256];

	RH_ASSERT_TRUE(rh_trials_fit(0, RH_TRIAL_INDEX_MAX, err, sizeof(err)));
	RH_ASSERT_TRUE(rh_trials_fit(RH_TRIAL_INDEX_MAX - 1, 1, err, sizeof(err)));
	RH_ASSERT_FALSE(rh_trials_fit(RH_TRIAL_INDEX_MAX, 1, err, sizeof(err)));
	RH_ASSERT_FALSE(rh_trials_fit(UINT64_MAX, 1, err, sizeof(err)));
	RH_ASSERT_FALSE(rh_trials_fit(1, UINT64_MAX, err, sizeof(err)));
}

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = 0;
	return buf;
}

static void test_campaign_atomic_file_keeps_the_old_until_commit(void **state)
{
	char path[] = "/tmp/rh-test-atomic-XXXXXX", err[256];
	rh_atomic_file af;
	int fd = mkstemp(path);

	RH_ASSERT_GE(fd, 0);
	RH_ASSERT_EQ(write(fd, "old\n", 4), 4);
	close(fd);
	RH_ASSERT_TRUE(rh_atomic_file_open(&af, path, err, sizeof(err)));
	fputs("new, half", af.f);
	RH_ASSERT_STR_EQ(slurp(path), "old\n");
	rh_atomic_file_abort(&af);
	RH_ASSERT_STR_EQ(slurp(path), "old\n");
	RH_ASSERT_TRUE(rh_atomic_file_open(&af, path, err, sizeof(err)));
	fputs("new\n", af.f);
	RH_ASSERT_TRUE(rh_atomic_file_commit(&af, err, sizeof(err)));
	RH_ASSERT_STR_EQ(slurp(path), "new\n");
	unlink(path);
	/* A device is written in place, and a failed write is a failed commit. */
	RH_ASSERT_TRUE(rh_atomic_file_open(&af, "/dev/full", err, sizeof(err)));
	fputs("x", af.f);
	RH_ASSERT_FALSE(rh_atomic_file_commit(&af, err, sizeof(err)));
	RH_ASSERT_CONTAINS(err, "/dev/full");
}

static void test_campaign_leaked_state_is_said_not_replayed(void **state)
{
	rh_campaign c;
	rh_result *r = malloc(sizeof(*r));
	FILE *saved = stdout;

	RH_ASSERT_NOT_NULL(r);
	rh_campaign_defaults(&c, &leaky, 0);
	c.mode = RH_MODE_CONTROLLED;
	c.strategy = "random";
	c.trials = 5;
	c.quiet = true;
	c.stop_on_first = true;
	stdout = fopen("/dev/null", "w");
	RH_ASSERT_EQ(rh_campaign_run(&c, r), 1);
	fclose(stdout);
	stdout = saved;
	RH_ASSERT_TRUE(r->have_first);
	RH_ASSERT_EQ(r->first.trial, 2);
	RH_ASSERT_CONTAINS(r->not_alone, "state leaked between trials");
	/* The command that does fail: the campaign up to that trial. */
	RH_ASSERT_CONTAINS(r->first.replay, "--trials 3 --no-fork");
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_campaign_limits_name_the_one_exceeded),
		cmocka_unit_test(test_campaign_trial_range_never_wraps),
		cmocka_unit_test(test_campaign_atomic_file_keeps_the_old_until_commit),
		cmocka_unit_test(test_campaign_leaked_state_is_said_not_replayed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
