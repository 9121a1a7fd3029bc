/* SPDX-License-Identifier: MIT */
/* A thread spins on a flag nobody sets: a HANG at the watchdog that names
 * where the spinning thread was last seen. */
#include <pthread.h>

static volatile int stop;

static void *spin(void *arg)
{
	while (!stop)
		continue;
	return arg;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, spin, NULL);
	pthread_join(t, NULL);
	return 0;
}
