/* SPDX-License-Identifier: MIT */
/* Cost of an instrumented access under `racehunt exec --mode controlled`:
 * ns per access of a loop over a volatile location (a read and a write per
 * iteration), run by main on
 *   - a location no other thread touches (unshared: no scheduling point);
 *   - a location a thread touched and was joined before (shared: every
 *     access is a scheduling point, with nobody else to choose);
 *   - the same while another thread can run but only yields (every access
 *     a choice, which under pct:3 almost never preempts).
 * Every access is ordered after the other thread's (the join) and the
 * yielding thread touches nothing main does, so the loop is race-free and
 * the trial runs to its end. Run plainly it measures the hooks with no
 * runtime. Figures go to the file named by argv[1] (exec captures stdout),
 * "-" for stdout. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

/* 1.2 x 10^5 scheduling points per round, 5 rounds (the best one counts:
 * the machine is shared), twice: within controlled mode's 2,000,000 steps
 * per run. */
#define ITERATIONS 60000L
#define ROUNDS 5

static volatile long private_slot, shared_slot;
static atomic_int done;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The best of a few rounds: the machine is shared, the minimum is the cost. */
static double loop(volatile long *slot)
{
	double best = 1e9;

	for (int round = 0; round < ROUNDS; round++) {
		double t0 = now_ns();

		for (long i = 0; i < ITERATIONS; i++)
			*slot = *slot + 1;
		double ns = (now_ns() - t0) / (2.0 * ITERATIONS);

		best = ns < best ? ns : best;
	}
	return best;
}

static void *toucher(void *arg)
{
	shared_slot = 1;
	return arg;
}

static void *bystander(void *arg)
{
	while (!atomic_load(&done))
		sched_yield();
	return arg;
}

int main(int argc, char **argv)
{
	FILE *out = argc > 1 && argv[1][0] != '-' ? fopen(argv[1], "a") : stdout;
	const char *label = argc > 2 ? argv[2] : "plain run";
	double unshared, alone, beside;
	pthread_t t;

	if (out == NULL)
		return 2;
	unshared = loop(&private_slot);
	pthread_create(&t, NULL, toucher, NULL);
	pthread_join(t, NULL);
	alone = loop(&shared_slot);
	pthread_create(&t, NULL, bystander, NULL);
	beside = loop(&shared_slot);
	atomic_store(&done, 1);
	pthread_join(t, NULL);
	fprintf(out, "| %s | %.2f | %.2f | %.2f |\n", label, unshared, alone, beside);
	fclose(out);
	return 0;
}
