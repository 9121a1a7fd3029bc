/* SPDX-License-Identifier: MIT */
/* racehunt — the races of a dpor run (see dpor.h): vector clocks over its
 * steps, the races among them, and the backtrack entries they add. */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "dpor.h"

/* Dependent with everything else on its chain (its object's, or the chain
 * of plain-memory steps): a step ordered before this one orders every
 * earlier step on the chain too. */
static bool orders_all(const rh_dpor *d, uint8_t c, bool plain_chain)
{
	if (d->broken)
		return false;
	if (plain_chain)
		return c == RH_DPOR_ANYMEM;
	return c == RH_DPOR_WRITE || c == RH_DPOR_MWRITE || c == RH_DPOR_ACQUIRE ||
	       c == RH_DPOR_RELEASE;
}

/* A release and the acquire it enables are ordered, never reversed: the
 * race to reverse is between the two acquires. */
static bool raceable(uint8_t earlier, uint8_t later)
{
	return !(is_release(earlier) && is_acquire(later));
}

/* ---- race analysis ------------------------------------------------------- */

static void grow_steps(rh_dpor *d, size_t len)
{
	size_t objs = 64;

	if (d->step_cap < len) {
		d->step_cap = len;
		d->seq = realloc(d->seq, len * sizeof(*d->seq));
		d->prev = realloc(d->prev, len * sizeof(*d->prev));
		d->gprev = realloc(d->gprev, len * sizeof(*d->gprev));
		d->cand = realloc(d->cand, len * sizeof(*d->cand));
		d->cls = realloc(d->cls, len);
		if (!d->seq || !d->prev || !d->gprev || !d->cand || !d->cls)
			rh_die("out of memory for the dpor analysis");
	}
	if (d->clock_cap < len * d->n) {
		d->clock_cap = len * d->n;
		d->clock = realloc(d->clock, d->clock_cap * sizeof(*d->clock));
		if (d->clock == NULL)
			rh_die("out of memory for the dpor clocks");
	}
	while (objs < 2 * len)
		objs *= 2;
	if (d->objs_cap < objs) {
		free(d->objs);
		d->objs = malloc(objs * sizeof(*d->objs));
		if (d->objs == NULL)
			rh_die("out of memory for the dpor objects");
		d->objs_cap = objs;
	}
	memset(d->objs, 0, d->objs_cap * sizeof(*d->objs));
}

/* The slot of obj in the run's object table: the last step on it. */
static struct obj_slot *obj_find(const rh_dpor *d, uintptr_t obj)
{
	size_t mask = d->objs_cap - 1, i = (size_t)((obj >> 3) * 0x9e3779b97f4a7c15ull) & mask;

	while (d->objs[i].obj != 0 && d->objs[i].obj != obj)
		i = (i + 1) & mask;
	return &d->objs[i];
}

static uint32_t obj_last(const rh_dpor *d, uintptr_t obj)
{
	const struct obj_slot *o = obj_find(d, obj);

	return o->obj == 0 ? NO_STEP : o->last;
}

static inline rh_dpor_op step_op(const rh_dpor *d, size_t j)
{
	rh_dpor_op op = d->ops[j * d->n + d->nodes[j].chosen];

	op.cls = d->cls[j];
	return op;
}

/* An rwlock unlock is a reader's unless the thread's last lock of it was
 * the write lock. */
static uint8_t resolve(const rh_dpor *d, size_t j, rh_dpor_op op)
{
	unsigned t = d->nodes[j].chosen;

	if (op.cls != RH_DPOR_RWRELEASE)
		return op.cls;
	for (uint32_t k = d->prev[j]; k != NO_STEP; k = d->prev[k])
		if (d->nodes[k].chosen == t && is_acquire(d->cls[k]))
			return d->cls[k] == RH_DPOR_ACQUIRE ? RH_DPOR_RELEASE : RH_DPOR_RDRELEASE;
	return RH_DPOR_RELEASE;
}

/* The threads that can start notdep(e).e' after the steps before e: those
 * whose first step there no other step there happens before. */
static uint64_t initials(const rh_dpor *d, size_t k, size_t j, unsigned tj)
{
	unsigned n = d->n, tk = d->nodes[k].chosen;
	uint32_t sk = d->seq[k], first[64];
	uint64_t seen = 0, init = 0;

	for (size_t m = k + 1; m <= j; m++) {
		const uint32_t *cm = &d->clock[m * n];
		unsigned tm = m == j ? tj : d->nodes[m].chosen;
		bool first_free = true;

		if ((m < j && cm[tk] >= sk) || in(seen, tm))
			continue;
		for (uint64_t s = seen; s && first_free; s &= s - 1) {
			unsigned u = (unsigned)__builtin_ctzll(s);

			first_free = cm[u] < first[u];
		}
		seen |= bit(tm);
		first[tm] = d->seq[m];
		if (first_free)
			init |= bit(tm);
	}
	return init;
}

/* BPOR: q also at the last context switch before step k (or round start:
 * a switch there is free too), or everyone runnable there if q could not
 * run, whatever the sleep set. */
static void add_conservative(rh_dpor *d, size_t k, unsigned q)
{
	size_t c = k;
	struct node *nd;
	uint64_t add;

	if (k == 0)
		return;
	do
		c--;
	while (c > 0 && d->nodes[c - 1].chosen == d->nodes[c].chosen && !d->nodes[c].fresh);
	nd = &d->nodes[c];
	add = in(nd->enabled, q) ? bit(q) : nd->enabled;
	for (; add; add &= add - 1) {
		unsigned a = (unsigned)__builtin_ctzll(add);

		if (!in(nd->done, a) && within(d, nd, a))
			nd->conservative |= bit(a);
	}
}

/* Race e (step k) with e' (step j): unless an initial of notdep(e).e' is
 * already explored or due at k, one (e's thread preferred, awake) is. */
static void race(rh_dpor *d, size_t k, size_t j, unsigned tj)
{
	struct node *nd = &d->nodes[k];
	uint64_t init = initials(d, k, j, tj), awake = init & ~nd->sleep, ok = 0;

	for (uint64_t m = awake; m; m &= m - 1)
		if (within(d, nd, (unsigned)__builtin_ctzll(m)))
			ok |= bit((unsigned)__builtin_ctzll(m));
	if (ok && !(init & (nd->backtrack | nd->done)))
		nd->backtrack |= bit(in(ok, tj) ? tj : (unsigned)__builtin_ctzll(ok));
	/* Always, even when the entry at k is within the bound: its cost
	 * there may be what a later reversal below it cannot afford (the
	 * property tests find such programs when this is made conditional). */
	if (d->bound != RH_DPOR_UNBOUNDED)
		add_conservative(d, k, in(init, tj) ? tj : (unsigned)__builtin_ctzll(init));
}

/* The earlier steps of chain (from step j back) that step j depends on:
 * their clocks join j's (base is j's thread clock before j), and those
 * not ordered before j already (race candidates) go to d->cand from nc on.
 * On the plain-memory chain a named step looks at unnamed ones only (named
 * ones of its address are on its object's chain). Returns the new
 * candidate count. */
static size_t walk(rh_dpor *d, size_t j, unsigned t, rh_dpor_op op, const uint32_t *base,
		   const uint32_t *chain, size_t nc)
{
	unsigned n = d->n;
	uint32_t *cj = &d->clock[j * n];
	bool plain_chain = chain == d->gprev;

	for (uint32_t k = chain[j]; k != NO_STEP; k = chain[k]) {
		unsigned tk = d->nodes[k].chosen;
		const uint32_t *ck = &d->clock[k * n];

		if (plain_chain && op.cls != RH_DPOR_ANYMEM && d->cls[k] != RH_DPOR_ANYMEM)
			continue;
		if (tk == t || base[tk] >= d->seq[k]) {
			if (orders_all(d, d->cls[k], plain_chain))
				break;
			continue;
		}
		if (!dependent(d, step_op(d, k), op))
			continue;
		for (unsigned u = 0; u < n; u++)
			if (ck[u] > cj[u])
				cj[u] = ck[u];
		if (raceable(d->cls[k], op.cls))
			d->cand[nc++] = k;
	}
	return nc;
}

/* Step j against the earlier steps it depends on; reports the races, those
 * of steps no other step between orders before j. */
static void scan(rh_dpor *d, size_t j, unsigned t, rh_dpor_op op, const uint32_t *base,
		 size_t from)
{
	unsigned n = d->n;
	size_t nc = 0;

	if (op.cls != RH_DPOR_ANYMEM)
		nc = walk(d, j, t, op, base, d->prev, nc);
	if (is_mem(op.cls))
		nc = walk(d, j, t, op, base, d->gprev, nc);
	if (j < from)
		return;
	for (size_t a = 0; a < nc; a++) {
		uint32_t k = d->cand[a];
		unsigned tk = d->nodes[k].chosen;
		bool ordered = false;

		for (size_t b = 0; b < nc && !ordered; b++)
			ordered = b != a && d->cand[b] > k &&
				  d->clock[(size_t)d->cand[b] * n + tk] >= d->seq[k];
		if (!ordered)
			race(d, k, j, t);
	}
}

/* A thread's first step of a round comes after every step of the round
 * before: the barrier clock is taken when the first thread enters it. */
static void enter_round(rh_dpor *d, unsigned t, uint32_t round, uint32_t *max_round)
{
	unsigned n = d->n;

	if (round > *max_round) {
		memset(d->bar, 0, sizeof(d->bar));
		for (unsigned u = 0; u < n; u++)
			for (unsigned v = 0; v < n; v++)
				if (d->tc[u * 64 + v] > d->bar[v])
					d->bar[v] = d->tc[u * 64 + v];
		*max_round = round;
	}
	for (unsigned v = 0; v < n; v++)
		if (d->bar[v] > d->tc[t * 64 + v])
			d->tc[t * 64 + v] = d->bar[v];
	d->tround[t] = round;
}

static void analyse(rh_dpor *d, size_t from)
{
	unsigned n = d->n;
	uint32_t max_round = 0, plain_last = NO_STEP;

	grow_steps(d, d->len + 1); /* + a blocked attempt at the end */
	memset(d->tc, 0, sizeof(d->tc));
	memset(d->tround, 0, sizeof(d->tround));
	for (size_t j = 0; j < d->len; j++) {
		unsigned t = d->nodes[j].chosen;
		rh_dpor_op op = d->ops[j * n + t];
		uint32_t *tc = &d->tc[t * 64], *cj = &d->clock[j * n];

		if (op.round > d->tround[t])
			enter_round(d, t, op.round, &max_round);
		memcpy(cj, tc, n * sizeof(*cj));
		cj[t] = d->seq[j] = tc[t] + 1;
		d->prev[j] = d->gprev[j] = NO_STEP;
		d->cls[j] = op.cls;
		if (op.cls != RH_DPOR_LOCAL && op.cls != RH_DPOR_ANYMEM) {
			d->prev[j] = obj_last(d, op.obj);
			*obj_find(d, op.obj) = (struct obj_slot){op.obj, (uint32_t)j};
			d->cls[j] = resolve(d, j, op);
		}
		op.cls = d->cls[j];
		if (is_mem(op.cls)) {
			d->gprev[j] = plain_last;
			plain_last = (uint32_t)j;
		}
		if (op.cls != RH_DPOR_LOCAL)
			scan(d, j, t, op, tc, from);
		memcpy(tc, cj, n * sizeof(*cj));
	}
}

/* A thread still waiting for a lock when the run ended (a deadlock, a lock
 * its holder never released) races with the acquire that holds it, as if
 * its attempt were one more step: otherwise the runs where it gets the lock
 * first would never be tried. */
static void blocked_at_end(rh_dpor *d, const rh_dpor_op *final)
{
	size_t j = d->len;
	unsigned n = d->n;

	if (final == NULL || d->blocked)
		return;
	for (unsigned t = 0; t < n; t++) {
		rh_dpor_op op = final[t];

		if (!is_acquire(op.cls) || op.round > d->tround[t])
			continue;
		memcpy(&d->clock[j * n], &d->tc[t * 64], n * sizeof(*d->clock));
		d->seq[j] = d->tc[t * 64 + t] + 1;
		d->clock[j * n + t] = d->seq[j];
		d->prev[j] = obj_last(d, op.obj);
		d->gprev[j] = NO_STEP;
		d->cls[j] = op.cls;
		scan(d, j, t, op, &d->tc[t * 64], 0);
	}
}

void rh__dpor_analyse(rh_dpor *d, size_t from, const rh_dpor_op *final)
{
	analyse(d, from);
	blocked_at_end(d, final);
}
