/* SPDX-License-Identifier: MIT */
/* Cost of an instrumented access under `racehunt exec --mode controlled`:
 * ns per access of a loop over a volatile location (a read and a write per
 * iteration), first by main on a location no other thread touches
 * (unshared), then by one thread on a location another thread touched
 * before (shared: every access is a scheduling point) while that other
 * thread can run but only yields, so nearly every point is a choice that
 * does not preempt. The accesses never overlap in time (a flag orders the
 * two threads' touches), so the loop is race-free and the trial runs to the
 * end. Run plainly it measures the hooks with no runtime. Figures go to the
 * file named by argv[1] (exec captures stdout), "-" for stdout. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

/* 2 x 10^5 scheduling points per round, 3 rounds: within controlled mode's
 * 2,000,000 steps per run. */
#define ITERATIONS 100000L
#define ROUNDS 3

static volatile long private_slot, shared_slot;
static atomic_int touched, done;
static double shared_ns;

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

static void *bystander(void *arg)
{
	shared_slot = 1;
	atomic_store(&touched, 1);
	while (!atomic_load(&done))
		sched_yield();
	return arg;
}

static void *measurer(void *arg)
{
	while (!atomic_load(&touched))
		sched_yield();
	shared_ns = loop(&shared_slot);
	atomic_store(&done, 1);
	return arg;
}

int main(int argc, char **argv)
{
	FILE *out = argc > 1 && argv[1][0] != '-' ? fopen(argv[1], "a") : stdout;
	const char *label = argc > 2 ? argv[2] : "plain run";
	pthread_t t[2];
	double unshared;

	if (out == NULL)
		return 2;
	unshared = loop(&private_slot);
	pthread_create(&t[0], NULL, bystander, NULL);
	pthread_create(&t[1], NULL, measurer, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	fprintf(out, "| %s | %.2f | %.2f |\n", label, unshared, shared_ns);
	fclose(out);
	return 0;
}
