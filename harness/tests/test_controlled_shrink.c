/* SPDX-License-Identifier: MIT */
/* Shrinking keeps the bug (issue 12 item 8): a candidate counts only when it
 * fails with the same kind and the same signature (the message with numbers
 * masked). A 3-thread HANG on a mutex whose holder died must not shrink to a
 * 1-thread reader spinning for a writer that is not there, though that too
 * is a HANG. */
#include <stdio.h>
#include <stdlib.h>

#include "test.h"

#include "campaign/shrink.h"
#include "controlled_support.h"
#include "campaign/trial_run.h"
#include "controlled/sched.h"
#include "core/registry.h"
#include "racehunt/scenario.h"
#include "racehunt/sync.h"

struct state {
	rh_mutex m;
	rh_atomic_u64 written;
	unsigned threads;
};

static void *setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	struct state *s = calloc(1, sizeof(*s));

	rh_mutex_init(&s->m, "M", 0);
	rh_atomic_init(&s->written, "written", 0);
	s->threads = p->threads;
	return s;
}

/* The last thread is the writer: it takes M and dies holding it. The others
 * wait for M; alone, thread 0 is a reader that spins for the write. */
static void body(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	struct state *s = state;

	if (s->threads == 1) {
		while (rh_atomic_load(&s->written, RH_ACQUIRE) == 0)
			;
		return;
	}
	rh_mutex_lock(&s->m);
	if (tid == s->threads - 1)
		rh_thread_die();
	rh_mutex_unlock(&s->m);
}

static void check(void *state, rh_trial *t)
{
}

static void teardown(void *state)
{
	free(state);
}

static const rh_variant variants[] = {{"buggy", RH_EXPECT_DETECTED, "writer dies in M"}};

static const rh_scenario died = {
	.name = "test.died_holding",
	.summary = "a writer dies holding the mutex the others wait for",
	.variants = variants,
	.n_variants = 1,
	.defaults = {.threads = 3, .ops = 1, .rounds = 1},
	.max_threads = 8,
	.setup = setup,
	.thread = body,
	.check = check,
	.teardown = teardown,
};

/* The schedule string of the first failing dfs:1 run of 3 threads. */
static char *found(void)
{
	rh_params p = died.defaults;
	rh_trial *t = calloc(1, sizeof(*t));
	char err[128], *s = NULL;
	rh_explorer *x = rh_explorer_new("dfs:1", 1, err, sizeof(err));

	for (uint64_t i = 0; s == NULL && i < 50; i++) {
		rh_trial_init(t, &died, 0, &p, 1, i);
		RH_ASSERT_TRUE(rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, x));
		if (rh_trial_failed(t)) {
			RH_ASSERT_EQ(rh_trial_first_kind(t), RH_HANG);
			RH_ASSERT_CONTAINS(rh_trial_first_msg(t), "which died holding it");
			s = strdup(rh_explorer_schedule(x, &died, 0, &p));
		}
		rh_trial_fini(t);
	}
	free(t);
	rh_explorer_free(x);
	RH_ASSERT_NOT_NULL(s);
	return s;
}

static void test_controlled_shrink_keeps_kind_and_signature(void **unused)
{
	char *s = found(), *shrunk, *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);
	rh_sched_spec sp;
	char err[256];

	shrunk = rh_controlled_shrink(s, f);
	fclose(f);
	RH_ASSERT_NOT_NULL(shrunk);
	RH_ASSERT_TRUE(rh_schedule_parse(shrunk, &sp, err, sizeof(err)));
	/* Two threads: one dies holding M, the other waits. Not one. */
	RH_ASSERT_EQ(sp.params.threads, 2);
	RH_ASSERT_CONTAINS(out, "threads 3 -> 2");
	RH_ASSERT_CONTAINS(out, "kept the failure's kind and signature (HANG, 'T# waits for "
				"mutex M held by T#, which died holding it (rh_thread_die)'): "
				"T0 waits for mutex M held by T1, which died holding it");
	RH_ASSERT_NOT_CONTAINS(out, "no end after");
	rh_schedule_spec_free(&sp);
	free(shrunk);
	free(out);
	free(s);
}

static void test_controlled_shrink_keeps_kind_and_drops_threads(void **state)
{
	struct outcome o = explore(&count, 0, params(6, 4, 2), "random", 5, 50);
	rh_sched_spec sp;
	char err[256], *shrunk;
	bool failed;
	rh_kind kind;
	FILE *null = fopen("/dev/null", "w");

	RH_ASSERT_NOT_NULL(o.schedule);
	shrunk = rh_controlled_shrink(o.schedule, null);
	fclose(null);
	RH_ASSERT_NOT_NULL(shrunk);
	RH_ASSERT_TRUE(rh_schedule_parse(shrunk, &sp, err, sizeof(err)));
	RH_ASSERT_EQ(sp.params.threads, 2);
	RH_ASSERT_EQ(sp.params.ops, 1);
	RH_ASSERT_EQ(sp.params.rounds, 1);
	RH_ASSERT_LE(sp.n_devs, 1);
	free(replay(shrunk, &failed, &kind));
	RH_ASSERT_TRUE(failed);
	RH_ASSERT_EQ(kind, RH_LOST_UPDATE);
	rh_schedule_spec_free(&sp);
	free(shrunk);
	free(o.schedule);
}

static void test_controlled_shrink_survives_candidates_that_crash(void **state)
{
	struct outcome o = explore(&count, 2, params(4, 2, 1), "random", 5, 50);
	rh_sched_spec sp;
	char err[256], *shrunk;

	RH_ASSERT_NOT_NULL(o.schedule);
	shrunk = rh_controlled_shrink(o.schedule, NULL);
	RH_ASSERT_NOT_NULL(shrunk);
	RH_ASSERT_TRUE(rh_schedule_parse(shrunk, &sp, err, sizeof(err)));
	RH_ASSERT_EQ(sp.params.threads, 3);
	RH_ASSERT_EQ(sp.params.ops, 1);
	rh_schedule_spec_free(&sp);
	free(shrunk);
	free(o.schedule);
}

static void test_controlled_shrink_of_clean_run_is_null(void **state)
{
	char *s = one_run_schedule(&count, 1, params(2, 1, 1), "random");

	RH_ASSERT_NULL(rh_controlled_shrink(s, NULL));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controlled_shrink_keeps_kind_and_signature),
		cmocka_unit_test(test_controlled_shrink_keeps_kind_and_drops_threads),
		cmocka_unit_test(test_controlled_shrink_survives_candidates_that_crash),
		cmocka_unit_test(test_controlled_shrink_of_clean_run_is_null),
	};

	rh_scenario_register(&died);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
