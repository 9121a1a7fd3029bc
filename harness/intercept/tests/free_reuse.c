/* SPDX-License-Identifier: MIT */
/* Heap blocks under dpor's happens-before check (controlled_hb.c): each
 * worker allocates a block, fills it, reads it back and frees it, over and
 * over, with no synchronisation between the workers; the allocator hands a
 * block one freed to the other, which is a new object, not a race. With
 * "early", main frees a block a worker still reads (no join first): a race
 * between the worker's read and the free. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDS 3

static void *worker(void *arg)
{
	for (int i = 0; i < ROUNDS; i++) {
		long *p = malloc(4 * sizeof(*p));

		if (p == NULL)
			return NULL;
		for (int j = 0; j < 4; j++)
			p[j] = (long)arg + j;
		if (p[3] != (long)arg + 3)
			abort();
		free(p);
	}
	return arg;
}

static void *reader(void *arg)
{
	return (void *)(long)((volatile long *)arg)[0];
}

int main(int argc, char **argv)
{
	pthread_t a, b;
	long *shared;

	if (argc > 1 && strcmp(argv[1], "early") == 0) {
		shared = calloc(4, sizeof(*shared));
		if (shared == NULL || pthread_create(&a, NULL, reader, shared) != 0)
			return 2;
		free(shared);
		pthread_join(a, NULL);
		return 0;
	}
	if (pthread_create(&a, NULL, worker, (void *)100) != 0 ||
	    pthread_create(&b, NULL, worker, (void *)200) != 0)
		return 2;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
