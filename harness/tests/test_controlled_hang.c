/* SPDX-License-Identifier: MIT */
/* A controlled HANG (issue 12 item 7): a livelock runs to the step limit,
 * 2,000,000 steps. Its trace shows each thread's last steps and where each
 * spins, not every step (65 MB); the full trace stays available; its
 * schedule string stays short (fairness switches replay by themselves). */
#include <stdio.h>
#include <stdlib.h>

#include "test.h"

#include "campaign/trial_run.h"
#include "controlled/sched.h"
#include "racehunt/scenario.h"
#include "racehunt/sync.h"

struct flags {
	rh_atomic_u64 a, b;
};

static void *setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	struct flags *f = calloc(1, sizeof(*f));

	rh_atomic_init(&f->a, "a", 0);
	rh_atomic_init(&f->b, "b", 0);
	return f;
}

/* Each waits for the other's flag before setting its own: nobody blocks,
 * nobody gets anywhere. */
static void spin(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	struct flags *f = state;

	while (rh_atomic_load(tid ? &f->a : &f->b, RH_ACQUIRE) == 0)
		;
	rh_atomic_store(tid ? &f->b : &f->a, 1, RH_RELEASE);
}

static void check(void *state, rh_trial *t)
{
}

static void teardown(void *state)
{
	free(state);
}

static const rh_variant variants[] = {{"livelock", RH_EXPECT_DETECTED, "two spinners"}};

static const rh_scenario livelock = {
	.name = "test.livelock",
	.summary = "two threads each spinning on the other's flag",
	.variants = variants,
	.n_variants = 1,
	.defaults = {.threads = 2, .ops = 1, .rounds = 1},
	.max_threads = 2,
	.setup = setup,
	.thread = spin,
	.check = check,
	.teardown = teardown,
};

static rh_explorer *x;

static int run_livelock(void **state)
{
	rh_params p = livelock.defaults;
	rh_trial *t = calloc(1, sizeof(*t));
	char err[128];

	x = rh_explorer_new("dfs:0", 1, err, sizeof(err));
	rh_trial_init(t, &livelock, 0, &p, 1, 0);
	rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, x);
	*state = t;
	return 0;
}

static int free_livelock(void **state)
{
	rh_trial_fini(*state);
	free(*state);
	rh_explorer_free(x);
	return 0;
}

static char *print(void (*fn)(rh_explorer *, FILE *), size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	fn(x, f);
	fclose(f);
	return buf;
}

static void test_controlled_hang_trace_shows_tails_and_spins(void **state)
{
	rh_trial *t = *state;
	size_t len;
	char *out;

	RH_ASSERT_EQ(rh_trial_first_kind(t), RH_HANG);
	RH_ASSERT_CONTAINS(rh_trial_first_msg(t), "no end after 2000000 scheduling steps");
	out = print(rh_explorer_print_trace, &len);
	RH_ASSERT_LT(len, 4096);
	RH_ASSERT_CONTAINS(out, "; 2000000 steps,");
	RH_ASSERT_CONTAINS(out, "(each thread's last 8 steps and where it spins; --full-trace "
				"prints all 1999998 lines)\n");
	RH_ASSERT_CONTAINS(out, "  T0: 999999 steps, spinning from step 1 on: 999999 steps "
				"round a loop of 1 (load b=0)\n");
	RH_ASSERT_CONTAINS(out, "  T1: 999999 steps, spinning from step 1000 on: 999999 steps "
				"round a loop of 1 (load a=0)\n");
	RH_ASSERT_CONTAINS(out, "1998998 | T0 load b=0\n   ... |\n1999991 |");
	RH_ASSERT_CONTAINS(out, "1999998 |              T1 load a=0\n");
	free(out);
}

static void test_controlled_hang_full_trace_has_every_step(void **state)
{
	size_t len, lines = 0;
	char *out = print(rh_explorer_print_full_trace, &len);

	for (size_t i = 0; i < len; i++)
		lines += out[i] == '\n';
	RH_ASSERT_EQ(lines, 2 + 1999998);
	free(out);
}

static void test_controlled_hang_schedule_string_short(void **state)
{
	const char *s = rh_explorer_schedule(x, &livelock, 0, &livelock.defaults);

	RH_ASSERT_LT(strlen(s), 120);
	RH_ASSERT_CONTAINS(s, ":dfs-0:-:n2000000");
}

/* Without the fairness switches in it, the string still replays strictly. */
static void test_controlled_hang_short_schedule_replays(void **state)
{
	const char *s = rh_explorer_schedule(x, &livelock, 0, &livelock.defaults);
	rh_trial *t = calloc(1, sizeof(*t));
	rh_sched_spec sp;
	rh_explorer *r;
	char err[256];

	RH_ASSERT_TRUE(rh_schedule_parse(s, &sp, err, sizeof(err)));
	r = rh_explorer_choices(&sp, true);
	rh_trial_init(t, &livelock, 0, &sp.params, sp.seed, sp.index);
	RH_ASSERT_TRUE(rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, r));
	RH_ASSERT_NULL(rh_explorer_diverged(r));
	RH_ASSERT_EQ(rh_trial_first_kind(t), RH_HANG);
	rh_trial_fini(t);
	free(t);
	rh_explorer_free(r);
	rh_schedule_spec_free(&sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controlled_hang_trace_shows_tails_and_spins),
		cmocka_unit_test(test_controlled_hang_full_trace_has_every_step),
		cmocka_unit_test(test_controlled_hang_schedule_string_short),
		cmocka_unit_test(test_controlled_hang_short_schedule_replays),
	};

	return cmocka_run_group_tests(tests, run_livelock, free_livelock);
}
