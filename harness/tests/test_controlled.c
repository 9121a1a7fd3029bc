/* The controlled scheduler on small scenarios of its own: deadlock reports,
 * strategies, exact replay, shrinking, dying lock holders, rounds. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "campaign/campaign.h"
#include "campaign/shrink.h"
#include "cli/replay.h"
#include "core/registry.h"
#include "core/util.h"
#include "racehunt/scenario.h"
#include "racehunt/sync.h"
#include "controlled/sched.h"

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

static const rh_scenario abba = {
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

static const rh_scenario count = {
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

static const rh_scenario die = {
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

static const rh_scenario rounds_scenario = {
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

static const rh_scenario leak = {
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

static const rh_scenario spin = {
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

static const rh_scenario rw = {
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

/* ---- helpers ------------------------------------------------------------- */

struct outcome {
	uint64_t runs;	      /* schedules run */
	int first_fail;	      /* run index, -1 when none failed */
	rh_kind kind;	      /* of the first failure */
	char msg[RH_MSG_MAX]; /* of the first failure */
	char *schedule;	      /* of the first failure, malloc'd */
	bool exhausted;
	unsigned failures;
};

static struct outcome explore(const rh_scenario *s, unsigned variant, rh_params p,
			      const char *spec, uint64_t seed, uint64_t max_runs)
{
	struct outcome o = {.first_fail = -1};
	char err[128];
	rh_explorer *x = rh_explorer_new(spec, seed, err, sizeof(err));
	rh_trial *t = malloc(sizeof(*t));

	assert_non_null(x);
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
static char *replay(const char *schedule, bool *failed, rh_kind *kind)
{
	rh_sched_spec sp;
	char err[256], *text = NULL;
	size_t len = 0;
	FILE *mem;
	rh_explorer *x;
	rh_trial *t = malloc(sizeof(*t));
	const rh_scenario *s;

	assert_true(rh_schedule_parse(schedule, &sp, err, sizeof(err)));
	s = rh_scenario_find(sp.scenario);
	assert_non_null(s);
	x = rh_explorer_choices(&sp, true);
	rh_trial_init(t, s, (unsigned)rh_variant_find(s, sp.variant), &sp.params, sp.seed,
		      sp.index);
	assert_true(rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, x));
	assert_null(rh_explorer_diverged(x));
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

static rh_params params(unsigned threads, unsigned ops, unsigned rounds)
{
	return (rh_params){.threads = threads, .ops = ops, .rounds = rounds};
}

/* The schedule string of one run, failing or not. */
static char *one_run_schedule(const rh_scenario *s, unsigned variant, rh_params p,
			      const char *spec)
{
	char err[64], *str;
	rh_explorer *x = rh_explorer_new(spec, 1, err, sizeof(err));
	rh_trial *t = malloc(sizeof(*t));

	rh_trial_init(t, s, variant, &p, 1, 0);
	assert_true(rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, x));
	rh_trial_fini(t);
	str = strdup(rh_explorer_schedule(x, s, variant, &p));
	rh_explorer_free(x);
	free(t);
	return str;
}

/* ---- tests --------------------------------------------------------------- */

static void test_controlled_deadlock_reported_with_cycle(void **state)
{
	struct outcome o = explore(&abba, 0, params(2, 1, 1), "dfs:1", 1, 1000);

	assert_true(o.exhausted);
	assert_true(o.first_fail >= 0);
	assert_int_equal(o.kind, RH_DEADLOCK);
	assert_non_null(strstr(o.msg, "T0 waits for mutex B held by T1"));
	assert_non_null(strstr(o.msg, "T1 waits for mutex A held by T0"));
	free(o.schedule);
}

static void test_controlled_one_lock_order_never_deadlocks(void **state)
{
	struct outcome o = explore(&abba, 1, params(3, 1, 1), "dfs:3", 1, 100000);

	assert_true(o.exhausted);
	assert_int_equal(o.failures, 0);
	assert_true(o.runs > 10);
}

static void test_controlled_dfs0_counts_free_choices_only(void **state)
{
	/* Two threads: who starts is free, switching away later is a
	 * preemption; dfs:0 has exactly the two start orders. */
	struct outcome o = explore(&count, 1, params(2, 3, 1), "dfs:0", 1, 100);

	assert_true(o.exhausted);
	assert_int_equal(o.runs, 2);
	assert_int_equal(o.failures, 0);
}

static void test_controlled_dfs_finds_lost_update_and_grows_with_bound(void **state)
{
	struct outcome o1 = explore(&count, 0, params(2, 2, 1), "dfs:1", 1, 100000);
	struct outcome o2 = explore(&count, 0, params(2, 2, 1), "dfs:2", 1, 100000);

	assert_true(o1.exhausted && o2.exhausted);
	assert_true(o1.failures > 0);
	assert_int_equal(o1.kind, RH_LOST_UPDATE);
	assert_true(o2.runs > o1.runs);
	free(o1.schedule);
	free(o2.schedule);
}

static void test_controlled_fixed_counter_clean_over_dfs2(void **state)
{
	struct outcome o = explore(&count, 1, params(2, 2, 1), "dfs:2", 1, 100000);

	assert_true(o.exhausted);
	assert_int_equal(o.failures, 0);
}

static void test_controlled_pct3_finds_lost_update_in_few_runs(void **state)
{
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct outcome o = explore(&count, 0, params(4, 2, 1), "pct:3", seed, 10);

		assert_true(o.first_fail >= 0);
		free(o.schedule);
	}
}

/* A lost update needs one switch in the middle of a thread (bug depth 2):
 * pct:1 has no change point, so it only ever runs threads one after the
 * other by priority and never sees it; pct:2 does. */
static void test_controlled_pct_depth_matters(void **state)
{
	struct outcome d1 = explore(&count, 0, params(2, 1, 1), "pct:1", 1, 200);
	struct outcome d2 = explore(&count, 0, params(2, 1, 1), "pct:2", 1, 200);

	assert_int_equal(d1.failures, 0);
	assert_true(d2.failures > 0);
	free(d2.schedule);
}

static void test_controlled_strategies_deterministic_for_a_seed(void **state)
{
	static const char *const specs[] = {"random", "pct:3", "dfs:2"};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct outcome a = explore(&count, 0, params(3, 2, 2), specs[i], 7, 50);
		struct outcome b = explore(&count, 0, params(3, 2, 2), specs[i], 7, 50);

		assert_int_equal(a.first_fail, b.first_fail);
		assert_int_equal(a.failures, b.failures);
		assert_non_null(a.schedule);
		assert_string_equal(a.schedule, b.schedule);
		free(a.schedule);
		free(b.schedule);
	}
}

/* The schedule strings of the first runs of spec, through the fast path or
 * with every step through the scheduler (as under TSan). */
static char *schedules_of(const rh_scenario *s, unsigned variant, rh_params p, const char *spec,
			  bool slow)
{
	char err[64], *all = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&all, &len);
	rh_explorer *x = rh_explorer_new(spec, 9, err, sizeof(err));
	rh_trial *t = malloc(sizeof(*t));

	x->no_fast_path = slow;
	for (uint64_t i = 0; i < 30; i++) {
		bool ran;

		rh_trial_init(t, s, variant, &p, 9, i);
		ran = rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, x);
		if (ran)
			fprintf(mem, "%s %d\n", rh_explorer_schedule(x, s, variant, &p),
				rh_trial_failed(t));
		rh_trial_fini(t);
		if (!ran)
			break;
	}
	fclose(mem);
	rh_explorer_free(x);
	free(t);
	return all;
}

/* TSan builds take every step through the scheduler, other builds let a
 * fiber that keeps running carry on: the runs must be the same, or schedule
 * strings would not replay across builds. */
static void test_controlled_fast_path_makes_the_same_runs(void **state)
{
	static const char *const specs[] = {"random", "pct:3", "dfs:2"};
	const struct {
		const rh_scenario *s;
		unsigned variant;
		rh_params p;
	} cases[] = {
		{&count, 0, {3, 3, 2, 0}}, {&abba, 0, {3, 2, 1, 0}}, {&rw, 0, {3, 2, 1, 0}},
		{&die, 1, {3, 1, 2, 0}},   {&spin, 0, {2, 1, 1, 0}},
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
			char *fast = schedules_of(cases[c].s, cases[c].variant, cases[c].p,
						  specs[i], false);
			char *slow = schedules_of(cases[c].s, cases[c].variant, cases[c].p,
						  specs[i], true);

			assert_string_equal(fast, slow);
			free(fast);
			free(slow);
		}
}

static void test_controlled_replay_is_exact_and_byte_identical(void **state)
{
	struct outcome o = explore(&count, 0, params(3, 2, 1), "pct:3", 3, 50);
	bool failed;
	rh_kind kind;
	char *first;

	assert_non_null(o.schedule);
	first = replay(o.schedule, &failed, &kind);
	assert_true(failed);
	assert_int_equal(kind, o.kind);
	for (int i = 0; i < 20; i++) {
		char *again = replay(o.schedule, &failed, &kind);

		assert_true(failed);
		assert_string_equal(again, first);
		free(again);
	}
	assert_non_null(strstr(first, "T1 "));
	free(first);
	free(o.schedule);
}

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

static void test_controlled_replay_command_exit_status(void **state)
{
	struct outcome bad = explore(&abba, 0, params(2, 1, 1), "dfs:1", 1, 1000);
	struct outcome good;
	rh_sched_spec sp;
	char err[256], *unknown;

	assert_non_null(bad.schedule);
	assert_int_equal(run_cmd(rh_cmd_replay, "replay", bad.schedule), 1);
	good.schedule = one_run_schedule(&abba, 1, params(2, 1, 1), "random");
	assert_int_equal(run_cmd(rh_cmd_replay, "replay", good.schedule), 0);
	assert_int_equal(run_cmd(rh_cmd_replay, "replay", "garbage"), 2);
	bad.schedule[strlen(bad.schedule) - 3] ^= 1;
	assert_int_equal(run_cmd(rh_cmd_replay, "replay", bad.schedule), 2);
	/* Valid string, unknown scenario. */
	bad.schedule[strlen(bad.schedule) - 3] ^= 1;
	assert_true(rh_schedule_parse(bad.schedule, &sp, err, sizeof(err)));
	strcpy(sp.scenario, "t.nosuch");
	unknown = rh_schedule_format(&sp, err, sizeof(err));
	assert_int_equal(run_cmd(rh_cmd_replay, "replay", unknown), 2);
	/* Valid string that the code no longer follows: a choice for a thread
	 * that cannot run there. */
	sp.devs[0].at = sp.choices - 1;
	strcpy(sp.scenario, "t.abba");
	free(unknown);
	unknown = rh_schedule_format(&sp, err, sizeof(err));
	assert_int_equal(run_cmd(rh_cmd_replay, "replay", unknown), 2);
	free(unknown);
	rh_schedule_spec_free(&sp);
	free(bad.schedule);
	free(good.schedule);
}

static void test_controlled_shrink_keeps_kind_and_drops_threads(void **state)
{
	struct outcome o = explore(&count, 0, params(6, 4, 2), "random", 5, 50);
	rh_sched_spec sp;
	char err[256], *shrunk;
	bool failed;
	rh_kind kind;
	FILE *null = fopen("/dev/null", "w");

	assert_non_null(o.schedule);
	shrunk = rh_controlled_shrink(o.schedule, null);
	fclose(null);
	assert_non_null(shrunk);
	assert_true(rh_schedule_parse(shrunk, &sp, err, sizeof(err)));
	assert_int_equal(sp.params.threads, 2);
	assert_int_equal(sp.params.ops, 1);
	assert_int_equal(sp.params.rounds, 1);
	assert_true(sp.n_devs <= 1);
	free(replay(shrunk, &failed, &kind));
	assert_true(failed);
	assert_int_equal(kind, RH_LOST_UPDATE);
	rh_schedule_spec_free(&sp);
	free(shrunk);
	free(o.schedule);
}

static void test_controlled_shrink_survives_candidates_that_crash(void **state)
{
	struct outcome o = explore(&count, 2, params(4, 2, 1), "random", 5, 50);
	rh_sched_spec sp;
	char err[256], *shrunk;

	assert_non_null(o.schedule);
	shrunk = rh_controlled_shrink(o.schedule, NULL);
	assert_non_null(shrunk);
	assert_true(rh_schedule_parse(shrunk, &sp, err, sizeof(err)));
	assert_int_equal(sp.params.threads, 3);
	assert_int_equal(sp.params.ops, 1);
	rh_schedule_spec_free(&sp);
	free(shrunk);
	free(o.schedule);
}

static void test_controlled_shrink_of_clean_run_is_null(void **state)
{
	char *s = one_run_schedule(&count, 1, params(2, 1, 1), "random");

	assert_null(rh_controlled_shrink(s, NULL));
	free(s);
}

static void test_controlled_dead_owner_hangs_plain_mutex(void **state)
{
	struct outcome o = explore(&die, 0, params(2, 1, 1), "dfs:1", 1, 1000);

	assert_true(o.first_fail >= 0);
	assert_int_equal(o.kind, RH_HANG);
	assert_non_null(strstr(o.msg, "held by T0, which died holding it"));
	free(o.schedule);
}

static void test_controlled_dead_owner_recovered_with_robust_mutex(void **state)
{
	struct outcome o = explore(&die, 1, params(3, 1, 1), "dfs:2", 1, 100000);

	assert_true(o.exhausted);
	assert_int_equal(o.failures, 0);
}

static void test_controlled_rounds_are_barrier_separated(void **state)
{
	struct outcome o = explore(&rounds_scenario, 0, params(3, 1, 4), "random", 1, 200);

	assert_int_equal(o.failures, 0);
	o = explore(&rounds_scenario, 0, params(2, 1, 3), "dfs:2", 1, 100000);
	assert_true(o.exhausted);
	assert_int_equal(o.failures, 0);
}

static void test_controlled_rwlock_excludes_writer_not_readers(void **state)
{
	struct outcome o = explore(&rw, 0, params(3, 1, 1), "dfs:3", 1, 100000);

	assert_true(o.exhausted);
	assert_int_equal(o.failures, 0);
	/* Readers share: some schedule has both inside at once, which only
	 * shows as more schedules than with one reader. */
	assert_true(o.runs > explore(&rw, 0, params(2, 1, 1), "dfs:3", 1, 100000).runs);
}

static void test_controlled_rwlock_upgrade_deadlocks_on_itself(void **state)
{
	struct outcome o = explore(&rw, 1, params(2, 1, 1), "dfs:0", 1, 10);

	assert_true(o.first_fail >= 0);
	assert_int_equal(o.kind, RH_DEADLOCK);
	assert_non_null(strstr(o.msg, "T1 waits for rwlock (to write) L held by T1 (cycle)"));
	free(o.schedule);
}

static void test_controlled_lock_kept_after_return_hangs(void **state)
{
	struct outcome o = explore(&leak, 0, params(2, 1, 1), "dfs:0", 1, 10);

	assert_int_equal(o.kind, RH_HANG);
	assert_non_null(strstr(o.msg, "T1 waits for mutex M held by T0, which returned without "
				      "releasing it"));
	free(o.schedule);
}

static void test_controlled_lock_kept_across_barrier_deadlocks(void **state)
{
	struct outcome o = explore(&leak, 0, params(2, 1, 2), "dfs:0", 1, 10);

	assert_int_equal(o.kind, RH_DEADLOCK);
	assert_non_null(strstr(o.msg, "T1 waits for mutex M held by T0; T0 waits at the end of "
				      "round 0"));
	free(o.schedule);
}

/* A strategy that never preempts would spin thread 0 forever; fairness
 * switches it out, and the replay retraces that switch. */
static void test_controlled_busy_wait_ends(void **state)
{
	static const char *const specs[] = {"dfs:0", "pct:3", "random"};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct outcome o = explore(&spin, 0, params(2, 1, 1), specs[i], 1, 20);

		assert_int_equal(o.failures, 0);
	}
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
	assert_true(rh_schedule_parse(s, &sp, err, sizeof(err)));
	assert_int_equal(sp.n_devs, 0);
	free(replay(s, &failed, &kind));
	assert_false(failed);
	rh_schedule_spec_free(&sp);
	free(s);
}

static void test_controlled_bytes_drive_choices(void **state)
{
	static const uint8_t none[1] = {0};
	static const uint8_t flip[] = {1, 1, 1, 1, 1, 1, 1, 1};
	rh_params p = params(2, 1, 1);
	rh_trial t;
	bool failed[2];

	for (int k = 0; k < 2; k++) {
		rh_explorer *x = k ? rh_explorer_from_bytes(flip, sizeof(flip))
				   : rh_explorer_from_bytes(none, 0);

		rh_trial_init(&t, &count, 0, &p, 1, 0);
		assert_true(rh_trial_execute(&t, RH_MODE_CONTROLLED, NULL, x));
		failed[k] = rh_trial_failed(&t);
		rh_trial_fini(&t);
		if (k == 0)
			assert_int_equal(rh_explorer_preemptions(x), 0);
		/* One schedule per explorer. */
		rh_trial_init(&t, &count, 0, &p, 1, 1);
		assert_false(rh_trial_execute(&t, RH_MODE_CONTROLLED, NULL, x));
		rh_trial_fini(&t);
		rh_explorer_free(x);
	}
	/* No bytes: serial, clean. Switching at every choice: lost update. */
	assert_false(failed[0]);
	assert_true(failed[1]);
}

static void test_controlled_bad_strategy_rejected(void **state)
{
	char err[256];

	assert_null(rh_explorer_new("pct:0", 1, err, sizeof(err)));
	assert_non_null(strstr(err, "pct"));
	assert_null(rh_explorer_new("dfs:x", 1, err, sizeof(err)));
	assert_null(rh_explorer_new("noise:0.1", 1, err, sizeof(err)));
	assert_non_null(strstr(err, "unknown controlled strategy"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controlled_deadlock_reported_with_cycle),
		cmocka_unit_test(test_controlled_one_lock_order_never_deadlocks),
		cmocka_unit_test(test_controlled_dfs0_counts_free_choices_only),
		cmocka_unit_test(test_controlled_dfs_finds_lost_update_and_grows_with_bound),
		cmocka_unit_test(test_controlled_fixed_counter_clean_over_dfs2),
		cmocka_unit_test(test_controlled_pct3_finds_lost_update_in_few_runs),
		cmocka_unit_test(test_controlled_pct_depth_matters),
		cmocka_unit_test(test_controlled_strategies_deterministic_for_a_seed),
		cmocka_unit_test(test_controlled_fast_path_makes_the_same_runs),
		cmocka_unit_test(test_controlled_replay_is_exact_and_byte_identical),
		cmocka_unit_test(test_controlled_replay_command_exit_status),
		cmocka_unit_test(test_controlled_shrink_keeps_kind_and_drops_threads),
		cmocka_unit_test(test_controlled_shrink_survives_candidates_that_crash),
		cmocka_unit_test(test_controlled_shrink_of_clean_run_is_null),
		cmocka_unit_test(test_controlled_dead_owner_hangs_plain_mutex),
		cmocka_unit_test(test_controlled_dead_owner_recovered_with_robust_mutex),
		cmocka_unit_test(test_controlled_rounds_are_barrier_separated),
		cmocka_unit_test(test_controlled_rwlock_excludes_writer_not_readers),
		cmocka_unit_test(test_controlled_rwlock_upgrade_deadlocks_on_itself),
		cmocka_unit_test(test_controlled_lock_kept_after_return_hangs),
		cmocka_unit_test(test_controlled_lock_kept_across_barrier_deadlocks),
		cmocka_unit_test(test_controlled_busy_wait_ends),
		cmocka_unit_test(test_controlled_busy_wait_replays),
		cmocka_unit_test(test_controlled_bytes_drive_choices),
		cmocka_unit_test(test_controlled_bad_strategy_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
