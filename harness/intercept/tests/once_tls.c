/* SPDX-License-Identifier: MIT */
/* Per-thread state: pthread_once runs its function once for four threads;
 * each thread's pthread_self equals the handle pthread_create gave out and
 * no other; each keeps its own value of a pthread key across scheduling
 * points, and the key's destructor gets each thread's value when it ends;
 * errno set by one thread survives the others running. With the argument
 * "flag" initialisation goes through a plain flag instead of pthread_once:
 * a data race between one thread's test of the flag and another's store. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define THREADS 4

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_barrier_t started;
static pthread_key_t key;
static pthread_t handles[THREADS];
static int inits, plain_flag, use_flag;
static int destroyed[THREADS];

static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;

static void init(void)
{
	pthread_mutex_lock(&count_lock);
	inits++;
	pthread_mutex_unlock(&count_lock);
}

static void destroy(void *value)
{
	destroyed[(intptr_t)value - 1]++;
}

static void *worker(void *arg)
{
	int me = (int)(intptr_t)arg;

	if (use_flag) {
		if (!plain_flag) {
			init();
			plain_flag = 1;
		}
	} else {
		pthread_once(&once, init);
	}
	pthread_setspecific(key, (void *)(intptr_t)(me + 1));
	errno = 100 + me;
	pthread_barrier_wait(&started); /* every handle is published */
	sched_yield();
	for (int i = 0; i < THREADS; i++)
		if (pthread_equal(pthread_self(), handles[i]) != (i == me))
			return (void *)"pthread_self";
	if ((intptr_t)pthread_getspecific(key) != me + 1)
		return (void *)"pthread_getspecific";
	if (errno != 100 + me)
		return (void *)"errno";
	return NULL;
}

int main(int argc, char **argv)
{
	void *bad;

	use_flag = argc > 1 && strcmp(argv[1], "flag") == 0;
	pthread_key_create(&key, destroy);
	pthread_barrier_init(&started, NULL, THREADS + 1);
	for (intptr_t i = 0; i < THREADS; i++)
		pthread_create(&handles[i], NULL, worker, (void *)i);
	pthread_barrier_wait(&started);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(handles[i], &bad);
		if (bad != NULL) {
			printf("thread %d: wrong %s\n", i, (const char *)bad);
			return 1;
		}
	}
	for (int i = 0; i < THREADS; i++)
		if (destroyed[i] != 1) {
			printf("thread %d's value destroyed %d times\n", i, destroyed[i]);
			return 1;
		}
	if (pthread_getspecific(key) != NULL || inits != 1) {
		printf("main's value %p, %d inits\n", pthread_getspecific(key), inits);
		return 1;
	}
	return 0;
}
