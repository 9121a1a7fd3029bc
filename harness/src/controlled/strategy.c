/* SPDX-License-Identifier: MIT */
/* racehunt — the strategy table and the explorer's side of it: making an
 * explorer from a spec (parsed once, here), and beginning, asking and ending
 * each run through the row's ops. The strategies themselves are one file
 * each (strategy_<name>.c); strategy.h lists them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "sched.h"

#define RH__STRATEGY_ROW(ops, ...) &ops,
static const rh_strategy *const table[] = {RH_STRATEGIES(RH__STRATEGY_ROW)};
#undef RH__STRATEGY_ROW
#define N_STRATEGIES (sizeof(table) / sizeof(table[0]))

/* "random | pct:D | ...": what an unknown spec's error offers. */
#define RH__STRATEGY_SYNTAX_HUNT(syntax) " | " syntax
#define RH__STRATEGY_SYNTAX_HUNT_OPT(syntax) " | " syntax
#define RH__STRATEGY_SYNTAX_LISTED(syntax) " | " syntax
#define RH__STRATEGY_SYNTAX_HIDDEN(syntax)
#define RH__STRATEGY_SYNTAX_ROW(ops, syntax, help, use, ...) RH__STRATEGY_SYNTAX_##use(syntax)
static const char *const syntaxes = &RH_STRATEGIES(RH__STRATEGY_SYNTAX_ROW)[3];

size_t rh_strategy_count(void)
{
	return N_STRATEGIES;
}

const rh_strategy *rh_strategy_at(size_t i)
{
	return i < N_STRATEGIES ? table[i] : NULL;
}

/* The row whose name is the spec or its part before ':'; *arg gets the rest. */
static const rh_strategy *lookup(const char *spec, const char **arg)
{
	for (size_t i = 0; i < N_STRATEGIES; i++) {
		size_t len = strlen(table[i]->name);

		if (table[i]->create == NULL || strncmp(spec, table[i]->name, len) != 0)
			continue;
		if (spec[len] == '\0' || spec[len] == ':') {
			*arg = spec[len] == ':' ? spec + len + 1 : spec + len;
			return table[i];
		}
	}
	return NULL;
}

const rh_strategy *rh_strategy_find(const char *spec)
{
	const char *arg;

	return spec ? lookup(spec, &arg) : NULL;
}

bool rh_strategy_exhaustive(const char *spec)
{
	const rh_strategy *st = rh_strategy_find(spec);

	return st != NULL && (st->flags & RH_STRATEGY_EXHAUSTIVE);
}

/* Whether row a's shrink specs come before row b's. */
static bool shrinks_before(const rh_strategy *a, const rh_strategy *b)
{
	bool ea = a->flags & RH_STRATEGY_EXHAUSTIVE, eb = b->flags & RH_STRATEGY_EXHAUSTIVE;

	return ea != eb ? ea : a->shrink_rank < b->shrink_rank;
}

size_t rh_strategy_shrink_specs(const char **specs, size_t cap, size_t *n_exhaustive)
{
	const rh_strategy *order[N_STRATEGIES];
	size_t n = 0;

	/* Insertion sort, stable: rows of one rank keep the table's order. */
	for (size_t i = 0; i < N_STRATEGIES; i++) {
		size_t j = i;

		for (; j > 0 && shrinks_before(table[i], order[j - 1]); j--)
			order[j] = order[j - 1];
		order[j] = table[i];
	}
	*n_exhaustive = 0;
	for (size_t i = 0; i < N_STRATEGIES; i++)
		for (const char *const *s = order[i]->shrink; s != NULL && *s != NULL; s++) {
			if (n < cap)
				specs[n] = *s;
			n++;
			if (order[i]->flags & RH_STRATEGY_EXHAUSTIVE)
				*n_exhaustive = n;
		}
	return n;
}

RH_SCHEDULER_ONLY unsigned rh_default_choice(uint64_t enabled, unsigned cur)
{
	if (cur < 64 && (enabled >> cur & 1))
		return cur;
	return (unsigned)__builtin_ctzll(enabled);
}

RH_SCHEDULER_ONLY unsigned rh__nth_bit(uint64_t mask, unsigned k)
{
	while (k--)
		mask &= mask - 1;
	return (unsigned)__builtin_ctzll(mask);
}

bool rh__parse_bound(const char *s, unsigned min, unsigned max, unsigned *out)
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

void rh__explorer_diverge(rh_explorer *x, const char *why, unsigned long long at)
{
	if (x->diverged)
		return;
	x->diverged = true;
	snprintf(x->why, sizeof(x->why), "%s (choice %llu)", why, at);
}

rh_explorer *rh_explorer_new(const char *spec, uint64_t seed, char *err, size_t errcap)
{
	const char *arg;
	const rh_strategy *st = lookup(spec, &arg);
	rh_explorer *x;

	if (st == NULL) {
		snprintf(err, errcap, "unknown controlled strategy '%s' (%s)", spec, syntaxes);
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		snprintf(err, errcap, "out of memory for an explorer");
		return NULL;
	}
	x->strategy = st;
	x->seed = seed;
	snprintf(x->spec, sizeof(x->spec), "%s", spec);
	rh_objects_init(&x->objects);
	if (!st->create(x, arg, err, errcap)) {
		rh_explorer_free(x);
		return NULL;
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

bool rh_strategy_begin(rh_explorer *x, unsigned threads)
{
	if (x->exhausted)
		return false;
	/* Seeded by the trial's number, not by how many runs came before: a
	 * trial schedules the same in a campaign from trial 0, in a shard
	 * (--shard) and after the campaign restarted past a crash. */
	rh_rng_seed(&x->rng, rh_seed_mix(x->seed, x->trial_index, 0x5c4ed));
	/* One schedule: running it again would prove nothing new. */
	if (((x->strategy->flags & RH_STRATEGY_ONE_RUN) && x->runs > 0) ||
	    !x->strategy->begin(x, threads)) {
		x->exhausted = true;
		return false;
	}
	return true;
}

RH_SCHEDULER_ONLY unsigned rh_strategy_choose(rh_explorer *x, uint64_t enabled, unsigned cur)
{
	if (!(x->strategy->flags & RH_STRATEGY_EVERY_STEP) && (enabled & (enabled - 1)) == 0)
		return (unsigned)__builtin_ctzll(enabled);
	return x->strategy->choose(x, enabled, cur);
}

void rh_strategy_end(rh_explorer *x)
{
	x->runs++;
	if (x->strategy->end != NULL)
		x->strategy->end(x);
}

/* A choice a replay must be told: not the default, and not a fairness
 * switch (which the replay makes by itself at the same step: the streak
 * that forces it depends only on the steps before, which it retraces). */
static bool deviates(const rh_choice *c)
{
	return c->chosen != rh_default_choice(c->enabled, c->cur) && !c->fair;
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
	out->end = x->end;
	out->end_kind = x->end_kind;
	for (size_t j = 0; j < x->n_choices; j++)
		n += deviates(&x->choices[j]);
	if (n == 0)
		return;
	out->devs = malloc(n * sizeof(*out->devs));
	if (out->devs == NULL)
		rh_die("out of memory for a schedule of %zu deviations", n);
	for (size_t j = 0; j < x->n_choices; j++) {
		const rh_choice *c = &x->choices[j];

		if (deviates(c))
			out->devs[out->n_devs++] = (rh_dev){.at = (uint32_t)j, .tid = c->chosen};
	}
}
