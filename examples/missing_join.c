/* SPDX-License-Identifier: MIT */
/* Order violation: main uses the worker's result without joining it first,
 * so it may read the result before the worker wrote it. Fixed partner:
 * missing_join_fixed.c. */
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
	seen = result;
	pthread_join(t, NULL);
	printf("result %ld (expected 5050)\n", seen);
	return seen == 5050 ? 0 : 1;
}
