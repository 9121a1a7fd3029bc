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
 * last when switching away from it costs, and the preemptions spent. The
 * program is deterministic under the scheduler, so equal classes are equal
 * states, and everything within the bound below one is explored the first
 * time it is reached; reaching it again with as many or more preemptions
 * spent can add nothing. Such a run is cut there (it goes on with default
 * choices, counted as pruned), as is a run whose final class was explored
 * before, so "explored" is the number of classes within the bound, each
 * exactly once.
 *
 * Classes are told apart by a 128-bit hash of their steps (thread and
 * vector clock, in two independent lanes), summed so the order of
 * independent steps does not matter: two different classes of one search
 * share a hash with a chance of about m^2 / 2^129 for m classes. Per class
 * the table keeps what its threads could do (runnable, at a round's start)
 * and, per thread, the fewest preemptions it was reached with after that
 * thread ran and the class its step leads to once known; a thread whose
 * step is known to lead where everything was explored is not run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "dpor.h"

/* Past this many classes no more are recorded (about 1 GB): the search
 * stays sound, it only repeats what it cannot look up. Only states with a
 * choice are recorded (offset.collide fixed-atomic 4x2 dpor:2: 70 MB). */
#define MAX_CLASSES (4u << 20)
#define NEVER UINT16_MAX
#define NO_CLASS UINT32_MAX
/* How far a class's known successors are followed to find that all below
 * it was explored: in steps with a choice, and in classes looked up per
 * question (8 and 256 cut offset.collide 3x2 dpor:2's pruned runs from
 * 6,616 to 5,349; 16 gains under 1 %). */
#define LOOKAHEAD_STEPS 8
#define LOOKAHEAD_CLASSES 256

/* A class by its hash. */
struct class_slot {
	uint64_t h1, h2;
	uint32_t at; /* its index in the info */
	uint8_t used;
};

/* A class and one thread: the fewest preemptions the class was reached
 * with right after that thread ran (while it could go on), and where the
 * thread's step leads (when the class's known mask says so): the next
 * class with a choice on the way and the thread that ran last into it. The
 * steps between had no other way on and cost nothing with chain_p
 * preemptions spent; with fewer some of them may have a choice, so the
 * edge holds only from chain_p on (0: no steps between). */
struct edge_slot {
	uint64_t key; /* class * 64 + thread + 1; 0: empty */
	uint64_t h1, h2;
	uint16_t best, chain_p;
	uint8_t last;
};

struct class_info {
	uint64_t enabled, fresh, known;
	uint16_t best_free; /* reached after a switch that cost nothing */
	uint16_t best_any;  /* the least of the edges' best */
};

struct rh_memo {
	struct class_slot *classes;
	size_t classes_cap;
	struct class_info *info;
	size_t used, info_cap;
	struct edge_slot *edges;
	size_t edges_cap, edges_used;
	bool full;
};

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

static void *zalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL)
		rh_die("out of memory for the dpor:K class table");
	return p;
}

static struct rh_memo *memo_of(rh_dpor *d)
{
	if (d->memo == NULL)
		d->memo = zalloc(1, sizeof(*d->memo));
	return d->memo;
}

static void classes_grow(struct rh_memo *m)
{
	struct class_slot *old = m->classes;
	size_t old_cap = m->classes_cap;

	m->classes_cap = old_cap ? old_cap * 2 : 4096;
	m->classes = zalloc(m->classes_cap, sizeof(*m->classes));
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].used) {
			size_t k = old[i].h1 & (m->classes_cap - 1);

			while (m->classes[k].used)
				k = (k + 1) & (m->classes_cap - 1);
			m->classes[k] = old[i];
		}
	free(old);
}

static struct class_slot *class_slot(const struct rh_memo *m, uint64_t h1, uint64_t h2)
{
	size_t k = h1 & (m->classes_cap - 1);

	while (m->classes[k].used && (m->classes[k].h1 != h1 || m->classes[k].h2 != h2))
		k = (k + 1) & (m->classes_cap - 1);
	return &m->classes[k];
}

/* A class's index by its hash, NO_CLASS when never recorded. */
static uint32_t class_of_known(const rh_dpor *d, uint64_t h1, uint64_t h2)
{
	const struct class_slot *s;

	if (d->memo == NULL || d->memo->classes_cap == 0)
		return NO_CLASS;
	s = class_slot(d->memo, h1, h2);
	return s->used ? s->at : NO_CLASS;
}

/* The class with that hash, recorded now if new (NO_CLASS when the table
 * is full). */
static uint32_t class_of(rh_dpor *d, uint64_t h1, uint64_t h2)
{
	struct rh_memo *m = memo_of(d);
	struct class_slot *s;

	if (2 * (m->used + 1) > m->classes_cap)
		classes_grow(m);
	s = class_slot(m, h1, h2);
	if (s->used)
		return s->at;
	if (m->used >= MAX_CLASSES) {
		if (!m->full)
			fprintf(stderr, "racehunt: dpor:K: %u classes recorded, no more will be: the "
					"search stays sound but may explore classes again\n",
				MAX_CLASSES);
		m->full = true;
		return NO_CLASS;
	}
	if (m->used == m->info_cap) {
		m->info_cap = m->info_cap ? 2 * m->info_cap : 4096;
		m->info = realloc(m->info, m->info_cap * sizeof(*m->info));
		if (m->info == NULL)
			rh_die("out of memory for the dpor:K class table");
	}
	*s = (struct class_slot){h1, h2, (uint32_t)m->used, 1};
	m->info[m->used] = (struct class_info){.best_free = NEVER, .best_any = NEVER};
	return (uint32_t)m->used++;
}

static void edges_grow(struct rh_memo *m)
{
	struct edge_slot *old = m->edges;
	size_t old_cap = m->edges_cap;

	m->edges_cap = old_cap ? old_cap * 2 : 8192;
	m->edges = zalloc(m->edges_cap, sizeof(*m->edges));
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key) {
			size_t k = mix(old[i].key) & (m->edges_cap - 1);

			while (m->edges[k].key)
				k = (k + 1) & (m->edges_cap - 1);
			m->edges[k] = old[i];
		}
	free(old);
}

/* Class c's edge for thread t; NULL when it has none and create is false. */
static struct edge_slot *edge(const rh_dpor *d, uint32_t c, unsigned t, bool create)
{
	struct rh_memo *m = d->memo;
	uint64_t key = (uint64_t)c * 64 + t + 1;
	size_t k;

	if (create && 2 * (m->edges_used + 1) > m->edges_cap)
		edges_grow(m);
	if (m->edges_cap == 0)
		return NULL;
	for (k = mix(key) & (m->edges_cap - 1); m->edges[k].key; k = (k + 1) & (m->edges_cap - 1))
		if (m->edges[k].key == key)
			return &m->edges[k];
	if (!create)
		return NULL;
	m->edges_used++;
	m->edges[k] = (struct edge_slot){.key = key, .best = NEVER};
	return &m->edges[k];
}

/* Whether the class was reached before in a way that allows all that
 * reaching it with that last thread and preemptions allows: as many
 * preemptions left, and a free first switch wherever this has one. */
static bool covered(const rh_dpor *d, uint32_t c, unsigned last, unsigned preempts)
{
	const struct class_info *in_c;

	if (c == NO_CLASS)
		return false;
	in_c = &d->memo->info[c];
	if (in_c->best_free <= preempts)
		return true;
	if (last < d->n) {
		const struct edge_slot *e = edge(d, c, last, false);

		return e != NULL && e->best <= preempts;
	}
	return in_c->best_any != NEVER && in_c->best_any + 1u <= preempts;
}

static void record(rh_dpor *d, uint32_t c, unsigned last, unsigned preempts)
{
	struct class_info *in_c = &d->memo->info[c];

	if (last >= d->n) {
		if (preempts < in_c->best_free)
			in_c->best_free = (uint16_t)preempts;
		return;
	}
	struct edge_slot *e = edge(d, c, last, true);

	if (preempts < e->best)
		e->best = (uint16_t)preempts;
	if (preempts < in_c->best_any)
		in_c->best_any = (uint16_t)preempts;
}

static void set_succ(rh_dpor *d, uint32_t c, unsigned t, uint64_t h1, uint64_t h2,
		     unsigned last, unsigned chain_p)
{
	struct edge_slot *e;

	if (c == NO_CLASS)
		return;
	e = edge(d, c, t, true);
	/* The edge that holds for more preemption counts stays. */
	if (in(d->memo->info[c].known, t) && e->chain_p <= chain_p)
		return;
	e->chain_p = (uint16_t)chain_p;
	e->h1 = h1;
	e->h2 = h2;
	e->last = (uint8_t)last;
	d->memo->info[c].known |= bit(t);
}

/* Where thread t's step from class c leads, if known for a run with
 * preempts spent after that step. */
static bool succ_of(const rh_dpor *d, uint32_t c, unsigned t, unsigned preempts, uint64_t *h1,
		    uint64_t *h2, unsigned *last)
{
	const struct edge_slot *e;

	if (c == NO_CLASS || !in(d->memo->info[c].known, t))
		return false;
	e = edge(d, c, t, false);
	if (preempts < e->chain_p)
		return false;
	*h1 = e->h1;
	*h2 = e->h2;
	*last = e->last;
	return true;
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
	const struct class_info *in_c;

	if (covered(d, c, last, preempts))
		return true;
	if (c == NO_CLASS || depth == 0 || *looks == 0 || d->memo->info[c].enabled == 0)
		return false;
	--*looks;
	in_c = &d->memo->info[c];
	/* As preempt_cost: no cost unless the last thread could go on, and
	 * none at its round's start. */
	if (!in(in_c->enabled, last) || in(in_c->fresh, last))
		last = NO_THREAD;
	for (uint64_t m = in_c->enabled; m; m &= m - 1) {
		unsigned u = (unsigned)__builtin_ctzll(m);
		unsigned p = preempts + (last != NO_THREAD && u != last);
		uint64_t h1, h2;
		unsigned into;

		if (d->bound != RH_DPOR_UNBOUNDED && p > d->bound)
			continue;
		if (!succ_of(d, c, u, p, &h1, &h2, &into) ||
		    !explored_below(d, class_of_known(d, h1, h2), into, p, depth - 1, looks))
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
	unsigned into = q, p = nd->preempts + preempt_cost(nd, q), looks = LOOKAHEAD_CLASSES;
	uint64_t h1, h2;

	if (!succ_of(d, c, q, p, &h1, &h2, &into)) {
		if (!in(nd->sleep, q))
			return false;
		rh__dpor_probe(d, j, q);
		h1 = nd->h1;
		h2 = nd->h2;
		step_hash(d, j, q, &h1, &h2);
		set_succ(d, c, q, h1, h2, q, 0);
	}
	return explored_below(d, class_of_known(d, h1, h2), into, p, LOOKAHEAD_STEPS, &looks);
}

/* The class reached before node j (or at the run's end, j = len), hash h:
 * the successor of the last node with a choice before it, by the thread
 * chosen there; last is the thread that ran into it. */
static void link_back(rh_dpor *d, size_t j, uint64_t h1, uint64_t h2, unsigned last)
{
	size_t r = j - 1;

	while (r > 0 && d->nodes[r].memo_class == NO_CLASS)
		r--;
	set_succ(d, d->nodes[r].memo_class, d->nodes[r].chosen, h1, h2, last,
		 r + 1 < j ? d->nodes[r + 1].preempts : 0);
}

/* Whether only one thread can run at the node within the bound. */
static bool single_way(const rh_dpor *d, const struct node *nd)
{
	unsigned ways = 0;

	for (uint64_t m = nd->enabled; m && ways < 2; m &= m - 1)
		ways += within(d, nd, (unsigned)__builtin_ctzll(m));
	return ways < 2;
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
	if (j > 0 && single_way(d, nd)) {
		/* Nothing to choose here: the next state with a choice (or the
		 * run's end) stands for this one, and the table stays small. */
		nd->memo_class = NO_CLASS;
		return true;
	}
	c = class_of(d, h1, h2);
	nd->memo_class = c;
	if (j > 0)
		link_back(d, j, h1, h2, nd->cur);
	if (c == NO_CLASS)
		return true;
	if (covered(d, c, last, nd->preempts))
		return false;
	record(d, c, last, nd->preempts);
	d->memo->info[c].enabled = nd->enabled;
	d->memo->info[c].fresh = fresh_threads(d, j);
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
	c = class_of(d, h1, h2);
	link_back(d, d->len, h1, h2, NO_THREAD);
	if (c == NO_CLASS) {
		d->explored++;
		return;
	}
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
	if (d->memo == NULL)
		return;
	free(d->memo->classes);
	free(d->memo->info);
	free(d->memo->edges);
	free(d->memo);
}
