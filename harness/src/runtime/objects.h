/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Model state of sync objects, beside the objects rather than inside them:
 * a side table of the run keyed by object address, as ThreadSanitizer's
 * metadata map (tsan_sync.h) and Loom's object store keep theirs. An
 * rh_mutex, an rh_rwlock, an rh_atomic_u64 or a raw pthread_mutex_t is
 * modelled the same way: the run asks for the state of an address with a
 * kind and gets it, created free on first use.
 *
 *     rh_object *o = rh_object_get(&objs, m, RH_OBJ_MUTEX, flags);
 *     if (o->owner == 0) o->owner = tid + 1;
 *
 * Pointers stay valid until the table is cleared (objects never move), so a
 * caller may keep one across steps. Not thread-safe: one table per run, used
 * only by whatever serialises that run's steps (the controlled scheduler).
 * Clearing for the next run is O(1) and keeps the memory. */
#ifndef RH_RUNTIME_OBJECTS_H
#define RH_RUNTIME_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "racehunt/platform.h"

/* Scheduler bookkeeping touches no memory a scenario thread reads, yet under
 * ThreadSanitizer every access would be checked at each step. */
#if RH_TSAN
#define RH_UNINSTRUMENTED __attribute__((no_sanitize("thread")))
#else
#define RH_UNINSTRUMENTED
#endif

typedef enum rh_obj_kind {
	RH_OBJ_NONE,
	RH_OBJ_MUTEX,
	RH_OBJ_RWLOCK,
	RH_OBJ_ATOMIC,
	RH_OBJ_KIND_COUNT_
} rh_obj_kind;

typedef struct rh_object {
	const void *addr;
	rh_obj_kind kind;
	unsigned flags;	  /* mutex: RH_MUTEX_ROBUST */
	int owner;	  /* mutex holder or rwlock writer: thread + 1; 0 = none */
	bool owner_died;  /* robust mutex: locked after its owner died, not yet consistent */
	uint64_t readers; /* rwlock: a bit per thread holding it to read */
} rh_object;

struct rh_object_slot {
	const void *addr;
	rh_object *obj;
	uint32_t gen; /* valid in the table's generation only */
};

typedef struct rh_objects {
	struct rh_object_slot *slots; /* open addressing, power-of-two size */
	size_t cap, used;	      /* used: slots ever filled since the last rehash */
	uint32_t gen;
	rh_object **chunks; /* objects live here and never move */
	size_t n_chunks, cap_chunks, n_objects;
	rh_object *last; /* the last object looked up: locks come in pairs */
} rh_objects;

/* An empty table; memory comes on first use. */
void rh_objects_init(rh_objects *t);
void rh_objects_fini(rh_objects *t);
/* Forget every object (a new run); the memory stays for the next. */
void rh_objects_clear(rh_objects *t);
size_t rh_objects_count(const rh_objects *t);

/* The state of addr, or NULL when the run has not modelled it. */
rh_object *rh_object_find(rh_objects *t, const void *addr);
/* The state of addr as a kind, created free (owner 0, no readers, flags as
 * given) on first use. An address met before as another kind is memory
 * reused for another object: its state starts afresh as this kind. */
rh_object *rh_object_get(rh_objects *t, const void *addr, rh_obj_kind kind, unsigned flags);
/* addr was (re)initialised or destroyed: its next use starts afresh. */
void rh_object_forget(rh_objects *t, const void *addr);

#endif
