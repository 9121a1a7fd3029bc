/* SPDX-License-Identifier: MIT */
/* A condition wait that is not in a loop: the consumer waits once and then
 * takes the job for granted. Condition variables may wake up spuriously
 * (and another consumer may take the job first), so the consumer can find
 * no job at all. Fixed partner: cond_if_fixed.c. */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_ready = PTHREAD_COND_INITIALIZER;
static int jobs;

static void *consumer(void *arg)
{
	pthread_mutex_lock(&lock);
	if (jobs == 0)
		pthread_cond_wait(&job_ready, &lock);
	assert(jobs > 0);
	jobs--;
	pthread_mutex_unlock(&lock);
	return arg;
}

static void *producer(void *arg)
{
	usleep(2000); /* the job arrives from elsewhere */
	pthread_mutex_lock(&lock);
	jobs++;
	pthread_cond_signal(&job_ready);
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
	puts("job done");
	return 0;
}
