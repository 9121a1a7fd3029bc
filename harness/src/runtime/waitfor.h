/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * The wait-for graph of a run's blocked threads, and the one text both modes
 * print for it: "T0 waits for mutex A held by T1; T1 waits for mutex B held
 * by T0". Stress mode builds the graph from its threads' lock bookkeeping at
 * each lock poll; the controlled scheduler from its model of the locks when
 * no thread can run. Threads are numbered below RH_WAITFOR_MAX (a bit each). */
#ifndef RH_RUNTIME_WAITFOR_H
#define RH_RUNTIME_WAITFOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "racehunt/sync.h"

#define RH_WAITFOR_MAX 64

/* What one thread is blocked on. */
struct rh_waitfor_wait {
	rh_op op;	  /* the lock call it is blocked in; RH_OP_POINT: not blocked */
	const char *name; /* the lock's name */
	uint64_t holders; /* a bit per thread holding the lock in a way that blocks op */
};

typedef struct rh_waitfor {
	unsigned n;
	struct rh_waitfor_wait wait[RH_WAITFOR_MAX];
} rh_waitfor;

/* n threads, none blocked. */
void rh_waitfor_init(rh_waitfor *g, unsigned n);
/* tid is blocked in op on the lock called name, held by the threads in holders. */
void rh_waitfor_add(rh_waitfor *g, unsigned tid, rh_op op, const char *name, uint64_t holders);
/* The threads that keep tid waiting (a bit each). */
static inline uint64_t rh_waitfor_blockers(const rh_waitfor *g, unsigned tid)
{
	return tid < g->n ? g->wait[tid].holders : 0;
}
/* A lock cycle through tid: path[0] = tid, each next one holding what the one
 * before waits for, the last one waiting for tid. Returns its length, 0 when
 * tid is on no cycle. */
unsigned rh_waitfor_cycle(const rh_waitfor *g, unsigned tid, unsigned path[RH_WAITFOR_MAX]);
/* One wait as reports print it: "T0 waits for mutex A held by T1", without
 * " held by ..." when holder < 0. Returns the length snprintf would. */
int rh_waitfor_edge_text(char *buf, size_t cap, unsigned waiter, rh_op op, const char *name,
			 int holder);
/* The cycle path[0..len) (from rh_waitfor_cycle) in one line: its waits
 * joined by "; ". */
void rh_waitfor_cycle_text(const rh_waitfor *g, const unsigned *path, unsigned len, char *buf,
			   size_t cap);

#endif
