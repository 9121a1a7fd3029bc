/* racehunt — controlled-mode strategies: who runs at each step.
 *
 *   random   uniform over the runnable threads at every choice
 *   pct:D    probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010):
 *            distinct random priorities D..D+n-1, D-1 change points drawn
 *            uniformly over the estimated run length k (the longest run seen
 *            so far); at the i-th change point the running thread drops to
 *            priority i; the highest-priority runnable thread always runs.
 *            A bug of depth d <= D shows with probability >= 1/(n k^(d-1)).
 *   dfs:K    every schedule with at most K preemptions, depth first, each
 *            run replaying the previous one's prefix up to its last choice
 *            with an untried alternative.
 *   choices  explicit deviations from the default (replay, shrinking).
 *   bytes    fuzzer input: one byte per choice (see rh_explorer_from_bytes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "core/registry.h"
#include "sched.h"

RH_SCHEDULER_ONLY unsigned rh_default_choice(uint64_t enabled, unsigned cur)
{
	if (cur < 64 && (enabled >> cur & 1))
		return cur;
	return (unsigned)__builtin_ctzll(enabled);
}

/* The k-th (from 0) set bit of mask. */
RH_SCHEDULER_ONLY static unsigned nth_bit(uint64_t mask, unsigned k)
{
	while (k--)
		mask &= mask - 1;
	return (unsigned)__builtin_ctzll(mask);
}

static bool parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end || v < min || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* One recorded schedule, replayed strictly: a run that leaves it is flagged
 * (rh_explorer_diverged), never passed off as the recorded one. */
static rh_explorer *schedule_explorer(const char *schedule, char *err, size_t errcap)
{
	rh_sched_spec sp;
	rh_explorer *x;

	if (!rh_schedule_parse(schedule, &sp, err, errcap))
		return NULL;
	x = rh_explorer_choices(&sp, true);
	rh_schedule_spec_free(&sp);
	if (x == NULL)
		snprintf(err, errcap, "out of memory for an explorer");
	return x;
}

rh_explorer *rh_explorer_new(const char *spec, uint64_t seed, char *err, size_t errcap)
{
	rh_explorer *x;
	rh_strat strat;
	unsigned bound = 0;

	if (strcmp(spec, "random") == 0) {
		strat = RH_STRAT_RANDOM;
	} else if (strncmp(spec, "pct:", 4) == 0) {
		strat = RH_STRAT_PCT;
		if (!parse_uint(spec + 4, 1, RH_PCT_MAX_DEPTH, &bound)) {
			snprintf(err, errcap, "strategy '%s': pct depth must be 1..%d (pct:3 finds most "
				 "ordering bugs)", spec, RH_PCT_MAX_DEPTH);
			return NULL;
		}
	} else if (strncmp(spec, "dfs:", 4) == 0) {
		strat = RH_STRAT_DFS;
		if (!parse_uint(spec + 4, 0, RH_DFS_MAX_BOUND, &bound)) {
			snprintf(err, errcap, "strategy '%s': dfs preemption bound must be 0..%d",
				 spec, RH_DFS_MAX_BOUND);
			return NULL;
		}
	} else if (strncmp(spec, RH_REPLAY_PREFIX, strlen(RH_REPLAY_PREFIX)) == 0) {
		return schedule_explorer(spec + strlen(RH_REPLAY_PREFIX), err, errcap);
	} else {
		snprintf(err, errcap,
			 "unknown controlled strategy '%s' (random, pct:D, dfs:K, replay:SCHEDULE)",
			 spec);
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		snprintf(err, errcap, "out of memory for an explorer");
		return NULL;
	}
	x->strat = strat;
	x->bound = bound;
	x->seed = seed;
	snprintf(x->spec, sizeof(x->spec), "%s", spec);
	return x;
}

rh_explorer *rh_explorer_from_bytes(const uint8_t *data, size_t size)
{
	rh_explorer *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->strat = RH_STRAT_BYTES;
	snprintf(x->spec, sizeof(x->spec), "fuzz");
	if (size > 0) {
		x->bytes = malloc(size);
		if (x->bytes == NULL) {
			free(x);
			return NULL;
		}
		memcpy(x->bytes, data, size);
		x->n_bytes = size;
	}
	return x;
}

rh_explorer *rh_explorer_choices(const rh_sched_spec *sp, bool strict)
{
	rh_explorer *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->strat = RH_STRAT_CHOICES;
	x->strict = strict;
	x->want_choices = sp->choices;
	x->want_fp = sp->fingerprint;
	snprintf(x->spec, sizeof(x->spec), "%s", sp->strategy);
	if (sp->n_devs > 0) {
		x->devs = malloc(sp->n_devs * sizeof(*x->devs));
		if (x->devs == NULL) {
			free(x);
			return NULL;
		}
		memcpy(x->devs, sp->devs, sp->n_devs * sizeof(*x->devs));
		x->n_devs = sp->n_devs;
	}
	return x;
}

const char *rh_explorer_diverged(const rh_explorer *x)
{
	return x->diverged ? x->why : NULL;
}

uint64_t rh_explorer_runs(const rh_explorer *x)
{
	return x->runs;
}

bool rh_explorer_exhausted(const rh_explorer *x)
{
	return x->exhausted;
}

static void diverge(rh_explorer *x, const char *why, unsigned long long at)
{
	if (x->diverged)
		return;
	x->diverged = true;
	snprintf(x->why, sizeof(x->why), "%s (choice %llu)", why, at);
}

/* Next dfs run: the deepest choice with an untried alternative within the
 * preemption bound gets it; everything after it is new. */
static bool dfs_backtrack(rh_explorer *x)
{
	while (x->dfs_len > 0) {
		rh_dfs_node *node = &x->dfs[x->dfs_len - 1];
		bool cur_can = node->cur < 64 && (node->enabled >> node->cur & 1);
		uint64_t left = node->enabled & ~node->tried;

		while (left) {
			unsigned a = (unsigned)__builtin_ctzll(left);
			unsigned cost = cur_can && a != node->cur;

			left &= left - 1;
			node->tried |= 1ull << a;
			if (node->preempts + cost <= x->bound) {
				node->chosen = (uint8_t)a;
				x->dfs_prefix = x->dfs_len;
				return true;
			}
		}
		x->dfs_len--;
	}
	return false;
}

bool rh_strategy_begin(rh_explorer *x, unsigned threads)
{
	if (x->exhausted)
		return false;
	rh_rng_seed(&x->rng, rh_seed_mix(x->seed, x->runs, 0x5c4ed));
	switch (x->strat) {
	case RH_STRAT_RANDOM:
		break;
	case RH_STRAT_PCT: {
		uint64_t k = x->pct_k;

		if (k == 0) {
			const rh_params *p = &x->params;
			/* No run seen yet: a few sync points per op is typical. */
			k = (uint64_t)threads * (p->ops + 1) * (p->rounds ? p->rounds : 1) * 4;
		}
		for (unsigned i = 0; i < threads; i++)
			x->pct_prio[i] = x->bound + i;
		for (unsigned i = threads; i > 1; i--) {
			unsigned j = (unsigned)rh_rng_below(&x->rng, i);
			unsigned tmp = x->pct_prio[i - 1];
			x->pct_prio[i - 1] = x->pct_prio[j];
			x->pct_prio[j] = tmp;
		}
		for (unsigned i = 1; i < x->bound; i++)
			x->pct_change[i] = 1 + rh_rng_below(&x->rng, k);
		break;
	}
	case RH_STRAT_DFS:
		x->dfs_preempts = 0;
		if (x->runs > 0 && !dfs_backtrack(x)) {
			x->exhausted = true;
			return false;
		}
		if (x->runs == 0)
			x->dfs_len = x->dfs_prefix = 0;
		break;
	case RH_STRAT_CHOICES:
	case RH_STRAT_BYTES:
		/* One schedule: replaying it again would prove nothing new. */
		if (x->runs > 0) {
			x->exhausted = true;
			return false;
		}
		x->dev_pos = 0;
		x->byte_pos = 0;
		break;
	}
	return true;
}

RH_SCHEDULER_ONLY static unsigned pct_highest(const rh_explorer *x, uint64_t enabled)
{
	unsigned best = (unsigned)__builtin_ctzll(enabled);

	for (uint64_t m = enabled & (enabled - 1); m; m &= m - 1) {
		unsigned t = (unsigned)__builtin_ctzll(m);
		if (x->pct_prio[t] > x->pct_prio[best])
			best = t;
	}
	return best;
}

RH_SCHEDULER_ONLY static unsigned pct_choose(rh_explorer *x, uint64_t enabled)
{
	/* At the i-th change point the thread about to run drops to priority i,
	 * below every initial priority. */
	for (unsigned i = 1; i < x->bound; i++)
		if (x->pct_change[i] == x->steps)
			x->pct_prio[pct_highest(x, enabled)] = i;
	return pct_highest(x, enabled);
}

RH_SCHEDULER_ONLY static unsigned dfs_choose(rh_explorer *x, uint64_t enabled, unsigned cur)
{
	size_t j = x->n_choices;
	rh_dfs_node *node;
	unsigned c;

	if (j < x->dfs_prefix) {
		node = &x->dfs[j];
		if (node->enabled == enabled && node->cur == cur) {
			c = node->chosen;
			goto out;
		}
		if (!x->dfs_warned) {
			fprintf(stderr, "racehunt: dfs: the scenario ran differently under the same "
					"choices (choice %zu); it is not deterministic, so the search "
					"may miss schedules\n", j);
			x->dfs_warned = true;
		}
		x->dfs_len = x->dfs_prefix = j;
	}
	if (x->dfs_len == x->dfs_cap)
		x->dfs = rh_grow(x->dfs, &x->dfs_cap, sizeof(*x->dfs), 256, "the dfs stack");
	c = rh_default_choice(enabled, cur);
	x->dfs[x->dfs_len++] = (rh_dfs_node){.enabled = enabled, .tried = 1ull << c,
					     .cur = (uint8_t)cur, .chosen = (uint8_t)c,
					     .preempts = (uint16_t)x->dfs_preempts};
out:
	if (cur < 64 && (enabled >> cur & 1) && c != cur)
		x->dfs_preempts++;
	return c;
}

RH_SCHEDULER_ONLY static unsigned choices_choose(rh_explorer *x, uint64_t enabled, unsigned cur)
{
	size_t j = x->n_choices;

	if (x->dev_pos < x->n_devs && x->devs[x->dev_pos].at == j) {
		unsigned t = x->devs[x->dev_pos++].tid;

		if (enabled >> t & 1)
			return t;
		if (x->strict)
			diverge(x, "the recorded thread cannot run there", (unsigned long long)j);
	}
	return rh_default_choice(enabled, cur);
}

/* Byte b picks the (b mod n)-th runnable thread counting from the current
 * one, so 0 (and running out of bytes) means "no switch". */
RH_SCHEDULER_ONLY static unsigned bytes_choose(rh_explorer *x, uint64_t enabled, unsigned cur)
{
	unsigned n = (unsigned)__builtin_popcountll(enabled), k, start;
	uint64_t rotated;

	if (x->byte_pos >= x->n_bytes)
		return rh_default_choice(enabled, cur);
	k = x->bytes[x->byte_pos++] % n;
	start = cur < 64 ? cur : 0;
	rotated = start ? (enabled >> start) | (enabled << (64 - start)) : enabled;
	return (nth_bit(rotated, k) + start) % 64;
}

RH_SCHEDULER_ONLY unsigned rh_strategy_choose(rh_explorer *x, uint64_t enabled, unsigned cur)
{
	if (x->strat == RH_STRAT_PCT)
		return pct_choose(x, enabled);
	if ((enabled & (enabled - 1)) == 0)
		return (unsigned)__builtin_ctzll(enabled);
	switch (x->strat) {
	case RH_STRAT_RANDOM:
		return nth_bit(enabled,
			       (unsigned)rh_rng_below(&x->rng, (uint64_t)__builtin_popcountll(enabled)));
	case RH_STRAT_DFS:
		return dfs_choose(x, enabled, cur);
	case RH_STRAT_CHOICES:
		return choices_choose(x, enabled, cur);
	case RH_STRAT_BYTES:
		return bytes_choose(x, enabled, cur);
	case RH_STRAT_PCT:
		break;
	}
	return rh_default_choice(enabled, cur);
}

void rh_strategy_end(rh_explorer *x)
{
	x->runs++;
	if (x->strat == RH_STRAT_PCT && x->steps > x->pct_k)
		x->pct_k = x->steps;
	if (x->strat == RH_STRAT_CHOICES && x->strict && !x->diverged) {
		if (x->dev_pos < x->n_devs || x->n_choices != x->want_choices)
			diverge(x, "the run made a different number of choices",
				(unsigned long long)x->n_choices);
		else if ((uint32_t)(x->fp ^ x->fp >> 32) != x->want_fp)
			diverge(x, "the run's steps differ from the recorded ones",
				(unsigned long long)x->n_choices);
	}
}

void rh_explorer_spec(const rh_explorer *x, rh_sched_spec *out)
{
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (x->scenario != NULL) {
		snprintf(out->scenario, sizeof(out->scenario), "%s", x->scenario->name);
		snprintf(out->variant, sizeof(out->variant), "%s",
			 x->scenario->variants[x->variant].name);
	}
	out->params = x->params;
	out->seed = x->trial_seed;
	out->index = x->trial_index;
	snprintf(out->strategy, sizeof(out->strategy), "%s", x->spec);
	out->choices = (uint32_t)x->n_choices;
	out->fingerprint = (uint32_t)(x->fp ^ x->fp >> 32);
	for (size_t j = 0; j < x->n_choices; j++)
		n += x->choices[j].chosen != rh_default_choice(x->choices[j].enabled, x->choices[j].cur);
	if (n == 0)
		return;
	out->devs = malloc(n * sizeof(*out->devs));
	if (out->devs == NULL)
		rh_die("out of memory for a schedule of %zu deviations", n);
	for (size_t j = 0; j < x->n_choices; j++) {
		const rh_choice *c = &x->choices[j];

		if (c->chosen != rh_default_choice(c->enabled, c->cur))
			out->devs[out->n_devs++] = (rh_dev){.at = (uint32_t)j, .tid = c->chosen};
	}
}
