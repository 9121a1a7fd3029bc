/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Controlled-mode strategies: who runs at each step. A strategy is one file
 * (strategy_<name>.c) defining a const rh_strategy, and one row of
 * RH_STRATEGIES below; the explorer, the CLI help, hunt's detector columns
 * and shrinking all read the table, so nothing else names a strategy. As
 * Shuttle's Scheduler trait: create from a spec, begin a run (or say the
 * space is exhausted), choose at a step, end the run, destroy. */
#ifndef RH_STRATEGY_H
#define RH_STRATEGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rh_explorer rh_explorer;

enum {
	/* A bounded space searched to its end: runs stop when it is exhausted,
	 * and "clean, exhausted" is a statement about every schedule in it. */
	RH_STRATEGY_EXHAUSTIVE = 1u << 0,
	/* One schedule: a second run is refused (the space is exhausted). */
	RH_STRATEGY_ONE_RUN = 1u << 1,
	/* choose() at every step, also where only one thread can run (pct
	 * counts steps for its change points). */
	RH_STRATEGY_EVERY_STEP = 1u << 2,
	/* The scheduler fills x->pending (what every thread is stopped
	 * before) ahead of each choose() and before end() (dpor). */
	RH_STRATEGY_PENDING = 1u << 3,
};

typedef struct rh_strategy {
	const char *name; /* what its specs start with: "pct" for "pct:3" */
	unsigned flags;	  /* RH_STRATEGY_* */
	/* The specs of this strategy shrinking's bounded searches try, in order
	 * (NULL-terminated; NULL: none), and where they come among the other
	 * strategies' (lower first; rh_strategy_shrink_specs). */
	const char *const *shrink;
	unsigned shrink_rank;
	/* Set up x->st from the spec's argument (what follows "name:", "" for
	 * none); false with a one-line reason in err. May rename x->spec. */
	bool (*create)(rh_explorer *x, const char *arg, char *err, size_t errcap);
	/* Before a run (x->rng already seeded for it); false: the space is
	 * exhausted and nothing runs. */
	bool (*begin)(rh_explorer *x, unsigned threads);
	/* The thread to run among enabled (two or more bits, unless
	 * RH_STRATEGY_EVERY_STEP); cur ran last (RH_NO_THREAD at the start). */
	unsigned (*choose)(rh_explorer *x, uint64_t enabled, unsigned cur);
	/* After a run (x->runs already counts it); NULL: nothing to do. */
	void (*end)(rh_explorer *x);
	void (*destroy)(void *st);
} rh_strategy;

/* The table, in the order help lists it. Columns: the ops, the spec's syntax
 * and a help line, and its place in the command line: HUNT (a column of
 * `racehunt hunt`, with that column's spec, workload limits and trials),
 * HUNT_OPT (such a column, run only when --detectors names it), LISTED (in
 * --strategy's help), HIDDEN (made only by its own constructor: the
 * fuzzer's byte source). */
#define RH_STRATEGIES(X)                                                                        \
	X(rh__strategy_random, "random", "uniform over the runnable threads at each choice",     \
	  LISTED, "", 0, 0, 0)                                                                  \
	X(rh__strategy_pct, "pct:D", "probabilistic concurrency testing, depth D (1..16)", HUNT, \
	  "pct:3", 0, 0, 200)                                                                   \
	X(rh__strategy_dfs, "dfs:K", "every schedule with at most K preemptions (exhaustive)",   \
	  HUNT_OPT, "dfs:2", 2, 2, 20000)                                                       \
	X(rh__strategy_dpor, "dpor[:K]",                                                         \
	  "one schedule per class of equivalent interleavings (source-DPOR); dpor:K each class "  \
	  "within K preemptions once (exhaustive)", HUNT, "dpor", 2, 2, 20000)                                  \
	X(rh__strategy_replay, "replay:SCHEDULE", "the one run a schedule string recorded",      \
	  LISTED, "", 0, 0, 0)                                                                  \
	X(rh__strategy_bytes, "fuzz", "choices read from fuzzer input", HIDDEN, "", 0, 0, 0)

/* The controlled default of `run`. */
#define RH_STRATEGY_DEFAULT "pct:3"

/* "\n  random: uniform ..." per listed row: --strategy's help. */
#define RH__STRATEGY_HELP_HUNT(syntax, help) "\n  " syntax ": " help
#define RH__STRATEGY_HELP_HUNT_OPT(syntax, help) "\n  " syntax ": " help
#define RH__STRATEGY_HELP_LISTED(syntax, help) "\n  " syntax ": " help
#define RH__STRATEGY_HELP_HIDDEN(syntax, help)
#define RH__STRATEGY_HELP_ROW(ops, syntax, help, use, ...) RH__STRATEGY_HELP_##use(syntax, help)
#define RH_STRATEGY_HELP RH_STRATEGIES(RH__STRATEGY_HELP_ROW)

/* ",pct:3,dfs:2": hunt's controlled columns, for its help. */
#define RH__STRATEGY_HUNT_HUNT(spec) "," spec
#define RH__STRATEGY_HUNT_HUNT_OPT(spec) "," spec
#define RH__STRATEGY_HUNT_LISTED(spec)
#define RH__STRATEGY_HUNT_HIDDEN(spec)
#define RH__STRATEGY_HUNT_ROW(ops, syntax, help, use, spec, ...) RH__STRATEGY_HUNT_##use(spec)
#define RH_STRATEGY_HUNT_NAMES RH_STRATEGIES(RH__STRATEGY_HUNT_ROW)

/* RH_STRATEGY_IF_HUNT(use, x...) is x for a HUNT row, nothing otherwise. */
#define RH__STRATEGY_IF_HUNT(...) __VA_ARGS__
#define RH__STRATEGY_IF_HUNT_OPT(...) __VA_ARGS__
#define RH__STRATEGY_IF_LISTED(...)
#define RH__STRATEGY_IF_HIDDEN(...)
#define RH_STRATEGY_IF_HUNT(use, ...) RH__STRATEGY_IF_##use(__VA_ARGS__)
/* RH_STRATEGY_OPT_IN(use): 1 for a HUNT_OPT row, else 0. */
#define RH__STRATEGY_OPT_IN_HUNT 0
#define RH__STRATEGY_OPT_IN_HUNT_OPT 1
#define RH__STRATEGY_OPT_IN_LISTED 0
#define RH__STRATEGY_OPT_IN_HIDDEN 0
#define RH_STRATEGY_OPT_IN(use) RH__STRATEGY_OPT_IN_##use

#define RH__STRATEGY_DECLARE(ops, ...) extern const rh_strategy ops;
RH_STRATEGIES(RH__STRATEGY_DECLARE)
#undef RH__STRATEGY_DECLARE

/* Rows of the table, in order. */
size_t rh_strategy_count(void);
const rh_strategy *rh_strategy_at(size_t i);
/* The row a spec names ("dfs:2" -> dfs), NULL for none. */
const rh_strategy *rh_strategy_find(const char *spec);
/* Whether spec names an exhaustive strategy (runs until its space is). */
bool rh_strategy_exhaustive(const char *spec);

/* Every strategy's shrink specs, by rank (RH_STRATEGY_EXHAUSTIVE ones first,
 * whatever their rank): fills up to cap, returns how many there are, and
 * *n_exhaustive how many of the first come from exhaustive strategies. */
size_t rh_strategy_shrink_specs(const char **specs, size_t cap, size_t *n_exhaustive);

/* For the strategies' files. */
unsigned rh_default_choice(uint64_t enabled, unsigned cur);
/* The k-th (from 0) set bit of mask. */
unsigned rh__nth_bit(uint64_t mask, unsigned k);
/* Parse a decimal in [min, max] (digits only). */
bool rh__parse_bound(const char *s, unsigned min, unsigned max, unsigned *out);
/* Flag the run as not the recorded one (the first reason is kept). */
void rh__explorer_diverge(rh_explorer *x, const char *why, unsigned long long at);

#endif
