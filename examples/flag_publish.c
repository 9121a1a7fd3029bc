/* SPDX-License-Identifier: MIT */
/* Publication through a plain flag: the reader waits for ready and then
 * reads config, but neither is atomic, so the compiler or CPU may make the
 * flag visible before the data, and the two threads race on both. Fixed
 * partner: flag_publish_fixed.c. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

static char config[32];
static int ready;

static void *writer(void *arg)
{
	strcpy(config, "mode=fast");
	ready = 1;
	return arg;
}

static void *reader(void *arg)
{
	while (!ready)
		sched_yield();
	if (strcmp(config, "mode=fast") != 0) {
		printf("read config '%s' before it was written\n", config);
		return (void *)1;
	}
	return NULL;
}

int main(void)
{
	pthread_t w, r;
	void *bad;

	pthread_create(&r, NULL, reader, NULL);
	pthread_create(&w, NULL, writer, NULL);
	pthread_join(w, NULL);
	pthread_join(r, &bad);
	return bad != NULL;
}
