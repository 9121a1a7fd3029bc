/* SPDX-License-Identifier: MIT */
/* Two threads take and release a lock forever, waiting for a flag nobody
 * sets: busy, synchronising, never done. A LIVELOCK at the watchdog, where
 * a silent spin (spin_forever.c) is a HANG. */
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int done;

static void *poll_flag(void *arg)
{
	for (;;) {
		pthread_mutex_lock(&lock);
		int finished = done;
		pthread_mutex_unlock(&lock);
		if (finished)
			return arg;
	}
}

int main(void)
{
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, poll_flag, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return 0;
}
