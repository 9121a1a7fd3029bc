/* SPDX-License-Identifier: MIT */
/* COUNT threads one after the other, each joined: racehunt models up to
 * 4096 per run and refuses more with a one-line error (exit 2). */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long done;

static void *work(void *arg)
{
	pthread_mutex_lock(&lock);
	done++;
	pthread_mutex_unlock(&lock);
	return arg;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 1000;

	for (long i = 0; i < count; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, work, NULL) != 0)
			return 3;
		pthread_join(t, NULL);
	}
	return done == count ? 0 : 1;
}
