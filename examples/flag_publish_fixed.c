/* SPDX-License-Identifier: MIT */
/* The fix of flag_publish.c: the flag is an atomic with release/acquire, so
 * a reader that sees it set also sees the data written before it. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static char config[32];
static atomic_int ready;

static void *writer(void *arg)
{
	strcpy(config, "mode=fast");
	atomic_store_explicit(&ready, 1, memory_order_release);
	return arg;
}

static void *reader(void *arg)
{
	while (!atomic_load_explicit(&ready, memory_order_acquire))
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
