/* SPDX-License-Identifier: MIT */
/* This file is private to the intercept runtime (librh_intercept).
 *
 * The runtime racehunt-cc links into a user's program in place of
 * ThreadSanitizer's: the compiler's __tsan_* hooks (hooks.c), the pthread and
 * libc interceptors (threads.c) and the fork server that runs one trial per
 * child (server.c). Run plainly, without `racehunt exec`, rh__rt_on stays 0 and
 * every hook is one predictable branch. */
#ifndef RH_INTERCEPT_RT_H
#define RH_INTERCEPT_RT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "racehunt/exec.h"
#include "racehunt/platform.h"
#include "racehunt/rng.h"
#include "racehunt/scenario.h"

/* Program threads one trial may start, main included. */
#define RT_MAX_THREADS 4096

enum rh__rt_state {
	RT_FREE,
	RT_RUNNING,
	RT_BLOCKED, /* in an intercepted call that waits without a deadline */
	RT_EXITED,
};

struct rh__rt_thread {
	_Atomic int state;
	unsigned tid; /* T0 = main, then in pthread_create order */
	pthread_t handle;
	/* What a blocked thread waits in, for DEADLOCK and HANG reports. Written
	 * by the thread before it publishes RT_BLOCKED, read by the monitor
	 * after it sees that state. */
	const char *wait_op;
	const void *wait_obj;
	int wait_tid;	   /* pthread_join: whom; -1 otherwise */
	uint64_t wait_wakes; /* rh__rt_wakes when it started waiting */
	uintptr_t wait_pc;
	/* The last intercepted call and the last instrumented access. */
	const char *_Atomic last_op;
	_Atomic uintptr_t last_pc;
	_Atomic uintptr_t last_access_pc;
	rh_rng rng;
	int countdown;	  /* shared accesses until the next watchpoint */
	unsigned windows; /* watchpoints this thread opened */
	int ignore;    /* __tsan_ignore_thread_begin nesting */
};

/* Set once in a trial child before main runs, never cleared while program
 * threads exist (fork clears it in the new process only). Not atomic: it is
 * written before any thread that reads it starts. */
extern int rh__rt_on;
extern struct rh_exec_shared *rh__rt_shared;
/* A trial's ends of the ask and answer pipes (racehunt/exec.h). */
extern int rh__rt_ask_fd, rh__rt_answer_fd;
extern _Thread_local struct rh__rt_thread *rh__rt_self;
extern struct rh__rt_thread rh__rt_threads[RT_MAX_THREADS];
extern _Atomic unsigned rh__rt_nthreads;
/* Bumped by every intercepted call: a DEADLOCK needs it to stand still. */
extern _Atomic uint64_t rh__rt_progress;
/* Bumped by every condition signal or broadcast, semaphore post, rwlock
 * unlock and barrier opening: a waiter that started before the last one may
 * have been woken and not run yet. */
extern _Atomic uint64_t rh__rt_wakes;

/* Record the trial's first violation (later ones are dropped); message in
 * the protocol's format, with {pc:..} and {obj:..} tokens. */
void rh__rt_report(rh_kind kind, const char *fmt, ...) RH_PRINTF(2, 3);
/* Report and end the trial at once: nothing the program does afterwards can
 * change the verdict. */
RH_NORETURN void rh__rt_report_exit(rh_kind kind, const char *fmt, ...) RH_PRINTF(2, 3);
/* Something this runtime cannot model: a one-line error, racehunt exits 2. */
RH_NORETURN void rh__rt_unsupported(const char *fmt, ...) RH_PRINTF(1, 2);

/* Where the program's file is mapped: its first byte, its text's end, its
 * image's end. */
void rh__rt_image_bounds(uint64_t *base, uint64_t *text_end, uint64_t *end);
/* "{pc:0x1234}" for an address in the program's text, "0x7f..." elsewhere. */
void rh__rt_fmt_pc(char *buf, size_t cap, uintptr_t pc);
/* "{obj:0x4040}" for the program's static data, "0x55..." for the heap. */
void rh__rt_fmt_obj(char *buf, size_t cap, const void *obj);

/* A sync operation of the calling program thread: progress, the last call
 * for reports, and stress noise. NULL (and nothing done) when no trial runs
 * or the thread is not the program's. */
struct rh__rt_thread *rh__rt_sync(const char *op, uintptr_t pc);
/* sched_yield without being a sync point of the program. */
void rh__rt_yield(void);
/* An interceptor's entry: rh__rt_sync when a trial runs, else NULL. */
static inline struct rh__rt_thread *rh__rt_enter(const char *op, uintptr_t pc)
{
	return RH_UNLIKELY(rh__rt_on) ? rh__rt_sync(op, pc) : NULL;
}
/* Controlled mode: the object of the call the next scheduling point stops
 * before (the run record's, for racehunt's dependence); one OS thread runs
 * every fiber, so a plain global. Cleared by the point. */
extern const void *rh__rt_next_obj;
/* Its RH_EXEC_STEP_* flags (a reader's rwlock unlock), cleared likewise. */
extern unsigned rh__rt_next_flags;
extern int rh__ctl_on;
/* rh__rt_enter for a call on obj (a lock, a condition, an atomic). */
static inline struct rh__rt_thread *rh__rt_enter_on(const char *op, const void *obj, uintptr_t pc)
{
	if (!RH_UNLIKELY(rh__rt_on))
		return NULL;
	if (rh__ctl_on)
		rh__rt_next_obj = obj;
	return rh__rt_sync(op, pc);
}
/* A thread about to wait without a deadline in op (on obj, or for thread
 * tid), and back from it. */
void rh__rt_block(struct rh__rt_thread *me, const char *op, const void *obj, int tid, uintptr_t pc);
void rh__rt_unblock(struct rh__rt_thread *me);
/* Stress mode's record of mutex-like lock holders (locks.c): me took obj,
 * me let it go. */
void rh__rt_acquired(struct rh__rt_thread *me, const void *obj);
void rh__rt_released(struct rh__rt_thread *me, const void *obj);
/* Each live thread's state for a report: what it waits in, or where it was
 * last seen (access and call). */
void rh__rt_describe_all(char *buf, size_t cap);
/* The thread holding a mutex-like lock, -1 when none (or not tracked). */
int rh__rt_holder(const void *obj);

/* The real function behind an interceptor, resolved on first use: libraries'
 * constructors may call in before main. */
void *rh__rt_resolve(const char *name);
#define REAL(name)                                                                         \
	(*({                                                                               \
		if (RH_UNLIKELY(real_##name == NULL))                                      \
			real_##name = (__typeof__(real_##name))rh__rt_resolve(#name);      \
		real_##name;                                                               \
	}))
#define DECLARE_REAL(ret, name, ...) static ret (*real_##name)(__VA_ARGS__)

/* An instrumented plain access: sharing detection and watchpoints. */
void rh__rt_access(uintptr_t addr, size_t size, int is_write, uintptr_t pc);

/* A program thread's slot at its start: id, running, its own seeded
 * stream (watchpoint sampling). */
void rh__rt_thread_init(struct rh__rt_thread *t, unsigned tid);

/* Trial start-up in the child, before main: thread T0 and the monitor
 * (stress) or the watchdog timer (controlled) that turns a deadlock or a
 * hang into a report. */
void rh__rt_trial_start(void);
/* Around a controlled trial's wait for racehunt's answer: that time is not
 * the program's, the watchdog stops. */
void rh__rt_watchdog_pause(void);
void rh__rt_watchdog_resume(void);

#endif
