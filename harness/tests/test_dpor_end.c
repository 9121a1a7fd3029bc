/* SPDX-License-Identifier: MIT */
/* dpor on programs that end early: a step that exits or crashes ends the
 * run while other threads may still be able to run (rh_dpor_end_cut).
 *
 * The programs are test_dpor.c's generated ones (dpor_model.h) with one or
 * two end points: the step that performs op i of thread t ends the run (a
 * load only when it reads 0, as an assert on it would). What such a run
 * shows is how it ended and what the ending thread saw (its registers):
 * the other threads' memory is gone with the process. A run that ends
 * without an end point (nobody can run) shows its whole final state, as in
 * test_dpor.c. Checked: dpor reaches exactly the outcomes brute force does,
 * dpor:K every outcome of the schedules within K preemptions, and without
 * the end cut (unbounded) dpor misses outcomes (on the programs below and on
 * a share of the generated ones). */
#include "test.h"

#include "dpor_model.h"

#define N_ENDS 2
#define END_PROGRAMS 3000

struct eprog {
	struct prog p;
	struct {
		uint8_t t, i;
	} end[N_ENDS];
	unsigned n_end;
};

/* Whether thread t's next step from s ends the run (asked before it). */
static bool ends(const struct eprog *e, const struct state *s, unsigned t)
{
	for (unsigned k = 0; k < e->n_end; k++) {
		const struct pop *o;

		/* pc may be past the last op: read it only at an op */
		if (e->end[k].t != t || s->st[t] != ST_AT || s->pc[t] != e->end[k].i)
			continue;
		o = &e->p.ops[t][s->pc[t]];
		return o->kind != K_LOAD || s->var[o->obj] == 0;
	}
	return false;
}

static void record_end(struct result *r, const struct prog *p, const struct state *s,
		       unsigned ended)
{
	r->runs++;
	set_add(&r->outcomes, ended == NONE ? outcome(p, s) : mix(mix(0xe7d, ended), s->reg[ended]));
}

struct ebrute {
	const struct eprog *e;
	unsigned bound;
	struct result *r;
};

/* Every schedule within the bound, each to its end. */
static void brute_end(struct ebrute *b, const struct state *s, unsigned cur, unsigned preempts)
{
	const struct prog *p = &b->e->p;
	struct state s2 = *s;
	uint64_t en = enabled_mask(p, &s2);

	if (en == 0) {
		record_end(b->r, p, &s2, NONE);
		return;
	}
	for (uint64_t m = en; m; m &= m - 1) {
		unsigned t = (unsigned)__builtin_ctzll(m);
		unsigned cost = cur < 64 && (en >> cur & 1) && t != cur;
		struct state s3 = s2;
		bool end = ends(b->e, &s3, t);

		if (b->bound != RH_DPOR_UNBOUNDED && preempts + cost > b->bound)
			continue;
		step(p, &s3, t);
		if (end)
			record_end(b->r, p, &s3, t);
		else
			brute_end(b, &s3, t, preempts + cost);
	}
}

static uint64_t live_mask(const struct prog *p, const struct state *s)
{
	uint64_t live = 0;

	for (unsigned t = 0; t < p->threads; t++)
		if (s->st[t] != ST_DONE)
			live |= 1ull << t;
	return live;
}

/* One dpor run of e to its end; returns the thread whose step ended it. */
static unsigned dpor_run(rh_dpor *d, const struct eprog *e, struct state *s)
{
	const struct prog *p = &e->p;
	unsigned cur = NONE;
	uint64_t en;

	init_state(p, s);
	while ((en = enabled_mask(p, s)) != 0) {
		rh_dpor_op pend[MAX_T];
		unsigned c;
		bool end;

		for (unsigned t = 0; t < p->threads; t++)
			pend[t] = pending(p, s, t);
		c = rh_dpor_choose(d, en, cur, pend);
		RH_ASSERT_TRUE(c < 64 && (en >> c & 1));
		end = ends(e, s, c);
		step(p, s, c);
		if (end)
			return c;
		cur = c;
	}
	return NONE;
}

/* The search; with cut false the end is not told (the module as before). */
static void dpor_end(const struct eprog *e, unsigned bound, bool cut, struct result *r)
{
	rh_dpor *d = rh_dpor_new(bound);
	const struct prog *p = &e->p;

	while (rh_dpor_begin(d, p->threads)) {
		rh_dpor_op final[MAX_T];
		struct state s;
		unsigned ended = dpor_run(d, e, &s);

		for (unsigned t = 0; t < p->threads; t++)
			final[t] = pending(p, &s, t);
		if (cut && ended != NONE)
			rh_dpor_end_cut(d, live_mask(p, &s));
		rh_dpor_end(d, final);
		if (!rh_dpor_last_pruned(d))
			record_end(r, p, &s, ended);
		RH_ASSERT_LT(rh_dpor_explored(d) + rh_dpor_pruned(d), 200000);
	}
	RH_ASSERT_TRUE(rh_dpor_exhausted(d));
	RH_ASSERT_FALSE(rh_dpor_diverged(d));
	RH_ASSERT_EQ(rh_dpor_explored(d), r->runs);
	rh_dpor_free(d);
}

static void brute_all(const struct eprog *e, unsigned bound, struct result *r)
{
	struct ebrute b = {.e = e, .bound = bound, .r = r};
	struct state s;

	init_state(&e->p, &s);
	brute_end(&b, &s, NONE, 0);
}

/* A generated program with one or two end points on distinct threads. */
static void generate_end(struct eprog *e, uint64_t seed)
{
	uint64_t rng = seed * 0x9e3779b97f4a7c15ull + 7;

	generate(&e->p, seed);
	e->n_end = 1 + (unsigned)(next_rand(&rng) % N_ENDS);
	for (unsigned k = 0; k < e->n_end; k++) {
		unsigned t = (unsigned)((next_rand(&rng) + k) % e->p.threads);

		if (k > 0 && t == e->end[0].t)
			t = (t + 1) % e->p.threads;
		e->end[k].t = (uint8_t)t;
		e->end[k].i = (uint8_t)(next_rand(&rng) % e->p.len[t]);
	}
}

/* ---- hand-made ----------------------------------------------------------- */

/* T0 asserts that v0 is set (its load ends the run when it reads 0), T1
 * sets it. By default T0 runs first and the run ends before T1 took a
 * step: only the end cut makes dpor try T1 first (the run where T0's
 * assertion holds). dpor:0 reaches it too (T1 first at the start, where no
 * thread is running, costs no preemption). */
static void test_dpor_end_cut_runs_the_live_thread_first(void **state)
{
	struct eprog e = {.p = {.threads = 2, .rounds = 1, .len = {1, 1}, .brk = {1, 1}},
			  .end = {{0, 0}}, .n_end = 1};
	struct result r = {0};

	(void)state;
	e.p.ops[0][0] = (struct pop){K_LOAD, 0, 0, 0};
	e.p.ops[1][0] = (struct pop){K_STORE, 0, 1, 0};
	dpor_end(&e, RH_DPOR_UNBOUNDED, false, &r);
	RH_ASSERT_EQ(r.runs, 1);
	RH_ASSERT_EQ(r.outcomes.n, 1);
	result_free(&r);
	for (unsigned bound = 0; bound <= 1; bound++) {
		dpor_end(&e, bound == 0 ? 0 : RH_DPOR_UNBOUNDED, true, &r);
		RH_ASSERT_EQ(r.outcomes.n, 2);
		result_free(&r);
	}
	brute_all(&e, RH_DPOR_UNBOUNDED, &r);
	RH_ASSERT_EQ(r.outcomes.n, 2);
	result_free(&r);
}

/* A main that exits without joining: T0 stores v0, then ends the run at
 * its load of v2 (never set); T1 loads v0 and v1, then crashes at its store
 * of v1. What T0's end shows is the same however far T1 got; T1's crash
 * shows whether it read v0 before or after T0's store. Without the cut dpor
 * never runs T1 at all. */
static void test_dpor_end_cut_finds_the_live_threads_crash(void **state)
{
	struct eprog e = {.p = {.threads = 2, .rounds = 1, .len = {2, 3}, .brk = {2, 3}},
			  .end = {{0, 1}, {1, 2}}, .n_end = 2};
	struct result with = {0}, without = {0}, all = {0};

	(void)state;
	e.p.ops[0][0] = (struct pop){K_STORE, 0, 1, 0};
	e.p.ops[0][1] = (struct pop){K_LOAD, 2, 0, 0};
	e.p.ops[1][0] = (struct pop){K_LOAD, 0, 0, 0};
	e.p.ops[1][1] = (struct pop){K_LOAD, 1, 0, 0};
	e.p.ops[1][2] = (struct pop){K_STORE, 1, 2, 0};
	brute_all(&e, RH_DPOR_UNBOUNDED, &all);
	dpor_end(&e, RH_DPOR_UNBOUNDED, true, &with);
	dpor_end(&e, RH_DPOR_UNBOUNDED, false, &without);
	/* T0's end; T1's end having read v0 as 0 or as 1 */
	RH_ASSERT_EQ(all.outcomes.n, 3);
	RH_ASSERT_EQ(with.outcomes.n, 3);
	RH_ASSERT_TRUE(subset(&all.outcomes, &with.outcomes));
	RH_ASSERT_EQ(without.outcomes.n, 1);
	result_free(&all);
	result_free(&with);
	result_free(&without);
}

/* ---- generated ----------------------------------------------------------- */

static void check_generated(uint64_t seed, unsigned bound, unsigned *missed_without)
{
	struct eprog e;
	struct result all = {0}, red = {0}, old = {0};

	generate_end(&e, seed);
	brute_all(&e, bound, &all);
	dpor_end(&e, bound, true, &red);
	dpor_end(&e, bound, false, &old);
	if (!subset(&all.outcomes, &red.outcomes)) {
		print_error("program %" PRIu64 " (ends at T%u op %u, T%u op %u), bound %u: dpor "
			    "%zu outcomes, brute force %zu\n", seed, e.end[0].t, e.end[0].i,
			    e.end[e.n_end - 1].t, e.end[e.n_end - 1].i, bound, red.outcomes.n,
			    all.outcomes.n);
		dump(&e.p);
	}
	RH_ASSERT_TRUE(subset(&all.outcomes, &red.outcomes));
	if (bound == RH_DPOR_UNBOUNDED)
		RH_ASSERT_EQ(red.outcomes.n, all.outcomes.n);
	*missed_without += !subset(&all.outcomes, &old.outcomes);
	result_free(&all);
	result_free(&red);
	result_free(&old);
}

/* Unbounded and bounds 0..2 on END_PROGRAMS generated programs. Without
 * the cut the unbounded search misses outcomes on some of them (so the check
 * can fail); the bounded one tries every thread at every node and cuts by
 * the classes reached (dpor_memo.c), so it needs no race to reach a thread
 * the end cut off, and the end cut does not change what it reaches. */
static void test_dpor_end_cut_matches_brute_force(void **state)
{
	(void)state;
	for (unsigned b = 0; b <= 3; b++) {
		unsigned bound = b == 3 ? RH_DPOR_UNBOUNDED : b, missed = 0;

		for (uint64_t seed = 0; seed < END_PROGRAMS; seed++)
			check_generated(seed, bound, &missed);
		print_message("ending early, bound %s: every outcome reached on %d programs; "
			      "without the end cut missed on %u\n",
			      b == 3 ? "none" : b == 0 ? "0" : b == 1 ? "1" : "2", END_PROGRAMS, missed);
		if (bound == RH_DPOR_UNBOUNDED)
			RH_ASSERT_GT(missed, 0);
		else
			RH_ASSERT_EQ(missed, 0);
	}
}

/* Without end points the drivers above are test_dpor.c's: same outcomes,
 * same number of runs (the end cut is told nothing then). */
static void test_dpor_end_drivers_match_the_model(void **state)
{
	(void)state;
	for (uint64_t seed = 0; seed < 50; seed++) {
		struct eprog e = {.n_end = 0};
		struct result a = {0}, b = {0}, c = {0}, d = {0};

		generate(&e.p, seed);
		run_brute(&e.p, RH_DPOR_UNBOUNDED, &a);
		brute_all(&e, RH_DPOR_UNBOUNDED, &b);
		run_dpor(&e.p, RH_DPOR_UNBOUNDED, false, &c, NULL);
		dpor_end(&e, RH_DPOR_UNBOUNDED, true, &d);
		RH_ASSERT_EQ(a.runs, b.runs);
		RH_ASSERT_EQ(c.runs, d.runs);
		RH_ASSERT_TRUE(subset(&a.outcomes, &b.outcomes) && subset(&b.outcomes, &a.outcomes));
		RH_ASSERT_TRUE(subset(&c.outcomes, &d.outcomes) && subset(&d.outcomes, &c.outcomes));
		result_free(&a);
		result_free(&b);
		result_free(&c);
		result_free(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpor_end_cut_runs_the_live_thread_first),
		cmocka_unit_test(test_dpor_end_cut_finds_the_live_threads_crash),
		cmocka_unit_test(test_dpor_end_cut_matches_brute_force),
		cmocka_unit_test(test_dpor_end_drivers_match_the_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
