/* SPDX-License-Identifier: MIT */
/* A correct spin-wait that lasts: once the worker has read a shared table,
 * main reads that table far more times than the spin limit before it sets
 * the flag the worker polls. The worker re-reads an unchanged flag all that
 * time, but main keeps doing other things (reads of other locations), so it
 * is no LIVELOCK, and the fair scheduler lets main through, so it is no HANG
 * either. spin_unset.c is the same wait with nobody to set the flag. */
#include <pthread.h>
#include <stdatomic.h>

#define TABLE 8
#define READS 300000

/* Not static, so the compiler cannot prove the loops away. */
atomic_int seen, go;
int table[TABLE];

static void *worker(void *arg)
{
	long sum = 0;

	for (int i = 0; i < TABLE; i++)
		sum += table[i];
	atomic_store_explicit(&seen, 1, memory_order_release);
	while (!atomic_load_explicit(&go, memory_order_acquire))
		continue;
	return (void *)sum;
}

int main(void)
{
	pthread_t t;
	void *sum;
	long total = 0;

	for (int i = 0; i < TABLE; i++)
		table[i] = i;
	pthread_create(&t, NULL, worker, NULL);
	/* From here on every read of the table is a shared access. */
	while (!atomic_load_explicit(&seen, memory_order_acquire))
		continue;
	for (int i = 0; i < READS; i++)
		total += table[i % TABLE];
	atomic_store_explicit(&go, 1, memory_order_release);
	pthread_join(t, &sum);
	return (long)sum == 28 && total == 28l * READS / TABLE ? 0 : 1;
}
