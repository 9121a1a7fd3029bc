/* SPDX-License-Identifier: MIT */
/* racehunt — the races of a dpor run (see dpor.h): vector clocks over its
 * steps, the races among them, and the backtrack entries they add. */
#include <stdlib.h>
#include <stdint.h>
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

#define NOT_RACEABLE 0x80000000u /* on a candidate: ordered by a lock hand-over */

static void *grow_array(void *p, size_t n, size_t size)
{
	p = realloc(p, n * size);
	if (p == NULL)
		rh_die("out of memory for the dpor analysis");
	return p;
}

static void grow_steps(rh_dpor *d, size_t len)
{
	size_t objs = 64;

	if (d->step_cap < len) {
		d->step_cap = len;
		d->seq = grow_array(d->seq, len, sizeof(*d->seq));
		d->gprev = grow_array(d->gprev, len, sizeof(*d->gprev));
		d->sprev = grow_array(d->sprev, len, sizeof(*d->sprev));
		d->aprev = grow_array(d->aprev, len, sizeof(*d->aprev));
		d->cand = grow_array(d->cand, 4 * len, sizeof(*d->cand));
		d->acc = grow_array(d->acc, 2 * len, sizeof(*d->acc));
		d->link = grow_array(d->link, 2 * len, sizeof(*d->link));
	}
	if (d->clock_cap < len * d->n) {
		d->clock_cap = len * d->n;
		d->clock = grow_array(d->clock, d->clock_cap, sizeof(*d->clock));
	}
	while (objs < 4 * len)
		objs *= 2;
	if (d->objs_cap < objs) {
		free(d->objs);
		d->objs = grow_array(NULL, objs, sizeof(*d->objs));
		d->objs_cap = objs;
	}
	memset(d->objs, 0, d->objs_cap * sizeof(*d->objs));
}

/* Whether an access is on a key's chain (LOCAL, ANYMEM and ANYSYNC are on
 * none). */
static inline bool keyed(uint8_t c)
{
	return c != RH_DPOR_LOCAL && c != RH_DPOR_ANYMEM && c != RH_DPOR_ANYSYNC;
}

/* A sync op: on a lock, an atomic, or ANYSYNC (a tail never is one). */
static inline bool is_sync(uint8_t c)
{
	return c != RH_DPOR_LOCAL && !is_mem(c);
}

/* The slot of an access's key in the run's table: the last access on it. */
static struct obj_slot *key_find(const rh_dpor *d, rh_dpor_op op)
{
	uint8_t mem = is_mem(op.cls);
	size_t mask = d->objs_cap - 1;
	size_t i = (size_t)(((op.obj >> 3) ^ mem) * 0x9e3779b97f4a7c15ull) & mask;

	while (d->objs[i].used && (d->objs[i].obj != op.obj || d->objs[i].mem != mem))
		i = (i + 1) & mask;
	return &d->objs[i];
}

/* Access x joins its key's chain. */
static void key_push(rh_dpor *d, uint32_t x)
{
	struct obj_slot *o = key_find(d, d->acc[x]);

	d->link[x] = o->used ? o->last : NO_STEP;
	*o = (struct obj_slot){.obj = d->acc[x].obj, .last = x, .used = 1,
			       .mem = is_mem(d->acc[x].cls)};
}

static bool has_anymem(const rh_dpor *d, size_t j)
{
	return d->acc[2 * j].cls == RH_DPOR_ANYMEM || d->acc[2 * j + 1].cls == RH_DPOR_ANYMEM;
}

static bool has_anysync(const rh_dpor *d, size_t j)
{
	return d->acc[2 * j].cls == RH_DPOR_ANYSYNC;
}

/* An rwlock unlock (access id x, step j's op) is a reader's unless the
 * thread's last lock of it was the write lock. */
static uint8_t resolve(const rh_dpor *d, uint32_t x)
{
	unsigned t = d->nodes[x / 2].chosen;

	if (d->acc[x].cls != RH_DPOR_RWRELEASE)
		return d->acc[x].cls;
	for (uint32_t y = d->link[x]; y != NO_STEP; y = d->link[y])
		if (d->nodes[y / 2].chosen == t && is_acquire(d->acc[y].cls))
			return d->acc[y].cls == RH_DPOR_ACQUIRE ? RH_DPOR_RELEASE : RH_DPOR_RDRELEASE;
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

/* Race e (step k) with e' (step j): unless an initial of notdep(e).e' is
 * already explored or due at k, one (e's thread preferred, awake) is. */
static void race(rh_dpor *d, size_t k, size_t j, unsigned tj)
{
	struct node *nd = &d->nodes[k];
	uint64_t init = initials(d, k, j, tj), awake = init & ~nd->sleep;

	if (awake && !(init & (nd->backtrack | nd->done)))
		nd->backtrack |= bit(in(awake, tj) ? tj : (unsigned)__builtin_ctzll(awake));
}

/* Joins step k's clock into step j's. */
static void join(rh_dpor *d, size_t j, size_t k)
{
	unsigned n = d->n;
	uint32_t *cj = &d->clock[j * n];
	const uint32_t *ck = &d->clock[k * n];

	for (unsigned u = 0; u < n; u++)
		if (ck[u] > cj[u])
			cj[u] = ck[u];
}

/* The earlier accesses on the key of access x (of step j, thread t) that it
 * depends on: their steps' clocks join j's (base is t's clock before j), and
 * those not ordered before j already (race candidates) go to d->cand from
 * nc on. Returns the new candidate count. */
static size_t walk_key(rh_dpor *d, uint32_t x, unsigned t, const uint32_t *base, size_t nc)
{
	size_t j = x / 2;
	rh_dpor_op op = d->acc[x];

	for (uint32_t y = d->link[x]; y != NO_STEP; y = d->link[y]) {
		size_t k = y / 2;
		unsigned tk = d->nodes[k].chosen;

		if (tk == t || base[tk] >= d->seq[k]) {
			if (orders_all(d, d->acc[y].cls, false))
				break;
			continue;
		}
		if (!dependent(d, d->acc[y], op))
			continue;
		join(d, j, k);
		d->cand[nc++] = (uint32_t)k | (raceable(d->acc[y].cls, op.cls) ? 0 : NOT_RACEABLE);
	}
	return nc;
}

/* The same on a chain of steps, for what no key holds: on the chain of
 * plain-memory steps (prev gprev, wild has_anymem) a step with unnamed
 * memory against every plain-memory step before it, a named one against the
 * unnamed ones (named against named is by key); on the sync chains the
 * same with ANYSYNC. A wild step ordered before j orders all before it. */
static size_t walk_chain(rh_dpor *d, size_t j, unsigned t, const uint32_t *base, size_t nc,
			 const uint32_t *prev, bool (*wild)(const rh_dpor *, size_t))
{
	bool any = wild(d, j);

	for (uint32_t k = prev[j]; k != NO_STEP; k = prev[k]) {
		unsigned tk = d->nodes[k].chosen;
		bool kany = wild(d, k);

		if (!any && !kany)
			continue;
		if (tk == t || base[tk] >= d->seq[k]) {
			if (kany && !d->broken)
				break;
			continue;
		}
		join(d, j, k);
		d->cand[nc++] = k;
	}
	return nc;
}

static bool not_raceable(const rh_dpor *d, size_t nc, uint32_t k)
{
	for (size_t b = 0; b < nc; b++)
		if (d->cand[b] == (k | NOT_RACEABLE))
			return true;
	return false;
}

/* Step j's sync op against the ANYSYNC steps before it, or (ANYSYNC
 * itself) against every sync step before it: walking only the ANYSYNC
 * chain in the first case keeps lock-only runs at their cost. */
static size_t walk_sync(rh_dpor *d, size_t j, unsigned t, const uint32_t *base, size_t nc)
{
	return walk_chain(d, j, t, base, nc, has_anysync(d, j) ? d->sprev : d->aprev, has_anysync);
}

/* The acquire whose section the release r (a candidate j's acquire waits
 * for) ends: the same thread's last acquire of that lock. */
static uint32_t acquire_of(const rh_dpor *d, uint32_t r)
{
	unsigned t = d->nodes[r].chosen;

	for (uint32_t y = d->link[2 * r]; y != NO_STEP; y = d->link[y])
		if (d->nodes[y / 2].chosen == t && is_acquire(d->acc[y].cls))
			return y / 2;
	return NO_STEP;
}

/* Whether k may open the section the release rel ends: it is its thread's
 * last acquire of the lock, or an ANYSYNC step after that one (a trylock,
 * a condition wait's relock). */
static bool opens(const rh_dpor *d, uint32_t rel, uint32_t k)
{
	uint32_t a = acquire_of(d, rel);

	return a == k || (has_anysync(d, k) && (a == NO_STEP || a < k));
}

/* Whether candidate crel of step j may be the release j waits for, ending
 * the section k opened: a lock's release (NOT_RACEABLE) ends its thread's
 * last acquire's or an ANYSYNC step's after it; an ANYSYNC step (j an
 * acquire or ANYSYNC itself: j_waits) may release any lock, taken by an
 * acquire or an ANYSYNC step. */
static bool section_of(const rh_dpor *d, uint32_t crel, uint32_t k, bool j_waits)
{
	uint32_t rel = crel & ~NOT_RACEABLE;

	if (crel & NOT_RACEABLE)
		return opens(d, rel, k);
	return j_waits && has_anysync(d, rel) && (is_acquire(d->acc[2 * k].cls) || has_anysync(d, k));
}

/* Whether candidate cb orders candidate k before step j (k happens before
 * it). The section that an acquire k opens and a release j waits for
 * closes orders nothing: the race is the two acquires. */
static bool orders(const rh_dpor *d, size_t nc, uint32_t k, uint32_t cb, bool j_waits)
{
	uint32_t b = cb & ~NOT_RACEABLE;
	unsigned tk = d->nodes[k].chosen;

	if (b <= k || d->clock[(size_t)b * d->n + tk] < d->seq[k])
		return false;
	if (d->nodes[b].chosen != tk)
		return true;
	for (size_t r = 0; r < nc; r++) {
		uint32_t rel = d->cand[r] & ~NOT_RACEABLE;

		if (b <= rel && d->nodes[rel].chosen == tk && section_of(d, d->cand[r], k, j_waits))
			return false;
	}
	return true;
}

/* Step j against the earlier steps it depends on; reports the races, those
 * of steps no other step between orders before j, except a release that
 * j's acquire waits for (whatever else the two steps touch). */
static void scan(rh_dpor *d, size_t j, unsigned t, const uint32_t *base, size_t from)
{
	size_t nc = 0;
	bool j_waits = is_acquire(d->acc[2 * j].cls) || has_anysync(d, j);

	for (uint32_t x = (uint32_t)(2 * j); x <= 2 * j + 1; x++)
		if (keyed(d->acc[x].cls))
			nc = walk_key(d, x, t, base, nc);
	if (is_mem(d->acc[2 * j].cls) || is_mem(d->acc[2 * j + 1].cls))
		nc = walk_chain(d, j, t, base, nc, d->gprev, has_anymem);
	if (is_sync(d->acc[2 * j].cls))
		nc = walk_sync(d, j, t, base, nc);
	if (j < from)
		return;
	for (size_t a = 0; a < nc; a++) {
		uint32_t k = d->cand[a];
		bool ordered = false;

		if ((k & NOT_RACEABLE) || not_raceable(d, nc, k))
			continue;
		for (size_t b = 0; b < nc && !ordered; b++)
			ordered = orders(d, nc, k, d->cand[b], j_waits);
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

/* Step j's accesses: its op (rwlock unlocks resolved) and its tail, one
 * access when both are on one location. */
static void set_accesses(rh_dpor *d, size_t j, rh_dpor_op op, rh_dpor_op tail)
{
	rh_dpor_op *a = &d->acc[2 * j];

	a[0] = op;
	a[1] = tail;
	if (is_mem(op.cls) && is_mem(tail.cls) &&
	    (op.cls == RH_DPOR_ANYMEM) == (tail.cls == RH_DPOR_ANYMEM) &&
	    (op.cls == RH_DPOR_ANYMEM || op.obj == tail.obj)) {
		if (tail.cls == RH_DPOR_MWRITE)
			a[0].cls = RH_DPOR_MWRITE;
		a[1].cls = RH_DPOR_LOCAL;
	}
	for (uint32_t x = (uint32_t)(2 * j); x <= 2 * j + 1; x++) {
		d->link[x] = NO_STEP;
		if (keyed(d->acc[x].cls)) {
			key_push(d, x);
			d->acc[x].cls = resolve(d, x);
		}
	}
}

/* Step j's links to the sync steps before it, and then it joins the
 * chains. */
static void sync_chains(rh_dpor *d, size_t j)
{
	d->sprev[j] = d->sync_last;
	d->aprev[j] = d->any_last;
	if (!is_sync(d->acc[2 * j].cls))
		return;
	d->sync_last = (uint32_t)j;
	if (has_anysync(d, j))
		d->any_last = (uint32_t)j;
}

/* Step j (thread t) into the clocks: its round, its clock, its accesses on
 * their keys' chains, and its races if j >= from. */
static void analyse_step(rh_dpor *d, size_t j, unsigned t, size_t from)
{
	unsigned n = d->n;
	rh_dpor_op op = d->ops[j * n + t];
	uint32_t *tc = &d->tc[t * 64], *cj = &d->clock[j * n];

	if (op.round > d->tround[t])
		enter_round(d, t, op.round, &d->max_round);
	memcpy(cj, tc, n * sizeof(*cj));
	cj[t] = d->seq[j] = tc[t] + 1;
	set_accesses(d, j, op, d->tails[j * n + t]);
	d->gprev[j] = NO_STEP;
	if (is_mem(d->acc[2 * j].cls) || is_mem(d->acc[2 * j + 1].cls)) {
		d->gprev[j] = d->plain_last;
		d->plain_last = (uint32_t)j;
	}
	sync_chains(d, j);
	scan(d, j, t, tc, from);
	memcpy(tc, cj, n * sizeof(*cj));
}

/* A new pass over the run's steps, with room for len of them. */
static void analysis_reset(rh_dpor *d, size_t len)
{
	grow_steps(d, len + 1); /* + a blocked attempt at the end */
	memset(d->tc, 0, sizeof(d->tc));
	memset(d->tround, 0, sizeof(d->tround));
	d->max_round = 0;
	d->plain_last = d->sync_last = d->any_last = NO_STEP;
	d->analysed = 0;
}

static void analyse(rh_dpor *d, size_t from)
{
	analysis_reset(d, d->len);
	for (size_t j = 0; j < d->len; j++)
		analyse_step(d, j, d->nodes[j].chosen, from);
	d->analysed = d->len;
}

void rh__dpor_clocks(rh_dpor *d, size_t len)
{
	if (d->analysed > len || d->step_cap < len + 2) {
		analysis_reset(d, 2 * len + 16);
	}
	for (size_t j = d->analysed; j < len; j++)
		analyse_step(d, j, d->nodes[j].chosen, SIZE_MAX);
	d->analysed = len;
}

void rh__dpor_probe(rh_dpor *d, size_t j, unsigned q)
{
	unsigned n = d->n;
	rh_dpor_op op = d->ops[j * n + q], tail = d->tails[j * n + q];
	struct obj_slot *slot[2] = {NULL, NULL}, saved[2];
	uint32_t tc[64], bar[64], tround = d->tround[q], max_round = d->max_round;
	uint32_t plain_last = d->plain_last, sync_last = d->sync_last, any_last = d->any_last;

	rh__dpor_clocks(d, j);
	memcpy(tc, &d->tc[q * 64], n * sizeof(*tc));
	memcpy(bar, d->bar, sizeof(bar));
	if (keyed(op.cls))
		saved[0] = *(slot[0] = key_find(d, op));
	if (keyed(tail.cls))
		saved[1] = *(slot[1] = key_find(d, tail));
	analyse_step(d, j, q, SIZE_MAX);
	for (int i = 1; i >= 0; i--)
		if (slot[i] != NULL)
			*slot[i] = saved[i];
	memcpy(&d->tc[q * 64], tc, n * sizeof(*tc));
	memcpy(d->bar, bar, sizeof(bar));
	d->tround[q] = tround;
	d->max_round = max_round;
	d->plain_last = plain_last;
	d->sync_last = sync_last;
	d->any_last = any_last;
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
		d->gprev[j] = NO_STEP;
		d->sprev[j] = d->sync_last;
		d->aprev[j] = d->any_last;
		set_accesses(d, j, op, (rh_dpor_op){.cls = RH_DPOR_LOCAL});
		scan(d, j, t, &d->tc[t * 64], 0);
		/* The attempt is no step: the next one reads the table as before. */
		key_find(d, op)->last = d->link[2 * j];
	}
}

void rh_dpor_end_cut(rh_dpor *d, uint64_t live)
{
	d->end_live = live;
}

/* The program ended inside the run's last step while other threads could
 * still run. The end disables them all, so it is dependent with each one's
 * next step, which never ran and so raced with nothing: without this, the
 * orders where such a thread runs before the end are never tried (a crash
 * that a thread never scheduled would have prevented, a value main prints
 * before a worker it does not join got to write it). The next step is one
 * more step after the end, at its thread's clock (nothing ran after the
 * end, so the end does not happen before it), and races with the end; the
 * reversal runs the thread first at the end's node, where its step then
 * races with what it touches. Only the end: the steps that did run before
 * it and that it does not depend on change nothing it shows. A thread that
 * could not run at the end's node was enabled by the last step itself (or
 * waits: blocked_at_end's), so no run puts it first there.
 *
 * And the end never sleeps (node.ended, child_sleep): a step is put to
 * sleep below a sibling it does not depend on as if the two commuted, but
 * the end disables the sibling's thread, so the runs where the sibling's
 * step comes first are not the explored one (the pruned run would have held
 * the races that lead on, such as the sibling's next lock against one the
 * ending thread took). */
static void ended_early(rh_dpor *d)
{
	size_t j = d->len, k = j - 1;
	unsigned n = d->n;
	uint64_t live = d->end_live;

	d->end_live = 0;
	if (d->blocked || j == 0 || live == 0)
		return;
	d->nodes[k].ended |= bit(d->nodes[k].chosen);
	live &= d->nodes[k].enabled & ~bit(d->nodes[k].chosen);
	for (; live; live &= live - 1) {
		unsigned t = (unsigned)__builtin_ctzll(live);

		memcpy(&d->clock[j * n], &d->tc[t * 64], n * sizeof(*d->clock));
		d->seq[j] = d->tc[t * 64 + t] + 1;
		d->clock[j * n + t] = d->seq[j];
		race(d, k, j, t);
	}
}

void rh__dpor_analyse(rh_dpor *d, size_t from, const rh_dpor_op *final)
{
	analyse(d, from);
	blocked_at_end(d, final);
	ended_early(d);
}
