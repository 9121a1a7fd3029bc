/* SPDX-License-Identifier: MIT */
/* Scenarios that misbehave towards the harness on purpose, for the hostile
 * tests of issue 12; built only into racehunt-hostile, never into racehunt.
 *
 *   hostile.leaky     a global that setup() does not reset: the second trial
 *                     of a process fails, so the failure does not replay alone
 *   hostile.leftover  a thread the scenario starts and leaves behind holding
 *                     stdout's lock: the trial process hangs after its trials,
 *                     in its own flush
 *   hostile.noisy     the counter race of testonly.counter, each trial writing
 *                     a token of its own to stderr and stdout */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "racehunt/scenario.h"
#include "racehunt/sync.h"

/* A shared dummy state: these scenarios keep what matters elsewhere. */
static void *none_setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	return malloc(1);
}

static void one_point(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	rh_point("step", tid);
}

static void none_teardown(void *state)
{
	free(state);
}

/* Process-wide on purpose: the state setup() forgets to reset. */
static unsigned leaky_trials;

static void *leaky_setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	leaky_trials++;
	return none_setup(p, variant, t);
}

static void leaky_check(void *state, rh_trial *t)
{
	if (leaky_trials == 2)
		rh_violation(t, RH_INVARIANT, "the second trial of this process sees state the "
					      "first one left");
}

static const rh_variant leaky_variants[] = {
	{"leaky", RH_EXPECT_DETECTED, "counts trials in a global setup() does not reset"},
};

static const rh_scenario hostile_leaky = {
	.name = "hostile.leaky",
	.summary = "a global setup() does not reset (fails only after another trial)",
	.variants = leaky_variants,
	.n_variants = 1,
	.defaults = {.threads = 2, .ops = 1, .rounds = 1, .size = 0},
	.max_threads = 4,
	.setup = leaky_setup,
	.thread = one_point,
	.check = leaky_check,
	.teardown = none_teardown,
};

RH_SCENARIO(hostile_leaky)

static atomic_int leftover_holds;

static void *hold_stdout(void *arg)
{
	flockfile(stdout);
	atomic_store(&leftover_holds, 1);
	for (;;)
		pause();
	return arg;
}

/* Thread 0 of the first trial starts the helper and waits until it holds
 * the lock, so the hang does not depend on timing. */
static void leftover_thread(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	static bool started;
	pthread_t helper;

	rh_point("step", tid);
	if (tid != 0 || started)
		return;
	started = true;
	if (pthread_create(&helper, NULL, hold_stdout, NULL) != 0) {
		rh_trial_error(t, "cannot start the helper thread");
		return;
	}
	pthread_detach(helper);
	while (!atomic_load(&leftover_holds))
		sched_yield();
}

static void no_check(void *state, rh_trial *t)
{
}

static const rh_variant leftover_variants[] = {
	{"held", RH_EXPECT_CLEAN, "leaves a thread behind holding stdout's lock"},
};

static const rh_scenario hostile_leftover = {
	.name = "hostile.leftover",
	.summary = "a thread left behind holds stdout's lock (the process hangs after trials)",
	.variants = leftover_variants,
	.n_variants = 1,
	.defaults = {.threads = 2, .ops = 1, .rounds = 1, .size = 0},
	.max_threads = 4,
	.setup = none_setup,
	.thread = leftover_thread,
	.check = no_check,
	.teardown = none_teardown,
};

RH_SCENARIO(hostile_leftover)

typedef struct noisy {
	rh_atomic_u64 value;
	uint64_t expected;
} noisy;

static void *noisy_setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	noisy *n = malloc(sizeof(*n));

	if (n == NULL)
		return NULL;
	rh_atomic_init(&n->value, "counter", 0);
	n->expected = (uint64_t)p->threads * p->ops * p->rounds;
	return n;
}

static void noisy_thread(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	noisy *n = state;

	for (unsigned i = 0; i < rh_trial_params(t)->ops; i++) {
		uint64_t v = rh_atomic_load(&n->value, RH_RELAXED);

		rh_point("increment", v + 1);
		rh_atomic_store(&n->value, v + 1, RH_RELAXED);
	}
}

/* Every trial writes its own token; a failing one names it in its message,
 * so a report can be checked to carry the output of the trial it reports. */
static void noisy_check(void *state, rh_trial *t)
{
	noisy *n = state;
	uint64_t got = rh_atomic_load(&n->value, RH_SEQ_CST);
	unsigned long long token = rh_rng_next(rh_trial_rng(t, 0)) % 1000000007u;

	fprintf(stderr, "Bug Found! noisy token %llu: counter %llu of %llu\n", token,
		(unsigned long long)got, (unsigned long long)n->expected);
	printf("noisy token %llu on stdout\n", token);
	if (got != n->expected)
		rh_violation(t, RH_LOST_UPDATE, "token %llu: counter is %llu, expected %llu", token,
			     (unsigned long long)got, (unsigned long long)n->expected);
}

static const rh_variant noisy_variants[] = {
	{"buggy", RH_EXPECT_DETECTED, "load, then store: increments race; every trial prints"},
};

static const rh_scenario hostile_noisy = {
	.name = "hostile.noisy",
	.summary = "the counter race, each trial printing to stderr and stdout",
	.variants = noisy_variants,
	.n_variants = 1,
	.defaults = {.threads = 2, .ops = 2, .rounds = 1, .size = 0},
	.max_threads = 4,
	.stress_trials = 50,
	.setup = noisy_setup,
	.thread = noisy_thread,
	.check = noisy_check,
	.teardown = none_teardown,
};

RH_SCENARIO(hostile_noisy)
