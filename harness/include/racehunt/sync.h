/* SPDX-License-Identifier: MIT */
/* racehunt — sync points.
 *
 * Stores touch shared state only through these wrappers, so the harness sees
 * every place where an interleaving can change. With no runtime attached
 * (plain use of a store outside a campaign) each call is the raw primitive
 * plus one predictable branch on a global pointer. When a campaign attaches a
 * runtime, every call becomes a point where stress mode injects noise and the
 * controlled scheduler may switch threads.
 *
 * Names given to objects and points appear in traces ("T0 load entry_count=100"),
 * so choose them for a human reader. */
#ifndef RACEHUNT_SYNC_H
#define RACEHUNT_SYNC_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "racehunt/platform.h"
#include "racehunt/c11_atomics.h" /* <stdatomic.h>, also in C++ */

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rh_order {
	RH_RELAXED = memory_order_relaxed,
	RH_ACQUIRE = memory_order_acquire,
	RH_RELEASE = memory_order_release,
	RH_ACQ_REL = memory_order_acq_rel,
	RH_SEQ_CST = memory_order_seq_cst,
} rh_order;

/* What a sync point does; traces and schedulers key on it. The one list
 * that generates the enum (RH_OP_<NAME>) and the names traces print
 * (rh_op_name). X(NAME, "name"). */
#define RH_OP_MAP(X)                                                                               \
	X(POINT, "point")                                                                          \
	X(LOAD, "load")                                                                            \
	X(STORE, "store")                                                                          \
	X(FETCH_ADD, "fetch_add")                                                                  \
	X(CAS, "cas")                                                                              \
	X(LOCK, "lock")                                                                            \
	X(UNLOCK, "unlock")                                                                        \
	X(RDLOCK, "rdlock")                                                                        \
	X(WRLOCK, "wrlock")                                                                        \
	X(RWUNLOCK, "rwunlock")                                                                    \
	X(EXIT, "exit")

typedef enum rh_op {
#define RH__OP_ENUM(name, text) RH_OP_##name,
	RH_OP_MAP(RH__OP_ENUM)
#undef RH__OP_ENUM
	RH_OP_COUNT_
} rh_op;

const char *rh_op_name(rh_op op);

enum {
	/* The mutex survives the death of its owner: the next locker gets
	 * RH_OWNER_DIED and must call rh_mutex_consistent(). */
	RH_MUTEX_ROBUST = 1u << 0,
};

/* Returned by rh_mutex_lock when a robust mutex's owner died holding it. */
#define RH_OWNER_DIED 1

/* The structs hold the real primitive and what traces show; a scheduler
 * keeps its model of an object (owner, readers, ...) beside it, keyed by the
 * object's address, so that a raw pthread object can be modelled alike. */
typedef struct rh_mutex {
	pthread_mutex_t impl;
	const char *name;
	unsigned flags;
} rh_mutex;

typedef struct rh_rwlock {
	pthread_rwlock_t impl;
	const char *name;
} rh_rwlock;

typedef struct rh_atomic_u64 {
	_Atomic uint64_t v;
	const char *name;
} rh_atomic_u64;

#define RH_ATOMIC_U64_INIT(label, value) {.v = (value), .name = (label)}

/* The runtime a campaign attaches; NULL when none is. Private to the harness:
 * declared here only so the inline fast paths can test it. Atomic so that a
 * thread abandoned by the watchdog may still read it race-free; a relaxed
 * load is a plain move on the platforms we target. */
extern const struct rh_runtime *_Atomic rh__runtime;

static inline const struct rh_runtime *rh__attached(void)
{
	return atomic_load_explicit(&rh__runtime, memory_order_relaxed);
}

int rh_mutex_init(rh_mutex *m, const char *name, unsigned flags);
void rh_mutex_destroy(rh_mutex *m);
void rh_mutex_consistent(rh_mutex *m);

int rh_rwlock_init(rh_rwlock *l, const char *name);
void rh_rwlock_destroy(rh_rwlock *l);

void rh_atomic_init(rh_atomic_u64 *a, const char *name, uint64_t value);

uint64_t rh__atomic_load_slow(rh_atomic_u64 *a, rh_order mo);
void rh__atomic_store_slow(rh_atomic_u64 *a, uint64_t v, rh_order mo);
uint64_t rh__atomic_fetch_add_slow(rh_atomic_u64 *a, uint64_t d, rh_order mo);
bool rh__atomic_cas_slow(rh_atomic_u64 *a, uint64_t *expected, uint64_t desired,
			 rh_order mo);
void rh__point_slow(const char *label, uint64_t value, const void *loc, int access);
int rh__mutex_lock_slow(rh_mutex *m);
void rh__mutex_unlock_slow(rh_mutex *m);
void rh__rwlock_rdlock_slow(rh_rwlock *l);
void rh__rwlock_wrlock_slow(rh_rwlock *l);
void rh__rwlock_unlock_slow(rh_rwlock *l);

/* 0, or RH_OWNER_DIED for a robust mutex whose owner died holding it. */
static inline int rh_mutex_lock(rh_mutex *m)
{
	int rc;

	if (RH_UNLIKELY(rh__attached() != NULL))
		return rh__mutex_lock_slow(m);
	rc = pthread_mutex_lock(&m->impl);
	return RH_UNLIKELY(rc == EOWNERDEAD) ? RH_OWNER_DIED : 0;
}

static inline void rh_mutex_unlock(rh_mutex *m)
{
	if (RH_UNLIKELY(rh__attached() != NULL)) {
		rh__mutex_unlock_slow(m);
		return;
	}
	pthread_mutex_unlock(&m->impl);
}

static inline void rh_rwlock_rdlock(rh_rwlock *l)
{
	if (RH_UNLIKELY(rh__attached() != NULL)) {
		rh__rwlock_rdlock_slow(l);
		return;
	}
	pthread_rwlock_rdlock(&l->impl);
}

static inline void rh_rwlock_wrlock(rh_rwlock *l)
{
	if (RH_UNLIKELY(rh__attached() != NULL)) {
		rh__rwlock_wrlock_slow(l);
		return;
	}
	pthread_rwlock_wrlock(&l->impl);
}

static inline void rh_rwlock_unlock(rh_rwlock *l)
{
	if (RH_UNLIKELY(rh__attached() != NULL)) {
		rh__rwlock_unlock_slow(l);
		return;
	}
	pthread_rwlock_unlock(&l->impl);
}

static inline uint64_t rh_atomic_load(rh_atomic_u64 *a, rh_order mo)
{
	if (RH_UNLIKELY(rh__attached() != NULL))
		return rh__atomic_load_slow(a, mo);
	return atomic_load_explicit(&a->v, (memory_order)mo);
}

static inline void rh_atomic_store(rh_atomic_u64 *a, uint64_t v, rh_order mo)
{
	if (RH_UNLIKELY(rh__attached() != NULL)) {
		rh__atomic_store_slow(a, v, mo);
		return;
	}
	atomic_store_explicit(&a->v, v, (memory_order)mo);
}

static inline uint64_t rh_atomic_fetch_add(rh_atomic_u64 *a, uint64_t d, rh_order mo)
{
	if (RH_UNLIKELY(rh__attached() != NULL))
		return rh__atomic_fetch_add_slow(a, d, mo);
	return atomic_fetch_add_explicit(&a->v, d, (memory_order)mo);
}

/* Strong compare-and-swap; on failure *expected receives the current value. */
static inline bool rh_atomic_cas(rh_atomic_u64 *a, uint64_t *expected, uint64_t desired,
				 rh_order mo)
{
	if (RH_UNLIKELY(rh__attached() != NULL))
		return rh__atomic_cas_slow(a, expected, desired, mo);
	return atomic_compare_exchange_strong_explicit(&a->v, expected, desired, (memory_order)mo,
						       memory_order_relaxed);
}

/* What the code after a point touches of plain shared memory, up to the
 * thread's next sync point: the partial-order reduction (dpor) orders two
 * steps only when they touch one location and one of them writes. */
typedef enum rh_access {
	RH_ACCESS_ANY,	 /* some plain shared memory, not named: rh_point() */
	RH_ACCESS_NONE,	 /* none: a point that only shows a value */
	RH_ACCESS_READ,	 /* only reads of the location named */
	RH_ACCESS_WRITE, /* the location named, written (and maybe read) */
} rh_access;

/* A labelled point in a store's code: where a race window opens or a value is
 * worth showing in a trace ("write block", offset). No memory effect. Taken
 * as touching any plain shared memory: rh_point_at says which. */
static inline void rh_point(const char *label, uint64_t value)
{
	if (RH_UNLIKELY(rh__attached() != NULL))
		rh__point_slow(label, value, NULL, RH_ACCESS_ANY);
}

/* rh_point, naming what the code after it touches until the thread's next
 * sync point: loc, any address that stands for the location (a block's first
 * byte, a struct whose fields are touched), read or written; or nothing
 * (RH_ACCESS_NONE, loc NULL). The contract behind dpor's proof: plain memory
 * that two threads touch without a common lock is touched only after a point
 * that names it (or after an rh_point); see docs/controlled.md. */
static inline void rh_point_at(const char *label, uint64_t value, const void *loc,
			       rh_access access)
{
	if (RH_UNLIKELY(rh__attached() != NULL))
		rh__point_slow(label, value, loc, (int)access);
}

#ifdef __cplusplus
}
#endif

#include "racehunt/c11_atomics_end.h"

#endif
