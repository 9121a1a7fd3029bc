/* SPDX-License-Identifier: MIT */
/* Interceptors of the waits with a clock argument (glibc 2.30 on): what
 * libstdc++'s std::condition_variable::wait_until, std::timed_mutex and
 * std::this_thread::sleep_for call. Each is its timed sibling (locks.c,
 * controlled_sync.c): in stress mode the real call with the same
 * bookkeeping; in controlled mode the model, where time does not pass, so a
 * timed wait may always time out and a timed lock waits for its holder. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <time.h>

#include "controlled_rt.h"
#include "rt.h"

#define PC() ((uintptr_t)__builtin_return_address(0))

DECLARE_REAL(int, pthread_cond_clockwait, pthread_cond_t *, pthread_mutex_t *, clockid_t,
	     const struct timespec *);
DECLARE_REAL(int, pthread_mutex_clocklock, pthread_mutex_t *, clockid_t,
	     const struct timespec *);
DECLARE_REAL(int, pthread_rwlock_clockrdlock, pthread_rwlock_t *, clockid_t,
	     const struct timespec *);
DECLARE_REAL(int, pthread_rwlock_clockwrlock, pthread_rwlock_t *, clockid_t,
	     const struct timespec *);
DECLARE_REAL(int, sem_clockwait, sem_t *, clockid_t, const struct timespec *);
DECLARE_REAL(int, clock_nanosleep, clockid_t, int, const struct timespec *, struct timespec *);

int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
			   const struct timespec *abstime)
{
	struct rh__rt_thread *me = rh__rt_enter_on("pthread_cond_clockwait", c, PC());
	RH_CTL(rh__ctl_cond_wait(c, m, true, PC()));
	int rc;

	if (me == NULL)
		return REAL(pthread_cond_clockwait)(c, m, clock, abstime);
	rh__rt_released(me, m);
	rc = REAL(pthread_cond_clockwait)(c, m, clock, abstime);
	rh__rt_acquired(me, m);
	return rc;
}

int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock, const struct timespec *abstime)
{
	struct rh__rt_thread *me = rh__rt_enter_on("pthread_mutex_clocklock", m, PC());
	RH_CTL(rh__ctl_mutex_lock(m, false, PC()));
	int rc = REAL(pthread_mutex_clocklock)(m, clock, abstime);

	if (me != NULL && (rc == 0 || rc == EOWNERDEAD))
		rh__rt_acquired(me, m);
	return rc;
}

int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t clock,
			       const struct timespec *abstime)
{
	rh__rt_enter_on("pthread_rwlock_clockrdlock", l, PC());
	RH_CTL(rh__ctl_rwlock_lock(l, false, false, PC()));
	return REAL(pthread_rwlock_clockrdlock)(l, clock, abstime);
}

int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t clock,
			       const struct timespec *abstime)
{
	struct rh__rt_thread *me = rh__rt_enter_on("pthread_rwlock_clockwrlock", l, PC());
	RH_CTL(rh__ctl_rwlock_lock(l, true, false, PC()));
	int rc = REAL(pthread_rwlock_clockwrlock)(l, clock, abstime);

	if (me != NULL && rc == 0)
		rh__rt_acquired(me, l);
	return rc;
}

int sem_clockwait(sem_t *s, clockid_t clock, const struct timespec *abstime)
{
	rh__rt_enter_on("sem_clockwait", s, PC());
	RH_CTL(rh__ctl_sem_wait(s, false, true, PC()));
	return REAL(sem_clockwait)(s, clock, abstime);
}

int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req, struct timespec *rem)
{
	rh__rt_enter("clock_nanosleep", PC());
	RH_CTL((rh__ctl_yield(), 0)); /* fibers do not wait for the clock */
	return REAL(clock_nanosleep)(clock, flags, req, rem);
}
