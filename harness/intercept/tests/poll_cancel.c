/* SPDX-License-Identifier: MIT */
/* A long computation that polls a cancel flag nobody sets while main waits
 * in pthread_join: the worker re-reads the unchanged flag far more times
 * than the spin limit with every other thread waiting, but it stores its
 * results as it goes, so it is making progress: no LIVELOCK (spin_unset.c
 * polls and stores nothing). */
#include <pthread.h>
#include <stdatomic.h>

#define ROUNDS 300000

/* Not static, so the compiler cannot prove the loop away. */
atomic_int cancel;
long results[8];

static void *worker(void *arg)
{
	for (long i = 0; i < ROUNDS; i++) {
		if (atomic_load_explicit(&cancel, memory_order_relaxed))
			return (void *)1;
		results[i % 8] += i;
	}
	return arg;
}

int main(void)
{
	pthread_t t;
	void *cancelled;
	long sum = 0;

	atomic_store(&cancel, 0);
	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, &cancelled);
	for (int i = 0; i < 8; i++)
		sum += results[i];
	return cancelled == NULL && sum == (long)ROUNDS * (ROUNDS - 1) / 2 ? 0 : 1;
}
