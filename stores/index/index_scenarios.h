/* SPDX-License-Identifier: MIT */
/* This file is private to the index store's scenarios (index_scenarios.c,
 * index_setup.c): the state of one trial and the helpers both use. */
#ifndef IX_SCENARIOS_H
#define IX_SCENARIOS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "index.h"
#include "racehunt/props.h"
#include "racehunt/scenario.h"
#include "racehunt/sync.h"

#define IX_MAX_THREADS 32
/* --size is the key count: setup writes every key, the store holds them all. */
#define IX_MAX_KEYS (1u << 16)
#define IX_ORPHANS 2 /* records planted at setup that no index entry points to */

enum workload {
	W_READERS,   /* thread 0 rewrites entities, the others read them */
	W_MIXED,     /* every thread reads any entity and writes its own */
	W_REPLAY,    /* thread 0 logs writes to the WAL and replays them; others read */
	W_INTEGRITY, /* thread 0 runs the integrity check and orphan finder; others write */
	W_PROPS,     /* mixed, with generated key count, payload sizes and write ratio */
};

typedef struct ixstate {
	enum workload w;
	rh_params p;
	ix_store *store;
	uint64_t keys;		 /* entities 1..keys exist from setup on */
	unsigned first_writer;	 /* writers are threads first_writer .. + n_writers - 1 */
	unsigned n_writers;
	uint64_t max_ids;	 /* writer i creates keys+1+i, keys+1+i+n_writers, ... */
	uint32_t len_span;	 /* payload lengths lie in [RH_PAYLOAD_MIN, + len_span] */
	unsigned write_permille; /* mixed/props: share of a thread's ops that write */
	unsigned create_permille; /* share of writes that create a new entity */
	rh_atomic_u64 *started;	 /* per id: highest version whose write has begun */
	rh_atomic_u64 *committed; /* per id: highest version acknowledged */
	rh_atomic_u64 begun;	 /* entities whose first write has begun */
	rh_atomic_u64 created;	 /* entities whose first write is acknowledged */
	uint64_t n_new[IX_MAX_THREADS]; /* entities a writer created; its own */
	uint8_t *buf[IX_MAX_THREADS];	/* per-thread payload scratch */
	uint64_t orphan_ids[IX_ORPHANS];
	/* The put/get history for the linearizability check, one log per
	 * thread (index IX_MAX_THREADS: setup's puts), NULL when the workload
	 * has no reads. The clock only orders calls and returns: a plain
	 * atomic, not a sync point, so it adds no scheduling step. */
	rh_lin_op *hist[IX_MAX_THREADS + 1];
	size_t n_hist[IX_MAX_THREADS + 1];
	_Atomic uint64_t clock;
} ixstate;

/* Payload length of entity id's version (a function of both). */
uint32_t ix__payload_len(const ixstate *s, uint64_t id, uint64_t version);
/* The history's logical clock. */
uint64_t ix__tick(ixstate *s);
/* Logs one operation of thread `log` (IX_MAX_THREADS: setup). */
void ix__record(ixstate *s, unsigned log, rh_lin_kind kind, uint64_t id, uint64_t value,
		uint64_t call, unsigned op);
bool ix__write_version(ixstate *s, rh_trial *t, unsigned tid, uint64_t id, bool wal,
		       uint64_t *version);
void ix__commit_version(ixstate *s, uint64_t id, uint64_t v);

/* index_setup.c: a trial's state for workload w, and its teardown. */
void *ix__setup(enum workload w, const rh_params *p, unsigned variant, rh_trial *t);
void ix__teardown(void *state);

#endif
