/* SPDX-License-Identifier: MIT */
/* A whole program for the slowdown figure: two threads each merge-sort
 * their own half of an array of pseudo-random ints, then main merges the
 * halves and checks the order. Mostly plain loads and stores, a few sync
 * calls: the shape of ordinary code, unlike hook_cost's bare access loop.
 * Prints its wall time in ms to the file argv[1] ("-" for stdout). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N (1 << 20)

static int data[N], scratch[N], merged[N];

static void merge_sort(int *a, int *tmp, long n)
{
	if (n < 2)
		return;
	long h = n / 2;

	merge_sort(a, tmp, h);
	merge_sort(a + h, tmp + h, n - h);
	for (long i = 0, j = h, k = 0; k < n; k++)
		tmp[k] = j >= n || (i < h && a[i] <= a[j]) ? a[i++] : a[j++];
	for (long k = 0; k < n; k++)
		a[k] = tmp[k];
}

static void *sort_half(void *arg)
{
	long half = (long)arg;

	merge_sort(data + half * (N / 2), scratch + half * (N / 2), N / 2);
	return NULL;
}

int main(int argc, char **argv)
{
	FILE *out = argc > 1 && argv[1][0] != '-' ? fopen(argv[1], "a") : stdout;
	const char *label = argc > 2 ? argv[2] : "plain run";
	unsigned x = 12345;
	struct timespec t0, t1;
	pthread_t t[2];

	if (out == NULL)
		return 2;
	for (long i = 0; i < N; i++)
		data[i] = (int)((x = x * 1103515245u + 12345u) >> 8);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, sort_half, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (long i = 0, j = N / 2, k = 0; k < N; k++)
		merged[k] = j >= N || (i < N / 2 && data[i] <= data[j]) ? data[i++] : data[j++];
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (long k = 1; k < N; k++)
		if (merged[k - 1] > merged[k])
			return 1;
	fprintf(out, "| %s | %.1f |\n", label,
		(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	fclose(out);
	return 0;
}
