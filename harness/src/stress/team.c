/* SPDX-License-Identifier: MIT */
/* Stress mode's teams. Threads are created per trial (cheap next to a trial,
 * and a thread that died or was abandoned never leaks into the next one).
 * Each round: the main thread opens the round, every live thread
 * rendezvouses on an atomic counter so they start within microseconds of
 * each other, runs its body, and reports done; the main thread waits for
 * them under the watchdog.
 *
 * The threads run on the team's own copy of the trial, folded back into the
 * caller's once they have all been joined. A trial that did not complete
 * (hung, deadlocked) is abandoned: a thread left running may still touch the
 * team, that copy (its random streams, samples, violations) and the
 * scenario's state, so they stay allocated and reachable for as long as the
 * process lives, and the caller's trial, which it reuses, is out of reach. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "team.h"

/* How long threads get to leave a hung trial after the watchdog fired. */
#define RH_ABANDON_GRACE_MS 500

/* What abandoned trials leave behind, kept reachable so leak checkers see a
 * decision, not a leak. Process-wide: the threads it keeps alive outlive
 * the campaign that started them. */
struct abandoned {
	struct abandoned *next;
	struct stress_team *team; /* NULL when every thread was joined */
	void *state;		  /* NULL when the trial completed */
};
static pthread_mutex_t abandoned_mu = PTHREAD_MUTEX_INITIALIZER;
static struct abandoned *abandoned_list;

void rh__stress_deadline_in(struct timespec *ts, long ns)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_nsec += ns;
	while (ts->tv_nsec >= 1000000000L) {
		ts->tv_nsec -= 1000000000L;
		ts->tv_sec++;
	}
}

static rh_trial *trial_copy(const rh_trial *t)
{
	size_t rows = (size_t)RH_MAX_THREADS * RH_SAMPLES_PER_THREAD * sizeof(uint64_t);
	rh_trial *mine = malloc(sizeof(*mine));

	if (mine == NULL)
		rh_die("out of memory for a stress trial");
	*mine = *t;
	mine->samples = NULL;
	if (t->samples != NULL && (mine->samples = malloc(rows)) == NULL)
		rh_die("out of memory for a stress trial's samples");
	return mine;
}

/* Every thread has been joined: the copy is the trial's outcome. */
static void trial_fold(rh_trial *t, const rh_trial *mine)
{
	uint64_t *rows = t->samples;

	if (rows != NULL)
		for (size_t i = 0; i < RH_MAX_THREADS; i++)
			memcpy(rows + i * RH_SAMPLES_PER_THREAD,
			       mine->samples + i * RH_SAMPLES_PER_THREAD,
			       mine->sample_count[i] * sizeof(uint64_t));
	*t = *mine;
	t->samples = rows;
}

/* Threads may still write the copy: its violations as they stand, no
 * samples (what a hung trial measured means nothing). */
static void trial_fold_abandoned(rh_trial *t, rh_trial *mine)
{
	int first;

	atomic_store(&t->violations, atomic_load(&mine->violations));
	for (int k = 0; k < RH_KIND_COUNT_; k++)
		atomic_store(&t->kind_counts[k], atomic_load(&mine->kind_counts[k]));
	while ((first = atomic_load(&mine->first_state)) == 1)
		sched_yield();
	if (first == 2) {
		t->first_kind = mine->first_kind;
		memcpy(t->first_msg, mine->first_msg, sizeof(t->first_msg));
		atomic_store(&t->first_state, 2);
	}
}

static struct stress_team *team_new(const rh_scenario *s, void *state, const rh_trial *t,
				    const rh_stress_opts *o)
{
	size_t size = RH_TEAM_MAX * sizeof(struct stress_thread);
	struct stress_team *team = calloc(1, sizeof(*team));

	if (team == NULL || (team->threads = aligned_alloc(64, size)) == NULL)
		rh_die("out of memory starting %u threads", t->params.threads);
	memset(team->threads, 0, size);
	team->scenario = s;
	team->state = state;
	team->trial = trial_copy(t);
	team->opts = *o;
	team->n = t->params.threads;
	team->alive = team->n;
	pthread_mutex_init(&team->mu, NULL);
	pthread_cond_init(&team->go_cv, NULL);
	pthread_cond_init(&team->done_cv, NULL);
	return team;
}

static void team_free(struct stress_team *team)
{
	pthread_mutex_destroy(&team->mu);
	pthread_cond_destroy(&team->go_cv);
	pthread_cond_destroy(&team->done_cv);
	free(team->trial->samples);
	free(team->trial);
	free(team->threads);
	free(team);
}

/* Keep what threads still running may touch; free the rest. */
static void abandon(struct stress_team *team, void *state, bool keep_team)
{
	struct abandoned *a = malloc(sizeof(*a));

	if (a == NULL)
		rh_die("out of memory recording an abandoned trial");
	a->team = keep_team ? team : NULL;
	a->state = state;
	if (!keep_team)
		team_free(team);
	pthread_mutex_lock(&abandoned_mu);
	a->next = abandoned_list;
	abandoned_list = a;
	pthread_mutex_unlock(&abandoned_mu);
}

/* Runs when a thread leaves, normally or through pthread_exit (death, abort).
 * Leaving inside a round's body counts as done in that round; leaving after
 * its last round was already counted, and counting it again would let the
 * round end while threads still run in it. */
static void thread_leaves(void *arg)
{
	struct stress_thread *me = arg;
	struct stress_team *team = me->team;

	pthread_mutex_lock(&team->mu);
	if (me->in_round)
		team->done++;
	me->in_round = false;
	team->alive--;
	atomic_store(&me->finished, true);
	pthread_cond_signal(&team->done_cv);
	pthread_mutex_unlock(&team->mu);
}

static void rendezvous(struct stress_thread *me)
{
	struct stress_team *team = me->team;
	unsigned target = atomic_load(&team->arrive_target);

	atomic_fetch_add(&team->arrived, 1);
	while (atomic_load(&team->arrived) < target) {
		if (atomic_load(&team->aborted))
			rh__stress_leave_aborted(me);
		sched_yield();
	}
}

static void *thread_main(void *arg)
{
	struct stress_thread *me = arg;
	struct stress_team *team = me->team;
	unsigned rounds = team->trial->params.rounds;

	rh__stress_enter(me);
	pthread_cleanup_push(thread_leaves, me);
	for (unsigned round = 0; round < rounds; round++) {
		pthread_mutex_lock(&team->mu);
		while (team->round_open <= round && !atomic_load(&team->aborted))
			pthread_cond_wait(&team->go_cv, &team->mu);
		me->in_round = !atomic_load(&team->aborted);
		pthread_mutex_unlock(&team->mu);
		if (!me->in_round)
			break;
		rendezvous(me);
		team->scenario->thread(team->state, me->tid, round, team->trial);
		pthread_mutex_lock(&team->mu);
		team->done++;
		me->in_round = false;
		pthread_cond_signal(&team->done_cv);
		pthread_mutex_unlock(&team->mu);
	}
	pthread_cleanup_pop(1);
	return NULL;
}

static void abort_team(struct stress_team *team)
{
	pthread_mutex_lock(&team->mu);
	atomic_store(&team->aborted, true);
	pthread_cond_broadcast(&team->go_cv);
	pthread_mutex_unlock(&team->mu);
}

/* Join the first count threads; after an abort, those that do not leave
 * within the grace period are detached and left running. True when every
 * one was joined. */
static bool join_threads(struct stress_team *team, unsigned count, bool completed)
{
	struct timespec deadline;
	bool all = true;

	rh__stress_deadline_in(&deadline, (long)RH_ABANDON_GRACE_MS * 1000000L);
	for (unsigned i = 0; i < count; i++) {
		struct stress_thread *th = &team->threads[i];

		if (completed) {
			pthread_join(th->handle, NULL);
		} else if (pthread_timedjoin_np(th->handle, NULL, &deadline) != 0) {
			pthread_detach(th->handle);
			all = false;
		}
	}
	return all;
}

static void pin(pthread_attr_t *attr, unsigned tid)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET((int)(tid % (ncpu > 0 ? (unsigned long)ncpu : 1)), &set);
	pthread_attr_setaffinity_np(attr, sizeof(set), &set);
}

/* Start every thread, or none: when one cannot be started, those that were
 * leave, and the process ends as a harness failure (exit 3), never as a
 * verdict on the scenario. */
static void start_threads(struct stress_team *team)
{
	for (unsigned i = 0; i < team->n; i++) {
		struct stress_thread *th = &team->threads[i];
		pthread_attr_t attr;
		int rc;

		th->tid = i;
		th->team = team;
		rh_rng_seed(&th->noise,
			    rh_seed_mix(team->trial->seed ^ 0x6e6f697365ull, team->trial->index, i));
		pthread_attr_init(&attr);
		if (team->opts.pin)
			pin(&attr, i);
		rc = pthread_create(&th->handle, &attr, thread_main, th);
		pthread_attr_destroy(&attr);
		if (rc == 0)
			continue;
		abort_team(team);
		join_threads(team, i, true);
		rh_runtime_detach();
		rh__stress_close(team, RH_ABANDON_GRACE_MS);
		rh_die("cannot start stress thread %u of %u: %s (a limit on processes or threads, "
		       "such as ulimit -u, may be too low)",
		       i + 1, team->n, strerror(rc));
	}
}

static bool run_round(struct stress_team *team, unsigned round, unsigned ms)
{
	unsigned started;

	pthread_mutex_lock(&team->mu);
	started = team->alive;
	team->done = 0;
	atomic_store(&team->arrive_target, atomic_load(&team->arrived) + started);
	team->round_open = round + 1;
	pthread_cond_broadcast(&team->go_cv);
	pthread_mutex_unlock(&team->mu);
	return rh__stress_wait_round(team, round, started, ms);
}

bool rh_stress_run(const rh_scenario *s, void *state, rh_trial *t, const rh_stress_opts *o)
{
	struct stress_team *team = team_new(s, state, t, o);
	unsigned ms = rh_timeout_ms(o->watchdog_ms);
	bool completed = true, all_gone;

	rh__stress_open(team);
	rh_runtime_attach(&rh__stress_runtime);
	start_threads(team);
	for (unsigned round = 0; round < t->params.rounds && completed; round++)
		completed = run_round(team, round, ms);
	if (!completed)
		abort_team(team);
	all_gone = join_threads(team, team->n, completed);
	/* A guest still waiting for a lock now waits on state that is about to
	 * be torn down or abandoned: it leaves too. */
	abort_team(team);
	rh_runtime_detach();
	all_gone = rh__stress_close(team, RH_ABANDON_GRACE_MS) && all_gone;
	if (all_gone)
		trial_fold(t, team->trial);
	else
		trial_fold_abandoned(t, team->trial);
	if (completed && all_gone)
		team_free(team);
	else
		abandon(team, completed ? NULL : state, !all_gone);
	return completed;
}
