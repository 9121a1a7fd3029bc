/* SPDX-License-Identifier: MIT */
/* Lost wake-up: the consumer tests the flag without holding the mutex and
 * then waits; a producer that sets the flag and signals in between wakes
 * nobody, and the consumer waits forever. Fixed partner: lost_wakeup_fixed.c. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int ready;

static void *consumer(void *arg)
{
	if (!ready) {
		pthread_mutex_lock(&lock);
		pthread_cond_wait(&changed, &lock);
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

static void *producer(void *arg)
{
	pthread_mutex_lock(&lock);
	ready = 1;
	pthread_cond_signal(&changed);
	pthread_mutex_unlock(&lock);
	return arg;
}

int main(void)
{
	pthread_t c, p;

	pthread_create(&c, NULL, consumer, NULL);
	pthread_create(&p, NULL, producer, NULL);
	pthread_join(c, NULL);
	pthread_join(p, NULL);
	puts("consumed");
	return 0;
}
