/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * The runtime a campaign attaches behind the sync points: stress mode (noise,
 * watchdog-aware locks) or the controlled scheduler (fibers). sync.c calls
 * through it when it is attached; with none attached the sync points are the
 * raw primitives. */
#ifndef RH_RUNTIME_H
#define RH_RUNTIME_H

#include "racehunt/sync.h"

struct rh_runtime {
	const char *name;
	/* Before every sync operation: the place where stress mode perturbs and
	 * the controlled scheduler may switch to another thread. */
	void (*before)(rh_op op, const void *obj, const char *name);
	/* After an operation, with the value it produced (loaded value, lock
	 * result, point value): what traces and HANG reports show. */
	void (*after)(rh_op op, const void *obj, const char *name, uint64_t value);
	/* rh_point, rh_point_at: before and after in one call, the controlled
	 * scheduler's commonest step; loc and access (an rh_access) say what
	 * plain memory the code after it touches. */
	void (*point)(const char *label, uint64_t value, const void *loc, int access);
	/* Lock operations, including their own before/after calls. Return as the
	 * public functions do. */
	int (*mutex_lock)(rh_mutex *m);
	void (*mutex_unlock)(rh_mutex *m);
	void (*rwlock_rdlock)(rh_rwlock *l);
	void (*rwlock_wrlock)(rh_rwlock *l);
	void (*rwlock_unlock)(rh_rwlock *l);
	/* rh_mutex_consistent(): true when the runtime's model of m was the
	 * owner-died state and is now cleared; false sends the call on to the
	 * real mutex. NULL: always the real one. */
	bool (*mutex_consistent)(rh_mutex *m);
	/* A sync object at obj was initialised or destroyed while attached: a
	 * model of it starts afresh at its next use (heap memory is reused for
	 * new objects within one run). NULL: nothing to do. */
	void (*object_reset)(const void *obj);
	/* rh_thread_die(): the current scenario thread ends where it stands. */
	void (*thread_die)(void); /* must not return */
};

/* Attach before any scenario thread starts, detach after all have ended: the
 * pointer itself is not synchronised. */
void rh_runtime_attach(const struct rh_runtime *rt);
void rh_runtime_detach(void);

/* What a thread blocked in op waits for, as reports name it: "mutex",
 * "rwlock (to read)", "rwlock (to write)". */
const char *rh__wait_what(rh_op op);

/* The raw primitives, for runtimes that wrap them. */
int rh__mutex_lock_raw(rh_mutex *m);
void rh__mutex_unlock_raw(rh_mutex *m);

#endif
