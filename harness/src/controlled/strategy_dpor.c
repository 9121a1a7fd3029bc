/* SPDX-License-Identifier: MIT */
/* dpor, dpor:K — the reduction of dpor.c fed by the scheduler.
 *
 *   dpor     one run per Mazurkiewicz trace of the sync operations (source
 *            sets and sleep sets); exhausted = every trace explored
 *   dpor:K   the same within K preemptions (BPOR's conservative entries, no
 *            sleep sets); exhausted = every final state and trace a schedule
 *            with at most K preemptions reaches was reached
 *
 * Points model "sync": the steps are the sync operations (atomics, mutexes,
 * rwlocks) and rh_point()s. Plain memory is not seen; a point is where a
 * store says plain shared memory is touched, so every point is taken as a
 * write of one location standing for all of it: points conflict with each
 * other, whatever their labels; atomics and locks conflict by object; a
 * round's first step (scenario code before its first sync op) conflicts
 * with nothing. Plain memory shared by two steps of which one is not a
 * point (a read inside a critical section against an unlocked write after
 * a point) is outside the model: docs/controlled.md lists what that misses.
 * Points keyed by label instead miss index.readers (a read through a stale
 * pointer after one label, the free after another) and prove its buggy
 * variant clean; the module's RH_DPOR_PLAIN class (points and round starts
 * against every lock op too) costs most of the reduction.
 * A schedule is ordinary choices, so replay and shrink work on it as on any
 * other strategy's. */
#include <stdio.h>
#include <stdlib.h>

#include "racehunt/sync.h"

#include "core/util.h"
#include "dpor.h"
#include "sched.h"

#define MAX_BOUND 64

/* The one location every point is taken to write. */
static const char plain_memory;

static rh_dpor_op op_of(const rh_pending *p)
{
	static const uint8_t cls[RH_OP_COUNT_] = {
		[RH_OP_POINT] = RH_DPOR_WRITE,	   [RH_OP_LOAD] = RH_DPOR_READ,
		[RH_OP_STORE] = RH_DPOR_WRITE,	   [RH_OP_FETCH_ADD] = RH_DPOR_WRITE,
		[RH_OP_CAS] = RH_DPOR_WRITE,	   [RH_OP_LOCK] = RH_DPOR_ACQUIRE,
		[RH_OP_UNLOCK] = RH_DPOR_RELEASE,  [RH_OP_RDLOCK] = RH_DPOR_RDACQUIRE,
		[RH_OP_WRLOCK] = RH_DPOR_ACQUIRE,  [RH_OP_RWUNLOCK] = RH_DPOR_RWRELEASE,
		[RH_OP_EXIT] = RH_DPOR_LOCAL,
	};

	if (p->op == RH_OP_POINT)
		return (rh_dpor_op){.obj = (uintptr_t)&plain_memory, .cls = RH_DPOR_WRITE,
				    .round = p->round};
	if (p->op >= RH_OP_COUNT_ || p->obj == NULL)
		return (rh_dpor_op){.cls = RH_DPOR_LOCAL, .round = p->round};
	return (rh_dpor_op){.obj = (uintptr_t)p->obj, .round = p->round,
			    .cls = p->reader ? RH_DPOR_RDRELEASE : cls[p->op]};
}

static void ops_of(const rh_explorer *x, rh_dpor_op *out)
{
	for (unsigned i = 0; i < x->params.threads && i < RH_MAX_THREADS; i++)
		out[i] = op_of(&x->pending[i]);
}

static bool create(rh_explorer *x, const char *arg, char *err, size_t errcap)
{
	unsigned bound = RH_DPOR_UNBOUNDED;

	if (*arg != '\0' && !rh__parse_bound(arg, 0, MAX_BOUND, &bound)) {
		snprintf(err, errcap, "strategy '%s': dpor preemption bound must be 0..%d (or "
			 "plain dpor for none)", x->spec, MAX_BOUND);
		return false;
	}
	x->st = rh_dpor_new(bound);
	return true;
}

static bool begin(rh_explorer *x, unsigned threads)
{
	return rh_dpor_begin(x->st, threads);
}

RH_SCHEDULER_ONLY static unsigned choose(rh_explorer *x, uint64_t enabled, unsigned cur)
{
	rh_dpor_op pending[RH_MAX_THREADS];

	ops_of(x, pending);
	return rh_dpor_choose(x->st, enabled, cur, pending);
}

/* The run's races become backtrack points; when none is left the search
 * says so at once, so a campaign whose budget ends here reports it. */
static void end(rh_explorer *x)
{
	rh_dpor_op final[RH_MAX_THREADS];

	ops_of(x, final);
	rh_dpor_end(x->st, final);
	if (rh_dpor_exhausted(x->st))
		x->exhausted = true;
}

static void destroy(void *st)
{
	rh_dpor_free(st);
}

/* Its choices are ordinary ones: shrinking's own searches (dfs) serve. */
const rh_strategy rh__strategy_dpor = {
	.name = "dpor",
	.flags = RH_STRATEGY_EXHAUSTIVE | RH_STRATEGY_EVERY_STEP | RH_STRATEGY_PENDING,
	.shrink = NULL,
	.shrink_rank = 3,
	.create = create,
	.begin = begin,
	.choose = choose,
	.end = end,
	.destroy = destroy,
};

uint64_t rh_explorer_pruned(const rh_explorer *x)
{
	return x->strategy == &rh__strategy_dpor ? rh_dpor_pruned(x->st) : 0;
}

const char *rh_explorer_points(const rh_explorer *x)
{
	(void)x;
	return "sync";
}
