/* SPDX-License-Identifier: MIT */
/* Three threads meet at a barrier each round: before it each writes its own
 * slot of the round, after it each reads every other slot, so the barrier
 * orders all the plain accesses and no race may be reported. Exactly one
 * thread per round gets PTHREAD_BARRIER_SERIAL_THREAD. With the argument
 * "early" a thread reads its neighbour's slot before the barrier: a race. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define THREADS 3
#define ROUNDS 4

static pthread_barrier_t barrier;
static int slot[ROUNDS][THREADS];
static int serial[ROUNDS];
static int early;

static void *member(void *arg)
{
	int me = (int)(intptr_t)arg;
	long seen = 0;

	for (int r = 0; r < ROUNDS; r++) {
		slot[r][me] = r * 10 + me;
		if (early)
			seen += slot[r][(me + 1) % THREADS];
		int rc = pthread_barrier_wait(&barrier);

		if (rc == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_fetch_add(&serial[r], 1, __ATOMIC_RELAXED);
		else if (rc != 0)
			return (void *)-1;
		for (int t = 0; t < THREADS; t++)
			seen += slot[r][t];
		pthread_barrier_wait(&barrier);
	}
	return (void *)seen;
}

int main(int argc, char **argv)
{
	pthread_t t[THREADS];
	long total = 0, expect = 0;

	early = argc > 1 && strcmp(argv[1], "early") == 0;
	if (pthread_barrier_init(&barrier, NULL, THREADS) != 0)
		return 2;
	for (intptr_t i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, member, (void *)i);
	for (int i = 0; i < THREADS; i++) {
		void *seen;

		pthread_join(t[i], &seen);
		total += (long)seen;
	}
	for (int r = 0; r < ROUNDS; r++) {
		if (serial[r] != 1) {
			printf("round %d had %d serial threads\n", r, serial[r]);
			return 1;
		}
		for (int m = 0; m < THREADS; m++)
			expect += THREADS * (r * 10 + m);
	}
	if (!early && total != expect) {
		printf("read %ld, expected %ld\n", total, expect);
		return 1;
	}
	return pthread_barrier_destroy(&barrier) != 0;
}
