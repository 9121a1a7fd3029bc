/* SPDX-License-Identifier: MIT */
/* A thread that finds itself first ends the program with exit(3) (an EXIT
 * violation) while the other thread has not started; otherwise both count
 * and main reports 2. The runs where the other one starts first are behind
 * its first step, which the exit cut off (rh_dpor_end_cut). main reports
 * the count with outcome() (outcome.h). */
#include <pthread.h>
#include <stdlib.h>

#include "outcome.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int count;

static void *first_quits(void *arg)
{
	int mine;

	pthread_mutex_lock(&lock);
	mine = ++count;
	pthread_mutex_unlock(&lock);
	if (mine == 1)
		exit(3);
	return arg;
}

static void *counts(void *arg)
{
	pthread_mutex_lock(&lock);
	++count;
	pthread_mutex_unlock(&lock);
	return arg;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, first_quits, NULL);
	pthread_create(&b, NULL, counts, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	outcome("count", count);
	return 0;
}
