/* SPDX-License-Identifier: MIT */
/* The waits with a clock argument (what C++'s timed waits call), each result
 * checked: a worker takes a mutex by pthread_mutex_clocklock, an rwlock by
 * pthread_rwlock_clockwrlock, sleeps with clock_nanosleep, then posts a
 * semaphore and sets a flag under the mutex; main waits for the flag with
 * pthread_cond_clockwait in a loop and for the post with sem_clockwait.
 * Deadlines are an hour away: a wait that times out is retried. With the
 * argument "if" main tests the flag once instead of looping: a timed wait
 * may return before the flag is set, and the assert fails. */
#define _GNU_SOURCE /* the clock variants */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static sem_t posted;
static int ready;

static struct timespec in_an_hour(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += 3600;
	return t;
}

static void *worker(void *arg)
{
	struct timespec deadline = in_an_hour(), nap = {0, 1000};

	if (pthread_rwlock_clockwrlock(&rw, CLOCK_MONOTONIC, &deadline) != 0)
		return (void *)1;
	pthread_rwlock_unlock(&rw);
	clock_nanosleep(CLOCK_MONOTONIC, 0, &nap, NULL);
	while (pthread_mutex_clocklock(&lock, CLOCK_MONOTONIC, &deadline) != 0)
		continue;
	ready = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	sem_post(&posted);
	return arg;
}

int main(int argc, char **argv)
{
	int once = argc > 1 && strcmp(argv[1], "if") == 0;
	struct timespec deadline = in_an_hour();
	pthread_t t;
	void *bad;

	sem_init(&posted, 0, 0);
	if (pthread_rwlock_clockrdlock(&rw, CLOCK_MONOTONIC, &deadline) != 0)
		return 1;
	pthread_create(&t, NULL, worker, NULL);
	pthread_rwlock_unlock(&rw);
	pthread_mutex_lock(&lock);
	if (once) {
		if (!ready)
			pthread_cond_clockwait(&cond, &lock, CLOCK_MONOTONIC, &deadline);
		assert(ready);
	}
	while (!ready)
		pthread_cond_clockwait(&cond, &lock, CLOCK_MONOTONIC, &deadline);
	pthread_mutex_unlock(&lock);
	while (sem_clockwait(&posted, CLOCK_MONOTONIC, &deadline) != 0)
		if (errno != ETIMEDOUT)
			return 1;
	pthread_join(t, &bad);
	return bad != NULL;
}
