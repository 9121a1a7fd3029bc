/* SPDX-License-Identifier: MIT */
/* Stress mode's lock bookkeeping: a lock cycle is a DEADLOCK naming it,
 * found by the blocked threads long before the watchdog, also when two of
 * four threads deadlock while the others are done, and through a pthread of
 * the scenario's own, which is a participant like the others (its locks are
 * in HANG reports too); a long wait that is no cycle is nothing. */
#define _GNU_SOURCE /* pthread_timedjoin_np, in stress_test.h */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "stress_test.h"

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
	/* The locks stay held by the threads that left: the state is abandoned,
	 * and the stress engine keeps it. */
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
	if (!*completed)
		return; /* abandoned: the stress engine keeps it */
	rh_rwlock_destroy(&s->rw);
	rh_mutex_destroy(&s->m);
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
	/* The locks stay held by the threads that left: the state is abandoned,
	 * and the stress engine keeps it. */
	rh_trial_fini(&t);
}

/* --- a pthread of the scenario's own is a participant --------------------- */

/* T0 holds lock A and starts a helper pthread of its own, which takes lock
 * B and then wants A, while T0 wants B: a lock cycle through a thread
 * racehunt did not start. With dies set, T0 dies holding A instead, and the
 * helper is left waiting for it beside T1, which wants A too. */
typedef struct helper_state {
	rh_mutex a, b;
	atomic_uint helper_has_b;
	bool dies;
} helper_state;

static void *helper_main(void *arg)
{
	helper_state *s = arg;

	if (!s->dies) {
		rh_mutex_lock(&s->b);
		atomic_store(&s->helper_has_b, 1);
	}
	rh_mutex_lock(&s->a);
	rh_mutex_unlock(&s->a);
	if (!s->dies)
		rh_mutex_unlock(&s->b);
	return NULL;
}

static void helper_body(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	helper_state *s = state;
	pthread_t helper;

	if (tid == 1) {
		while (atomic_load(&s->helper_has_b) == 0)
			sched_yield();
		rh_mutex_lock(&s->a);
		rh_mutex_unlock(&s->a);
		return;
	}
	rh_mutex_lock(&s->a);
	if (pthread_create(&helper, NULL, helper_main, s) != 0)
		return;
	pthread_detach(helper);
	if (s->dies) {
		atomic_store(&s->helper_has_b, 1);
		rh_thread_die();
	}
	while (atomic_load(&s->helper_has_b) == 0)
		sched_yield();
	rh_mutex_lock(&s->b);
	rh_mutex_unlock(&s->b);
	rh_mutex_unlock(&s->a);
}

static const rh_scenario helper_scenario = {
	.name = "test.helper", .variants = variants, .n_variants = 1, .thread = helper_body};

static void run_helper(bool dies, rh_trial *t, const rh_stress_opts *o)
{
	rh_params p = {.threads = dies ? 2 : 1, .ops = 1, .rounds = 1};
	helper_state *s = calloc(1, sizeof(*s));

	rh_mutex_init(&s->a, "lock A", 0);
	rh_mutex_init(&s->b, "lock B", 0);
	s->dies = dies;
	rh_trial_init(t, &helper_scenario, 0, &p, 1, 0);
	/* Abandoned either way: the stress engine keeps s. */
	RH_ASSERT_FALSE(run_within(10000, &helper_scenario, s, t, o));
}

static void test_stress_helper_thread_is_part_of_a_lock_cycle(void **state)
{
	static rh_trial t;

	run_helper(false, &t, &patient);
	RH_ASSERT_EQ(rh_trial_first_kind(&t), RH_DEADLOCK);
	RH_ASSERT_CONTAINS(rh_trial_first_msg(&t), "T0 waits for mutex lock B held by T1");
	RH_ASSERT_CONTAINS(rh_trial_first_msg(&t), "T1 waits for mutex lock A held by T0");
	rh_trial_fini(&t);
}

static void test_stress_helper_thread_is_named_in_a_hang(void **state)
{
	static rh_trial t;

	run_helper(true, &t, &quick_watchdog);
	RH_ASSERT_EQ(rh_trial_first_kind(&t), RH_HANG);
	RH_ASSERT_CONTAINS(rh_trial_first_msg(&t), "T0 died after lock lock A=0, holding lock A");
	RH_ASSERT_CONTAINS(rh_trial_first_msg(&t), "T1 blocked acquiring lock A");
	RH_ASSERT_CONTAINS(rh_trial_first_msg(&t),
			   "T2 (a thread of the scenario's own) blocked acquiring lock A");
	rh_trial_fini(&t);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress_relock_is_a_deadlock),
		cmocka_unit_test(test_stress_abba_is_a_deadlock),
		cmocka_unit_test(test_stress_three_lock_ring_is_a_deadlock),
		cmocka_unit_test(test_stress_wait_chain_is_no_deadlock),
		cmocka_unit_test(test_stress_reader_behind_writer_is_a_deadlock),
		cmocka_unit_test(test_stress_reader_beside_reader_is_no_deadlock),
		cmocka_unit_test(test_stress_threads_done_early_do_not_end_the_round),
		cmocka_unit_test(test_stress_helper_thread_is_part_of_a_lock_cycle),
		cmocka_unit_test(test_stress_helper_thread_is_named_in_a_hang),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
