/* Stress mode. Threads are created per trial (cheap next to a trial, and a
 * thread that died or was abandoned never leaks into the next one). Each
 * round: the main thread opens the round, every live thread rendezvouses on
 * an atomic counter so they start within microseconds of each other, runs
 * its body, and reports done; the main thread waits with a deadline. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/trial.h"
#include "core/util.h"
#include "runtime/runtime.h"
#include "stress.h"

/* A round still passing sync points is slow, not hung: the watchdog waits
 * up to this many periods as long as some thread makes progress. */
#define RH_SLOW_ROUND_PERIODS 20
/* How long threads get to leave a hung trial after the watchdog fired. */
#define RH_ABANDON_GRACE_MS 500
/* Blocking lock calls wake this often to notice an aborted trial, and to
 * look for a lock cycle. */
#define RH_LOCK_POLL_NS 5000000L
/* A robust lock is polled with trylock; after this many attempts (about
 * one RH_LOCK_POLL_NS of naps) its waiter looks for a lock cycle again. */
#define RH_ROBUST_POLLS_PER_CHECK 256u
#define RH_HELD_MAX 4

/* A lock a thread holds, or waits for (op says how: mutex, read, write). */
struct lock_ref {
	_Atomic(const void *) obj;
	_Atomic(const char *) name;
	_Atomic int op;
};

struct stress_team;

struct stress_thread {
	pthread_t handle;
	unsigned tid;
	struct stress_team *team;
	rh_rng noise;
	/* Read by the watchdog while the thread runs, hence atomic. */
	_Atomic(const char *) last_name;
	_Atomic int last_op;
	_Atomic uint64_t last_value;
	struct lock_ref waiting; /* obj NULL when not blocked on a lock */
	/* Locks held, most recent last, so a HANG report can say who holds
	 * what the others wait for, and a blocked thread can find a cycle. */
	struct lock_ref holding[RH_HELD_MAX];
	_Atomic unsigned n_holding;
	_Atomic bool dead;
	_Atomic bool finished;
	/* Between the start of a round's body and its done report; under the
	 * team's mu. A thread that leaves in a round counts as done in it. */
	bool in_round;
	/* The lock whose wait showed a cycle at this thread's last poll. */
	const void *cycle_suspect;
};

struct stress_team {
	const rh_scenario *scenario;
	void *state;
	rh_trial *trial;
	const rh_stress_opts *opts;
	unsigned n;
	struct stress_thread *threads;

	pthread_mutex_t mu;
	pthread_cond_t go_cv, done_cv;
	unsigned round_open; /* rounds released so far */
	unsigned done;	     /* threads finished (or dead) in the current round */
	unsigned alive;

	_Atomic unsigned arrived;
	_Atomic unsigned arrive_target;
	/* Sync points passed by any thread: the watchdog's sign of life. */
	_Atomic uint64_t progress;
	_Atomic bool aborted;
	_Atomic bool deadlocked; /* a lock cycle was reported: the round is over */
};

static _Thread_local struct stress_thread *self;

static void noise(struct stress_thread *me)
{
	double p = me->team->opts->noise;
	uint64_t r;

	if (p <= 0 || (double)(rh_rng_next(&me->noise) >> 11) * 0x1.0p-53 >= p)
		return;
	r = rh_rng_next(&me->noise);
	switch (r % 3) {
	case 0:
		sched_yield();
		break;
	case 1:
		for (volatile unsigned spin = (unsigned)(r >> 8) % 2000; spin > 0; spin--)
			;
		break;
	default: {
		struct timespec ts = {0, 1000 + (long)((r >> 8) % 50000)};
		nanosleep(&ts, NULL);
	}
	}
}

static void note(struct stress_thread *me, rh_op op, const char *name, uint64_t value)
{
	atomic_fetch_add_explicit(&me->team->progress, 1, memory_order_relaxed);
	atomic_store_explicit(&me->last_op, (int)op, memory_order_relaxed);
	atomic_store_explicit(&me->last_name, name, memory_order_relaxed);
	atomic_store_explicit(&me->last_value, value, memory_order_relaxed);
}

static void set_ref(struct lock_ref *ref, const void *obj, const char *name, rh_op op)
{
	atomic_store_explicit(&ref->name, name, memory_order_relaxed);
	atomic_store_explicit(&ref->op, (int)op, memory_order_relaxed);
	atomic_store_explicit(&ref->obj, obj, memory_order_relaxed);
}

static void held(struct stress_thread *me, const void *obj, const char *name, rh_op op)
{
	unsigned n = atomic_load_explicit(&me->n_holding, memory_order_relaxed);

	if (n < RH_HELD_MAX)
		set_ref(&me->holding[n], obj, name, op);
	atomic_store_explicit(&me->n_holding, n + 1, memory_order_relaxed);
}

static void released(struct stress_thread *me, const void *obj)
{
	unsigned n = atomic_load_explicit(&me->n_holding, memory_order_relaxed);
	unsigned top = n < RH_HELD_MAX ? n : RH_HELD_MAX;

	/* Locks are usually released in reverse order; search from the top. */
	for (unsigned i = top; i-- > 0;)
		if (atomic_load_explicit(&me->holding[i].obj, memory_order_relaxed) == obj) {
			for (unsigned j = i; j + 1 < top; j++) {
				struct lock_ref *up = &me->holding[j + 1];

				set_ref(&me->holding[j], atomic_load(&up->obj),
					atomic_load(&up->name), (rh_op)atomic_load(&up->op));
			}
			break;
		}
	if (n > 0)
		atomic_store_explicit(&me->n_holding, n - 1, memory_order_relaxed);
}

static void stress_before(rh_op op, const void *obj, const char *name)
{
	if (self != NULL)
		noise(self);
}

static void stress_after(rh_op op, const void *obj, const char *name, uint64_t value)
{
	if (self != NULL)
		note(self, op, name, value);
}

static void stress_point(const char *label, uint64_t value)
{
	struct stress_thread *me = self;

	if (me != NULL) {
		noise(me);
		note(me, RH_OP_POINT, label, value);
	}
}

static RH_NORETURN void leave_aborted(void)
{
	pthread_exit(NULL);
}

static void deadline_in(struct timespec *ts, long ns)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_nsec += ns;
	while (ts->tv_nsec >= 1000000000L) {
		ts->tv_nsec -= 1000000000L;
		ts->tv_sec++;
	}
}

/* The threads that keep th waiting: every holder of the lock it waits for
 * when it wants it exclusively, the writer when it wants to read (readers
 * do not block readers). A bit per thread. */
static uint64_t blockers(const struct stress_team *team, const struct stress_thread *th)
{
	const void *obj = atomic_load(&th->waiting.obj);
	bool shared = atomic_load(&th->waiting.op) == RH_OP_RDLOCK;
	uint64_t set = 0;

	if (obj == NULL)
		return 0;
	for (unsigned i = 0; i < team->n; i++) {
		const struct stress_thread *h = &team->threads[i];
		unsigned n = atomic_load(&h->n_holding);

		for (unsigned j = 0; j < n && j < RH_HELD_MAX; j++)
			if (atomic_load(&h->holding[j].obj) == obj &&
			    !(shared && atomic_load(&h->holding[j].op) == RH_OP_RDLOCK))
				set |= 1ull << i;
	}
	return set;
}

/* Depth-first along "waits for a lock held by" from thread at; true when the
 * path gets back to target, with path[0..*len) the threads on the cycle. */
static bool find_cycle(const struct stress_team *team, unsigned at, unsigned target,
		       uint64_t *seen, unsigned *path, unsigned depth, unsigned *len)
{
	uint64_t next = blockers(team, &team->threads[at]);

	path[depth] = at;
	if (next >> target & 1) {
		*len = depth + 1;
		return true;
	}
	for (next &= ~*seen; next != 0; next &= next - 1) {
		unsigned i = (unsigned)__builtin_ctzll(next);

		*seen |= 1ull << i;
		if (find_cycle(team, i, target, seen, path, depth + 1, len))
			return true;
	}
	return false;
}

static void describe_cycle(const struct stress_team *team, const unsigned *path, unsigned len,
			   char *msg, size_t cap)
{
	size_t at = 0;

	for (unsigned k = 0; k < len && at < cap; k++) {
		const struct stress_thread *th = &team->threads[path[k]];
		const char *name = atomic_load(&th->waiting.name);
		unsigned holder = path[(k + 1) % len];

		at += (size_t)snprintf(msg + at, cap - at, "%sT%u waits for %s %s held by T%u",
				       k ? "; " : "", th->tid,
				       rh__wait_what((rh_op)atomic_load(&th->waiting.op)),
				       name ? name : "?", holder);
	}
}

/* A blocked thread's periodic look at who holds what. Its own wait state is
 * exact, the others' are read while they may move, so a cycle counts only
 * when the next poll, RH_LOCK_POLL_NS later, finds it again: a real
 * deadlock never dissolves. The first thread to confirm one reports it and
 * ends the round; the watchdog then clears the trial as it does a hang. */
static void poll_deadlock(struct stress_thread *me)
{
	struct stress_team *team = me->team;
	const void *waiting = atomic_load(&me->waiting.obj);
	unsigned path[RH_MAX_THREADS], len = 0;
	uint64_t seen = 1ull << me->tid;
	char msg[RH_MSG_MAX];

	if (!find_cycle(team, me->tid, me->tid, &seen, path, 0, &len)) {
		me->cycle_suspect = NULL;
		return;
	}
	if (me->cycle_suspect != waiting) {
		me->cycle_suspect = waiting;
		return;
	}
	if (atomic_exchange(&team->deadlocked, true))
		return;
	describe_cycle(team, path, len, msg, sizeof(msg));
	rh_violation(team->trial, RH_DEADLOCK,
		     "lock cycle: %s (seen by T%u at two lock polls %ld ms apart)", msg, me->tid,
		     RH_LOCK_POLL_NS / 1000000L);
	pthread_mutex_lock(&team->mu);
	pthread_cond_signal(&team->done_cv);
	pthread_mutex_unlock(&team->mu);
}

static void end_wait(struct stress_thread *me)
{
	atomic_store_explicit(&me->waiting.obj, NULL, memory_order_relaxed);
	atomic_store_explicit(&me->waiting.name, NULL, memory_order_relaxed);
	me->cycle_suspect = NULL;
}

/* Block on a lock without ever blocking the watchdog's clean-up: wake
 * periodically, leave the thread if the trial was abandoned, and look for a
 * lock cycle. */
#define WAIT_ABORTABLE(me, lock, op, try_call, timed_call, rc)                                 \
	do {                                                                                 \
		(rc) = (try_call);                                                           \
		if ((rc) != EBUSY)                                                           \
			break;                                                               \
		set_ref(&(me)->waiting, (lock), (lock)->name, (op));                         \
		for (;;) {                                                                   \
			struct timespec ts;                                                  \
			deadline_in(&ts, RH_LOCK_POLL_NS);                                   \
			(rc) = (timed_call);                                                 \
			if ((rc) != ETIMEDOUT)                                               \
				break;                                                       \
			if (atomic_load(&(me)->team->aborted))                               \
				leave_aborted();                                             \
			poll_deadlock(me);                                                   \
		}                                                                            \
		end_wait(me);                                                                \
	} while (0)

/* A robust mutex is polled with trylock: ThreadSanitizer records an
 * EOWNERDEAD acquisition from trylock but not from timedlock, and would then
 * call the recovering thread's unlock an unlock of a lock it does not hold. */
static int lock_robust_polling(struct stress_thread *me, rh_mutex *m)
{
	for (unsigned attempt = 0;; attempt++) {
		int rc = pthread_mutex_trylock(&m->impl);

		if (rc != EBUSY) {
			end_wait(me);
			return rc;
		}
		if (attempt == 0)
			set_ref(&me->waiting, m, m->name, RH_OP_LOCK);
		if (atomic_load(&me->team->aborted))
			leave_aborted();
		if (attempt % RH_ROBUST_POLLS_PER_CHECK == RH_ROBUST_POLLS_PER_CHECK - 1)
			poll_deadlock(me);
		if (attempt < 64) {
			sched_yield();
		} else {
			struct timespec nap = {0, 20000};

			nanosleep(&nap, NULL);
		}
	}
}

static int stress_mutex_lock(rh_mutex *m)
{
	struct stress_thread *me = self;
	int rc;

	if (me == NULL)
		return rh__mutex_lock_raw(m);
	noise(me);
	if (m->flags & RH_MUTEX_ROBUST)
		rc = lock_robust_polling(me, m);
	else
		WAIT_ABORTABLE(me, m, RH_OP_LOCK, pthread_mutex_trylock(&m->impl),
			       pthread_mutex_timedlock(&m->impl, &ts), rc);
	note(me, RH_OP_LOCK, m->name, rc == EOWNERDEAD);
	held(me, m, m->name, RH_OP_LOCK);
	return rc == EOWNERDEAD ? RH_OWNER_DIED : 0;
}

static void stress_mutex_unlock(rh_mutex *m)
{
	if (self != NULL) {
		noise(self);
		note(self, RH_OP_UNLOCK, m->name, 0);
		released(self, m);
	}
	pthread_mutex_unlock(&m->impl);
}

static void stress_rdlock(rh_rwlock *l)
{
	struct stress_thread *me = self;
	int rc;

	if (me == NULL) {
		pthread_rwlock_rdlock(&l->impl);
		return;
	}
	noise(me);
	WAIT_ABORTABLE(me, l, RH_OP_RDLOCK, pthread_rwlock_tryrdlock(&l->impl),
		       pthread_rwlock_timedrdlock(&l->impl, &ts), rc);
	note(me, RH_OP_RDLOCK, l->name, 0);
	held(me, l, l->name, RH_OP_RDLOCK);
}

static void stress_wrlock(rh_rwlock *l)
{
	struct stress_thread *me = self;
	int rc;

	if (me == NULL) {
		pthread_rwlock_wrlock(&l->impl);
		return;
	}
	noise(me);
	WAIT_ABORTABLE(me, l, RH_OP_WRLOCK, pthread_rwlock_trywrlock(&l->impl),
		       pthread_rwlock_timedwrlock(&l->impl, &ts), rc);
	note(me, RH_OP_WRLOCK, l->name, 0);
	held(me, l, l->name, RH_OP_WRLOCK);
}

static void stress_rwunlock(rh_rwlock *l)
{
	if (self != NULL) {
		noise(self);
		note(self, RH_OP_RWUNLOCK, l->name, 0);
		released(self, l);
	}
	pthread_rwlock_unlock(&l->impl);
}

static RH_NORETURN void stress_die(void)
{
	if (self != NULL)
		atomic_store(&self->dead, true);
	pthread_exit(NULL);
}

static const struct rh_runtime stress_runtime = {
	.name = "stress",
	.before = stress_before,
	.after = stress_after,
	.point = stress_point,
	.mutex_lock = stress_mutex_lock,
	.mutex_unlock = stress_mutex_unlock,
	.rwlock_rdlock = stress_rdlock,
	.rwlock_wrlock = stress_wrlock,
	.rwlock_unlock = stress_rwunlock,
	.thread_die = stress_die,
};

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
			leave_aborted();
		sched_yield();
	}
}

static void *thread_main(void *arg)
{
	struct stress_thread *me = arg;
	struct stress_team *team = me->team;
	unsigned rounds = team->trial->params.rounds;

	self = me;
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

static void describe_thread(const struct stress_thread *th, char *buf, size_t cap)
{
	const char *name = atomic_load(&th->last_name);
	const char *waiting = atomic_load(&th->waiting.obj) ? atomic_load(&th->waiting.name) : NULL;
	int op = atomic_load(&th->last_op);
	uint64_t value = atomic_load(&th->last_value);
	unsigned held_n;
	int n;

	if (atomic_load(&th->dead))
		n = snprintf(buf, cap, "T%u died after ", th->tid);
	else if (waiting != NULL)
		n = snprintf(buf, cap, "T%u blocked acquiring %s, after ", th->tid, waiting);
	else if (atomic_load(&th->finished))
		n = snprintf(buf, cap, "T%u finished, after ", th->tid);
	else
		n = snprintf(buf, cap, "T%u running, after ", th->tid);
	if (n < 0 || (size_t)n >= cap)
		return;
	if (name == NULL)
		n += snprintf(buf + n, cap - (size_t)n, "no sync point");
	else
		n += snprintf(buf + n, cap - (size_t)n, "%s %s=%llu", rh_op_name((rh_op)op), name,
			      (unsigned long long)value);
	held_n = atomic_load(&th->n_holding);
	for (unsigned i = 0; i < held_n && i < RH_HELD_MAX && (size_t)n < cap; i++)
		n += snprintf(buf + n, cap - (size_t)n, "%s%s", i ? ", " : ", holding ",
			      atomic_load(&th->holding[i].name));
}

static void report_hang(struct stress_team *team, unsigned round, unsigned ms)
{
	char msg[RH_MSG_MAX], line[200];
	size_t at;

	at = (size_t)snprintf(msg, sizeof(msg),
			      "round %u hung: no thread passed a sync point for %u ms, or the "
			      "round outlived %u such periods:",
			      round, ms, RH_SLOW_ROUND_PERIODS);
	for (unsigned i = 0; i < team->n && at < sizeof(msg); i++) {
		describe_thread(&team->threads[i], line, sizeof(line));
		at += (size_t)snprintf(msg + at, sizeof(msg) - at, "%s %s", i ? ";" : "", line);
	}
	rh_violation(team->trial, RH_HANG, "%s", msg);
}

/* Wait until every thread that started the round is done. False when a
 * whole watchdog period passes with no thread passing a sync point (hung),
 * or when even progress has gone on for RH_SLOW_ROUND_PERIODS periods: a
 * loaded machine slows a round down without stopping it. */
static bool wait_round(struct stress_team *team, unsigned started, unsigned ms)
{
	uint64_t seen = atomic_load(&team->progress);
	unsigned periods = 0;
	bool done = false;

	pthread_mutex_lock(&team->mu);
	while (!done) {
		struct timespec deadline;
		uint64_t now_seen;

		deadline_in(&deadline, (long)ms * 1000000L);
		while (team->done < started && !atomic_load(&team->deadlocked) &&
		       pthread_cond_timedwait(&team->done_cv, &team->mu, &deadline) != ETIMEDOUT)
			;
		done = team->done >= started;
		if (atomic_load(&team->deadlocked))
			break;
		now_seen = atomic_load(&team->progress);
		if (!done && (now_seen == seen || ++periods >= RH_SLOW_ROUND_PERIODS))
			break;
		seen = now_seen;
	}
	pthread_mutex_unlock(&team->mu);
	return done;
}

static void pin(pthread_attr_t *attr, unsigned tid)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET((int)(tid % (ncpu > 0 ? (unsigned long)ncpu : 1)), &set);
	pthread_attr_setaffinity_np(attr, sizeof(set), &set);
}

bool rh_stress_run(const rh_scenario *s, void *state, rh_trial *t, const rh_stress_opts *o)
{
	struct stress_team *team = calloc(1, sizeof(*team));
	unsigned n = t->params.threads, ms = rh_timeout_ms(o->watchdog_ms);
	bool completed = true, abandoned = false;

	if (team == NULL || (team->threads = calloc(n, sizeof(*team->threads))) == NULL)
		rh_die("out of memory starting %u threads", n);
	team->scenario = s;
	team->state = state;
	team->trial = t;
	team->opts = o;
	team->n = n;
	team->alive = n;
	pthread_mutex_init(&team->mu, NULL);
	pthread_cond_init(&team->go_cv, NULL);
	pthread_cond_init(&team->done_cv, NULL);

	rh_runtime_attach(&stress_runtime);
	for (unsigned i = 0; i < n; i++) {
		struct stress_thread *th = &team->threads[i];
		pthread_attr_t attr;

		th->tid = i;
		th->team = team;
		rh_rng_seed(&th->noise, rh_seed_mix(t->seed ^ 0x6e6f697365ull, t->index, i));
		pthread_attr_init(&attr);
		if (o->pin)
			pin(&attr, i);
		if (pthread_create(&th->handle, &attr, thread_main, th) != 0)
			rh_die("cannot start scenario thread %u of %u", i, n);
		pthread_attr_destroy(&attr);
	}

	for (unsigned round = 0; round < t->params.rounds && completed; round++) {
		unsigned started;

		pthread_mutex_lock(&team->mu);
		started = team->alive;
		team->done = 0;
		atomic_store(&team->arrive_target, atomic_load(&team->arrived) + started);
		team->round_open = round + 1;
		pthread_cond_broadcast(&team->go_cv);
		pthread_mutex_unlock(&team->mu);
		if (!wait_round(team, started, ms)) {
			if (!atomic_load(&team->deadlocked))
				report_hang(team, round, ms);
			completed = false;
		}
	}

	if (!completed) {
		pthread_mutex_lock(&team->mu);
		atomic_store(&team->aborted, true);
		pthread_cond_broadcast(&team->go_cv);
		pthread_mutex_unlock(&team->mu);
	}
	for (unsigned i = 0; i < n; i++) {
		struct stress_thread *th = &team->threads[i];
		struct timespec deadline;

		if (completed) {
			pthread_join(th->handle, NULL);
			continue;
		}
		/* A thread stuck outside any sync point cannot be stopped: leave
		 * it (and the team it points to) to the process. */
		deadline_in(&deadline, (long)RH_ABANDON_GRACE_MS * 1000000L);
		if (pthread_timedjoin_np(th->handle, NULL, &deadline) != 0) {
			pthread_detach(th->handle);
			abandoned = true;
		}
	}
	rh_runtime_detach();
	if (!abandoned) {
		pthread_mutex_destroy(&team->mu);
		pthread_cond_destroy(&team->go_cv);
		pthread_cond_destroy(&team->done_cv);
		free(team->threads);
		free(team);
	}
	return completed;
}

bool rh_stress_parse_strategy(const char *spec, double *noise_p, char *err, size_t errcap)
{
	char *end;
	double p;

	if (strncmp(spec, "noise:", 6) != 0) {
		snprintf(err, errcap, "unknown stress strategy '%s' (expected noise:P)", spec);
		return false;
	}
	errno = 0;
	p = strtod(spec + 6, &end);
	if (errno != 0 || end == spec + 6 || *end != '\0' || !(p >= 0 && p <= 1)) {
		snprintf(err, errcap, "bad noise probability in '%s' (expected 0..1)", spec);
		return false;
	}
	*noise_p = p;
	return true;
}
