/* SPDX-License-Identifier: MIT */
/* Stress mode's runtime: what a sync point does for a participant. Noise
 * before it; a note after it (the watchdog's sign of life, and the HANG
 * report's last point); lock waits that wake to look for a lock cycle and
 * never block the clean-up of an aborted trial, whose threads leave at their
 * next sync point. A thread racehunt did not start (a helper pthread of the
 * scenario's own) joins the running team as a guest at its first sync
 * point, and is a participant like the others from then on. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "core/util.h"
#include "noise.h"
#include "team.h"

/* A robust lock is polled with trylock; after this many attempts (about
 * one RH_LOCK_POLL_NS of naps) its waiter looks for a lock cycle again. */
#define RH_ROBUST_POLLS_PER_CHECK 256u

/* Which participant this thread is, in which run: scenario threads set it
 * when they start, guests when they join. */
static _Thread_local struct stress_thread *self;
static _Thread_local uint64_t self_run;
static _Thread_local struct stress_thread *guest_self;
static _Thread_local uint64_t guest_run;

/* The run being served (0: none) and its team, for guests to join.
 * Process-wide, as the runtime pointer is: one stress run at a time, and
 * threads abandoned by one run must recognise the next as not theirs. */
static _Atomic uint64_t current_run;
static pthread_mutex_t join_mu = PTHREAD_MUTEX_INITIALIZER;
static struct stress_team *current_team; /* under join_mu */
static uint64_t runs_opened;		 /* under join_mu */
/* Guests inside a sync point now. A guest checks the run after counting
 * itself in, a closing run waits for the count after ending the run: so no
 * guest touches a team once it may be freed. */
static _Atomic unsigned guests_inside;

void rh__stress_open(struct stress_team *team)
{
	pthread_mutex_lock(&join_mu);
	team->run = ++runs_opened;
	current_team = team;
	atomic_store(&current_run, team->run);
	pthread_mutex_unlock(&join_mu);
}

bool rh__stress_close(struct stress_team *team, unsigned grace_ms)
{
	double until = rh_now_ms() + grace_ms;

	pthread_mutex_lock(&join_mu);
	current_team = NULL;
	atomic_store(&current_run, 0);
	pthread_mutex_unlock(&join_mu);
	if (atomic_load(&team->n_guests) == 0)
		return true;
	while (atomic_load(&guests_inside) != 0) {
		struct timespec nap = {0, 1000000L};

		if (rh_now_ms() > until)
			return false;
		nanosleep(&nap, NULL);
	}
	return true;
}

void rh__stress_enter(struct stress_thread *me)
{
	self = me;
	self_run = me->team->run;
}

RH_NORETURN void rh__stress_leave_aborted(struct stress_thread *me)
{
	if (me->guest)
		atomic_fetch_sub(&guests_inside, 1);
	pthread_exit(NULL);
}

static struct stress_thread *join_as_guest(void)
{
	struct stress_team *team;
	struct stress_thread *g;
	unsigned at;

	pthread_mutex_lock(&join_mu);
	team = current_team;
	if (team == NULL) {
		pthread_mutex_unlock(&join_mu);
		return NULL;
	}
	at = rh__stress_members(team);
	if (at >= RH_TEAM_MAX)
		rh_die("more than %d threads reached sync points in one stress trial of %s",
		       RH_TEAM_MAX, team->scenario->name);
	g = &team->threads[at];
	g->tid = at;
	g->team = team;
	g->guest = true;
	g->handle = pthread_self();
	rh_rng_seed(&g->noise, rh_seed_mix(team->trial->seed ^ 0x6e6f697365ull,
					   team->trial->index, at));
	atomic_store_explicit(&team->n_guests, at + 1 - team->n, memory_order_release);
	guest_self = g;
	guest_run = team->run;
	pthread_mutex_unlock(&join_mu);
	return g;
}

/* Not a scenario thread of the current run: a scenario thread of an
 * abandoned one (a run that completed has joined its threads), which
 * leaves; or a guest, counted in while it is inside the sync point. NULL:
 * no run to join, the raw primitive follows. */
static __attribute__((noinline)) struct stress_thread *enter_slow(struct stress_thread *me)
{
	if (me != NULL)
		rh__stress_leave_aborted(me);
	for (;;) {
		struct stress_thread *g = guest_self;

		atomic_fetch_add(&guests_inside, 1);
		if (g != NULL && guest_run == atomic_load(&current_run)) {
			if (atomic_load_explicit(&g->team->aborted, memory_order_relaxed))
				rh__stress_leave_aborted(g);
			return g;
		}
		atomic_fetch_sub(&guests_inside, 1);
		if (join_as_guest() == NULL)
			return NULL;
	}
}

/* The participant at a sync point, NULL when none. A thread of an aborted
 * trial leaves here. Pair with leave(). */
static inline struct stress_thread *enter(void)
{
	struct stress_thread *me = self;

	if (RH_LIKELY(me != NULL &&
		      self_run == atomic_load_explicit(&current_run, memory_order_relaxed))) {
		if (RH_UNLIKELY(atomic_load_explicit(&me->team->aborted, memory_order_relaxed)))
			rh__stress_leave_aborted(me);
		return me;
	}
	return enter_slow(me);
}

static inline void leave(struct stress_thread *me)
{
	if (RH_UNLIKELY(me->guest))
		atomic_fetch_sub(&guests_inside, 1);
}

/* Only the thread itself writes its progress: no read-modify-write. */
static inline void note(struct stress_thread *me, rh_op op, const char *name, uint64_t value)
{
	atomic_store_explicit(&me->progress,
			      atomic_load_explicit(&me->progress, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	atomic_store_explicit(&me->last_op, (int)op, memory_order_relaxed);
	atomic_store_explicit(&me->last_name, name, memory_order_relaxed);
	atomic_store_explicit(&me->last_value, value, memory_order_relaxed);
}

static void stress_before(rh_op op, const void *obj, const char *name)
{
	struct stress_thread *me = enter();

	if (me != NULL) {
		rh__stress_noise(me);
		leave(me);
	}
}

static void stress_after(rh_op op, const void *obj, const char *name, uint64_t value)
{
	struct stress_thread *me = enter();

	if (me != NULL) {
		note(me, op, name, value);
		leave(me);
	}
}

/* Where a point says it touches is for the controlled reduction only. */
static void stress_point(const char *label, uint64_t value, const void *loc, int access)
{
	struct stress_thread *me = enter();

	(void)loc;
	(void)access;

	if (me != NULL) {
		rh__stress_noise(me);
		note(me, RH_OP_POINT, label, value);
		leave(me);
	}
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
		rh__stress_set_ref(&(me)->waiting, (lock), (lock)->name, (op));              \
		for (;;) {                                                                   \
			struct timespec ts;                                                  \
			rh__stress_deadline_in(&ts, RH_LOCK_POLL_NS);                        \
			(rc) = (timed_call);                                                 \
			if ((rc) != ETIMEDOUT)                                               \
				break;                                                       \
			if (atomic_load(&(me)->team->aborted))                               \
				rh__stress_leave_aborted(me);                                \
			rh__stress_poll_deadlock(me);                                        \
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
			rh__stress_set_ref(&me->waiting, m, m->name, RH_OP_LOCK);
		if (atomic_load(&me->team->aborted))
			rh__stress_leave_aborted(me);
		if (attempt % RH_ROBUST_POLLS_PER_CHECK == RH_ROBUST_POLLS_PER_CHECK - 1)
			rh__stress_poll_deadlock(me);
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
	struct stress_thread *me = enter();
	int rc;

	if (me == NULL)
		return rh__mutex_lock_raw(m);
	rh__stress_noise(me);
	if (m->flags & RH_MUTEX_ROBUST)
		rc = lock_robust_polling(me, m);
	else
		WAIT_ABORTABLE(me, m, RH_OP_LOCK, pthread_mutex_trylock(&m->impl),
			       pthread_mutex_timedlock(&m->impl, &ts), rc);
	note(me, RH_OP_LOCK, m->name, rc == EOWNERDEAD);
	rh__stress_held(me, m, m->name, RH_OP_LOCK);
	leave(me);
	return rc == EOWNERDEAD ? RH_OWNER_DIED : 0;
}

static void stress_mutex_unlock(rh_mutex *m)
{
	struct stress_thread *me = enter();

	if (me != NULL) {
		rh__stress_noise(me);
		note(me, RH_OP_UNLOCK, m->name, 0);
		rh__stress_released(me, m);
		leave(me);
	}
	pthread_mutex_unlock(&m->impl);
}

static void stress_rdlock(rh_rwlock *l)
{
	struct stress_thread *me = enter();
	int rc;

	if (me == NULL) {
		pthread_rwlock_rdlock(&l->impl);
		return;
	}
	rh__stress_noise(me);
	WAIT_ABORTABLE(me, l, RH_OP_RDLOCK, pthread_rwlock_tryrdlock(&l->impl),
		       pthread_rwlock_timedrdlock(&l->impl, &ts), rc);
	note(me, RH_OP_RDLOCK, l->name, 0);
	rh__stress_held(me, l, l->name, RH_OP_RDLOCK);
	leave(me);
}

static void stress_wrlock(rh_rwlock *l)
{
	struct stress_thread *me = enter();
	int rc;

	if (me == NULL) {
		pthread_rwlock_wrlock(&l->impl);
		return;
	}
	rh__stress_noise(me);
	WAIT_ABORTABLE(me, l, RH_OP_WRLOCK, pthread_rwlock_trywrlock(&l->impl),
		       pthread_rwlock_timedwrlock(&l->impl, &ts), rc);
	note(me, RH_OP_WRLOCK, l->name, 0);
	rh__stress_held(me, l, l->name, RH_OP_WRLOCK);
	leave(me);
}

static void stress_rwunlock(rh_rwlock *l)
{
	struct stress_thread *me = enter();

	if (me != NULL) {
		rh__stress_noise(me);
		note(me, RH_OP_RWUNLOCK, l->name, 0);
		rh__stress_released(me, l);
		leave(me);
	}
	pthread_rwlock_unlock(&l->impl);
}

static RH_NORETURN void stress_die(void)
{
	struct stress_thread *me = enter();

	if (me != NULL) {
		atomic_store(&me->dead, true);
		leave(me);
	}
	pthread_exit(NULL);
}

const struct rh_runtime rh__stress_runtime = {
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
