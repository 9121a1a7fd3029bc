/* SPDX-License-Identifier: MIT */
/* Controlled-scheduler benchmark: figures, not pass/fail.
 *
 *   bench_sched [--quick]
 *
 * Prints the cost of one fiber switch, of one scheduling point (the fiber
 * switches to the scheduler, which records the step, asks the strategy and
 * switches to the next fiber), and how many schedules per second a bounded
 * dfs runs on the lockorder store, and what an rh_mutex costs over a raw
 * pthread mutex with no runtime attached. Build it plain and with
 * -fsanitize=thread to compare; the goals are a scheduling point <= 30 ns and
 * the mutex fast path <= 2% over raw, plain build. Each scheduler figure is
 * the median of 5 runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "campaign/campaign.h"
#include "core/registry.h"
#include "core/util.h"
#include "controlled/fiber.h"
#include "racehunt/scenario.h"
#include "racehunt/sync.h"

#define REPEATS 5

static unsigned scale = 1;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* --- one fiber switch ------------------------------------------------------ */

static rh_fiber main_ctx, pong_ctx;

static void pong(void)
{
	rh_fiber_started(&pong_ctx, &main_ctx);
	for (;;)
		rh_fiber_switch(&pong_ctx, &main_ctx, true);
}

static double switch_ns(void)
{
	unsigned n = 2000000 / scale;
	double t0;

	rh_fiber_reset(&pong_ctx, pong);
	rh_fiber_switch(&main_ctx, &pong_ctx, false);
	t0 = now_ns();
	for (unsigned i = 0; i < n; i++)
		rh_fiber_switch(&main_ctx, &pong_ctx, false);
	return (now_ns() - t0) / (2.0 * n);
}

/* --- one scheduling point ------------------------------------------------- */

static void *points_setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	static int token;

	return &token;
}

static void points_thread(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	unsigned n = rh_trial_params(t)->ops;

	for (unsigned i = 0; i < n; i++)
		rh_point("p", i);
}

static void points_check(void *state, rh_trial *t)
{
}

static void points_teardown(void *state)
{
}

static const rh_variant points_variants[] = {{"only", RH_EXPECT_CLEAN, "points only"}};

static const rh_scenario points = {
	.name = "bench.points",
	.summary = "rh_point in a loop",
	.variants = points_variants,
	.n_variants = 1,
	.defaults = {.threads = 2, .ops = 100000, .rounds = 1},
	.max_threads = 64,
	.setup = points_setup,
	.thread = points_thread,
	.check = points_check,
	.teardown = points_teardown,
};

/* ns per scheduling step of one run of `points` under spec. A first run
 * warms the explorer's buffers (trace, choices), as every run after the
 * first of a campaign finds them. */
static double point_ns(const char *spec, unsigned threads)
{
	rh_params p = {.threads = threads, .ops = 200000 / scale / threads, .rounds = 1};
	char err[128];
	rh_explorer *x = rh_explorer_new(spec, 1, err, sizeof(err));
	rh_trial *t = malloc(sizeof(*t));
	double t0 = 0;

	if (x == NULL || t == NULL)
		rh_die("bench: %s", x ? "out of memory" : err);
	for (int run = 0; run < 2; run++) {
		rh_trial_init(t, &points, 0, &p, 1, (uint64_t)run);
		t0 = now_ns();
		if (!rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, x))
			rh_die("bench: %s ran out of schedules", spec);
		rh_trial_fini(t);
	}
	t0 = (now_ns() - t0) / (double)rh_explorer_steps(x);
	rh_explorer_free(x);
	free(t);
	return t0;
}

/* --- mutex fast path, no runtime attached ---------------------------------- */

/* ns per lock + unlock pair of a raw pthread mutex and of an rh_mutex, with
 * no runtime attached: the sync points' cost to a store used outside a
 * campaign. Measured in alternation, many short runs, so load from other
 * processes hits both sides alike; the minimum of each side is the figure
 * least disturbed by them. */
#define MUTEX_OPS 1000000
#define MUTEX_RUNS 41

static pthread_mutex_t raw_mutex = PTHREAD_MUTEX_INITIALIZER;
static rh_mutex bench_mutex;

__attribute__((noinline)) static double raw_mutex_ns(void)
{
	unsigned n = MUTEX_OPS / scale;
	double t0 = now_ns();

	for (unsigned i = 0; i < n; i++) {
		pthread_mutex_lock(&raw_mutex);
		pthread_mutex_unlock(&raw_mutex);
	}
	return (now_ns() - t0) / n;
}

__attribute__((noinline)) static double rh_mutex_ns(void)
{
	unsigned n = MUTEX_OPS / scale;
	double t0 = now_ns();

	for (unsigned i = 0; i < n; i++) {
		rh_mutex_lock(&bench_mutex);
		rh_mutex_unlock(&bench_mutex);
	}
	return (now_ns() - t0) / n;
}

static void mutex_overhead(void)
{
	double raw[MUTEX_RUNS], rh[MUTEX_RUNS], lo_raw, lo_rh;

	rh_mutex_init(&bench_mutex, "bench", 0);
	for (int i = 0; i < MUTEX_RUNS; i++) {
		raw[i] = raw_mutex_ns();
		rh[i] = rh_mutex_ns();
	}
	lo_raw = median(raw, MUTEX_RUNS);
	lo_rh = median(rh, MUTEX_RUNS);
	printf("mutex lock+unlock, no runtime: raw %.2f ns, rh_mutex %.2f ns (median), %+.1f%%; "
	       "minimum %.2f / %.2f ns, %+.1f%%\n",
	       lo_raw, lo_rh, (lo_rh / lo_raw - 1) * 100, raw[0], rh[0], (rh[0] / raw[0] - 1) * 100);
	rh_mutex_destroy(&bench_mutex);
}

/* --- dfs schedules per second --------------------------------------------- */

/* Schedules/s of a dfs:K over name [variant] with threads x ops; *count gets
 * the schedules in the bounded space. */
static double dfs_rate(const char *name, const char *variant, const char *spec,
		       unsigned threads, unsigned ops, uint64_t *count)
{
	const rh_scenario *s = rh_scenario_find(name);
	int v = s ? rh_variant_find(s, variant) : -1;
	rh_params p = {.threads = threads, .ops = ops, .rounds = 1};
	char err[128];
	rh_explorer *x = rh_explorer_new(spec, 1, err, sizeof(err));
	rh_trial *t = malloc(sizeof(*t));
	double t0, secs;

	if (v < 0 || x == NULL || t == NULL)
		rh_die("bench: cannot run %s [%s] %s", name, variant, spec);
	t0 = now_ns();
	for (uint64_t i = 0;; i++) {
		bool ran;

		rh_trial_init(t, s, (unsigned)v, &p, 1, i);
		ran = rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, x);
		rh_trial_fini(t);
		if (!ran)
			break;
	}
	secs = (now_ns() - t0) / 1e9;
	*count = rh_explorer_runs(x);
	rh_explorer_free(x);
	free(t);
	return (double)*count / secs;
}

int main(int argc, char **argv)
{
	double v[REPEATS];
	uint64_t count = 0;

	if (argc > 1 && strcmp(argv[1], "--quick") == 0)
		scale = 10;
	rh_scenario_register(&points);
	rh_fiber_init_thread(&main_ctx);
	if (!rh_fiber_create(&pong_ctx, 64 * 1024))
		rh_die("bench: cannot map a fiber stack");

	printf("controlled scheduler, %s build, median of %d runs\n\n", RH_BUILD_FLAVOUR,
	       REPEATS);
	for (int i = 0; i < REPEATS; i++)
		v[i] = switch_ns();
	printf("fiber switch (one direction)                 %8.1f ns\n", median(v, REPEATS));
	for (int i = 0; i < REPEATS; i++)
		v[i] = point_ns("dfs:0", 2);
	printf("scheduling point, 2 threads, no switch       %8.1f ns/step\n", median(v, REPEATS));
	for (int i = 0; i < REPEATS; i++)
		v[i] = point_ns("random", 2);
	printf("scheduling point, 2 threads, random          %8.1f ns/step\n", median(v, REPEATS));
	for (int i = 0; i < REPEATS; i++)
		v[i] = point_ns("pct:3", 8);
	printf("scheduling point, 8 threads, pct:3           %8.1f ns/step\n", median(v, REPEATS));
	for (int i = 0; i < REPEATS; i++)
		v[i] = dfs_rate("lockorder.abba", "fixed", "dfs:2", 2, 2, &count);
	printf("dfs:2 lockorder.abba fixed, 2 thr x 2 ops    %8.0f schedules/s (%llu in the space)\n",
	       median(v, REPEATS), (unsigned long long)count);
	for (int i = 0; i < REPEATS; i++)
		v[i] = dfs_rate("lockorder.abba", "fixed", "dfs:3", 3, 1, &count);
	printf("dfs:3 lockorder.abba fixed, 3 thr x 1 op     %8.0f schedules/s (%llu in the space)\n",
	       median(v, REPEATS), (unsigned long long)count);
	mutex_overhead();
	rh_fiber_destroy(&pong_ctx);
	return 0;
}
