/* SPDX-License-Identifier: MIT */
/* points_check — a mechanical check of the stores' points contract
 * (docs/controlled.md, "Steps and the points model").
 *
 * dpor's proof holds only if every plain location two threads touch
 * unordered is named by the points around it; a point that names too little
 * makes dpor skip interleavings whose outcome differs, and say "exhausted,
 * clean" where dfs finds a bug. Here every scenario of the stores named on
 * the command line, every variant, runs at small workloads (2 threads x 1
 * and 2 ops, 3 x 1) under dfs:2, which needs no contract, and under dpor;
 * every outcome dfs:2 reaches must be among those of dpor (every schedule's
 * final states), and with --bounded among those of dpor:2 too (what dpor:2
 * claims: dfs:2's space, in fewer runs). An outcome is a trial's violation
 * kinds and its first message, which quotes offsets, counts and sequence
 * numbers, so two failing final states rarely look alike. Blind spots:
 * clean final states all look alike, and a row whose dpor does not end
 * within RUN_CAP runs is not compared (it says so).
 *
 * Usage: points_check [--bounded] PREFIX... (e.g. "header." "index."):
 * exit 0 when every compared row agrees, 1 after printing every outcome
 * missed with the dfs:2 schedule that reached it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign/trial_run.h"
#include "controlled/controlled.h"
#include "core/registry.h"
#include "core/trial.h"

#define RUN_CAP 20000u

/* Outcomes whose finding is process timing, not the schedule: a killed
 * writer process (header.crash). dpor sees one class on the parent side. */
static const char *const timing_bound[] = {"header.crash"};

/* Variants whose bug reads freed memory: what they read is the allocator's
 * (its free-list words, a chunk another malloc reused), which depends on
 * the order of every malloc and free, not on the steps the model orders.
 * Only "some violation or none" is compared for them. */
static const char *const reads_freed[][2] = {
	{"index.integrity", "buggy"}, {"index.mixed", "buggy"}, {"index.props", "buggy"},
	{"index.readers", "buggy"},   {"index.replay", "buggy"},
};

typedef struct outcome_set {
	uint64_t *hash;
	char **msg;   /* the first message seen per hash, for the report */
	char **sched; /* the schedule string that reached it */
	size_t n, cap;
} outcome_set;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static bool set_has(const outcome_set *s, uint64_t h)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->hash[i] == h)
			return true;
	return false;
}

static void set_add(outcome_set *s, uint64_t h, const char *msg, const char *sched)
{
	if (set_has(s, h))
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->hash = realloc(s->hash, s->cap * sizeof *s->hash);
		s->msg = realloc(s->msg, s->cap * sizeof *s->msg);
		s->sched = realloc(s->sched, s->cap * sizeof *s->sched);
		if (!s->hash || !s->msg || !s->sched) {
			fprintf(stderr, "points_check: out of memory\n");
			exit(2);
		}
	}
	s->hash[s->n] = h;
	s->sched[s->n] = strdup(sched);
	s->msg[s->n++] = strdup(msg);
}

static void set_free(outcome_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->msg[i]);
		free(s->sched[i]);
	}
	free(s->hash);
	free(s->msg);
	free(s->sched);
}

/* Every outcome of spec over the workload; false when the search did not
 * end within RUN_CAP runs. */
static bool explore(const rh_scenario *s, unsigned v, const rh_params *p, const char *spec,
		    bool detection_only, outcome_set *out, uint64_t *runs)
{
	char err[128];
	rh_explorer *x = rh_explorer_new(spec, 1, err, sizeof err);
	rh_trial *t = malloc(sizeof *t);
	if (!x || !t) {
		fprintf(stderr, "points_check: %s: %s\n", spec, x ? "out of memory" : err);
		exit(2);
	}
	for (uint64_t i = 0; i < RUN_CAP; i++) {
		rh_trial_init(t, s, v, p, 1, 0);
		if (!rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, x)) {
			rh_trial_fini(t);
			break;
		}
		char sig[RH_MSG_MAX + 256];
		int len = 0;
		for (unsigned k = 0; k < RH_KIND_COUNT_; k++)
			if (atomic_load(&t->kind_counts[k]))
				len += snprintf(sig + len, sizeof sig - (size_t)len, "%s ",
						rh_kind_name((rh_kind)k));
		if (detection_only)
			snprintf(sig, sizeof sig, "%s", t->violations ? "some violation" : "clean");
		else
			snprintf(sig + len, sizeof sig - (size_t)len, "%s",
				 t->violations ? rh_trial_first_msg(t) : "clean");
		set_add(out, fnv(0xcbf29ce484222325ull, sig, strlen(sig)), sig,
			rh_explorer_schedule(x, s, v, p));
		rh_trial_fini(t);
	}
	*runs = rh_explorer_runs(x);
	bool done = rh_explorer_exhausted(x);
	rh_explorer_free(x);
	free(t);
	return done;
}

static bool is_listed(const rh_scenario *s, unsigned v)
{
	for (size_t i = 0; i < sizeof reads_freed / sizeof *reads_freed; i++)
		if (strcmp(s->name, reads_freed[i][0]) == 0 &&
		    strcmp(s->variants[v].name, reads_freed[i][1]) == 0)
			return true;
	return false;
}

/* One row: dfs:2's outcomes against those of each dpor spec. */
static bool check_row(const rh_scenario *s, unsigned v, unsigned threads, unsigned ops,
		      const char *const *dpors, size_t n_dpors)
{
	bool detection_only = is_listed(s, v);
	rh_params p = s->defaults;
	p.threads = threads;
	p.ops = ops;
	p.rounds = 1;
	outcome_set want = {0};
	uint64_t runs;
	bool ok = true;
	printf("%s %s t%u o%u%s:", s->name, s->variants[v].name, threads, ops,
	       detection_only ? " (reads freed memory: detection only)" : "");
	if (!explore(s, v, &p, "dfs:2", detection_only, &want, &runs)) {
		printf(" dfs:2 over %u runs, not compared\n", RUN_CAP);
		set_free(&want);
		return true;
	}
	printf(" dfs:2 %" PRIu64 " runs, %zu outcomes", runs, want.n);
	for (size_t d = 0; d < n_dpors; d++) {
		outcome_set got = {0};
		bool done = explore(s, v, &p, dpors[d], detection_only, &got, &runs);
		printf("; %s %" PRIu64 " runs%s", dpors[d], runs,
		       done ? "" : " (not exhausted: not compared)");
		for (size_t i = 0; done && i < want.n; i++) {
			if (set_has(&got, want.hash[i]))
				continue;
			printf("\n  MISSED by %s, reached by dfs:2 (racehunt replay '%s'): %s", dpors[d],
			       want.sched[i], want.msg[i]);
			ok = false;
		}
		set_free(&got);
	}
	printf("%s\n", ok ? ": ok" : "");
	set_free(&want);
	return ok;
}

static bool wanted(const char *name, int argc, char **argv, int first)
{
	for (size_t i = 0; i < sizeof timing_bound / sizeof *timing_bound; i++)
		if (strcmp(name, timing_bound[i]) == 0)
			return false;
	for (int i = first; i < argc; i++)
		if (strncmp(name, argv[i], strlen(argv[i])) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static const unsigned workloads[][2] = {{2, 1}, {2, 2}, {3, 1}};
	static const char *const dpors[] = {"dpor", "dpor:2"};
	/* --bounded also holds dpor:2 to dfs:2's outcomes: the bounded
	 * search's claim, not only the points'. */
	int first = argc > 1 && strcmp(argv[1], "--bounded") == 0 ? 2 : 1;
	bool ok = true;
	unsigned rows = 0;
	if (argc <= first) {
		fprintf(stderr, "usage: points_check [--bounded] PREFIX...\n");
		return 2;
	}
	for (unsigned i = 0; i < rh_scenario_count(); i++) {
		const rh_scenario *s = rh_scenario_at(i);
		if (!wanted(s->name, argc, argv, first))
			continue;
		for (unsigned v = 0; v < s->n_variants; v++)
			for (size_t w = 0; w < sizeof workloads / sizeof *workloads; w++) {
				ok &= check_row(s, v, workloads[w][0], workloads[w][1], dpors,
						first == 2 ? 2 : 1);
				rows++;
			}
	}
	if (rows == 0) {
		fprintf(stderr, "points_check: no scenario matches\n");
		return 2;
	}
	printf("points_check: %u rows, %s\n", rows,
	       ok ? "every outcome of dfs:2 reached" : "outcomes MISSED");
	return ok ? 0 : 1;
}
