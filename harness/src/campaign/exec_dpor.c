/* SPDX-License-Identifier: MIT */
/* dpor for controlled exec trials: what each thread of the trial is stopped
 * before, read from the run record's at[] at every question, as dpor's
 * dependence (rh_pending, controlled/sched.h).
 *
 *   plain access     a point on its 8-byte granule, read or write; one that
 *                    spans two granules names no location (conflicts with
 *                    every plain access)
 *   atomic load      a load of its object; any other atomic (store,
 *                    exchange, fetch_*, compare-exchange) a write of it;
 *                    a fence nothing
 *   sched_yield, usleep, nanosleep, clock_nanosleep   nothing shared
 *   everything else  a write of one object common to all of them: every
 *                    lock, condition, semaphore, barrier, once, create,
 *                    join, exit and a thread's start is dependent with every
 *                    other (sound: more classes than needed, never a
 *                    dependence missed; a condition wait touches its
 *                    mutex and its condition, a join the thread it waits
 *                    for, which one class per step could not say)
 *
 * Every instrumented access is a step (points all), so the code between two
 * steps touches nothing another thread sees; the happens-before edges the
 * trial's race check uses (intercept/controlled_hb.c) are all between steps
 * this makes dependent, or that cannot run the other way round (a thread's
 * start after its create, a join after the joined thread's end). */
#include <string.h>

#include "controlled/dpor.h"
#include "controlled/strategy.h"
#include "exec.h"
#include "racehunt/sync.h"

/* The object every sync step writes: no atomic lives at address 1. */
#define ALL_SYNC ((const void *)1)

bool rh_exec_strategy_hb(const char *strategy)
{
	return strncmp(strategy, "dpor", 4) == 0 && (strategy[4] == '\0' || strategy[4] == ':');
}

static bool named(const char *op, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcmp(op, *names) == 0)
			return true;
	return false;
}

static rh_pending pending_of(const struct rh_exec_record *rec, const struct rh_exec_step *at)
{
	static const char *const local[] = {"sched_yield", "usleep", "nanosleep",
					    "clock_nanosleep", "atomic fence", NULL};
	const char *op = at->op < rec->n_ops ? rec->ops[at->op] : NULL;
	uint64_t g = at->obj & ~7ull;

	if (at->flags & RH_EXEC_STEP_DONE)
		return (rh_pending){.op = RH_OP_COUNT_};
	if (at->flags & RH_EXEC_STEP_ACCESS) {
		bool one = at->size > 0 && ((at->obj + at->size - 1) & ~7ull) == g;

		return (rh_pending){.op = RH_OP_POINT, .obj = one ? (const void *)(uintptr_t)g : NULL,
				    .access = !one ? RH_ACCESS_ANY
					      : at->flags & RH_EXEC_STEP_WRITE ? RH_ACCESS_WRITE
									       : RH_ACCESS_READ};
	}
	if (op != NULL && named(op, local))
		return (rh_pending){.op = RH_OP_COUNT_};
	if (op != NULL && at->obj != 0 && strncmp(op, "atomic ", 7) == 0)
		return (rh_pending){.op = strcmp(op, "atomic load") == 0 ? RH_OP_LOAD : RH_OP_STORE,
				    .obj = (const void *)(uintptr_t)at->obj};
	/* A thread's start (no op yet), a sync call, anything not known. */
	return (rh_pending){.op = RH_OP_STORE, .obj = ALL_SYNC};
}

void rh_exec_pending_step(const struct rh_exec_record *rec, const struct rh_exec_step *st,
			  rh_pending *out)
{
	*out = pending_of(rec, st);
}

void rh_exec_pending(const struct rh_exec_shared *sh, rh_pending *out)
{
	for (unsigned t = 0; t < RH_MAX_THREADS; t++)
		out[t] = t < sh->threads && t < RH_EXEC_THREADS_MAX
				 ? pending_of(&sh->rec, &sh->rec.at[t])
				 : (rh_pending){.op = RH_OP_COUNT_};
}

bool rh_exec_search_diverged(const rh_explorer *x)
{
	return x->strategy == &rh__strategy_dpor && rh_dpor_diverged(x->st);
}
