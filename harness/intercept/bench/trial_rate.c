/* SPDX-License-Identifier: MIT */
/* The program of the exec trials/s figure: two threads, 250 increments each
 * of one counter under one mutex, so a run makes 1,000 instrumented accesses
 * (a read and a write per increment) and 1,000 lock calls, and is correct
 * (a clean trial costs the whole run; a failing one would stop early). */
#include <pthread.h>

#define PER_THREAD 250

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *work(void *arg)
{
	for (int i = 0; i < PER_THREAD; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

int main(void)
{
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, work, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return counter == 2 * PER_THREAD ? 0 : 1;
}
