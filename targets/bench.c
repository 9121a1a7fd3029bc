/* SPDX-License-Identifier: MIT */
/* racehunt benchmarks: figures, not pass/fail. Prints a table per section
 * and, with --md FILE, writes them as Markdown (docs/BENCHMARKS.md).
 *
 *   bench [--quick] [--md FILE]
 *
 * Every figure is a median over repeated runs made in this one process, so
 * ratios compare like with like on the same machine at the same time. */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../stores/offset/offset.h"
#include "campaign/campaign.h"
#include "core/atomic_file.h"
#include "core/registry.h"
#include "core/util.h"
#include "report/result_json.h"
#include "cli/campaign_options.h"
#include "racehunt/props.h"
#include "racehunt/sync.h"

static bool quick;
static FILE *md;
static rh_atomic_file md_file; /* --md: written whole, renamed over on success */

static void out(const char *fmt, ...) RH_PRINTF(1, 2);
static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (md) {
		va_start(ap, fmt);
		vfprintf(md, fmt, ap);
		va_end(ap);
	}
}

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
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* --- detection rate: stress without and with noise ------------------------ */

static double stress_rate(const char *scenario, const char *variant, unsigned threads,
			  const char *strategy, uint64_t trials)
{
	const rh_scenario *s = rh_scenario_find(scenario);
	rh_result *r = malloc(sizeof(*r));
	rh_campaign c;
	double rate, lo, hi;

	if (s == NULL || r == NULL)
		rh_die("bench: scenario %s missing", scenario);
	rh_campaign_defaults(&c, s, (unsigned)rh_variant_find(s, variant));
	c.strategy = strategy;
	if (rh_campaign_finish(&c, true) != 0)
		rh_die("bench: bad strategy %s", strategy);
	if (threads)
		c.params.threads = threads;
	c.trials = trials;
	c.quiet = true;
	rh_campaign_run(&c, r);
	rh_result_rate(r, &rate, &lo, &hi);
	free(r);
	return rate;
}

static void bench_noise(void)
{
	static const unsigned thread_counts[] = {20, 2};
	static const char *const levels[] = {"noise:0", "noise:0.1", "noise:0.3"};
	uint64_t trials = quick ? 100 : 500;

	out("\n## Stress detection rate: noise vs no noise (offset.collide, buggy)\n\n");
	out("Same seed (1) and trial numbers in every column; %llu trials each. With 20 threads "
	    "the barrier alone makes collisions common, so the 2-thread row is the one that "
	    "shows what noise adds; these rates move with the machine's load, so compare "
	    "columns of one row, measured together.\n\n",
	    (unsigned long long)trials);
	out("| threads | noise:0 | noise:0.1 | noise:0.3 | noise:0.1 / noise:0 | noise:0.3 / noise:0 "
	    "|\n|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < sizeof(thread_counts) / sizeof(thread_counts[0]); i++) {
		double rate[3];

		for (int k = 0; k < 3; k++)
			rate[k] = stress_rate("offset.collide", "buggy", thread_counts[i], levels[k],
					      trials);
		out("| %u | %.1f%% | %.1f%% | %.1f%% | %.1fx | %.1fx |\n", thread_counts[i],
		    rate[0] * 100, rate[1] * 100, rate[2] * 100, rate[0] > 0 ? rate[1] / rate[0] : 0,
		    rate[0] > 0 ? rate[2] / rate[0] : 0);
	}
}

/* --- detection power: seeded bug x strategy over many seeds --------------- */

typedef struct seeded_bug {
	const char *scenario;
	const char *variant;
} seeded_bug;

static const seeded_bug seeded_bugs[] = {
	{"offset.collide", "buggy"},   {"offset.writers", "buggy"}, {"index.readers", "buggy"},
	{"index.replay", "buggy"},     {"header.checkpoint", "buggy"},
	{"header.checkpoint", "patched"}, {"queue.fanout", "buggy"}, {"queue.fanout", "prealloc"},
	{"lockorder.abba", "buggy"},
};

typedef struct strategy {
	rh_mode mode;
	const char *spec;
} strategy;

static const strategy strategies[] = {
	{RH_MODE_STRESS, "noise:0"},
	{RH_MODE_STRESS, "noise:0.1"},
	{RH_MODE_CONTROLLED, "random"},
	{RH_MODE_CONTROLLED, "pct:3"},
};

enum { POWER_SEEDS = 20, POWER_CAP = 200 };

/* Trials to the first detection (POWER_CAP + 1 when none within the cap). */
static void first_detection(const rh_scenario *s, unsigned variant, const strategy *st,
			    uint64_t seed, double *trials, double *ms, uint64_t *ran,
			    uint64_t *failed)
{
	rh_result *r = malloc(sizeof(*r));
	rh_campaign c;

	if (r == NULL)
		rh_die("bench: out of memory");
	rh_campaign_defaults(&c, s, variant);
	c.mode = st->mode;
	c.strategy = st->spec;
	if (rh_campaign_finish(&c, true) != 0)
		rh_die("bench: bad strategy %s", st->spec);
	c.seed = seed;
	c.trials = POWER_CAP;
	c.stop_on_first = true;
	c.shrink = false;
	c.quiet = true;
	rh_campaign_run(&c, r);
	*trials = r->have_first ? (double)r->first.trial + 1 : POWER_CAP + 1;
	*ms = r->have_first ? r->first.at_ms : r->elapsed_ms;
	*ran += r->trials_run;
	*failed += r->failed_trials;
	free(r);
}

static void bench_power(void)
{
	int seeds = quick ? 5 : POWER_SEEDS;

	out("\n## Detection power per seeded bug and strategy\n\n");
	out("For each of %d seeds, a campaign stops at its first detection (at most %d trials). "
	    "Median [min-max] trials and median time to the first detection; the per-trial "
	    "detection rate is detections over all trials run, with a 95%% Wilson interval. "
	    "Stress uses the scenario's own thread count; controlled runs use the same "
	    "workload as fibers.\n\n",
	    seeds, POWER_CAP);
	out("| bug | strategy | trials to detect | time to detect | per-trial rate [95%% CI] | "
	    "found in |\n|---|---|---|---|---|---|\n");
	for (size_t b = 0; b < sizeof(seeded_bugs) / sizeof(seeded_bugs[0]); b++) {
		const rh_scenario *s = rh_scenario_find(seeded_bugs[b].scenario);
		int v = s ? rh_variant_find(s, seeded_bugs[b].variant) : -1;

		if (v < 0) {
			out("| %s [%s] | - | scenario not built | | | |\n", seeded_bugs[b].scenario,
			    seeded_bugs[b].variant);
			continue;
		}
		for (size_t k = 0; k < sizeof(strategies) / sizeof(strategies[0]); k++) {
			double trials[POWER_SEEDS], ms[POWER_SEEDS], rate, lo, hi;
			uint64_t ran = 0, failed = 0;
			int found = 0;
			rh_result tally = {0};

			for (int i = 0; i < seeds; i++) {
				first_detection(s, (unsigned)v, &strategies[k], (uint64_t)i + 1,
						&trials[i], &ms[i], &ran, &failed);
				found += trials[i] <= POWER_CAP;
			}
			tally.trials_run = ran;
			tally.failed_trials = failed;
			rh_result_rate(&tally, &rate, &lo, &hi);
			double med_trials = median(trials, seeds), med_ms = median(ms, seeds);
			out("| %s [%s] | %s %s | %.0f [%.0f-%.0f] | %.1f ms | %.2f [%.2f-%.2f] | "
			    "%d/%d seeds |\n",
			    s->name, seeded_bugs[b].variant,
			    strategies[k].mode == RH_MODE_STRESS ? "stress" : "controlled",
			    strategies[k].spec, med_trials, trials[0], trials[seeds - 1], med_ms,
			    rate, lo, hi, found, seeds);
		}
	}
}

/* --- sync-point overhead with no runtime attached ------------------------- */

enum { OVERHEAD_OPS = 2000000, REPEATS = 7 };

static double time_raw_atomic(void)
{
	static _Atomic uint64_t v;
	double t0 = now_ns();

	for (int i = 0; i < OVERHEAD_OPS; i++) {
		atomic_fetch_add_explicit(&v, 1, memory_order_relaxed);
		(void)atomic_load_explicit(&v, memory_order_acquire);
	}
	return (now_ns() - t0) / OVERHEAD_OPS;
}

static double time_rh_atomic(void)
{
	static rh_atomic_u64 v = RH_ATOMIC_U64_INIT("v", 0);
	double t0 = now_ns();

	for (int i = 0; i < OVERHEAD_OPS; i++) {
		rh_atomic_fetch_add(&v, 1, RH_RELAXED);
		(void)rh_atomic_load(&v, RH_ACQUIRE);
		rh_point("bench", (uint64_t)i);
	}
	return (now_ns() - t0) / OVERHEAD_OPS;
}

static double time_raw_mutex(void)
{
	static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	double t0 = now_ns();

	for (int i = 0; i < OVERHEAD_OPS; i++) {
		pthread_mutex_lock(&m);
		pthread_mutex_unlock(&m);
	}
	return (now_ns() - t0) / OVERHEAD_OPS;
}

static double time_rh_mutex(void)
{
	static rh_mutex m;
	static bool init;
	double t0;

	if (!init)
		rh_mutex_init(&m, "bench", 0);
	init = true;
	t0 = now_ns();
	for (int i = 0; i < OVERHEAD_OPS; i++) {
		rh_mutex_lock(&m);
		rh_mutex_unlock(&m);
	}
	return (now_ns() - t0) / OVERHEAD_OPS;
}

static void bench_overhead(void)
{
	double raw_a[REPEATS], rh_a[REPEATS], raw_m[REPEATS], rh_m[REPEATS];

	/* Interleave the measurements so drift hits both sides alike. */
	for (int i = 0; i < REPEATS; i++) {
		raw_a[i] = time_raw_atomic();
		rh_a[i] = time_rh_atomic();
		raw_m[i] = time_raw_mutex();
		rh_m[i] = time_rh_mutex();
	}
	out("\n## Sync-point overhead, no runtime attached\n\n");
	out("Median of %d runs of %d iterations, one thread.\n\n", REPEATS, OVERHEAD_OPS);
	out("| operation | raw (ns) | racehunt (ns) | overhead |\n|---|---|---|---|\n");
	double a = median(raw_a, REPEATS), b = median(rh_a, REPEATS);
	out("| fetch_add + load (+ rh_point) | %.2f | %.2f | %+.1f%% |\n", a, b, (b / a - 1) * 100);
	a = median(raw_m, REPEATS);
	b = median(rh_m, REPEATS);
	out("| mutex lock + unlock | %.2f | %.2f | %+.1f%% |\n", a, b, (b / a - 1) * 100);
}

/* --- fixed / buggy throughput, offset store ------------------------------- */

enum { PUT_THREADS = 4, PUTS_PER_THREAD = 20000, PUT_LEN = 48 };

typedef struct put_job {
	offset_store *store;
	unsigned tid;
} put_job;

static void *put_many(void *arg)
{
	put_job *job = arg;
	uint8_t buf[PUT_LEN];
	uint64_t block, content;

	rh_payload_sign(buf, sizeof(buf), job->tid, 0);
	for (unsigned i = 0; i < PUTS_PER_THREAD; i++)
		offset_put(job->store, ((uint64_t)(job->tid + 1) << 32) | (i + 1), buf, PUT_LEN,
			   job->tid, i, &block, &content);
	return NULL;
}

static double offset_puts_per_s(offset_variant v)
{
	uint64_t entries = (uint64_t)PUT_THREADS * PUTS_PER_THREAD;
	offset_store store;
	pthread_t th[PUT_THREADS];
	put_job jobs[PUT_THREADS];
	double t0;

	if (offset_store_open(&store, v, entries, entries * PUT_LEN) != 0)
		rh_die("bench: cannot open offset store");
	t0 = now_ns();
	for (unsigned i = 0; i < PUT_THREADS; i++) {
		jobs[i] = (put_job){&store, i};
		pthread_create(&th[i], NULL, put_many, &jobs[i]);
	}
	for (unsigned i = 0; i < PUT_THREADS; i++)
		pthread_join(th[i], NULL);
	t0 = now_ns() - t0;
	offset_store_close(&store);
	return (double)entries / (t0 / 1e9);
}

static void bench_offset_throughput(void)
{
	static const char *const names[] = {"buggy", "fixed-atomic", "fixed-locked"};
	double runs[3][REPEATS], med[3];
	int repeats = quick ? 3 : REPEATS;

	for (int i = 0; i < repeats; i++)
		for (int v = 0; v < 3; v++)
			runs[v][i] = offset_puts_per_s((offset_variant)v);
	out("\n## Offset store throughput, fixed relative to buggy\n\n");
	out("%d threads x %d puts of %d bytes, no runtime attached; median of %d runs.\n\n",
	    PUT_THREADS, PUTS_PER_THREAD, PUT_LEN, repeats);
	out("| variant | puts/s | relative to buggy |\n|---|---|---|\n");
	for (int v = 0; v < 3; v++) {
		med[v] = median(runs[v], repeats);
		out("| %s | %.0f | %.2fx |\n", names[v], med[v], med[v] / med[0]);
	}
}

/* --- fixed / buggy throughput per store, through its scenario ------------- */

typedef struct store_pair {
	const char *scenario;
	const char *buggy;
	const char *fixed;
} store_pair;

static double scenario_ops_per_s(const rh_scenario *s, int variant, uint64_t trials)
{
	rh_result *r = malloc(sizeof(*r));
	rh_campaign c;
	double ops;

	if (r == NULL)
		rh_die("bench: out of memory");
	rh_campaign_defaults(&c, s, (unsigned)variant);
	c.strategy = "noise:0";
	if (rh_campaign_finish(&c, true) != 0)
		rh_die("bench: bad strategy");
	c.trials = trials;
	c.quiet = true;
	rh_campaign_run(&c, r);
	ops = (double)c.params.threads * c.params.ops * c.params.rounds * (double)r->trials_run /
	      (r->elapsed_ms / 1e3);
	free(r);
	return ops;
}

static void bench_store_throughput(void)
{
	static const store_pair pairs[] = {
		{"offset.writers", "buggy", "fixed-atomic"},
		{"offset.writers", "buggy", "fixed-locked"},
		{"index.mixed", "buggy", "fixed"},
		{"header.writers", "buggy", "fixed"},
		{"queue.fanout", "buggy", "immutable"},
		{"queue.fanout", "buggy", "mutex"},
	};
	int repeats = quick ? 3 : 5;
	uint64_t trials = quick ? 10 : 30;

	out("\n## Fixed / buggy throughput per store (whole scenario, stress noise:0)\n\n");
	out("Scenario operations per second over %llu trials (setup, threads and checks "
	    "included, so this is the cost a campaign sees); median of %d, interleaved.\n\n",
	    (unsigned long long)trials, repeats);
	out("| scenario | buggy ops/s | fixed | fixed ops/s | fixed / buggy |\n"
	    "|---|---|---|---|---|\n");
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const rh_scenario *s = rh_scenario_find(pairs[i].scenario);
		double b[REPEATS], f[REPEATS], mb, mf;

		if (s == NULL || rh_variant_find(s, pairs[i].buggy) < 0 ||
		    rh_variant_find(s, pairs[i].fixed) < 0)
			continue;
		for (int k = 0; k < repeats; k++) {
			b[k] = scenario_ops_per_s(s, rh_variant_find(s, pairs[i].buggy), trials);
			f[k] = scenario_ops_per_s(s, rh_variant_find(s, pairs[i].fixed), trials);
		}
		mb = median(b, repeats);
		mf = median(f, repeats);
		out("| %s | %.0f | %s | %.0f | %.2fx |\n", s->name, mb, pairs[i].fixed, mf, mf / mb);
	}
}

/* --- TSan slowdown: the same command in both builds ------------------------ */

static double wall_ms(const char *command)
{
	double t0 = now_ns();
	int rc = system(command);

	if (rc == -1)
		return -1;
	return (now_ns() - t0) / 1e6;
}

static void bench_tsan(const char *self, const char *tsan_binary)
{
	static const char *const runs[] = {
		"run offset.writers --variant fixed-atomic --trials 20 --quiet",
		"run offset.writers --variant fixed-atomic --mode controlled --strategy pct:3 --trials 50 --quiet",
		"run queue.fanout --variant mutex --trials 20 --quiet",
	};
	char cmd[1024];

	out("\n## ThreadSanitizer slowdown\n\n");
	if (tsan_binary == NULL) {
		out("Not measured: pass --tsan PATH (e.g. build/tsan/targets/racehunt).\n");
		return;
	}
	out("Wall time of the same command, median of 3, default vs tsan build.\n\n");
	out("| command | default (ms) | tsan (ms) | slowdown |\n|---|---|---|---|\n");
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		double d[3], t[3];

		for (int k = 0; k < 3; k++) {
			snprintf(cmd, sizeof(cmd), "%s %s >/dev/null 2>&1", self, runs[i]);
			d[k] = wall_ms(cmd);
			snprintf(cmd, sizeof(cmd), "%s %s >/dev/null 2>&1", tsan_binary, runs[i]);
			t[k] = wall_ms(cmd);
		}
		double med_default = median(d, 3), med_tsan = median(t, 3);
		out("| `racehunt %s` | %.0f | %.0f | %.1fx |\n", runs[i], med_default, med_tsan,
		    med_tsan / med_default);
	}
}

int main(int argc, char **argv)
{
	const char *tsan_binary = NULL, *racehunt_binary = NULL, *md_path = NULL;
	char err[512];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			quick = true;
		} else if (strcmp(argv[i], "--tsan") == 0 && i + 1 < argc) {
			tsan_binary = argv[++i];
		} else if (strcmp(argv[i], "--racehunt") == 0 && i + 1 < argc) {
			racehunt_binary = argv[++i];
		} else if (strcmp(argv[i], "--md") == 0 && i + 1 < argc) {
			md_path = argv[++i];
		} else {
			fprintf(stderr, "usage: bench [--quick] [--md FILE] [--racehunt PATH --tsan "
					"PATH]\n");
			return 2;
		}
	}
	if (md_path != NULL) {
		if (!rh_atomic_file_open(&md_file, md_path, err, sizeof(err))) {
			fprintf(stderr, "bench: --md: %s\n", err);
			return 2;
		}
		md = md_file.f;
	}
	rh_program = "racehunt";
	out("# racehunt benchmarks\n\nBuild: %s. Reproduce every figure: `ci/bench` (runs "
	    "`build/default/targets/bench --md docs/BENCHMARKS.md --racehunt "
	    "build/default/targets/racehunt --tsan build/tsan/targets/racehunt`).\n",
	    RH_BUILD_FLAVOUR);
	bench_power();
	bench_noise();
	bench_overhead();
	bench_offset_throughput();
	bench_store_throughput();
	bench_tsan(racehunt_binary, racehunt_binary ? tsan_binary : NULL);
	if (md) {
		/* An interrupted or failed run leaves the old figures whole. */
		if (!rh_atomic_file_commit(&md_file, err, sizeof(err))) {
			fprintf(stderr, "bench: --md: %s\n", err);
			return 3;
		}
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "bench: cannot write standard output\n");
		return 3;
	}
	return 0;
}
