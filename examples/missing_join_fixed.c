/* SPDX-License-Identifier: MIT */
/* The fix of missing_join.c: join the worker, then read its result. */
#include <pthread.h>
#include <stdio.h>

static long result;

static void *worker(void *arg)
{
	long sum = 0;

	for (long i = 1; i <= 100; i++)
		sum += i;
	result = sum;
	return arg;
}

int main(void)
{
	pthread_t t;
	long seen;

	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	seen = result;
	printf("result %ld (expected 5050)\n", seen);
	return seen == 5050 ? 0 : 1;
}
