/* SPDX-License-Identifier: MIT */
/* The calls exec dpor's dependence treats per lock, or as conflicting with
 * every sync step (campaign/exec_dpor.c), in one small program whose
 * result depends on their order: a trylock that fails when main holds the
 * mutex (the worker then counts under another), a read lock that sees
 * main's write or not, a condition wait main ends by the worker's signal.
 * No data race: every shared variable is under a lock. main reports the
 * whole state with outcome() (outcome.h). */
#include <pthread.h>

#include "outcome.h"

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int x, failed, v, seen, ready;

static void *worker(void *arg)
{
	if (pthread_mutex_trylock(&a) == 0) {
		x += 1;
		pthread_mutex_unlock(&a);
	} else {
		pthread_mutex_lock(&b);
		failed = 1;
		pthread_mutex_unlock(&b);
	}
	pthread_rwlock_rdlock(&rw);
	seen = v;
	pthread_rwlock_unlock(&rw);
	pthread_mutex_lock(&b);
	ready = 1;
	pthread_cond_signal(&c);
	pthread_mutex_unlock(&b);
	return arg;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, worker, NULL);
	pthread_mutex_lock(&a);
	x += 10;
	pthread_mutex_unlock(&a);
	pthread_rwlock_wrlock(&rw);
	v = 5;
	pthread_rwlock_unlock(&rw);
	pthread_mutex_lock(&b);
	while (!ready)
		pthread_cond_wait(&c, &b);
	pthread_mutex_unlock(&b);
	pthread_join(t, NULL);
	outcome("state", x * 100 + failed * 10 + seen);
	return 0;
}
