/* SPDX-License-Identifier: MIT */
/* Cost of an instrumented access: ns per access of a loop over a volatile
 * location (each iteration one read and one write hook), run by one thread
 * on its own location (unshared), then by two threads on one location
 * (shared, after both touched it). Run plainly it measures the hooks with no
 * runtime; under `racehunt exec` with the runtime on. Figures go to the file
 * named by argv[1] (exec captures stdout), "-" for stdout. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define ITERATIONS 1000000L

static volatile long private_slot, shared_slot;
static pthread_barrier_t start;

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

	for (int round = 0; round < 5; round++) {
		double t0 = now_ns();

		for (long i = 0; i < ITERATIONS; i++)
			*slot = *slot + 1;
		double ns = (now_ns() - t0) / (2.0 * ITERATIONS);

		best = ns < best ? ns : best;
	}
	return best;
}

static double shared_ns[2];

static void *sharer(void *arg)
{
	long me = (long)arg;

	shared_slot = me; /* both threads touch it before the timed loop */
	pthread_barrier_wait(&start);
	shared_ns[me] = loop(&shared_slot);
	return NULL;
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
	pthread_barrier_init(&start, NULL, 2);
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, sharer, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	fprintf(out, "| %s | %.2f | %.2f |\n", label, unshared, (shared_ns[0] + shared_ns[1]) / 2);
	fclose(out);
	return 0;
}
