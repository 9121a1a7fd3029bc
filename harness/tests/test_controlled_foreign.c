/* SPDX-License-Identifier: MIT */
/* Controlled mode and threads racehunt did not start (issue 12 item 5): a
 * scenario thread that starts its own helper pthread, which calls a sync
 * point, is a one-line error and exit 3 (harness failure), never a segfault
 * inside the harness reported as a CRASH of a correct program. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

#include "campaign/campaign.h"
#include "campaign/trial_run.h"
#include "cli/campaign_options.h"
#include "controlled/controlled.h"
#include "racehunt/cli.h"
#include "racehunt/scenario.h"
#include "racehunt/sync.h"

struct helper_state {
	rh_mutex m;
	rh_atomic_u64 n;
};

static void *helper(void *arg)
{
	struct helper_state *s = arg;

	rh_mutex_lock(&s->m);
	rh_atomic_fetch_add(&s->n, 1, RH_RELAXED);
	rh_mutex_unlock(&s->m);
	return NULL;
}

static void *setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	struct helper_state *s = calloc(1, sizeof(*s));

	rh_mutex_init(&s->m, "m", 0);
	rh_atomic_init(&s->n, "n", 0);
	return s;
}

/* Thread 0 owns a helper pthread, as user code that keeps a background
 * flusher would. */
static void thread_body(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	struct helper_state *s = state;
	pthread_t th;

	rh_point("before the helper", tid);
	if (tid == 0 && pthread_create(&th, NULL, helper, s) == 0)
		pthread_join(th, NULL);
}

static void check(void *state, rh_trial *t)
{
}

static void teardown(void *state)
{
	struct helper_state *s = state;

	rh_mutex_destroy(&s->m);
	free(s);
}

static const rh_variant variants[] = {{"correct", RH_EXPECT_CLEAN, "a helper pthread"}};

static const rh_scenario helper_scenario = {
	.name = "test.helper_thread",
	.summary = "a scenario thread that starts its own pthread",
	.variants = variants,
	.n_variants = 1,
	.defaults = {.threads = 2, .ops = 1, .rounds = 1},
	.max_threads = 4,
	.setup = setup,
	.thread = thread_body,
	.check = check,
	.teardown = teardown,
};

/* Runs one controlled trial in a child with stderr into a pipe; returns the
 * child's wait status and what it wrote. */
static int run_child(char *out, size_t cap)
{
	int fd[2], status;
	ssize_t got, n = 0;
	pid_t pid;

	RH_ASSERT_EQ(pipe(fd), 0);
	pid = fork();
	RH_ASSERT_GE(pid, 0);
	if (pid == 0) {
		rh_params p = helper_scenario.defaults;
		char err[128];
		rh_explorer *x = rh_explorer_new("dfs:0", 1, err, sizeof(err));
		rh_trial *t = calloc(1, sizeof(*t));

		dup2(fd[1], STDERR_FILENO);
		close(fd[0]);
		rh_trial_init(t, &helper_scenario, 0, &p, 1, 0);
		rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, x);
		_exit(0);
	}
	close(fd[1]);
	while (n + 1 < (ssize_t)cap && (got = read(fd[0], out + n, cap - 1 - (size_t)n)) > 0)
		n += got;
	out[n] = '\0';
	close(fd[0]);
	RH_ASSERT_EQ(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_controlled_foreign_thread_is_one_line_exit_3(void **unused)
{
	char out[1024];
	int status = run_child(out, sizeof(out));

	RH_ASSERT_TRUE(WIFEXITED(status));
	RH_ASSERT_EQ(WEXITSTATUS(status), RH_EXIT_HARNESS);
	RH_ASSERT_STR_EQ(out, "racehunt: rh_mutex_lock called from a thread racehunt did not "
			      "start: controlled mode runs only the scenario's own threads (not a "
			      "helper pthread it creates); run it with --mode stress\n");
}

/* Through a campaign (trials in a child process): a harness failure with
 * its reason, not a CRASH of the variant. */
static void test_controlled_foreign_thread_campaign_harness_failure(void **unused)
{
	rh_campaign c;
	rh_result *r = calloc(1, sizeof(*r));
	int rc;

	rh_campaign_defaults(&c, &helper_scenario, 0);
	c.mode = RH_MODE_CONTROLLED;
	c.strategy = "pct:3";
	RH_ASSERT_EQ(rh_campaign_finish(&c, true), 0);
	c.trials = 3;
	c.quiet = true;
	rc = rh_campaign_run(&c, r);
	RH_ASSERT_EQ(rc, RH_EXIT_HARNESS);
	RH_ASSERT_TRUE(r->harness_failed);
	RH_ASSERT_CONTAINS(r->harness_error, "harness error");
	RH_ASSERT_EQ(r->hist[RH_CRASH], 0);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controlled_foreign_thread_is_one_line_exit_3),
		cmocka_unit_test(test_controlled_foreign_thread_campaign_harness_failure),
	};

	rh_scenario_register(&helper_scenario);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
