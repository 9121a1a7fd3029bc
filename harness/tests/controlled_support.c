/* SPDX-License-Identifier: MIT */
/* The controlled-mode tests' own scenarios and helpers. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "campaign/trial_run.h"
#include "controlled/sched.h"
#include "controlled_support.h"
#include "core/registry.h"
#include "racehunt/sync.h"

/* ---- t.abba: two locks, taken in opposite orders (buggy) or one order ---- */

struct abba {
	unsigned variant;
	rh_mutex a, b;
};

static void *abba_setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	struct abba *s = calloc(1, sizeof(*s));

	s->variant = variant;
	rh_mutex_init(&s->a, "A", 0);
	rh_mutex_init(&s->b, "B", 0);
	return s;
}

static void abba_thread(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	struct abba *s = state;
	bool flip = s->variant == 0 && tid % 2;
	rh_mutex *first = flip ? &s->b : &s->a, *second = flip ? &s->a : &s->b;

	rh_mutex_lock(first);
	rh_mutex_lock(second);
	rh_mutex_unlock(second);
	rh_mutex_unlock(first);
}

static void nothing_to_check(void *state, rh_trial *t)
{
}

static void free_state(void *state)
{
	free(state);
}

static const rh_variant abba_variants[] = {
	{"buggy", RH_EXPECT_DETECTED, "opposite lock orders"},
	{"fixed", RH_EXPECT_CLEAN, "one lock order"},
};

const rh_scenario abba = {
	.name = "t.abba",
	.summary = "lock order",
	.variants = abba_variants,
	.n_variants = 2,
	.defaults = {.threads = 2, .ops = 1, .rounds = 1},
	.max_threads = 8,
	.setup = abba_setup,
	.thread = abba_thread,
	.check = nothing_to_check,
	.teardown = free_state,
};
RH_SCENARIO(abba)

/* ---- t.count: increments by load + store (buggy) or fetch_add (fixed) ---- */

struct count {
	unsigned variant;
	rh_atomic_u64 n;
};

static void *count_setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	struct count *s;

	/* "fragile" dies outright on two threads: a shrink must survive it. */
	if (variant == 2 && p->threads == 2)
		raise(SIGKILL);
	s = calloc(1, sizeof(*s));

	s->variant = variant;
	rh_atomic_init(&s->n, "n", 0);
	return s;
}

static void count_thread(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	struct count *s = state;

	for (unsigned i = 0; i < rh_trial_params(t)->ops; i++) {
		if (s->variant != 1)
			rh_atomic_store(&s->n, rh_atomic_load(&s->n, RH_RELAXED) + 1, RH_RELAXED);
		else
			rh_atomic_fetch_add(&s->n, 1, RH_RELAXED);
	}
}

static void count_check(void *state, rh_trial *t)
{
	struct count *s = state;
	const rh_params *p = rh_trial_params(t);
	uint64_t want = (uint64_t)p->threads * p->ops * p->rounds;
	uint64_t got = rh_atomic_load(&s->n, RH_RELAXED);

	if (got != want)
		rh_violation(t, RH_LOST_UPDATE, "n=%llu, expected %llu", (unsigned long long)got,
			     (unsigned long long)want);
}

static const rh_variant count_variants[] = {
	{"buggy", RH_EXPECT_DETECTED, "load then store"},
	{"fixed", RH_EXPECT_CLEAN, "fetch_add"},
	{"fragile", RH_EXPECT_DETECTED, "load then store; killed at setup on 2 threads"},
};

const rh_scenario count = {
	.name = "t.count",
	.summary = "counter",
	.variants = count_variants,
	.n_variants = 3,
	.defaults = {.threads = 2, .ops = 1, .rounds = 1},
	.max_threads = 64,
	.setup = count_setup,
	.thread = count_thread,
	.check = count_check,
	.teardown = free_state,
};
RH_SCENARIO(count)

/* ---- t.die: thread 0 dies holding the lock the others want ---- */

struct die {
	unsigned variant;
	rh_mutex m;
	_Atomic unsigned owner_died_seen;
};

static void *die_setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	struct die *s = calloc(1, sizeof(*s));

	s->variant = variant;
	rh_mutex_init(&s->m, "M", variant == 1 ? RH_MUTEX_ROBUST : 0);
	return s;
}

static void die_thread(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	struct die *s = state;

	if (rh_mutex_lock(&s->m) == RH_OWNER_DIED) {
		s->owner_died_seen++;
		rh_mutex_consistent(&s->m);
	}
	if (tid == 0)
		rh_thread_die();
	rh_mutex_unlock(&s->m);
}

static const rh_variant die_variants[] = {
	{"plain", RH_EXPECT_DETECTED, "plain mutex"},
	{"robust", RH_EXPECT_CLEAN, "robust mutex"},
};

const rh_scenario die = {
	.name = "t.die",
	.summary = "owner dies",
	.variants = die_variants,
	.n_variants = 2,
	.defaults = {.threads = 2, .ops = 1, .rounds = 1},
	.max_threads = 8,
	.setup = die_setup,
	.thread = die_thread,
	.check = nothing_to_check,
	.teardown = free_state,
};
RH_SCENARIO(die)

/* ---- t.rounds: no thread starts round r before all finished round r-1 ---- */

struct rounds {
	rh_atomic_u64 done[8];
};

static void *rounds_setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	struct rounds *s = calloc(1, sizeof(*s));

	for (unsigned r = 0; r < 8; r++)
		rh_atomic_init(&s->done[r], "done", 0);
	return s;
}

static void rounds_thread(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	struct rounds *s = state;
	unsigned n = rh_trial_params(t)->threads;

	if (round > 0 && rh_atomic_load(&s->done[round - 1], RH_RELAXED) != n)
		rh_violation(t, RH_INVARIANT, "T%u began round %u early", tid, round);
	rh_point("work", round);
	rh_atomic_fetch_add(&s->done[round], 1, RH_RELAXED);
}

static const rh_variant rounds_variants[] = {{"only", RH_EXPECT_CLEAN, "barrier"}};

const rh_scenario rounds_scenario = {
	.name = "t.rounds",
	.summary = "rounds",
	.variants = rounds_variants,
	.n_variants = 1,
	.defaults = {.threads = 3, .ops = 1, .rounds = 4},
	.max_threads = 8,
	.setup = rounds_setup,
	.thread = rounds_thread,
	.check = nothing_to_check,
	.teardown = free_state,
};
RH_SCENARIO(rounds_scenario)

/* ---- t.leak: thread 0 returns from round 0 still holding M ---- */

static void *leak_setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	rh_mutex *m = calloc(1, sizeof(*m));

	rh_mutex_init(m, "M", 0);
	return m;
}

static void leak_thread(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	if (round > 0)
		return;
	rh_mutex_lock(state);
	if (tid != 0)
		rh_mutex_unlock(state);
}

static const rh_variant leak_variants[] = {{"only", RH_EXPECT_DETECTED, "lock kept"}};

const rh_scenario leak = {
	.name = "t.leak",
	.summary = "a lock kept past return",
	.variants = leak_variants,
	.n_variants = 1,
	.defaults = {.threads = 2, .ops = 1, .rounds = 1},
	.max_threads = 8,
	.setup = leak_setup,
	.thread = leak_thread,
	.check = nothing_to_check,
	.teardown = free_state,
};
RH_SCENARIO(leak)

/* ---- t.spin: thread 0 busy-waits for thread 1's flag ---- */

static void *spin_setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	rh_atomic_u64 *flag = calloc(1, sizeof(*flag));

	rh_atomic_init(flag, "flag", 0);
	return flag;
}

static void spin_thread(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	if (tid == 1) {
		rh_atomic_store(state, 1, RH_RELEASE);
		return;
	}
	while (rh_atomic_load(state, RH_ACQUIRE) == 0)
		;
}

static const rh_variant spin_variants[] = {{"only", RH_EXPECT_CLEAN, "busy-wait"}};

const rh_scenario spin = {
	.name = "t.spin",
	.summary = "busy-wait",
	.variants = spin_variants,
	.n_variants = 1,
	.defaults = {.threads = 2, .ops = 1, .rounds = 1},
	.max_threads = 2,
	.setup = spin_setup,
	.thread = spin_thread,
	.check = nothing_to_check,
	.teardown = free_state,
};
RH_SCENARIO(spin)

/* ---- t.rw: a writer keeps two plain fields equal under an rwlock ---- */

struct rw {
	unsigned variant;
	rh_rwlock l;
	uint64_t a, b; /* plain: only the rwlock orders them */
};

static void *rw_setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	struct rw *s = calloc(1, sizeof(*s));

	s->variant = variant;
	rh_rwlock_init(&s->l, "L");
	return s;
}

static void rw_thread(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	struct rw *s = state;

	if (tid == 0) {
		rh_rwlock_wrlock(&s->l);
		s->a++;
		rh_point("between", s->a);
		s->b++;
		rh_rwlock_unlock(&s->l);
		return;
	}
	rh_rwlock_rdlock(&s->l);
	if (s->a != s->b)
		rh_violation(t, RH_INVARIANT, "T%u saw a=%llu b=%llu", tid,
			     (unsigned long long)s->a, (unsigned long long)s->b);
	/* "upgrade": a reader that wants to write without letting go. */
	if (s->variant == 1 && tid == 1)
		rh_rwlock_wrlock(&s->l);
	rh_rwlock_unlock(&s->l);
}

static const rh_variant rw_variants[] = {
	{"ok", RH_EXPECT_CLEAN, "readers and one writer"},
	{"upgrade", RH_EXPECT_DETECTED, "T1 asks to write while it reads"},
};

const rh_scenario rw = {
	.name = "t.rw",
	.summary = "rwlock",
	.variants = rw_variants,
	.n_variants = 2,
	.defaults = {.threads = 3, .ops = 1, .rounds = 1},
	.max_threads = 8,
	.setup = rw_setup,
	.thread = rw_thread,
	.check = nothing_to_check,
	.teardown = free_state,
};
RH_SCENARIO(rw)


struct outcome explore(const rh_scenario *s, unsigned variant, rh_params p,
			      const char *spec, uint64_t seed, uint64_t max_runs)
{
	struct outcome o = {.first_fail = -1};
	char err[128];
	rh_explorer *x = rh_explorer_new(spec, seed, err, sizeof(err));
	rh_trial *t = malloc(sizeof(*t));

	RH_ASSERT_NOT_NULL(x);
	for (uint64_t i = 0; i < max_runs; i++) {
		rh_trial_init(t, s, variant, &p, seed, i);
		if (!rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, x)) {
			rh_trial_fini(t);
			break;
		}
		if (rh_trial_failed(t)) {
			o.failures++;
			if (o.first_fail < 0) {
				o.first_fail = (int)i;
				o.kind = rh_trial_first_kind(t);
				snprintf(o.msg, sizeof(o.msg), "%s", rh_trial_first_msg(t));
				o.schedule = strdup(rh_explorer_schedule(x, s, variant, &p));
			}
		}
		rh_trial_fini(t);
	}
	o.runs = rh_explorer_runs(x);
	o.exhausted = rh_explorer_exhausted(x);
	rh_explorer_free(x);
	free(t);
	return o;
}

/* Replay a schedule string strictly; the trace text and the trial's outcome. */
char *replay(const char *schedule, bool *failed, rh_kind *kind)
{
	rh_sched_spec sp;
	char err[256], *text = NULL;
	size_t len = 0;
	FILE *mem;
	rh_explorer *x;
	rh_trial *t = malloc(sizeof(*t));
	const rh_scenario *s;

	RH_ASSERT_TRUE(rh_schedule_parse(schedule, &sp, err, sizeof(err)));
	s = rh_scenario_find(sp.scenario);
	RH_ASSERT_NOT_NULL(s);
	x = rh_explorer_choices(&sp, true);
	rh_trial_init(t, s, (unsigned)rh_variant_find(s, sp.variant), &sp.params, sp.seed,
		      sp.index);
	RH_ASSERT_TRUE(rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, x));
	RH_ASSERT_NULL(rh_explorer_diverged(x));
	*failed = rh_trial_failed(t);
	*kind = rh_trial_first_kind(t);
	mem = open_memstream(&text, &len);
	rh_explorer_print_trace(x, mem);
	fclose(mem);
	rh_trial_fini(t);
	rh_explorer_free(x);
	rh_schedule_spec_free(&sp);
	free(t);
	return text;
}

rh_params params(unsigned threads, unsigned ops, unsigned rounds)
{
	return (rh_params){.threads = threads, .ops = ops, .rounds = rounds};
}

/* The schedule string of one run, failing or not. */
char *one_run_schedule(const rh_scenario *s, unsigned variant, rh_params p,
			      const char *spec)
{
	char err[64], *str;
	rh_explorer *x = rh_explorer_new(spec, 1, err, sizeof(err));
	rh_trial *t = malloc(sizeof(*t));

	rh_trial_init(t, s, variant, &p, 1, 0);
	RH_ASSERT_TRUE(rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, x));
	rh_trial_fini(t);
	str = strdup(rh_explorer_schedule(x, s, variant, &p));
	rh_explorer_free(x);
	free(t);
	return str;
}

