/* SPDX-License-Identifier: MIT */
/* racehunt — the preemption-bounded search (dpor:K): a depth-first search of
 * every schedule within K preemptions, in which a state reached before is
 * not explored again.
 *
 * Why not BPOR: its race-driven backtracking (dpor.c, dpor_race.c) with
 * conservative entries missed interleaving classes and final states of
 * generated 3-thread programs of 15 steps at K = 1..3, and classes of the
 * stores (offset.collide, offset.props, header.close), however many
 * conservative rules it got; and it explored each class 3-30 times.
 *
 * A state is the interleaving class of the steps run so far (the set of
 * steps, each with its happens-before: two orders of independent steps are
 * one state) with what the bound still allows from it: the thread that ran
 * last when it can go on (switching away from it is a preemption) and the
 * preemptions spent. The program is deterministic under the scheduler, so
 * equal classes are equal states, and everything within the bound below
 * one is explored the first time it is reached; reaching it again with as
 * many or more preemptions spent can add nothing. A run whose end state
 * (its whole class) was reached before explored nothing new: it counts as
 * pruned, not explored, so "explored" is the number of classes within the
 * bound, each exactly once.
 *
 * Classes are told apart by a 128-bit hash of their steps (thread, index
 * in the thread, vector clock), summed so the order of independent steps
 * does not matter: two different classes of one search share a hash with
 * a chance below 2^-100 for the searches racehunt runs. The search learns
 * a run's states only at its end (the clocks need the whole run), so a run
 * that reaches a known state goes on with default choices, as a sleep-set
 * blocked one does in the unbounded search. */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "dpor.h"

/* A class reached, in the table by its hash; its data in the pools at
 * index at: the fewest preemptions it was reached with per thread that ran
 * last (n: none whose switch costs), and the classes its threads' steps
 * lead to where known. */
struct memo_slot {
	uint64_t h1, h2;
	uint32_t at;
	uint8_t used;
};

#define NEVER UINT16_MAX
#define NO_CLASS UINT32_MAX
/* How far a class's known successors are followed to find that all below
 * it was explored: in steps, and in classes looked up per question (8 and
 * 256 cut offset.collide dpor:2's pruned runs from 5,736 to 3,798; deeper
 * gains little). */
#define LOOKAHEAD_STEPS 8
#define LOOKAHEAD_CLASSES 256

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Step j's contribution (thread t, its clock) to its class's hash, in two
 * independent lanes. */
static void step_hash(const rh_dpor *d, size_t j, unsigned t, uint64_t *h1, uint64_t *h2)
{
	const uint32_t *c = &d->clock[j * d->n];
	uint64_t a = mix(t + 0x51ed27ull), b = mix(t + 0x9a3c1ull);

	for (unsigned u = 0; u < d->n; u++) {
		a = mix(a ^ (c[u] + ((uint64_t)u << 32)));
		b = mix(b + c[u] * 0x2545f4914f6cdd1dull + u);
	}
	*h1 += a;
	*h2 += b;
}

static void *regrow(void *p, size_t n, size_t size)
{
	p = realloc(p, n * size);
	if (p == NULL)
		rh_die("out of memory for the dpor:K class table");
	return p;
}

static void table_grow(rh_dpor *d)
{
	struct memo_slot *old = d->memo;
	size_t old_cap = d->memo_cap;

	d->memo_cap = old_cap ? old_cap * 2 : 4096;
	d->memo = calloc(d->memo_cap, sizeof(*d->memo));
	if (d->memo == NULL)
		rh_die("out of memory for the dpor:K class table (%zu classes)", d->memo_used);
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].used) {
			size_t k = old[i].h1 & (d->memo_cap - 1);

			while (d->memo[k].used)
				k = (k + 1) & (d->memo_cap - 1);
			d->memo[k] = old[i];
		}
	free(old);
}

/* The class with that hash: its index, or NO_CLASS when it was never
 * reached and create is false. */
static uint32_t class_of(rh_dpor *d, uint64_t h1, uint64_t h2, bool create)
{
	size_t k, n = d->n;

	if (2 * (d->memo_used + 1) > d->memo_cap)
		table_grow(d);
	for (k = h1 & (d->memo_cap - 1); d->memo[k].used; k = (k + 1) & (d->memo_cap - 1))
		if (d->memo[k].h1 == h1 && d->memo[k].h2 == h2)
			return d->memo[k].at;
	if (!create)
		return NO_CLASS;
	if (d->memo_used == d->memo_pool) {
		d->memo_pool = d->memo_pool ? 2 * d->memo_pool : 4096;
		d->memo_best = regrow(d->memo_best, d->memo_pool * (n + 1), sizeof(*d->memo_best));
		d->memo_succ = regrow(d->memo_succ, d->memo_pool * n * 2, sizeof(*d->memo_succ));
		d->memo_known = regrow(d->memo_known, d->memo_pool, sizeof(*d->memo_known));
		d->memo_enabled = regrow(d->memo_enabled, d->memo_pool, sizeof(*d->memo_enabled));
		d->memo_fresh = regrow(d->memo_fresh, d->memo_pool, sizeof(*d->memo_fresh));
	}
	uint32_t at = (uint32_t)d->memo_used++;

	d->memo[k] = (struct memo_slot){h1, h2, at, 1};
	for (size_t u = 0; u <= n; u++)
		d->memo_best[at * (n + 1) + u] = NEVER;
	d->memo_known[at] = 0;
	d->memo_enabled[at] = d->memo_fresh[at] = 0;
	return at;
}

/* A class's index by its hash, NO_CLASS when never reached (the table
 * unchanged). */
static uint32_t class_of_known(const rh_dpor *d, uint64_t h1, uint64_t h2)
{
	size_t k;

	if (d->memo_cap == 0)
		return NO_CLASS;
	for (k = h1 & (d->memo_cap - 1); d->memo[k].used; k = (k + 1) & (d->memo_cap - 1))
		if (d->memo[k].h1 == h1 && d->memo[k].h2 == h2)
			return d->memo[k].at;
	return NO_CLASS;
}

/* Whether the class was reached before in a way that allows all that
 * reaching it with that last thread and preemptions allows: as many
 * preemptions left, and a free first switch wherever this has one. */
static bool covered(const rh_dpor *d, uint32_t c, unsigned last, unsigned preempts)
{
	const uint16_t *best;

	if (c == NO_CLASS)
		return false;
	best = &d->memo_best[(size_t)c * (d->n + 1)];
	if (best[d->n] <= preempts)
		return true;
	if (last < d->n)
		return best[last] <= preempts;
	for (unsigned u = 0; u < d->n; u++)
		if (best[u] != NEVER && best[u] + 1u <= preempts)
			return true;
	return false;
}

static void record(rh_dpor *d, uint32_t c, unsigned last, unsigned preempts)
{
	uint16_t *b = &d->memo_best[(size_t)c * (d->n + 1) + (last < d->n ? last : d->n)];

	if (preempts < *b)
		*b = (uint16_t)preempts;
}

static void set_succ(rh_dpor *d, uint32_t c, unsigned t, uint64_t h1, uint64_t h2)
{
	d->memo_succ[((size_t)c * d->n + t) * 2] = h1;
	d->memo_succ[((size_t)c * d->n + t) * 2 + 1] = h2;
	d->memo_known[c] |= bit(t);
}

/* What the next switch costs at node j depends on the thread that ran last
 * only when that one could go on. */
static unsigned costing_thread(const struct node *nd)
{
	return in(nd->enabled, nd->cur) && !nd->fresh ? nd->cur : NO_THREAD;
}

/* The threads at node j that would be at their round's first step if they
 * had run last (a switch away from them is free), as the fresh flag of a
 * node says for the thread that did; after the clocks of steps < j. */
static uint64_t fresh_threads(const rh_dpor *d, size_t j)
{
	uint64_t out = 0;

	for (uint64_t m = d->nodes[j].enabled; m; m &= m - 1) {
		unsigned u = (unsigned)__builtin_ctzll(m);
		rh_dpor_op op = d->ops[j * d->n + u];

		if (op.cls == RH_DPOR_LOCAL && op.round > d->tround[u])
			out |= bit(u);
	}
	return out;
}

/* The hash of the class of the run's first len steps (len >= 1). */
static void class_hash(rh_dpor *d, size_t len, uint64_t *h1, uint64_t *h2)
{
	const struct node *nd = &d->nodes[len - 1];

	rh__dpor_clocks(d, len);
	*h1 = nd->h1;
	*h2 = nd->h2;
	step_hash(d, len - 1, nd->chosen, h1, h2);
}

/* Whether everything within the bound from class c, reached with that last
 * thread and preemptions, was explored: each thread that can run there
 * leads (its step known) to a class reached before in a way that allows as
 * much, or to one of which this holds in turn (depth levels deeper). */
static bool explored_below(const rh_dpor *d, uint32_t c, unsigned last, unsigned preempts,
			   unsigned depth, unsigned *looks)
{
	uint64_t en;

	if (covered(d, c, last, preempts))
		return true;
	if (c == NO_CLASS || depth == 0 || *looks == 0 || (en = d->memo_enabled[c]) == 0)
		return false;
	--*looks;
	/* As preempt_cost: no cost unless the last thread could go on, and
	 * none at its round's start. */
	if (!in(en, last) || in(d->memo_fresh[c], last))
		last = NO_THREAD;
	for (uint64_t m = en; m; m &= m - 1) {
		unsigned u = (unsigned)__builtin_ctzll(m);
		unsigned p = preempts + (last != NO_THREAD && u != last);
		const uint64_t *h = &d->memo_succ[((size_t)c * d->n + u) * 2];

		if (d->bound != RH_DPOR_UNBOUNDED && p > d->bound)
			continue;
		if (!in(d->memo_known[c], u) ||
		    !explored_below(d, class_of_known(d, h[0], h[1]), u, p, depth - 1, looks))
			return false;
	}
	return true;
}

/* Thread q's step from node j's class (c) leads to a class reached before
 * in a way that allows more: known when q ran from this class before, or q
 * sleeps here (it ran from an earlier node, everything since independent
 * of it), so its step and where it stops are known. */
static bool leads_back(rh_dpor *d, size_t j, uint32_t c, unsigned q)
{
	struct node *nd = &d->nodes[j];
	uint64_t h1, h2;

	if (in(d->memo_known[c], q)) {
		h1 = d->memo_succ[((size_t)c * d->n + q) * 2];
		h2 = d->memo_succ[((size_t)c * d->n + q) * 2 + 1];
	} else if (in(nd->sleep, q)) {
		rh__dpor_probe(d, j, q);
		h1 = nd->h1;
		h2 = nd->h2;
		step_hash(d, j, q, &h1, &h2);
		set_succ(d, c, q, h1, h2);
	} else {
		return false;
	}
	unsigned looks = LOOKAHEAD_CLASSES;

	return explored_below(d, class_of_known(d, h1, h2), q, nd->preempts + preempt_cost(nd, q),
			      LOOKAHEAD_STEPS, &looks);
}

/* A fresh node j of a bounded search: false when its state was reached
 * before (the run is then cut there). Otherwise the state is recorded and
 * each thread known to lead back to a state reached before is marked
 * done. */
bool rh__dpor_memo_node(rh_dpor *d, size_t j)
{
	struct node *nd = &d->nodes[j];
	unsigned last = costing_thread(nd);
	uint64_t h1 = 0, h2 = 0;
	uint32_t c;

	if (j > 0)
		class_hash(d, j, &h1, &h2);
	else
		rh__dpor_clocks(d, 0); /* fresh_threads reads the rounds */
	nd->h1 = h1;
	nd->h2 = h2;
	c = class_of(d, h1, h2, true);
	if (j > 0)
		set_succ(d, d->nodes[j - 1].memo_class, d->nodes[j - 1].chosen, h1, h2);
	if (covered(d, c, last, nd->preempts))
		return false;
	record(d, c, last, nd->preempts);
	d->memo_enabled[c] = nd->enabled;
	d->memo_fresh[c] = fresh_threads(d, j);
	nd->memo_class = c;
	for (uint64_t m = nd->enabled; m; m &= m - 1) {
		unsigned q = (unsigned)__builtin_ctzll(m);

		if (within(d, nd, q) && leads_back(d, j, c, q))
			nd->done |= bit(q);
	}
	return true;
}

/* After a run of a bounded search not cut short: whether its whole class
 * is new. */
void rh__dpor_memo_end(rh_dpor *d)
{
	uint64_t h1, h2;
	uint32_t c;

	if (d->blocked) {
		d->pruned++;
		return;
	}
	if (d->len == 0) {
		d->explored++; /* no step: the one run there is */
		return;
	}
	class_hash(d, d->len, &h1, &h2);
	c = class_of(d, h1, h2, true);
	set_succ(d, d->nodes[d->len - 1].memo_class, d->nodes[d->len - 1].chosen, h1, h2);
	if (covered(d, c, NO_THREAD, 0)) {
		d->blocked = true;
		d->pruned++;
		return;
	}
	record(d, c, NO_THREAD, 0);
	d->explored++;
}

void rh__dpor_memo_free(rh_dpor *d)
{
	free(d->memo);
	free(d->memo_best);
	free(d->memo_succ);
	free(d->memo_known);
	free(d->memo_enabled);
	free(d->memo_fresh);
}
