/* SPDX-License-Identifier: MIT */
/* testonly.counter: a store of the test suite's own, never in the racehunt
 * binary, built into racehunt-testonly for the report tests. Each thread adds
 * `ops` to one counter; check() wants threads x ops. Two variants are
 * deliberately mis-declared, so a hunt over this store must fail the way a
 * CI regression does and every report (terminal, JUnit, SARIF, JSON) must
 * show why:
 *   buggy        load, point, store: a lost update, declared detected (as it is)
 *   fixed        one fetch_add, declared clean (as it is)
 *   misdeclared  the buggy body declared clean: the regression case
 *   unseeded     the fixed body declared detected: the missed-bug case
 *   badbytes     the buggy body, its message carrying bytes 0xff and 0x01,
 *                declared detected: reports must stay valid UTF-8 / XML
 *
 * testonly.racy: threads bump a plain counter nothing checks, declared
 * clean. Only a sanitizer sees it: clean in the default build, flagged under
 * ThreadSanitizer, whose report every hunt report must carry. */
#include <stdlib.h>

#include "racehunt/scenario.h"
#include "racehunt/sync.h"

enum { T_BUGGY, T_FIXED, T_MISDECLARED, T_UNSEEDED, T_BADBYTES, T_VARIANT_COUNT_ };

static const rh_variant testonly_variants[] = {
	[T_BUGGY] = {"buggy", RH_EXPECT_DETECTED, "load, then store: increments race"},
	[T_FIXED] = {"fixed", RH_EXPECT_CLEAN, "one fetch_add per increment"},
	[T_MISDECLARED] = {"misdeclared", RH_EXPECT_CLEAN,
			   "the buggy increment, declared clean by mistake"},
	[T_UNSEEDED] = {"unseeded", RH_EXPECT_DETECTED,
			"the fixed increment, declared detected by mistake"},
	[T_BADBYTES] = {"badbytes", RH_EXPECT_DETECTED,
			"the buggy increment; its message has bytes that are not UTF-8"},
};

typedef struct counter {
	rh_atomic_u64 value;
	unsigned variant;
	uint64_t expected;
} counter;

static void *counter_setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	counter *c = malloc(sizeof(*c));

	if (c == NULL)
		return NULL;
	rh_atomic_init(&c->value, "counter", 0);
	c->variant = variant;
	c->expected = (uint64_t)p->threads * p->ops * p->rounds;
	return c;
}

static void counter_thread(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	counter *c = state;
	unsigned ops = rh_trial_params(t)->ops;

	for (unsigned i = 0; i < ops; i++) {
		if (c->variant == T_FIXED || c->variant == T_UNSEEDED) {
			rh_atomic_fetch_add(&c->value, 1, RH_SEQ_CST);
		} else {
			uint64_t v = rh_atomic_load(&c->value, RH_RELAXED);

			rh_point("increment", v + 1);
			rh_atomic_store(&c->value, v + 1, RH_RELAXED);
		}
	}
}

static void counter_check(void *state, rh_trial *t)
{
	counter *c = state;
	uint64_t got = rh_atomic_load(&c->value, RH_SEQ_CST);

	if (got == c->expected)
		return;
	if (c->variant == T_BADBYTES)
		rh_violation(t, RH_LOST_UPDATE, "counter \xff\x01<&\"> is %llu, expected %llu",
			     (unsigned long long)got, (unsigned long long)c->expected);
	else
		rh_violation(t, RH_LOST_UPDATE, "counter is %llu, expected %llu",
			     (unsigned long long)got, (unsigned long long)c->expected);
}

static void counter_teardown(void *state)
{
	free(state);
}

static const rh_scenario testonly_counter = {
	.name = "testonly.counter",
	.summary = "threads increment one counter (a test store with mis-declared variants)",
	.variants = testonly_variants,
	.n_variants = T_VARIANT_COUNT_,
	.defaults = {.threads = 2, .ops = 2, .rounds = 1, .size = 0},
	.max_threads = 16,
	.stress_trials = 50,
	.setup = counter_setup,
	.thread = counter_thread,
	.check = counter_check,
	.teardown = counter_teardown,
};

RH_SCENARIO(testonly_counter)

static const rh_variant racy_variants[] = {
	{"plain", RH_EXPECT_CLEAN,
	 "a plain counter bumped by every thread; declared clean, which only a sanitizer contradicts"},
};

static void *racy_setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	return calloc(1, sizeof(uint64_t));
}

static void racy_thread(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	uint64_t *hits = state;

	rh_point("bump", tid);
	(*hits)++; /* the data race, on purpose */
}

static void racy_check(void *state, rh_trial *t)
{
}

static const rh_scenario testonly_racy = {
	.name = "testonly.racy",
	.summary = "threads bump a plain counter (a race only a sanitizer sees)",
	.variants = racy_variants,
	.n_variants = 1,
	.defaults = {.threads = 2, .ops = 1, .rounds = 1, .size = 0},
	.max_threads = 16,
	.stress_trials = 20,
	.setup = racy_setup,
	.thread = racy_thread,
	.check = racy_check,
	.teardown = counter_teardown,
};

RH_SCENARIO(testonly_racy)
