/* SPDX-License-Identifier: MIT */
/* The reduction behind dpor and dpor:K, checked against brute force.
 *
 * A tiny interpreter runs small generated programs (2-3 threads; loads,
 * stores, fetch_adds and compare-exchanges on three shared variables, mutex
 * sections, nested mutexes that can deadlock, rwlock sections, sometimes two
 * rounds behind a barrier), stepping the way the controlled scheduler does:
 * a thread's first step of a round runs to its first operation, every later
 * step performs the operation it is stopped before. Each program is explored
 * by unreduced exhaustive search and by the dpor module; every run's
 * interleaving is canonicalised (the least linearisation, by thread id, of
 * its happens-before order: the Mazurkiewicz trace), and
 *   - dpor reaches exactly the final states and the traces brute force does,
 *   - dpor never explores one trace twice,
 *   - dpor:K reaches every final state and trace that a schedule with at most
 *     K preemptions reaches,
 * and both checks can fail: a broken dependency relation misses final
 * states, and unreduced search explores traces twice. */
#include "test.h"

#include "dpor_model.h"

#define WIDE_PROGRAMS 10000
#define WIDE_EXACT 2000
#define LONG_PROGRAMS 1500

/* ---- the properties ------------------------------------------------------ */

static void test_dpor_matches_exhaustive_search(void **state)
{
	uint64_t leaves = 0, explored = 0, pruned = 0;

	(void)state;
	for (uint64_t seed = 0; seed < PROGRAMS; seed++) {
		struct prog p;
		struct result all = {0}, red = {0};

		generate(&p, seed);
		run_brute(&p, RH_DPOR_UNBOUNDED, &all);
		run_dpor(&p, RH_DPOR_UNBOUNDED, false, &red, &pruned);
		if (red.dups != 0 || red.outcomes.n != all.outcomes.n ||
		    red.traces.n != all.traces.n)
			print_error("program %" PRIu64 ": %zu/%zu outcomes, %zu/%zu traces, %" PRIu64
				    " explored twice\n", seed, red.outcomes.n, all.outcomes.n,
				    red.traces.n, all.traces.n, red.dups);
		if (red.dups != 0 || red.outcomes.n != all.outcomes.n ||
		    red.traces.n != all.traces.n)
			dump(&p);
		RH_ASSERT_EQ(red.dups, 0);
		RH_ASSERT_EQ(red.outcomes.n, all.outcomes.n);
		RH_ASSERT_TRUE(subset(&all.outcomes, &red.outcomes));
		RH_ASSERT_EQ(red.traces.n, all.traces.n);
		RH_ASSERT_TRUE(subset(&all.traces, &red.traces));
		leaves += all.runs;
		explored += red.runs;
		result_free(&all);
		result_free(&red);
	}
	print_message("dpor: %d programs, %" PRIu64 " schedules by brute force, %" PRIu64
		      " explored by dpor (+%" PRIu64 " sleep-set blocked)\n",
		      PROGRAMS, leaves, explored, pruned);
}

static void test_dpor_bounded_covers_bounded_search(void **state)
{
	(void)state;
	for (unsigned bound = 0; bound <= 2; bound++) {
		uint64_t leaves = 0, explored = 0, classes = 0, dups = 0;

		for (uint64_t seed = 0; seed < PROGRAMS; seed++) {
			struct prog p;
			struct result all = {0}, red = {0};

			generate(&p, seed);
			run_brute(&p, bound, &all);
			run_dpor(&p, bound, false, &red, NULL);
			if (!subset(&all.outcomes, &red.outcomes) || !subset(&all.traces, &red.traces))
				print_error("program %" PRIu64 ", bound %u: dpor %zu outcomes, %zu "
					    "traces; dfs %zu, %zu\n", seed, bound, red.outcomes.n,
					    red.traces.n, all.outcomes.n, all.traces.n);
			if (!subset(&all.outcomes, &red.outcomes))
				dump(&p);
			RH_ASSERT_TRUE(subset(&all.outcomes, &red.outcomes));
			RH_ASSERT_TRUE(subset(&all.traces, &red.traces));
			leaves += all.runs;
			explored += red.runs;
			classes += all.traces.n;
			dups += red.dups;
			result_free(&all);
			result_free(&red);
		}
		print_message("dpor:%u: %" PRIu64 " schedules (%" PRIu64 " traces) by dfs:%u, %" PRIu64
			      " (%" PRIu64 " explored twice) by dpor:%u\n", bound, leaves, classes,
			      bound, explored, dups, bound);
	}
}

/* One program against unreduced search at a bound: every final state and
 * interleaving class reached, none explored twice. */
static void check_program(const struct prog *p, uint64_t seed, unsigned bound)
{
	struct result all = {0}, red = {0};

	run_brute(p, bound, &all);
	run_dpor(p, bound, false, &red, NULL);
	if (!subset(&all.outcomes, &red.outcomes))
		print_error("program %" PRIu64 ", bound %u: dpor %zu outcomes, dfs %zu\n", seed,
			    bound, red.outcomes.n, all.outcomes.n);
	RH_ASSERT_TRUE(subset(&all.outcomes, &red.outcomes));
	if (!subset(&all.traces, &red.traces))
		print_error("program %" PRIu64 ", bound %u: an interleaving class dfs reaches is "
			    "missed\n", seed, bound);
	RH_ASSERT_TRUE(subset(&all.traces, &red.traces));
	RH_ASSERT_EQ(red.dups, 0);
	if (bound == RH_DPOR_UNBOUNDED)
		RH_ASSERT_EQ(red.traces.n, all.traces.n);
	result_free(&all);
	result_free(&red);
}

/* Wider: on 10,000 programs, bounds 0..3, dpor:K reaches every final state
 * (violations are final states) and every interleaving class of unreduced
 * bounded search, never one twice, and unbounded dpor is exact on the first
 * 2,000. */
static void test_dpor_wide(void **state)
{
	(void)state;
	for (unsigned bound = 0; bound <= 4; bound++) {
		unsigned b = bound == 4 ? RH_DPOR_UNBOUNDED : bound;
		uint64_t programs = bound == 4 ? WIDE_EXACT : WIDE_PROGRAMS;

		for (uint64_t seed = 0; seed < programs; seed++) {
			struct prog p;

			generate(&p, seed);
			check_program(&p, seed, b);
		}
		char name[16];

		snprintf(name, sizeof(name), bound == 4 ? "dpor" : "dpor:%u", bound);
		print_message("%s: %" PRIu64 " programs, every final state and interleaving class "
			      "reached once\n", name, programs);
	}
}

/* Longer: 3 threads, 15 steps, bounds 1..3. BPOR's conservative entries,
 * which dpor:K had before its class table, missed classes of seeds 5830
 * and 18331 (K = 2, 3) and 10727 (K = 1), and a final state of 11998
 * (K = 1): those seeds, and the first LONG_PROGRAMS. */
static void test_dpor_long_programs(void **state)
{
	static const uint64_t bpor_missed[] = {5830, 10727, 11998, 18331};

	(void)state;
	for (unsigned bound = 1; bound <= 3; bound++) {
		for (uint64_t i = 0; i < LONG_PROGRAMS + 4; i++) {
			uint64_t seed = i < 4 ? bpor_missed[i] : i - 4;
			struct prog p;

			generate_sized(&p, seed, 15, 8, true);
			check_program(&p, seed, bound);
		}
		print_message("dpor:%u: %d programs of 3 threads x 15 steps, every final state and "
			      "interleaving class reached once\n", bound, LONG_PROGRAMS + 4);
	}
}

/* The outcome check can fail: with reads and writes taken as independent,
 * dpor misses final states on some programs. */
static void test_dpor_broken_dependency_misses_outcomes(void **state)
{
	unsigned missed = 0;

	(void)state;
	for (uint64_t seed = 0; seed < PROGRAMS; seed++) {
		struct prog p;
		struct result all = {0}, red = {0};

		generate(&p, seed);
		run_brute(&p, RH_DPOR_UNBOUNDED, &all);
		run_dpor(&p, RH_DPOR_UNBOUNDED, true, &red, NULL);
		missed += red.outcomes.n < all.outcomes.n;
		result_free(&all);
		result_free(&red);
	}
	print_message("broken dependency: outcomes missed on %u of %d programs\n", missed,
		      PROGRAMS);
	RH_ASSERT_GT(missed, PROGRAMS / 10);
}

/* The duplicate check can fail: unreduced search explores traces twice. */
static void test_dpor_duplicate_check_sees_unreduced_search(void **state)
{
	uint64_t dups = 0;

	(void)state;
	for (uint64_t seed = 0; seed < 20; seed++) {
		struct prog p;
		struct result all = {0};

		generate(&p, seed);
		run_brute(&p, RH_DPOR_UNBOUNDED, &all);
		dups += all.dups;
		RH_ASSERT_EQ(all.dups + all.traces.n, all.runs);
		result_free(&all);
	}
	RH_ASSERT_GT(dups, 0);
}

/* Hand-made: independent threads take one run, a write-write race two, two
 * nested mutexes taken in opposite orders deadlock in some run. */
static void test_dpor_small_programs(void **state)
{
	struct prog p = {.threads = 2, .rounds = 1, .len = {1, 1}, .brk = {1, 1}};
	struct result r = {0};

	(void)state;
	p.ops[0][0] = (struct pop){K_FADD, 0, 1, 0};
	p.ops[1][0] = (struct pop){K_FADD, 1, 2, 0};
	run_dpor(&p, RH_DPOR_UNBOUNDED, false, &r, NULL);
	RH_ASSERT_EQ(r.runs, 1);
	result_free(&r);
	p.ops[1][0] = (struct pop){K_FADD, 0, 2, 0};
	run_dpor(&p, RH_DPOR_UNBOUNDED, false, &r, NULL);
	RH_ASSERT_EQ(r.runs, 2);
	result_free(&r);

	p.len[0] = p.len[1] = p.brk[0] = p.brk[1] = 4;
	for (unsigned t = 0; t < 2; t++) {
		p.ops[t][0] = (struct pop){K_LOCK, (uint8_t)t, 0, 0};
		p.ops[t][1] = (struct pop){K_LOCK, (uint8_t)(1 - t), 0, 0};
		p.ops[t][2] = (struct pop){K_UNLOCK, (uint8_t)(1 - t), 0, 0};
		p.ops[t][3] = (struct pop){K_UNLOCK, (uint8_t)t, 0, 0};
	}
	run_dpor(&p, RH_DPOR_UNBOUNDED, false, &r, NULL);
	/* T0 first, T1 first (the same final state), each holding one: deadlock */
	RH_ASSERT_EQ(r.runs, 3);
	RH_ASSERT_EQ(r.outcomes.n, 2);
	result_free(&r);
}

/* RH_DPOR_ANYSYNC (a sync call of racehunt exec that names no object)
 * conflicts with every sync op on any object, both ways, and with no plain
 * memory; lock ops on two different objects stay independent. */
static void test_dpor_anysync_dependence(void **state)
{
	static const uint8_t sync[] = {RH_DPOR_READ,	  RH_DPOR_WRITE,     RH_DPOR_ACQUIRE,
				       RH_DPOR_RELEASE,	  RH_DPOR_RDACQUIRE, RH_DPOR_RWRELEASE,
				       RH_DPOR_RDRELEASE, RH_DPOR_ANYSYNC};
	static const uint8_t plain[] = {RH_DPOR_LOCAL, RH_DPOR_MREAD, RH_DPOR_MWRITE,
					RH_DPOR_ANYMEM};
	rh_dpor_op any = {.cls = RH_DPOR_ANYSYNC};

	(void)state;
	for (size_t i = 0; i < sizeof(sync); i++)
		for (uintptr_t obj = 0x1000; obj <= 0x3000; obj += 0x1000) {
			rh_dpor_op op = {.obj = obj, .cls = sync[i]};

			RH_ASSERT_TRUE(rh_dpor_dependent(any, op));
			RH_ASSERT_TRUE(rh_dpor_dependent(op, any));
		}
	for (size_t i = 0; i < sizeof(plain); i++) {
		rh_dpor_op op = {.obj = 0x1000, .cls = plain[i]};

		RH_ASSERT_FALSE(rh_dpor_dependent(any, op));
		RH_ASSERT_FALSE(rh_dpor_dependent(op, any));
	}
	for (size_t i = 2; i < sizeof(sync) - 1; i++)
		for (size_t k = 2; k < sizeof(sync) - 1; k++) {
			rh_dpor_op a = {.obj = 0x1000, .cls = sync[i]};
			rh_dpor_op b = {.obj = 0x2000, .cls = sync[k]};

			RH_ASSERT_FALSE(rh_dpor_dependent(a, b));
			b.obj = a.obj;
			/* on one object: all but two read locks */
			RH_ASSERT_EQ(rh_dpor_dependent(a, b), !(is_read_lock(a.cls) && is_read_lock(b.cls)));
		}
}

/* A trylock that takes the lock opens a section an unlock closes: the other
 * thread's lock before it makes it fail. Both final states are reached (an
 * ANYSYNC step's section is seen as one, dpor_race.c opens()). */
static void test_dpor_anysync_trylock_section(void **state)
{
	struct prog p = {.threads = 2, .rounds = 1, .len = {2, 2}, .brk = {2, 2}};
	struct result all = {0}, red = {0};

	(void)state;
	p.ops[0][0] = (struct pop){K_TRYLOCK, 0, 0, 0};
	p.ops[0][1] = (struct pop){K_UNLOCK, 0, 0, 0};
	p.ops[1][0] = (struct pop){K_LOCK, 0, 0, 0};
	p.ops[1][1] = (struct pop){K_UNLOCK, 0, 0, 0};
	for (unsigned i = 0; i < 2; i++) {
		unsigned bound = i ? RH_DPOR_UNBOUNDED : 1;

		run_brute(&p, bound, &all);
		run_dpor(&p, bound, false, &red, NULL);
		RH_ASSERT_EQ(all.outcomes.n, 2);
		RH_ASSERT_EQ(red.outcomes.n, 2);
		result_free(&all);
		result_free(&red);
	}
}

/* Some lock ops of the generated programs as racehunt exec says them
 * (ANYSYNC trylocks and unlocks, rwlock unlocks left to the module). */
static bool exec_style(struct prog *p, uint64_t seed)
{
	bool any = false;

	p->exec_style = true;
	for (unsigned t = 0; t < p->threads; t++)
		for (unsigned i = 0; i < p->len[t]; i++) {
			struct pop *o = &p->ops[t][i];
			unsigned pick = (unsigned)((seed + t * 7 + i) % 3);
			uint8_t was = o->kind;

			if (o->kind == K_LOCK && pick == 0)
				o->kind = K_TRYLOCK;
			else if (o->kind == K_UNLOCK && pick == 1)
				o->kind = K_ANYUNLOCK;
			else if (o->kind == K_RDLOCK && pick == 2)
				o->kind = K_TRYRDLOCK;
			else if (o->kind == K_WRLOCK && pick != 1)
				o->kind = K_TRYWRLOCK;
			any |= o->kind != was;
		}
	return any;
}

/* On those programs dpor reaches every final state and interleaving class
 * brute force does, unbounded and within bounds 0..2. */
static void test_dpor_anysync_matches_search(void **state)
{
	(void)state;
	for (unsigned bound = 0; bound <= 3; bound++) {
		unsigned b = bound == 3 ? RH_DPOR_UNBOUNDED : bound, programs = 0;
		uint64_t leaves = 0, explored = 0;

		for (uint64_t seed = 0; seed < 8 * PROGRAMS; seed++) {
			struct prog p;
			struct result all = {0}, red = {0};

			generate(&p, seed);
			if (!exec_style(&p, seed))
				continue;
			programs++;
			run_brute(&p, b, &all);
			run_dpor(&p, b, false, &red, NULL);
			if (!subset(&all.outcomes, &red.outcomes) || !subset(&all.traces, &red.traces)) {
				print_error("program %" PRIu64 ", bound %c: dpor %zu outcomes, %zu "
					    "traces; brute force %zu, %zu\n", seed,
					    bound == 3 ? '-' : (char)('0' + bound),
					    red.outcomes.n, red.traces.n, all.outcomes.n, all.traces.n);
				dump(&p);
			}
			RH_ASSERT_TRUE(subset(&all.outcomes, &red.outcomes));
			RH_ASSERT_TRUE(subset(&all.traces, &red.traces));
			leaves += all.runs;
			explored += red.runs;
			result_free(&all);
			result_free(&red);
		}
		print_message("anysync, bound %c: %u programs, %" PRIu64 " schedules by brute "
			      "force, %" PRIu64 " by dpor\n", bound == 3 ? '-' : (char)('0' + bound),
			      programs, leaves, explored);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpor_small_programs),
		cmocka_unit_test(test_dpor_anysync_dependence),
		cmocka_unit_test(test_dpor_anysync_trylock_section),
		cmocka_unit_test(test_dpor_anysync_matches_search),
		cmocka_unit_test(test_dpor_matches_exhaustive_search),
		cmocka_unit_test(test_dpor_bounded_covers_bounded_search),
		cmocka_unit_test(test_dpor_wide),
		cmocka_unit_test(test_dpor_long_programs),
		cmocka_unit_test(test_dpor_broken_dependency_misses_outcomes),
		cmocka_unit_test(test_dpor_duplicate_check_sees_unreduced_search),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
