/* SPDX-License-Identifier: MIT */
/* pct:D — probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010):
 * distinct random priorities D..D+n-1, D-1 change points drawn uniformly over
 * the estimated run length k (the longest run seen so far); at the i-th
 * change point the running thread drops to priority i; the highest-priority
 * runnable thread always runs. A bug of depth d <= D shows with probability
 * >= 1/(n k^(d-1)). */
#include <stdlib.h>

#include "core/util.h"
#include "sched.h"

#define MAX_DEPTH 16

struct pct {
	unsigned depth;
	uint64_t k; /* estimated steps per run: the longest seen so far */
	unsigned prio[RH_MAX_THREADS];
	uint64_t change[MAX_DEPTH];
};

static bool create(rh_explorer *x, const char *arg, char *err, size_t errcap)
{
	struct pct *p;
	unsigned depth;

	if (!rh__parse_bound(arg, 1, MAX_DEPTH, &depth)) {
		snprintf(err, errcap,
			 "strategy '%s': pct depth must be 1..%d (pct:3 finds most ordering bugs)",
			 x->spec, MAX_DEPTH);
		return false;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		rh_die("out of memory for a pct strategy");
	p->depth = depth;
	x->st = p;
	return true;
}

static bool begin(rh_explorer *x, unsigned threads)
{
	struct pct *p = x->st;
	uint64_t k = p->k;

	if (k == 0) {
		const rh_params *w = &x->params;
		/* No run seen yet: a few sync points per op is typical. */
		k = (uint64_t)threads * (w->ops + 1) * (w->rounds ? w->rounds : 1) * 4;
	}
	for (unsigned i = 0; i < threads; i++)
		p->prio[i] = p->depth + i;
	for (unsigned i = threads; i > 1; i--) {
		unsigned j = (unsigned)rh_rng_below(&x->rng, i);
		unsigned tmp = p->prio[i - 1];

		p->prio[i - 1] = p->prio[j];
		p->prio[j] = tmp;
	}
	for (unsigned i = 1; i < p->depth; i++)
		p->change[i] = 1 + rh_rng_below(&x->rng, k);
	return true;
}

RH_SCHEDULER_ONLY static unsigned highest(const struct pct *p, uint64_t enabled)
{
	unsigned best = (unsigned)__builtin_ctzll(enabled);

	for (uint64_t m = enabled & (enabled - 1); m; m &= m - 1) {
		unsigned t = (unsigned)__builtin_ctzll(m);

		if (p->prio[t] > p->prio[best])
			best = t;
	}
	return best;
}

RH_SCHEDULER_ONLY static unsigned choose(rh_explorer *x, uint64_t enabled, unsigned cur)
{
	struct pct *p = x->st;

	/* At the i-th change point the thread about to run drops to priority
	 * i, below every initial priority. */
	for (unsigned i = 1; i < p->depth; i++)
		if (p->change[i] == x->steps)
			p->prio[highest(p, enabled)] = i;
	return highest(p, enabled);
}

static void end(rh_explorer *x)
{
	struct pct *p = x->st;

	if (x->steps > p->k)
		p->k = x->steps;
}

static const char *const shrink_specs[] = {"pct:3", NULL};

const rh_strategy rh__strategy_pct = {
	.name = "pct",
	.flags = RH_STRATEGY_EVERY_STEP,
	.shrink = shrink_specs,
	.shrink_rank = 1,
	.create = create,
	.begin = begin,
	.choose = choose,
	.end = end,
	.destroy = free,
};
