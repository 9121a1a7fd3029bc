/* SPDX-License-Identifier: MIT */
/* racehunt — source-DPOR with sleep sets, and its preemption-bounded variant
 * (see dpor.h for what it computes and why).
 *
 * The search is a stack of nodes, one per step of the last run: who could
 * run, who ran, the sleep set on entry, what was explored there and what is
 * still to explore. A run replays the stack up to its last node (whose choice
 * is new), then goes on with fresh nodes. After the run, vector clocks give
 * each step's happens-before; each race (e, e') adds one of the initials of
 * notdep(e).e' to the backtrack set of e's node (source sets), and the next
 * run starts from the deepest node with something left.
 *
 * With a bound K the stack is the same, but every thread within the bound
 * is explored at every node, and a table of the interleaving classes
 * reached cuts what was explored before (dpor_memo.c says why races cannot
 * steer a bounded search); sleep sets only tell it which steps' classes it
 * can look up before running them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "dpor.h"

static unsigned default_choice(uint64_t enabled, unsigned cur)
{
	return in(enabled, cur) ? cur : (unsigned)__builtin_ctzll(enabled);
}

rh_dpor *rh_dpor_new(unsigned bound)
{
	rh_dpor *d = calloc(1, sizeof(*d));

	if (d == NULL)
		rh_die("out of memory for a dpor search");
	d->bound = bound;
	return d;
}

void rh_dpor_free(rh_dpor *d)
{
	if (d == NULL)
		return;
	free(d->nodes);
	free(d->ops);
	free(d->tails);
	free(d->clock);
	free(d->seq);
	free(d->gprev);
	free(d->sprev);
	free(d->aprev);
	free(d->cand);
	free(d->acc);
	free(d->link);
	free(d->objs);
	rh__dpor_memo_free(d);
	free(d);
}

void rh_dpor_break_dependency(rh_dpor *d)
{
	d->broken = true;
}

uint64_t rh_dpor_explored(const rh_dpor *d) { return d->explored; }
uint64_t rh_dpor_pruned(const rh_dpor *d) { return d->pruned; }
bool rh_dpor_last_pruned(const rh_dpor *d) { return d->blocked; }
bool rh_dpor_exhausted(const rh_dpor *d) { return d->exhausted; }
bool rh_dpor_diverged(const rh_dpor *d) { return d->diverged; }

bool rh_dpor_dependent(rh_dpor_op a, rh_dpor_op b)
{
	if (a.cls == RH_DPOR_LOCAL || b.cls == RH_DPOR_LOCAL || is_mem(a.cls) != is_mem(b.cls))
		return false;
	if (a.cls == RH_DPOR_ANYSYNC || b.cls == RH_DPOR_ANYSYNC)
		return true;
	if (a.cls == RH_DPOR_ANYMEM || b.cls == RH_DPOR_ANYMEM)
		return is_mem(a.cls) && is_mem(b.cls);
	if (a.obj != b.obj)
		return false;
	if ((a.cls == RH_DPOR_READ || a.cls == RH_DPOR_MREAD) &&
	    (b.cls == RH_DPOR_READ || b.cls == RH_DPOR_MREAD))
		return false;
	/* Readers of one rwlock neither exclude nor enable each other. */
	return !(is_read_lock(a.cls) && is_read_lock(b.cls));
}

static void grow_nodes(rh_dpor *d, size_t want)
{
	while (d->cap < want)
		d->nodes = rh_grow(d->nodes, &d->cap, sizeof(*d->nodes), 256, "the dpor stack");
	if (d->ops_cap < d->cap * d->n) {
		d->ops_cap = d->cap * d->n;
		d->ops = realloc(d->ops, d->ops_cap * sizeof(*d->ops));
		d->tails = realloc(d->tails, d->ops_cap * sizeof(*d->tails));
		if (d->ops == NULL || d->tails == NULL)
			rh_die("out of memory for the dpor stack");
	}
}

bool rh_dpor_begin(rh_dpor *d, unsigned threads)
{
	if (d->exhausted)
		return false;
	if (threads == 0 || threads > 64)
		rh_die("dpor: 1..64 threads, not %u", threads);
	if (d->runs == 0)
		d->n = threads;
	else if (threads != d->n)
		rh_die("dpor: a search's runs must keep one thread count (%u, then %u)", d->n,
		       threads);
	if (d->runs == 0)
		d->len = d->prefix = 0;
	d->pos = 0;
	d->analysed = SIZE_MAX;
	d->preempts = 0;
	d->blocked = false;
	return true;
}

/* Who sleeps at the step after node k: what slept at k or was explored there
 * before, minus whatever the step taken at k depends on; each keeps its
 * tail. */
static uint64_t child_sleep(rh_dpor *d, size_t k)
{
	const struct node *nd = &d->nodes[k];
	const rh_dpor_op *op = &d->ops[k * d->n], *tl = &d->tails[k * d->n];
	rh_dpor_op *below = &d->tails[(k + 1) * d->n];
	unsigned p = nd->chosen;
	uint64_t s = (nd->sleep | nd->done) & ~bit(p) & ~nd->ended, out = 0;

	for (; s; s &= s - 1) {
		unsigned q = (unsigned)__builtin_ctzll(s);

		if (!steps_dependent(d, op[q], tl[q], op[p], tl[p])) {
			out |= bit(q);
			below[q] = tl[q];
		}
	}
	return out;
}

static void store_ops(rh_dpor *d, size_t j, uint64_t enabled, const rh_dpor_op *pending)
{
	rh_dpor_op *op = &d->ops[j * d->n];

	for (unsigned t = 0; t < d->n; t++)
		op[t] = in(enabled, t) ? pending[t] : (rh_dpor_op){0};
}

/* A bounded search's fresh node: cut where its state was reached before,
 * else the default choice among what is not known to lead to a state
 * reached before (a sleeping thread's step), in bound. */
static unsigned bounded_node(rh_dpor *d, size_t j, unsigned c)
{
	struct node *nd = &d->nodes[j];
	uint64_t ok = 0;

	d->len = j + 1;
	if (!rh__dpor_memo_node(d, j)) {
		d->blocked = true;
		d->len = j;
		return c;
	}
	for (uint64_t m = nd->enabled & ~nd->done; m; m &= m - 1)
		if (within(d, nd, (unsigned)__builtin_ctzll(m)))
			ok |= bit((unsigned)__builtin_ctzll(m));
	if (ok == 0) {
		/* Every way on leads to a state reached before. */
		d->blocked = true;
		d->len = j;
		return c;
	}
	if (!in(ok, c))
		c = (unsigned)__builtin_ctzll(ok);
	nd->chosen = (uint8_t)c;
	nd->done |= bit(c);
	return c;
}

/* A step past the replayed prefix: its node, and the default choice unless
 * that thread sleeps (bounded: bounded_node's). */
static unsigned fresh_node(rh_dpor *d, size_t j, uint64_t enabled, unsigned cur,
			   const rh_dpor_op *pending)
{
	struct node *nd;
	uint64_t awake;
	unsigned c = default_choice(enabled, cur);

	grow_nodes(d, j + 1);
	nd = &d->nodes[j];
	*nd = (struct node){.enabled = enabled, .cur = (uint8_t)(cur < d->n ? cur : NO_THREAD),
			    .preempts = (uint16_t)d->preempts};
	store_ops(d, j, enabled, pending);
	for (unsigned t = 0; t < d->n; t++)
		d->tails[j * d->n + t] = (rh_dpor_op){.cls = RH_DPOR_LOCAL};
	nd->fresh = j > 0 && in(enabled, cur) && pending[cur].cls == RH_DPOR_LOCAL &&
		    pending[cur].round > d->ops[(j - 1) * d->n + cur].round;
	nd->sleep = j > 0 ? child_sleep(d, j - 1) : 0;
	if (d->bound != RH_DPOR_UNBOUNDED)
		return bounded_node(d, j, c);
	awake = enabled & ~nd->sleep;
	if (awake == 0) {
		/* Sleep-set blocked: every way on is equivalent to a run made. */
		d->blocked = true;
		d->len = j;
		return c;
	}
	if (!in(awake, c))
		c = (unsigned)__builtin_ctzll(awake);
	nd->chosen = (uint8_t)c;
	nd->done = bit(c);
	d->len = j + 1;
	return c;
}

/* A replayed step must see the runnable threads and operations it saw when
 * recorded; the objects' addresses may differ from run to run, so the
 * current ones replace the recorded ones. */
static bool replay_step(rh_dpor *d, size_t j, uint64_t enabled, const rh_dpor_op *pending)
{
	rh_dpor_op *op = &d->ops[j * d->n];

	if (d->nodes[j].enabled != enabled)
		return false;
	for (uint64_t m = enabled; m; m &= m - 1) {
		unsigned t = (unsigned)__builtin_ctzll(m);

		if (op[t].cls != pending[t].cls || op[t].round != pending[t].round)
			return false;
	}
	store_ops(d, j, enabled, pending);
	return true;
}

unsigned rh_dpor_choose(rh_dpor *d, uint64_t enabled, unsigned cur, const rh_dpor_op *pending)
{
	size_t j = d->pos++;
	unsigned c;

	/* The scheduler's fairness switch ran another thread than chosen:
	 * the step is what ran. */
	if (j > 0 && j - 1 < d->len && cur < d->n && cur != d->nodes[j - 1].chosen &&
	    in(d->nodes[j - 1].enabled, cur)) {
		d->nodes[j - 1].chosen = (uint8_t)cur;
		d->nodes[j - 1].done |= bit(cur);
	}

	/* The step just run ended where its thread stopped now. */
	if (j > 0 && j - 1 < d->len && !d->blocked) {
		unsigned p = d->nodes[j - 1].chosen;

		d->tails[(j - 1) * d->n + p] = tail_of(pending[p]);
	}
	if (j < d->prefix && !replay_step(d, j, enabled, pending)) {
		if (!d->diverged)
			fprintf(stderr, "racehunt: dpor: the program ran differently under the same "
					"choices (step %zu); it is not deterministic, so the search "
					"may miss schedules\n", j);
		d->diverged = true;
		d->len = d->prefix = j;
	}
	if (j < d->prefix)
		c = d->nodes[j].chosen;
	else if (d->blocked)
		return default_choice(enabled, cur);
	else
		c = fresh_node(d, j, enabled, cur, pending);
	if (!d->blocked)
		d->preempts += preempt_cost(&d->nodes[j], c);
	return c;
}

/* The deepest node with an entry left (unbounded: a source-set entry
 * awake; bounded: any thread within the bound) takes it; the next run
 * replays up to there. */
static bool select_next(rh_dpor *d)
{
	while (d->len > 0) {
		struct node *nd = &d->nodes[d->len - 1];
		uint64_t todo = d->bound == RH_DPOR_UNBOUNDED ? nd->backtrack & ~nd->sleep
							      : nd->enabled;

		for (todo &= nd->enabled & ~nd->done; todo; todo &= todo - 1) {
			unsigned a = (unsigned)__builtin_ctzll(todo);

			if (within(d, nd, a)) {
				nd->done |= bit(a);
				nd->chosen = (uint8_t)a;
				d->prefix = d->len;
				return true;
			}
		}
		d->len--;
	}
	return false;
}

void rh_dpor_end(rh_dpor *d, const rh_dpor_op *final)
{
	size_t from = d->prefix ? d->prefix - 1 : 0;

	d->runs++;
	if (!d->blocked && d->len > 0 && d->pos >= d->len) {
		unsigned p = d->nodes[d->len - 1].chosen;

		d->tails[(d->len - 1) * d->n + p] =
			final != NULL ? tail_of(final[p]) : (rh_dpor_op){.cls = RH_DPOR_LOCAL};
	}
	if (d->pos < d->len) {
		d->diverged = true;
		d->len = d->pos;
	}
	if (d->bound != RH_DPOR_UNBOUNDED) {
		rh__dpor_memo_end(d);
	} else {
		if (d->blocked)
			d->pruned++;
		else
			d->explored++;
		rh__dpor_analyse(d, from, final);
	}
	if (!select_next(d))
		d->exhausted = true;
}
