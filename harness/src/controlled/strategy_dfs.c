/* SPDX-License-Identifier: MIT */
/* dfs:K — every schedule with at most K preemptions, depth first: each run
 * replays the previous one's prefix up to its last choice with an untried
 * alternative within the bound, and takes that alternative. */
#include <stdio.h>
#include <stdlib.h>

#include "core/util.h"
#include "sched.h"

#define MAX_BOUND 64

typedef struct dfs_node {
	uint64_t enabled;
	uint64_t tried;
	uint8_t cur;
	uint8_t chosen;
	uint16_t preempts; /* preemptions before this choice */
} dfs_node;

/* The choices of the last run, with what each has tried. */
struct dfs {
	unsigned bound;
	dfs_node *nodes;
	size_t len, cap, prefix;
	unsigned preempts;
	bool warned;
};

static bool create(rh_explorer *x, const char *arg, char *err, size_t errcap)
{
	struct dfs *d;
	unsigned bound;

	if (!rh__parse_bound(arg, 0, MAX_BOUND, &bound)) {
		snprintf(err, errcap, "strategy '%s': dfs preemption bound must be 0..%d", x->spec,
			 MAX_BOUND);
		return false;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		rh_die("out of memory for a dfs strategy");
	d->bound = bound;
	x->st = d;
	return true;
}

/* Next run: the deepest choice with an untried alternative within the
 * preemption bound gets it; everything after it is new. */
static bool backtrack(struct dfs *d)
{
	while (d->len > 0) {
		dfs_node *node = &d->nodes[d->len - 1];
		bool cur_can = node->cur < 64 && (node->enabled >> node->cur & 1);
		uint64_t left = node->enabled & ~node->tried;

		while (left) {
			unsigned a = (unsigned)__builtin_ctzll(left);
			unsigned cost = cur_can && a != node->cur;

			left &= left - 1;
			node->tried |= 1ull << a;
			if (node->preempts + cost <= d->bound) {
				node->chosen = (uint8_t)a;
				d->prefix = d->len;
				return true;
			}
		}
		d->len--;
	}
	return false;
}

static bool begin(rh_explorer *x, unsigned threads)
{
	struct dfs *d = x->st;

	d->preempts = 0;
	if (x->runs > 0)
		return backtrack(d);
	d->len = d->prefix = 0;
	return true;
}

RH_SCHEDULER_ONLY static unsigned choose(rh_explorer *x, uint64_t enabled, unsigned cur)
{
	struct dfs *d = x->st;
	size_t j = x->n_choices;
	unsigned c;

	if (j < d->prefix) {
		dfs_node *node = &d->nodes[j];

		if (node->enabled == enabled && node->cur == cur) {
			c = node->chosen;
			goto out;
		}
		if (!d->warned) {
			fprintf(stderr, "racehunt: dfs: the scenario ran differently under the same "
					"choices (choice %zu); it is not deterministic, so the search "
					"may miss schedules\n", j);
			d->warned = true;
		}
		d->len = d->prefix = j;
	}
	if (d->len == d->cap)
		d->nodes = rh_grow(d->nodes, &d->cap, sizeof(*d->nodes), 256, "the dfs stack");
	c = rh_default_choice(enabled, cur);
	d->nodes[d->len++] = (dfs_node){.enabled = enabled, .tried = 1ull << c,
					.cur = (uint8_t)cur, .chosen = (uint8_t)c,
					.preempts = (uint16_t)d->preempts};
out:
	if (cur < 64 && (enabled >> cur & 1) && c != cur)
		d->preempts++;
	return c;
}

static void destroy(void *st)
{
	struct dfs *d = st;

	if (d != NULL)
		free(d->nodes);
	free(d);
}

/* Fewest preemptions first: shrinking's searches stop at the first hit. */
static const char *const shrink_specs[] = {"dfs:0", "dfs:1", "dfs:2", NULL};

const rh_strategy rh__strategy_dfs = {
	.name = "dfs",
	.flags = RH_STRATEGY_EXHAUSTIVE,
	.shrink = shrink_specs,
	.create = create,
	.begin = begin,
	.choose = choose,
	.destroy = destroy,
};
