/* SPDX-License-Identifier: MIT */
/* This file is private to the controlled scheduler (sched*.c, trace.c).
 *
 * A run as the fiber side and the scheduler side share it: what a fiber
 * reports when it stops, the scheduler's view of each fiber, and the pieces
 * of a step that both sides run. */
#ifndef RH_SCHED_RUN_H
#define RH_SCHED_RUN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"
#include "runtime/runtime.h"
#include "sched.h"

#if RH_TSAN
#include <sanitizer/tsan_interface.h>
#define tsan_acquire(addr) __tsan_acquire((void *)(addr))
#define tsan_release(addr) __tsan_release((void *)(addr))
#else
#define tsan_acquire(addr) ((void)(addr))
#define tsan_release(addr) ((void)(addr))
#endif

/* Mapped lazily, so a generous size costs only address space. */
#define RH_FIBER_STACK_SIZE (1u << 20)

enum slot_state { S_READY, S_POINT, S_BARRIER, S_DONE, S_DEAD };
enum rep_status { REP_POINT, REP_BARRIER, REP_DONE, REP_DEAD };

/* What a fiber tells the scheduler when it switches back. Written by that
 * fiber only and read by the scheduler; atomic (relaxed) because nothing
 * orders the scheduler's read before the fiber's next write. */
struct fiber_rep {
	_Atomic int status;
	_Atomic int op;
	const void *_Atomic obj;
	const char *_Atomic name;
	_Atomic uint64_t value;
	_Atomic bool has_value;
	_Atomic unsigned flags; /* a mutex op: the mutex's RH_MUTEX_* flags */
	_Atomic int access;	/* a point: its rh_access (obj is its location) */
	/* Written by whoever starts the fiber's step (lock ops take effect
	 * there, on the model): what the op returns, RH_OWNER_DIED for a lock,
	 * 1 for an rwunlock by the writer. */
	_Atomic int result;
};

#define REP_SET(field, v) atomic_store_explicit(&(field), (v), memory_order_relaxed)
#define REP_GET(field) atomic_load_explicit(&(field), memory_order_relaxed)

/* The scheduler's own view of a fiber. */
struct slot {
	enum slot_state st;
	rh_op op;
	const void *obj;    /* a point's: the location it names, or NULL */
	rh_access access;   /* a point's */
	rh_object *object; /* model state of obj for lock ops, NULL otherwise */
	rh_object *last_object; /* of the last lock op, for the next one */
	const char *name;
	unsigned round;
	/* The interned copy of the last name seen: a fiber mostly names the
	 * same few objects, and a name's text does not change during a run. */
	const char *name_key;
	const char *name_copy;
	uint32_t name_hash;
};

struct run {
	rh_explorer *x;
	const rh_scenario *s;
	void *state;
	rh_trial *t;
	unsigned n, rounds;
	rh_fiber main;
	_Atomic int cur; /* rh__running fiber, -1 while the scheduler runs */
	struct slot slot[RH_MAX_THREADS];
	struct fiber_rep rep[RH_MAX_THREADS];
	/* Kept by end_step and the round barrier, so a step need not look at
	 * every slot: a bit per fiber that can run whatever locks are held
	 * (S_READY, or S_POINT at an op taking no lock), and one per fiber at a
	 * lock op, which can run when the lock is free. */
	uint64_t free_mask, lock_mask;
	char barrier; /* its address is the round barrier for TSan */

	/* Decision state, shared by the scheduler's loop and the fast path a
	 * fiber takes at a sync point (see fast_step). */
	unsigned last;	   /* thread that ran last, RH_NO_THREAD at the start */
	unsigned streak;   /* steps it took in a row while another could run */
	rh_event inflight; /* the step being run, waiting for its value */
	bool inflight_op;
	bool absorbed; /* the fiber already took in its own report */
	bool stop;     /* the fiber ended the run (step limit) */
};

/* The pieces of one scheduling step: a fiber's fast path runs them all at
 * every sync point, so calls between them would be a good part of its cost. */
#define RH_STEP_INLINE static inline __attribute__((always_inline))

/* The run of the calling OS thread, set before any fiber of it starts and
 * cleared after all have stopped. Thread-local: fibers run on the thread
 * that runs the scheduler, so a thread racehunt did not start (a scenario's
 * own helper pthread) sees none, instead of passing for the running fiber. */
extern _Thread_local struct run *rh__run;

/* A sync point on a thread racehunt did not start, while a run is attached:
 * controlled mode cannot model it. One line naming the call on stderr, then
 * exit 3 (harness failure: the trial can give no verdict, and the command
 * line was fine - the same one in stress mode runs it). Straight from the
 * calling thread with write and _exit: the run's own thread may be anywhere. */
RH_NORETURN void rh__foreign_thread(const char *call);

/* The calling thread's run: every controlled runtime entry starts here. */
static inline struct run *rh__this_run(const char *call)
{
	struct run *r = rh__run;

	if (RH_UNLIKELY(r == NULL))
		rh__foreign_thread(call);
	return r;
}

static inline int rh__running(struct run *r)
{
	return r == NULL ? -1 : atomic_load_explicit(&r->cur, memory_order_relaxed);
}

/* Growing the trace buffers is rare (they are kept across a campaign's
 * runs): out of line, so the per-step pushes stay a compare and a store. */
RH_SCHEDULER_ONLY static inline void rh__push_event(rh_explorer *x, rh_event ev)
{
	if (__builtin_expect(x->n_events == x->cap_events, 0))
		x->events = rh_grow(x->events, &x->cap_events, sizeof(*x->events), 256, "the trace");
	x->events[x->n_events++] = ev;
}

RH_SCHEDULER_ONLY static inline void rh__push_choice(rh_explorer *x, rh_choice c)
{
	if (__builtin_expect(x->n_choices == x->cap_choices, 0))
		x->choices = rh_grow(x->choices, &x->cap_choices, sizeof(*x->choices), 256,
				     "the choices");
	x->choices[x->n_choices++] = c;
}

/* The thread holding what sl waits for, -1 when none does. */
RH_SCHEDULER_ONLY static inline int rh__holder(const struct run *r, const struct slot *sl)
{
	const rh_object *o = sl->object;

	switch (sl->op) {
	case RH_OP_LOCK:
		return o->owner - 1;
	case RH_OP_RDLOCK:
	case RH_OP_WRLOCK:
		if (o->owner != 0)
			return o->owner - 1;
		if (sl->op == RH_OP_WRLOCK && o->readers != 0)
			return __builtin_ctzll(o->readers);
		return -1;
	default:
		return -1;
	}
}

/* Fiber side (sched.c): stop at a sync point until the scheduler, or the
 * fiber itself on the fast path, starts its next step. */
void rh__yield_at(struct run *r, int id, rh_op op, const void *obj, const char *name);

/* The value the step fiber id just ran produced, for its trace event. */
static inline void rh__report_value(struct run *r, int id, uint64_t value)
{
	REP_SET(r->rep[id].value, value);
	REP_SET(r->rep[id].has_value, true);
}

/* sched_locks.c: the runtime's lock operations, rh_mutex_consistent, object
 * resets and rh_thread_die, inside a fiber. */
int rh__ctl_mutex_lock(rh_mutex *m);
void rh__ctl_mutex_unlock(rh_mutex *m);
void rh__ctl_rwlock_rdlock(rh_rwlock *l);
void rh__ctl_rwlock_wrlock(rh_rwlock *l);
void rh__ctl_rwlock_unlock(rh_rwlock *l);
bool rh__ctl_mutex_consistent(rh_mutex *m);
void rh__ctl_object_reset(const void *obj);
void rh__ctl_thread_die(void);

/* sched_stuck.c: nobody can run and somebody waits: DEADLOCK or HANG. */
void rh__report_stuck(struct run *r);

/* trace.c: the interned copy of an object name (traces outlive objects). */
const struct rh_name_slot *rh__intern(rh_explorer *x, const char *name);

#endif
