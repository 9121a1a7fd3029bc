/* SPDX-License-Identifier: MIT */
/* Interceptors of the lock, wait and sleep calls (see threads.c for how
 * interception works): each a sync point, blocking ones publish what they
 * wait for, and mutex-like locks record their holder by address so a
 * DEADLOCK report names who holds what. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <semaphore.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "controlled_rt.h"
#include "rt.h"

#define PC() ((uintptr_t)__builtin_return_address(0))

/* ---- mutex owners, keyed by address ---------------------------------------
 * Open addressing, never deleted (a destroyed mutex's slot is reused by the
 * next object at that address). For reports only: a full table loses names,
 * not correctness. */
#define OWNERS 8192
struct owner {
	_Atomic uintptr_t key;
	_Atomic int tid; /* -1 = free */
	unsigned depth;	 /* recursive mutexes */
};
static struct owner owners[OWNERS];

static struct owner *owner_of(const void *obj, int insert)
{
	uintptr_t key = (uintptr_t)obj;
	unsigned h = (unsigned)((key >> 3) * 0x9e3779b1u) % OWNERS;

	for (unsigned i = 0; i < 64; i++) {
		struct owner *o = &owners[(h + i) % OWNERS];
		uintptr_t k = atomic_load(&o->key);

		if (k == key)
			return o;
		if (k == 0) {
			if (!insert)
				return NULL;
			if (atomic_compare_exchange_strong(&o->key, &k, key)) {
				atomic_store(&o->tid, -1);
				return o;
			}
			if (k == key)
				return o;
		}
	}
	return NULL;
}

void rh__rt_acquired(struct rh__rt_thread *me, const void *obj)
{
	struct owner *o = owner_of(obj, 1);

	if (o == NULL)
		return;
	if (atomic_load(&o->tid) == (int)me->tid) {
		o->depth++;
		return;
	}
	o->depth = 1;
	atomic_store(&o->tid, (int)me->tid);
}

void rh__rt_released(struct rh__rt_thread *me, const void *obj)
{
	struct owner *o = owner_of(obj, 0);

	if (o != NULL && atomic_load(&o->tid) == (int)me->tid && --o->depth == 0)
		atomic_store(&o->tid, -1);
}

int rh__rt_holder(const void *obj)
{
	struct owner *o = owner_of(obj, 0);

	return o != NULL ? atomic_load(&o->tid) : -1;
}

/* ---- mutexes ----------------------------------------------------------------- */
DECLARE_REAL(int, pthread_mutex_lock, pthread_mutex_t *);
DECLARE_REAL(int, pthread_mutex_trylock, pthread_mutex_t *);
DECLARE_REAL(int, pthread_mutex_timedlock, pthread_mutex_t *, const struct timespec *);
DECLARE_REAL(int, pthread_mutex_unlock, pthread_mutex_t *);

/* Robust mutexes return EOWNERDEAD holding the lock. */
static int locked(int rc)
{
	return rc == 0 || rc == EOWNERDEAD;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	struct rh__rt_thread *me = rh__rt_enter_on("pthread_mutex_lock", m, PC());
	RH_CTL(rh__ctl_mutex_lock(m, false, PC()));
	int rc;

	if (me == NULL)
		return REAL(pthread_mutex_lock)(m);
	rc = REAL(pthread_mutex_trylock)(m);
	if (rc == EBUSY) {
		rh__rt_block(me, "pthread_mutex_lock", m, -1, PC());
		rc = REAL(pthread_mutex_lock)(m);
		rh__rt_unblock(me);
	}
	if (locked(rc))
		rh__rt_acquired(me, m);
	return rc;
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	struct rh__rt_thread *me = rh__rt_enter_on("pthread_mutex_trylock", m, PC());
	RH_CTL(rh__ctl_mutex_lock(m, true, PC()));
	int rc = REAL(pthread_mutex_trylock)(m);

	if (me != NULL && locked(rc))
		rh__rt_acquired(me, m);
	return rc;
}

int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
	struct rh__rt_thread *me = rh__rt_enter_on("pthread_mutex_timedlock", m, PC());
	/* The timeout never expires: fibers do not wait for the clock. */
	RH_CTL(rh__ctl_mutex_lock(m, false, PC()));
	int rc = REAL(pthread_mutex_timedlock)(m, abstime);

	if (me != NULL && locked(rc))
		rh__rt_acquired(me, m);
	return rc;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	struct rh__rt_thread *me = rh__rt_enter_on("pthread_mutex_unlock", m, PC());
	RH_CTL(rh__ctl_mutex_unlock(m));

	if (me != NULL)
		rh__rt_released(me, m);
	return REAL(pthread_mutex_unlock)(m);
}

/* ---- rwlocks: the writer is tracked as the holder -------------------------- */
DECLARE_REAL(int, pthread_rwlock_rdlock, pthread_rwlock_t *);
DECLARE_REAL(int, pthread_rwlock_tryrdlock, pthread_rwlock_t *);
DECLARE_REAL(int, pthread_rwlock_timedrdlock, pthread_rwlock_t *, const struct timespec *);
DECLARE_REAL(int, pthread_rwlock_wrlock, pthread_rwlock_t *);
DECLARE_REAL(int, pthread_rwlock_trywrlock, pthread_rwlock_t *);
DECLARE_REAL(int, pthread_rwlock_timedwrlock, pthread_rwlock_t *, const struct timespec *);
DECLARE_REAL(int, pthread_rwlock_unlock, pthread_rwlock_t *);

int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	struct rh__rt_thread *me = rh__rt_enter_on("pthread_rwlock_rdlock", l, PC());
	RH_CTL(rh__ctl_rwlock_lock(l, false, false, PC()));
	int rc;

	if (me == NULL)
		return REAL(pthread_rwlock_rdlock)(l);
	rc = REAL(pthread_rwlock_tryrdlock)(l);
	if (rc == EBUSY) {
		rh__rt_block(me, "pthread_rwlock_rdlock", l, -1, PC());
		rc = REAL(pthread_rwlock_rdlock)(l);
		rh__rt_unblock(me);
	}
	return rc;
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
	rh__rt_enter_on("pthread_rwlock_tryrdlock", l, PC());
	RH_CTL(rh__ctl_rwlock_lock(l, false, true, PC()));
	return REAL(pthread_rwlock_tryrdlock)(l);
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *abstime)
{
	rh__rt_enter_on("pthread_rwlock_timedrdlock", l, PC());
	RH_CTL(rh__ctl_rwlock_lock(l, false, false, PC()));
	return REAL(pthread_rwlock_timedrdlock)(l, abstime);
}

int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	struct rh__rt_thread *me = rh__rt_enter_on("pthread_rwlock_wrlock", l, PC());
	RH_CTL(rh__ctl_rwlock_lock(l, true, false, PC()));
	int rc;

	if (me == NULL)
		return REAL(pthread_rwlock_wrlock)(l);
	rc = REAL(pthread_rwlock_trywrlock)(l);
	if (rc == EBUSY) {
		rh__rt_block(me, "pthread_rwlock_wrlock", l, -1, PC());
		rc = REAL(pthread_rwlock_wrlock)(l);
		rh__rt_unblock(me);
	}
	if (rc == 0)
		rh__rt_acquired(me, l);
	return rc;
}

int pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
	struct rh__rt_thread *me = rh__rt_enter_on("pthread_rwlock_trywrlock", l, PC());
	RH_CTL(rh__ctl_rwlock_lock(l, true, true, PC()));
	int rc = REAL(pthread_rwlock_trywrlock)(l);

	if (me != NULL && rc == 0)
		rh__rt_acquired(me, l);
	return rc;
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *abstime)
{
	struct rh__rt_thread *me = rh__rt_enter_on("pthread_rwlock_timedwrlock", l, PC());
	RH_CTL(rh__ctl_rwlock_lock(l, true, false, PC()));
	int rc = REAL(pthread_rwlock_timedwrlock)(l, abstime);

	if (me != NULL && rc == 0)
		rh__rt_acquired(me, l);
	return rc;
}

int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	struct rh__rt_thread *me;

	/* A reader's unlock says so in the run record (exec dpor: it commutes
	 * with other readers' locks). Who holds l cannot change before the
	 * point: only this thread lets its hold go. */
	if (rh__ctl_on)
		rh__rt_next_flags = rh__ctl_rwlock_reader(l) ? RH_EXEC_STEP_READER : 0;
	me = rh__rt_enter_on("pthread_rwlock_unlock", l, PC());
	RH_CTL(rh__ctl_rwlock_unlock(l));

	if (me != NULL) {
		rh__rt_released(me, l);
		atomic_fetch_add(&rh__rt_wakes, 1);
	}
	return REAL(pthread_rwlock_unlock)(l);
}

/* ---- condition variables ----------------------------------------------------- */
DECLARE_REAL(int, pthread_cond_wait, pthread_cond_t *, pthread_mutex_t *);
DECLARE_REAL(int, pthread_cond_timedwait, pthread_cond_t *, pthread_mutex_t *,
	     const struct timespec *);
DECLARE_REAL(int, pthread_cond_signal, pthread_cond_t *);
DECLARE_REAL(int, pthread_cond_broadcast, pthread_cond_t *);

DECLARE_REAL(int, pthread_cond_clockwait, pthread_cond_t *, pthread_mutex_t *, clockid_t,
	     const struct timespec *);

/* Stress noise for condition variables: with a quarter of the noise
 * probability a wait ends by itself within a millisecond, a spurious
 * wake-up as POSIX allows, so a wait that is not in a loop over its
 * predicate shows. The deadline is on CLOCK_MONOTONIC whatever clock the
 * program gave the condition variable. */
static bool spurious_wakeup(struct rh__rt_thread *me, struct timespec *deadline)
{
	double p = rh__rt_shared->noise / 4;

	if (p <= 0 || (double)(rh_rng_next(&me->rng) >> 11) * 0x1.0p-53 >= p)
		return false;
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_nsec += 1000 + (long)rh_rng_below(&me->rng, 1000000);
	if (deadline->tv_nsec >= 1000000000L) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000L;
	}
	return true;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	struct rh__rt_thread *me = rh__rt_enter_on("pthread_cond_wait", c, PC());
	RH_CTL(rh__ctl_cond_wait(c, m, false, PC()));
	struct timespec deadline;
	int rc;

	if (me == NULL)
		return REAL(pthread_cond_wait)(c, m);
	rh__rt_released(me, m);
	if (spurious_wakeup(me, &deadline)) {
		rc = REAL(pthread_cond_clockwait)(c, m, CLOCK_MONOTONIC, &deadline);
		if (rc == ETIMEDOUT)
			rc = 0;
	} else {
		rh__rt_block(me, "pthread_cond_wait", c, -1, PC());
		rc = REAL(pthread_cond_wait)(c, m);
		rh__rt_unblock(me);
	}
	rh__rt_acquired(me, m);
	return rc;
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime)
{
	struct rh__rt_thread *me = rh__rt_enter_on("pthread_cond_timedwait", c, PC());
	RH_CTL(rh__ctl_cond_wait(c, m, true, PC()));
	int rc;

	if (me == NULL)
		return REAL(pthread_cond_timedwait)(c, m, abstime);
	rh__rt_released(me, m);
	rc = REAL(pthread_cond_timedwait)(c, m, abstime);
	rh__rt_acquired(me, m);
	return rc;
}

int pthread_cond_signal(pthread_cond_t *c)
{
	if (rh__rt_enter_on("pthread_cond_signal", c, PC()) != NULL)
		atomic_fetch_add(&rh__rt_wakes, 1);
	RH_CTL((rh__ctl_cond_wake(c, false), 0));
	return REAL(pthread_cond_signal)(c);
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	if (rh__rt_enter_on("pthread_cond_broadcast", c, PC()) != NULL)
		atomic_fetch_add(&rh__rt_wakes, 1);
	RH_CTL((rh__ctl_cond_wake(c, true), 0));
	return REAL(pthread_cond_broadcast)(c);
}

/* ---- semaphores, barriers, spinlocks ----------------------------------------- */
DECLARE_REAL(int, sem_wait, sem_t *);
DECLARE_REAL(int, sem_trywait, sem_t *);
DECLARE_REAL(int, sem_timedwait, sem_t *, const struct timespec *);
DECLARE_REAL(int, sem_post, sem_t *);

int sem_wait(sem_t *s)
{
	struct rh__rt_thread *me = rh__rt_enter_on("sem_wait", s, PC());
	RH_CTL(rh__ctl_sem_wait(s, false, false, PC()));
	int rc;

	if (me == NULL)
		return REAL(sem_wait)(s);
	rc = REAL(sem_trywait)(s);
	if (rc != 0 && errno == EAGAIN) {
		rh__rt_block(me, "sem_wait", s, -1, PC());
		rc = REAL(sem_wait)(s);
		rh__rt_unblock(me);
	}
	return rc;
}

int sem_trywait(sem_t *s)
{
	rh__rt_enter_on("sem_trywait", s, PC());
	RH_CTL(rh__ctl_sem_wait(s, true, false, PC()));
	return REAL(sem_trywait)(s);
}

int sem_timedwait(sem_t *s, const struct timespec *abstime)
{
	rh__rt_enter_on("sem_timedwait", s, PC());
	RH_CTL(rh__ctl_sem_wait(s, false, true, PC()));
	return REAL(sem_timedwait)(s, abstime);
}

int sem_post(sem_t *s)
{
	if (rh__rt_enter_on("sem_post", s, PC()) != NULL)
		atomic_fetch_add(&rh__rt_wakes, 1);
	RH_CTL(rh__ctl_sem_post(s));
	return REAL(sem_post)(s);
}

DECLARE_REAL(int, pthread_barrier_wait, pthread_barrier_t *);
int pthread_barrier_wait(pthread_barrier_t *b)
{
	struct rh__rt_thread *me = rh__rt_enter_on("pthread_barrier_wait", b, PC());
	RH_CTL(rh__ctl_barrier_wait(b, PC()));
	int rc;

	if (me == NULL)
		return REAL(pthread_barrier_wait)(b);
	rh__rt_block(me, "pthread_barrier_wait", b, -1, PC());
	rc = REAL(pthread_barrier_wait)(b);
	rh__rt_unblock(me);
	/* The barrier opened: the others are released, whenever they run. */
	atomic_fetch_add(&rh__rt_wakes, 1);
	return rc;
}

DECLARE_REAL(int, pthread_spin_lock, pthread_spinlock_t *);
DECLARE_REAL(int, pthread_spin_trylock, pthread_spinlock_t *);
DECLARE_REAL(int, pthread_spin_unlock, pthread_spinlock_t *);

int pthread_spin_lock(pthread_spinlock_t *l)
{
	struct rh__rt_thread *me = rh__rt_enter_on("pthread_spin_lock", (const void *)l, PC());
	RH_CTL(rh__ctl_spin_lock(l, false, PC()));
	int rc;

	if (me == NULL)
		return REAL(pthread_spin_lock)(l);
	rc = REAL(pthread_spin_trylock)(l);
	if (rc == EBUSY) {
		rh__rt_block(me, "pthread_spin_lock", (const void *)l, -1, PC());
		rc = REAL(pthread_spin_lock)(l);
		rh__rt_unblock(me);
	}
	if (rc == 0)
		rh__rt_acquired(me, (const void *)l);
	return rc;
}

int pthread_spin_trylock(pthread_spinlock_t *l)
{
	struct rh__rt_thread *me = rh__rt_enter_on("pthread_spin_trylock", (const void *)l, PC());
	RH_CTL(rh__ctl_spin_lock(l, true, PC()));
	int rc = REAL(pthread_spin_trylock)(l);

	if (me != NULL && rc == 0)
		rh__rt_acquired(me, (const void *)l);
	return rc;
}

int pthread_spin_unlock(pthread_spinlock_t *l)
{
	struct rh__rt_thread *me = rh__rt_enter_on("pthread_spin_unlock", (const void *)l, PC());
	RH_CTL(rh__ctl_spin_unlock(l));

	if (me != NULL)
		rh__rt_released(me, (const void *)l);
	return REAL(pthread_spin_unlock)(l);
}

/* ---- yields and sleeps: sync points (a spin-wait's way to let others in) --- */
DECLARE_REAL(int, sched_yield, void);
DECLARE_REAL(int, usleep, useconds_t);
DECLARE_REAL(int, nanosleep, const struct timespec *, struct timespec *);


int sched_yield(void)
{
	rh__rt_enter("sched_yield", PC());
	/* Past the point: the others that can run go first (fair scheduling). */
	RH_CTL((rh__ctl_yield(), 0));
	return REAL(sched_yield)();
}

int usleep(useconds_t us)
{
	rh__rt_enter("usleep", PC());
	RH_CTL((rh__ctl_yield(), 0)); /* fibers do not wait for the clock */
	return REAL(usleep)(us);
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	rh__rt_enter("nanosleep", PC());
	RH_CTL((rh__ctl_yield(), 0));
	return REAL(nanosleep)(req, rem);
}

/* ---- fork: the new process is not a trial's ---------------------------------- */
DECLARE_REAL(pid_t, fork, void);
pid_t fork(void)
{
	pid_t pid = REAL(fork)();

	/* Only the forking thread exists in the child and the monitor does not:
	 * it runs plainly, as if racehunt were not there. */
	if (pid == 0)
		rh__rt_on = rh__ctl_on = 0;
	return pid;
}

