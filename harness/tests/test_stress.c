/* Stress mode: rounds run every live thread once, and the watchdog turns a
 * thread that dies holding a plain lock into a HANG report instead of a hung
 * run, while a robust lock lets the others go on. A lock cycle is a
 * DEADLOCK naming it, found by the blocked threads long before the
 * watchdog; a long wait that is no cycle is nothing. */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include <pthread.h>
#include <unistd.h>

#include "racehunt/sync.h"
#include "test.h"

#include "core/trial.h"
#include "core/util.h"
#include "stress/stress.h"

enum { THREADS = 3, ROUNDS = 3 };

typedef struct lock_state {
	rh_mutex lock;
	rh_atomic_u64 runs[ROUNDS];
	rh_atomic_u64 owner_died_seen;
	bool victim;
} lock_state;

static void body(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	lock_state *s = state;
	int rc;

	rh_atomic_fetch_add(&s->runs[round], 1, RH_RELAXED);
	/* Round 0: only the victim takes the lock, and dies in it. */
	if (s->victim && (round == 0) != (tid == 0))
		return;
	rc = rh_mutex_lock(&s->lock);
	if (rc == RH_OWNER_DIED) {
		rh_atomic_fetch_add(&s->owner_died_seen, 1, RH_RELAXED);
		rh_mutex_consistent(&s->lock);
	}
	rh_point("inside", tid);
	if (s->victim && tid == 0)
		rh_thread_die();
	rh_mutex_unlock(&s->lock);
}

static const rh_variant variants[] = {{"v", RH_EXPECT_CLEAN, "test"}};
static const rh_scenario scenario = {
	.name = "test.stress", .variants = variants, .n_variants = 1, .thread = body};
static const rh_params params = {.threads = THREADS, .ops = 1, .rounds = ROUNDS, .size = 0};
static const rh_stress_opts opts = {.noise = 0.5, .watchdog_ms = 300};

static lock_state *new_state(unsigned flags, bool victim)
{
	lock_state *s = calloc(1, sizeof(*s));

	rh_mutex_init(&s->lock, "the_lock", flags);
	for (int r = 0; r < ROUNDS; r++)
		rh_atomic_init(&s->runs[r], "runs", 0);
	rh_atomic_init(&s->owner_died_seen, "owner_died_seen", 0);
	s->victim = victim;
	return s;
}

static void test_stress_every_thread_runs_every_round(void **state)
{
	static rh_trial t;
	lock_state *s = new_state(0, false);

	rh_trial_init(&t, &scenario, 0, &params, 1, 0);
	assert_true(rh_stress_run(&scenario, s, &t, &opts));
	for (int r = 0; r < ROUNDS; r++)
		assert_int_equal(rh_atomic_load(&s->runs[r], RH_RELAXED), THREADS);
	assert_false(rh_trial_failed(&t));
	rh_mutex_destroy(&s->lock);
	free(s);
	rh_trial_fini(&t);
}

static void test_stress_watchdog_reports_dead_owner_as_hang(void **state)
{
	static rh_trial t;
	lock_state *s = new_state(0, true);

	rh_trial_init(&t, &scenario, 0, &params, 1, 0);
	assert_false(rh_stress_run(&scenario, s, &t, &opts));
	assert_true(rh_trial_failed(&t));
	assert_int_equal(rh_trial_first_kind(&t), RH_HANG);
	assert_non_null(strstr(rh_trial_first_msg(&t), "round 1 hung"));
	assert_non_null(strstr(rh_trial_first_msg(&t), "T0 died after point inside=0, holding the_lock"));
	assert_non_null(strstr(rh_trial_first_msg(&t), "blocked acquiring the_lock"));
	/* The lock is still held by the dead thread: the state is abandoned. */
	free(s);
	rh_trial_fini(&t);
}

static void test_stress_robust_lock_survives_dead_owner(void **state)
{
	static rh_trial t;
	lock_state *s = new_state(RH_MUTEX_ROBUST, true);

	rh_trial_init(&t, &scenario, 0, &params, 1, 0);
	assert_true(rh_stress_run(&scenario, s, &t, &opts));
	assert_false(rh_trial_failed(&t));
	assert_int_equal(rh_atomic_load(&s->owner_died_seen, RH_RELAXED), 1);
	/* The victim ran round 0 only; the others ran every round. */
	assert_int_equal(rh_atomic_load(&s->runs[0], RH_RELAXED), THREADS);
	assert_int_equal(rh_atomic_load(&s->runs[2], RH_RELAXED), THREADS - 1);
	rh_mutex_destroy(&s->lock);
	free(s);
	rh_trial_fini(&t);
}

/* Lock rings: thread i holds lock i, then takes lock i + 1 (mod n) once
 * every thread holds its first, so the ring always closes. The hand-shake
 * is a plain atomic, not a sync point: it must not add noise or steps. */
enum { RING_MAX = 3 };

typedef struct ring_state {
	rh_mutex lock[RING_MAX];
	unsigned n;
	atomic_uint holding_first;
} ring_state;

static void ring_body(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	ring_state *s = state;

	rh_mutex_lock(&s->lock[tid]);
	atomic_fetch_add(&s->holding_first, 1);
	while (atomic_load(&s->holding_first) < s->n)
		sched_yield();
	rh_mutex_lock(&s->lock[(tid + 1) % s->n]);
	rh_mutex_unlock(&s->lock[(tid + 1) % s->n]);
	rh_mutex_unlock(&s->lock[tid]);
}

static const rh_scenario ring_scenario = {
	.name = "test.ring", .variants = variants, .n_variants = 1, .thread = ring_body};
/* A watchdog far beyond the test's time: only the cycle detector can end
 * these runs in time, and a HANG report would say it did not. */
static const rh_stress_opts patient = {.noise = 0, .watchdog_ms = 60000};

static void run_ring(unsigned n)
{
	static const char *names[RING_MAX] = {"lock A", "lock B", "lock C"};
	static rh_trial t;
	rh_params p = {.threads = n, .ops = 1, .rounds = 1};
	ring_state *s = calloc(1, sizeof(*s));
	char want[64];

	s->n = n;
	for (unsigned i = 0; i < n; i++)
		rh_mutex_init(&s->lock[i], names[i], 0);
	rh_trial_init(&t, &ring_scenario, 0, &p, 1, 0);
	assert_false(rh_stress_run(&ring_scenario, s, &t, &patient));
	assert_int_equal(rh_trial_first_kind(&t), RH_DEADLOCK);
	assert_non_null(strstr(rh_trial_first_msg(&t), "lock cycle: "));
	/* Every thread of the ring, waiting for the next one's lock. */
	for (unsigned i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "T%u waits for mutex %s held by T%u", i,
			 names[(i + 1) % n], (i + 1) % n);
		if (strstr(rh_trial_first_msg(&t), want) == NULL)
			fail_msg("no \"%s\" in: %s", want, rh_trial_first_msg(&t));
	}
	assert_null(strstr(rh_trial_first_msg(&t), "hung"));
	/* Reported once, by one thread, though each of them sees the cycle. */
	assert_int_equal(atomic_load(&t.kind_counts[RH_DEADLOCK]), 1);
	/* The locks stay held by the threads that left: the state is abandoned. */
	free(s);
	rh_trial_fini(&t);
}

/* A ring of one: a thread taking a plain mutex it already holds. */
static void test_stress_relock_is_a_deadlock(void **state)
{
	run_ring(1);
}

static void test_stress_abba_is_a_deadlock(void **state)
{
	run_ring(2);
}

static void test_stress_three_lock_ring_is_a_deadlock(void **state)
{
	run_ring(3);
}

/* A chain, not a cycle: T0 holds A for a while, T1 waits for A holding B,
 * T2 waits for B. Both waiters poll several times; nobody is deadlocked. */
typedef struct chain_state {
	rh_mutex a, b;
	atomic_uint stage;
} chain_state;

static void wait_stage(chain_state *s, unsigned stage)
{
	while (atomic_load(&s->stage) < stage)
		sched_yield();
}

static void chain_body(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	chain_state *s = state;
	struct timespec held_for = {0, 40000000L}; /* 8 lock polls */

	switch (tid) {
	case 0:
		rh_mutex_lock(&s->a);
		atomic_store(&s->stage, 1);
		nanosleep(&held_for, NULL);
		rh_mutex_unlock(&s->a);
		break;
	case 1:
		wait_stage(s, 1);
		rh_mutex_lock(&s->b);
		atomic_store(&s->stage, 2);
		rh_mutex_lock(&s->a);
		rh_mutex_unlock(&s->a);
		rh_mutex_unlock(&s->b);
		break;
	default:
		wait_stage(s, 2);
		rh_mutex_lock(&s->b);
		rh_mutex_unlock(&s->b);
	}
}

static const rh_scenario chain_scenario = {
	.name = "test.chain", .variants = variants, .n_variants = 1, .thread = chain_body};

static void test_stress_wait_chain_is_no_deadlock(void **state)
{
	static rh_trial t;
	rh_params p = {.threads = 3, .ops = 1, .rounds = 1};

	for (unsigned run = 0; run < 5; run++) {
		chain_state *s = calloc(1, sizeof(*s));

		rh_mutex_init(&s->a, "lock A", 0);
		rh_mutex_init(&s->b, "lock B", 0);
		rh_trial_init(&t, &chain_scenario, 0, &p, 1, run);
		assert_true(rh_stress_run(&chain_scenario, s, &t, &patient));
		if (rh_trial_failed(&t))
			fail_msg("run %u: %s", run, rh_trial_first_msg(&t));
		rh_mutex_destroy(&s->a);
		rh_mutex_destroy(&s->b);
		free(s);
		rh_trial_fini(&t);
	}
}

/* A reader waits only for a writer: T0 holds the rwlock (to write, or to
 * read) and waits for the mutex, which T1 holds while it takes the rwlock to
 * read. Against a writer that is a cycle; against a reader T1 gets in
 * (readers do not block readers), lets the mutex go, and nothing is wrong,
 * though T0 waits several lock polls for it. */
typedef struct rw_state {
	rh_rwlock rw;
	rh_mutex m;
	bool t0_writes;
	atomic_uint stage;
} rw_state;

static void rw_body(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	rw_state *s = state;
	struct timespec hold = {0, 20000000L}; /* 4 lock polls */

	if (tid == 0) {
		if (s->t0_writes)
			rh_rwlock_wrlock(&s->rw);
		else
			rh_rwlock_rdlock(&s->rw);
		while (atomic_load(&s->stage) < 1)
			sched_yield();
		rh_mutex_lock(&s->m);
		rh_mutex_unlock(&s->m);
		rh_rwlock_unlock(&s->rw);
		return;
	}
	rh_mutex_lock(&s->m);
	atomic_store(&s->stage, 1);
	nanosleep(&hold, NULL);
	rh_rwlock_rdlock(&s->rw);
	rh_rwlock_unlock(&s->rw);
	rh_mutex_unlock(&s->m);
}

static const rh_scenario rw_scenario = {
	.name = "test.rw", .variants = variants, .n_variants = 1, .thread = rw_body};

static void run_rw(bool t0_writes, rh_trial *t, bool *completed)
{
	rh_params p = {.threads = 2, .ops = 1, .rounds = 1};
	rw_state *s = calloc(1, sizeof(*s));

	rh_rwlock_init(&s->rw, "table");
	rh_mutex_init(&s->m, "log", 0);
	s->t0_writes = t0_writes;
	rh_trial_init(t, &rw_scenario, 0, &p, 1, 0);
	*completed = rh_stress_run(&rw_scenario, s, t, &patient);
	if (*completed) {
		rh_rwlock_destroy(&s->rw);
		rh_mutex_destroy(&s->m);
	}
	free(s);
}

static void test_stress_reader_behind_writer_is_a_deadlock(void **state)
{
	static rh_trial t;
	bool completed;

	run_rw(true, &t, &completed);
	assert_false(completed);
	assert_int_equal(rh_trial_first_kind(&t), RH_DEADLOCK);
	assert_non_null(strstr(rh_trial_first_msg(&t), "T1 waits for rwlock (to read) table held by T0"));
	assert_non_null(strstr(rh_trial_first_msg(&t), "T0 waits for mutex log held by T1"));
	rh_trial_fini(&t);
}

static void test_stress_reader_beside_reader_is_no_deadlock(void **state)
{
	static rh_trial t;
	bool completed;

	run_rw(false, &t, &completed);
	assert_true(completed);
	if (rh_trial_failed(&t))
		fail_msg("%s", rh_trial_first_msg(&t));
	rh_trial_fini(&t);
}

/* rh_stress_run on a helper thread, so that a run that never returns fails
 * the test after within_ms instead of hanging it. */
struct bounded_run {
	const rh_scenario *s;
	void *state;
	rh_trial *t;
	const rh_stress_opts *o;
	bool completed;
};

static void *bounded_run_main(void *arg)
{
	struct bounded_run *b = arg;

	b->completed = rh_stress_run(b->s, b->state, b->t, b->o);
	return NULL;
}

static bool run_within(unsigned within_ms, const rh_scenario *s, void *state, rh_trial *t,
		       const rh_stress_opts *o)
{
	static struct bounded_run b;
	struct timespec deadline;
	pthread_t runner;

	b = (struct bounded_run){s, state, t, o, false};
	RH_ASSERT_EQ(pthread_create(&runner, NULL, bounded_run_main, &b), 0);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += rh_timeout_ms(within_ms) / 1000;
	if (pthread_timedjoin_np(runner, NULL, &deadline) != 0)
		fail_msg("rh_stress_run did not return within %u ms", rh_timeout_ms(within_ms));
	return b.completed;
}

/* Two of four threads deadlock (T0 and T1, ABBA), the other two return at
 * once: the round is not over while T0 and T1 are in it, and their cycle is
 * a DEADLOCK found by the lock polls, not a HANG. */
static void abba_of_four_body(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	if (tid < 2)
		ring_body(state, tid, round, t);
}

static const rh_scenario abba_of_four_scenario = {
	.name = "test.abba_of_four", .variants = variants, .n_variants = 1,
	.thread = abba_of_four_body};

static void test_stress_threads_done_early_do_not_end_the_round(void **state)
{
	static rh_trial t;
	rh_params p = {.threads = 4, .ops = 1, .rounds = 1};
	ring_state *s = calloc(1, sizeof(*s));

	s->n = 2;
	rh_mutex_init(&s->lock[0], "lock A", 0);
	rh_mutex_init(&s->lock[1], "lock B", 0);
	rh_trial_init(&t, &abba_of_four_scenario, 0, &p, 1, 0);
	RH_ASSERT_FALSE(run_within(10000, &abba_of_four_scenario, s, &t, &patient));
	RH_ASSERT_EQ(rh_trial_first_kind(&t), RH_DEADLOCK);
	RH_ASSERT_CONTAINS(rh_trial_first_msg(&t), "waits for mutex lock A held by T0");
	RH_ASSERT_CONTAINS(rh_trial_first_msg(&t), "waits for mutex lock B held by T1");
	RH_ASSERT_EQ(atomic_load(&t.kind_counts[RH_HANG]), 0);
	/* The locks stay held by the threads that left: the state is abandoned. */
	free(s);
	rh_trial_fini(&t);
}

static void test_stress_parse_strategy(void **state)
{
	char err[128];
	double p = -1;

	assert_true(rh_stress_parse_strategy("noise:0", &p, err, sizeof(err)));
	assert_true(p == 0);
	assert_true(rh_stress_parse_strategy("noise:0.25", &p, err, sizeof(err)));
	assert_true(p == 0.25);
	assert_false(rh_stress_parse_strategy("noise:1.5", &p, err, sizeof(err)));
	assert_false(rh_stress_parse_strategy("noise:", &p, err, sizeof(err)));
	assert_false(rh_stress_parse_strategy("noise:0.1x", &p, err, sizeof(err)));
	assert_false(rh_stress_parse_strategy("pct:3", &p, err, sizeof(err)));
	assert_non_null(strstr(err, "pct:3"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress_every_thread_runs_every_round),
		cmocka_unit_test(test_stress_watchdog_reports_dead_owner_as_hang),
		cmocka_unit_test(test_stress_robust_lock_survives_dead_owner),
		cmocka_unit_test(test_stress_relock_is_a_deadlock),
		cmocka_unit_test(test_stress_abba_is_a_deadlock),
		cmocka_unit_test(test_stress_three_lock_ring_is_a_deadlock),
		cmocka_unit_test(test_stress_wait_chain_is_no_deadlock),
		cmocka_unit_test(test_stress_reader_behind_writer_is_a_deadlock),
		cmocka_unit_test(test_stress_reader_beside_reader_is_no_deadlock),
		cmocka_unit_test(test_stress_threads_done_early_do_not_end_the_round),
		cmocka_unit_test(test_stress_parse_strategy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
