/* SPDX-License-Identifier: MIT */
/* Two threads take two locks in opposite orders once: a DEADLOCK in some
 * runs, clean in the others. No thread ends the run early here (a deadlock
 * ends it because nobody can run): the outcome-set test's control. */
#include <pthread.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;

static void *ab(void *arg)
{
	pthread_mutex_lock(&a);
	pthread_mutex_lock(&b);
	pthread_mutex_unlock(&b);
	pthread_mutex_unlock(&a);
	return arg;
}

static void *ba(void *arg)
{
	pthread_mutex_lock(&b);
	pthread_mutex_lock(&a);
	pthread_mutex_unlock(&a);
	pthread_mutex_unlock(&b);
	return arg;
}

int main(void)
{
	pthread_t x, y;

	pthread_create(&x, NULL, ab, NULL);
	pthread_create(&y, NULL, ba, NULL);
	pthread_join(x, NULL);
	pthread_join(y, NULL);
	return 0;
}
