/* SPDX-License-Identifier: MIT */
/* A program built with the installed racehunt-cc: two threads count under a
 * mutex; with an argument it exits 3 after they are done, which racehunt
 * exec must report as a failed trial. */
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int count;

static void *work(void *arg)
{
	for (int i = 0; i < 100; i++) {
		pthread_mutex_lock(&lock);
		count++;
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t a, b;

	pthread_create(&a, NULL, work, NULL);
	pthread_create(&b, NULL, work, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	if (count != 200)
		return 1;
	return argc > 1 ? 3 : 0;
}
