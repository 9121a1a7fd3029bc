/* SPDX-License-Identifier: MIT */
/* main returns without joining its worker, so the process ends with the
 * worker anywhere: main saw 0, 1 or 2 of its increments, and every one of
 * those runs is clean. The worker's steps that main does not wait for are
 * the ones a search must still order before the end (rh_dpor_end_cut).
 * main reports what it saw with outcome() (outcome.h). */
#include <pthread.h>

#include "outcome.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int done;

static void *worker(void *arg)
{
	for (int i = 0; i < 2; i++) {
		pthread_mutex_lock(&lock);
		done++;
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

int main(void)
{
	pthread_t t;
	int seen;

	pthread_create(&t, NULL, worker, NULL);
	pthread_mutex_lock(&lock);
	seen = done;
	pthread_mutex_unlock(&lock);
	outcome("seen", seen);
	return 0;
}
