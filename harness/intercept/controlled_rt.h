/* SPDX-License-Identifier: MIT */
/* This file is private to the intercept runtime (librh_intercept).
 *
 * Controlled mode's side of the interceptors (controlled.c): once
 * rh__ctl_on is set in a trial child, an interceptor that rh__rt_enter let
 * through calls these instead of the real pthread function. pc is the
 * program's call site, for DEADLOCK reports. */
#ifndef RH_INTERCEPT_CONTROLLED_RT_H
#define RH_INTERCEPT_CONTROLLED_RT_H

#include <semaphore.h>
#include <stdbool.h>

#include "rt.h"

/* Where the fiber handles racehunt gives out start: far from any address
 * glibc uses for a pthread_t (a pointer to the thread's descriptor). */
#define RH_CTL_HANDLE_BASE 0x7268000000000000ul

/* Set in a controlled trial child before main runs; 0 in stress mode. */
extern int rh__ctl_on;

/* Build the trial's explorer and make main fiber T0. */
void rh__ctl_start(void);
/* A scheduling point: the strategy may switch to another fiber. */
void rh__ctl_point(void);
/* The scheduling point before a sync call (op at pc), noted in the trial's
 * run record (controlled_record.c); and the access the next point (or hold)
 * of the running fiber stops before. */
void rh__ctl_sync_point(const char *op, uintptr_t pc);
/* What the running fiber is stopped before when it may yield ahead of the
 * point of a sync call (a spin's re-read of an atomic). */
void rh__ctl_sync_note(const char *op, const void *obj, uintptr_t pc);
void rh__ctl_access_note(uintptr_t addr, size_t size, int is_write, uintptr_t pc);

/* Soft watchpoints (controlled_watch.c). At a watched access the running
 * fiber is descheduled: not runnable for RH__CTL_HOLD_STEPS steps of the
 * others, or until nobody else can run. */
void rh__ctl_hold(void);
/* The enabled set with the held fibers taken out (unless that leaves
 * nobody), at each pick of the fiber cur; counts their steps down. */
uint64_t rh__ctl_hold_filter(uint64_t enabled, unsigned cur);

/* The steps a run of the program takes under a fixed schedule, measured
 * once per campaign (controlled_length.c); 0 when unknown. */
uint64_t rh__ctl_run_length(void);
/* Every step of a run: the calibration run counts them. */
void rh__ctl_length_step(uint64_t steps);

/* Held until every other fiber that could run has taken a step. */
void rh__ctl_yield(void);
/* At an atomic operation: now and then held for a few steps (a delay). */
void rh__ctl_delay(void);
/* The fibers that could run now, holds aside (controlled.c). */
uint64_t rh__ctl_runnable(void);

/* Spin-waits (controlled_spin.c), at instrumented shared accesses and
 * atomics: a read that re-reads what this fiber last saw there yields (and
 * returns true: that was its scheduling point); a write is progress. */
bool rh__ctl_read(uintptr_t addr, uintptr_t pc);
void rh__ctl_wrote(uintptr_t addr);
/* Stores seen so far, of any location: progress, for the LIVELOCK rule. */
extern uint64_t rh__ctl_writes;

/* Wait in op (sem_wait, pthread_barrier_wait, pthread_once) on obj until
 * rh__ctl_sync_ready(obj, ticket), or, timed, until any step. */
void rh__ctl_wait_sync(const char *op, const void *obj, uint64_t ticket, bool timed, uintptr_t pc);

/* controlled_sync.c: semaphores, barriers, pthread_once, recursive depth. */
bool rh__ctl_sync_ready(const void *obj, uint64_t ticket);
int rh__ctl_relock(const void *mutex); /* its holder locks a recursive mutex again */
bool rh__ctl_unlock_inner(const void *mutex); /* true: an inner level was released */
int rh__ctl_sem_wait(sem_t *s, bool try, bool timed, uintptr_t pc);
int rh__ctl_sem_post(sem_t *s);
int rh__ctl_barrier_wait(pthread_barrier_t *b, uintptr_t pc);
int rh__ctl_once(pthread_once_t *once, void (*fn)(void), uintptr_t pc);

/* controlled_hb.c: happens-before data races, under dpor (rh__hb_on: every
 * access a step, no watchpoints, no delays). What each synchronisation
 * releases or acquires is keyed by (object, kind, generation). */
enum rh_hb_kind {
	RH_HB_MUTEX,   /* mutexes and spinlocks */
	RH_HB_RW_W,    /* an rwlock's writer unlocks */
	RH_HB_RW_R,    /* an rwlock's reader unlocks */
	RH_HB_SEM,     /* semaphore posts */
	RH_HB_BARRIER, /* a barrier's arrivals, generation = its round */
	RH_HB_ONCE,    /* the end of pthread_once's function */
	RH_HB_ATOMIC,  /* atomic stores and read-modify-writes */
};
extern int rh__hb_on;
void rh__hb_start(void);
void rh__hb_access(uintptr_t addr, size_t size, int is_write, uintptr_t pc);
void rh__hb_release(const void *obj, unsigned kind, uint64_t gen);
void rh__hb_acquire(const void *obj, unsigned kind, uint64_t gen);
void rh__hb_atomic(const void *obj, bool acquire, bool release);
void rh__hb_create(unsigned child); /* the running thread created child */
void rh__hb_join(unsigned target);  /* the running thread joined target */
void rh__hb_wake(unsigned waiter);  /* the running thread's signal woke waiter */
void rh__hb_woken(void);	    /* the running thread was woken by a signal */

/* controlled_tls.c: thread-specific data, per fiber. */
pthread_t rh__ctl_self(void); /* controlled.c */
/* The OS thread's static TLS, [lo, hi): one copy shared by every fiber. */
extern uintptr_t rh__ctl_tls_lo, rh__ctl_tls_hi;
void rh__ctl_tls_init(void);
void rh__ctl_tls_exit(void); /* the destructors, at the calling thread's end */

int rh__ctl_create(pthread_t *th, void *(*fn)(void *), void *arg);
int rh__ctl_join(pthread_t th, void **ret, uintptr_t pc);
int rh__ctl_detach(pthread_t th);
RH_NORETURN void rh__ctl_exit(void *ret);

int rh__ctl_mutex_lock(pthread_mutex_t *m, bool try, uintptr_t pc);
int rh__ctl_mutex_unlock(pthread_mutex_t *m);
int rh__ctl_spin_lock(pthread_spinlock_t *l, bool try, uintptr_t pc);
int rh__ctl_spin_unlock(pthread_spinlock_t *l);
int rh__ctl_rwlock_lock(pthread_rwlock_t *l, bool write, bool try, uintptr_t pc);
int rh__ctl_rwlock_unlock(pthread_rwlock_t *l);
/* Whether the running fiber holds l as a reader (not as its writer). */
bool rh__ctl_rwlock_reader(const pthread_rwlock_t *l);
int rh__ctl_cond_wait(pthread_cond_t *c, pthread_mutex_t *m, bool timed, uintptr_t pc);
void rh__ctl_cond_wake(pthread_cond_t *c, bool all);

/* In an interceptor, after its rh__rt_enter (the scheduling point): the
 * controlled model of the call instead of the real one. */
#define RH_CTL(call)                                                                       \
	do {                                                                               \
		if (RH_UNLIKELY(rh__ctl_on))                                               \
			return (call);                                                     \
	} while (0)

#endif
