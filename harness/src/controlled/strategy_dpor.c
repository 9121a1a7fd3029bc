/* SPDX-License-Identifier: MIT */
/* dpor, dpor:K — the reduction of dpor.c fed by the scheduler.
 *
 *   dpor     one run per Mazurkiewicz trace of the sync operations (source
 *            sets and sleep sets); exhausted = every trace explored
 *   dpor:K   every schedule within K preemptions, each interleaving class
 *            explored once (a table of the classes reached cuts the
 *            rest: pruned); exhausted = every trace a schedule with at
 *            most K preemptions has was explored
 *
 * Points model "sync": the steps are the sync operations (atomics, mutexes,
 * rwlocks) and the points. Plain memory is not seen; a point is where a store
 * says the code after it touches plain shared memory: rh_point_at names the
 * location (conflicting with points on it of which one writes), rh_point
 * names none (conflicting with every point). Atomics and locks conflict by
 * object; a round's first step (scenario code before its first sync op)
 * conflicts with nothing. That is sound for a store that touches plain
 * memory shared without a common lock only after a point naming it (or an
 * rh_point); docs/controlled.md says what falls outside.
 * A schedule is ordinary choices, so replay and shrink work on it as on any
 * other strategy's. */
#include <stdio.h>
#include <stdlib.h>

#include "racehunt/sync.h"

#include "core/util.h"
#include "dpor.h"
#include "sched.h"

#define MAX_BOUND 64

static uint8_t point_class(uint8_t access)
{
	switch (access) {
	case RH_ACCESS_NONE:
		return RH_DPOR_LOCAL;
	case RH_ACCESS_READ:
		return RH_DPOR_MREAD;
	case RH_ACCESS_WRITE:
		return RH_DPOR_MWRITE;
	default:
		return RH_DPOR_ANYMEM;
	}
}

static rh_dpor_op op_of(const rh_pending *p)
{
	static const uint8_t cls[RH_OP_COUNT_] = {
		[RH_OP_LOAD] = RH_DPOR_READ,	   [RH_OP_STORE] = RH_DPOR_WRITE,
		[RH_OP_FETCH_ADD] = RH_DPOR_WRITE, [RH_OP_CAS] = RH_DPOR_WRITE,
		[RH_OP_LOCK] = RH_DPOR_ACQUIRE,	   [RH_OP_UNLOCK] = RH_DPOR_RELEASE,
		[RH_OP_RDLOCK] = RH_DPOR_RDACQUIRE, [RH_OP_WRLOCK] = RH_DPOR_ACQUIRE,
		[RH_OP_RWUNLOCK] = RH_DPOR_RWRELEASE, [RH_OP_EXIT] = RH_DPOR_LOCAL,
	};

	if (p->op == RH_OP_POINT) {
		uint8_t c = point_class(p->access);

		/* A named location needs its address: without one, any memory. */
		if ((c == RH_DPOR_MREAD || c == RH_DPOR_MWRITE) && p->obj == NULL)
			c = RH_DPOR_ANYMEM;
		return (rh_dpor_op){.obj = c == RH_DPOR_MREAD || c == RH_DPOR_MWRITE
						   ? (uintptr_t)p->obj : 0,
				    .cls = c, .round = p->round};
	}
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

	/* "dpor:" with nothing after it is a truncated spec, not plain dpor. */
	if ((*arg != '\0' || arg[-1] == ':') && !rh__parse_bound(arg, 0, MAX_BOUND, &bound)) {
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
