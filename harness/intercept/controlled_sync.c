/* SPDX-License-Identifier: MIT */
/* Semaphores, barriers, pthread_once, C++ function-local statics' guards
 * and recursive mutexes relocked, in
 * controlled mode: their model state in a side table keyed by address (the
 * real objects are never touched, as for mutexes), their interceptors that
 * locks.c and threads.c do not have (init, destroy, getvalue), and the waits
 * through the scheduler (rh__ctl_wait_sync): a fiber in sem_wait on a zero
 * semaphore is not runnable until a post, so a post nobody makes is a
 * DEADLOCK naming the sem_wait. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <semaphore.h>

#include "controlled_rt.h"

#define PC() ((uintptr_t)__builtin_return_address(0))
#define SLOTS 4096 /* a power of two */

enum kind { K_NONE, K_SEM, K_BARRIER, K_ONCE, K_DEPTH, K_GUARD };
enum { ONCE_NOT_RUN, ONCE_RUNNING, ONCE_DONE };

struct sync_obj {
	const void *addr;
	enum kind kind;
	unsigned value;	 /* sem: count; barrier: arrived; once: ONCE_*; depth: relocks */
	unsigned count;	 /* barrier: threads it waits for */
	uint64_t round;	 /* barrier: openings so far */
};

/* Open addressing, never deleted: a destroyed object keeps its slot as
 * K_NONE, and the address's next use starts afresh. */
static struct sync_obj table[SLOTS];

DECLARE_REAL(int, sem_init, sem_t *, int, unsigned);
DECLARE_REAL(int, sem_destroy, sem_t *);
DECLARE_REAL(int, sem_getvalue, sem_t *, int *);
DECLARE_REAL(int, pthread_barrier_init, pthread_barrier_t *, const pthread_barrierattr_t *,
	     unsigned);
DECLARE_REAL(int, pthread_barrier_destroy, pthread_barrier_t *);
DECLARE_REAL(int, __cxa_guard_acquire, int64_t *);
DECLARE_REAL(void, __cxa_guard_release, int64_t *);
DECLARE_REAL(void, __cxa_guard_abort, int64_t *);

static struct sync_obj *slot(const void *addr)
{
	unsigned h = (unsigned)(((uintptr_t)addr >> 3) * 0x9e3779b1u) & (SLOTS - 1);

	for (unsigned i = 0; i < SLOTS; i++) {
		struct sync_obj *o = &table[(h + i) & (SLOTS - 1)];

		if (o->addr == addr || o->addr == NULL) {
			o->addr = addr;
			return o;
		}
	}
	rh__rt_unsupported("controlled mode models at most %d semaphores, barriers, once "
			   "controls and recursive mutexes in one run",
			   SLOTS);
}

/* The model of addr as kind; one met before as another kind (or none)
 * starts as fresh, with value. */
static struct sync_obj *get(const void *addr, enum kind kind, unsigned value)
{
	struct sync_obj *o = slot(addr);

	if (o->kind != kind)
		*o = (struct sync_obj){.addr = addr, .kind = kind, .value = value};
	return o;
}

bool rh__ctl_sync_ready(const void *obj, uint64_t ticket)
{
	const struct sync_obj *o = slot(obj);

	switch (o->kind) {
	case K_SEM:
		return o->value > 0;
	case K_BARRIER:
		return o->round != ticket;
	case K_ONCE:
		return o->value == ONCE_DONE;
	case K_GUARD: /* done, or its initialiser threw: try again */
		return o->value != ONCE_RUNNING;
	default: /* destroyed while waited on: let the waiter see it */
		return true;
	}
}

/* ---- recursive mutexes -------------------------------------------------- */
int rh__ctl_relock(const void *mutex)
{
	struct sync_obj *o = get(mutex, K_DEPTH, 0);

	if (o->value == UINT_MAX)
		return EAGAIN;
	o->value++;
	return 0;
}

bool rh__ctl_unlock_inner(const void *mutex)
{
	struct sync_obj *o = get(mutex, K_DEPTH, 0);

	if (o->value == 0)
		return false;
	o->value--;
	return true;
}

/* ---- semaphores ----------------------------------------------------------- */
/* A semaphore initialised before the trial (in a constructor): its real
 * value is still its initial one, since controlled mode never changes it. */
static struct sync_obj *sem(sem_t *s)
{
	struct sync_obj *o = slot(s);
	int v = 0;

	if (o->kind != K_SEM) {
		REAL(sem_getvalue)(s, &v);
		o = get(s, K_SEM, v > 0 ? (unsigned)v : 0);
	}
	return o;
}

int rh__ctl_sem_wait(sem_t *s, bool try, bool timed, uintptr_t pc)
{
	struct sync_obj *o = sem(s);

	if (o->value == 0 && try) {
		rh__ctl_read((uintptr_t)s, pc); /* polling it is a spin-wait */
		errno = EAGAIN;
		return -1;
	}
	if (o->value == 0)
		rh__ctl_wait_sync(timed ? "sem_timedwait" : "sem_wait", s, 0, timed, pc);
	if (o->value == 0) { /* timed: it may always expire; the others go first */
		rh__ctl_yield();
		errno = ETIMEDOUT;
		return -1;
	}
	o->value--;
	if (rh__hb_on)
		rh__hb_acquire(s, RH_HB_SEM, 0);
	return 0;
}

int rh__ctl_sem_post(sem_t *s)
{
	struct sync_obj *o = sem(s);

	if (o->value >= (unsigned)SEM_VALUE_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	o->value++;
	if (rh__hb_on)
		rh__hb_release(s, RH_HB_SEM, 0);
	rh__ctl_wrote((uintptr_t)s);
	return 0;
}

int sem_init(sem_t *s, int pshared, unsigned value)
{
	if (rh__rt_enter("sem_init", PC()) != NULL && rh__ctl_on) {
		if (value > (unsigned)SEM_VALUE_MAX) {
			errno = EINVAL;
			return -1;
		}
		get(s, K_SEM, value)->value = value;
		return 0;
	}
	return REAL(sem_init)(s, pshared, value);
}

int sem_destroy(sem_t *s)
{
	if (rh__rt_enter("sem_destroy", PC()) != NULL && rh__ctl_on) {
		slot(s)->kind = K_NONE;
		return 0;
	}
	return REAL(sem_destroy)(s);
}

int sem_getvalue(sem_t *s, int *value)
{
	if (rh__rt_enter("sem_getvalue", PC()) != NULL && rh__ctl_on) {
		*value = (int)sem(s)->value;
		return 0;
	}
	return REAL(sem_getvalue)(s, value);
}

/* ---- barriers --------------------------------------------------------------- */
int rh__ctl_barrier_wait(pthread_barrier_t *b, uintptr_t pc)
{
	struct sync_obj *o = slot(b);
	uint64_t round = o->round;

	if (o->kind != K_BARRIER)
		rh__rt_unsupported("controlled mode: pthread_barrier_wait on a barrier the run did "
				   "not initialise (pthread_barrier_init before main?)");
	/* Every arrival of a round happens before every departure from it. */
	if (rh__hb_on)
		rh__hb_release(b, RH_HB_BARRIER, round);
	if (++o->value == o->count) {
		o->value = 0;
		o->round++;
		rh__ctl_wrote((uintptr_t)b);
		if (rh__hb_on)
			rh__hb_acquire(b, RH_HB_BARRIER, round);
		return PTHREAD_BARRIER_SERIAL_THREAD;
	}
	rh__ctl_wait_sync("pthread_barrier_wait", b, round, false, pc);
	if (rh__hb_on)
		rh__hb_acquire(b, RH_HB_BARRIER, round);
	return 0;
}

int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *attr, unsigned count)
{
	if (rh__rt_enter("pthread_barrier_init", PC()) != NULL && rh__ctl_on) {
		if (count == 0)
			return EINVAL;
		get(b, K_BARRIER, 0)->count = count;
		return 0;
	}
	return REAL(pthread_barrier_init)(b, attr, count);
}

int pthread_barrier_destroy(pthread_barrier_t *b)
{
	if (rh__rt_enter("pthread_barrier_destroy", PC()) != NULL && rh__ctl_on) {
		struct sync_obj *o = slot(b);

		if (o->kind == K_BARRIER && o->value > 0)
			return EBUSY;
		o->kind = K_NONE;
		return 0;
	}
	return REAL(pthread_barrier_destroy)(b);
}

/* ---- pthread_once ------------------------------------------------------------ */
/* A control already nonzero before the trial ran its function then. A
 * second caller waits for the first to finish; the first calling it again
 * from inside fn waits for itself: a DEADLOCK, as with glibc. */
int rh__ctl_once(pthread_once_t *once, void (*fn)(void), uintptr_t pc)
{
	struct sync_obj *o = slot(once);

	if (o->kind != K_ONCE)
		o = get(once, K_ONCE, *once != PTHREAD_ONCE_INIT ? ONCE_DONE : ONCE_NOT_RUN);
	if (o->value == ONCE_RUNNING)
		rh__ctl_wait_sync("pthread_once", once, 0, false, pc);
	if (o->value == ONCE_DONE) {
		if (rh__hb_on)
			rh__hb_acquire(once, RH_HB_ONCE, 0);
		return 0;
	}
	o->value = ONCE_RUNNING;
	fn();
	if (rh__hb_on)
		rh__hb_release(once, RH_HB_ONCE, 0);
	o->value = ONCE_DONE;
	rh__ctl_wrote((uintptr_t)once);
	return 0;
}

/* ---- C++ function-local statics ------------------------------------------------ */
/* The Itanium C++ ABI's guard: its first byte is nonzero once the static is
 * initialised (the compiler's inline check reads it with an acquire load).
 * libstdc++'s own acquire waits for another thread's initialisation in a
 * futex, which would stop every fiber of the trial: in controlled mode the
 * guard is modelled as a pthread_once whose function is the caller's, and
 * its release is a release of the byte the inline check reads. */
static int guard_acquire(int64_t *g, uintptr_t pc)
{
	volatile char *done = (volatile char *)g;
	struct sync_obj *o;

	for (;;) {
		if (*done) {
			if (rh__hb_on)
				rh__hb_atomic(g, true, false);
			return 0;
		}
		o = get(g, K_GUARD, ONCE_NOT_RUN);
		if (o->value != ONCE_RUNNING)
			break;
		rh__ctl_wait_sync("__cxa_guard_acquire", g, 0, false, pc);
	}
	o->value = ONCE_RUNNING;
	return 1;
}

int __cxa_guard_acquire(int64_t *g);
int __cxa_guard_acquire(int64_t *g)
{
	if (rh__rt_enter_on("__cxa_guard_acquire", g, PC()) != NULL && rh__ctl_on)
		return guard_acquire(g, PC());
	return REAL(__cxa_guard_acquire)(g);
}

void __cxa_guard_release(int64_t *g);
void __cxa_guard_release(int64_t *g)
{
	if (rh__rt_enter_on("__cxa_guard_release", g, PC()) != NULL && rh__ctl_on) {
		if (rh__hb_on)
			rh__hb_atomic(g, false, true);
		__atomic_store_n((char *)g, 1, __ATOMIC_RELEASE);
		get(g, K_GUARD, ONCE_NOT_RUN)->value = ONCE_DONE;
		rh__ctl_wrote((uintptr_t)g);
		return;
	}
	REAL(__cxa_guard_release)(g);
}

void __cxa_guard_abort(int64_t *g);
void __cxa_guard_abort(int64_t *g)
{
	if (rh__rt_enter_on("__cxa_guard_abort", g, PC()) != NULL && rh__ctl_on) {
		get(g, K_GUARD, ONCE_NOT_RUN)->value = ONCE_NOT_RUN;
		rh__ctl_wrote((uintptr_t)g);
		return;
	}
	REAL(__cxa_guard_abort)(g);
}
