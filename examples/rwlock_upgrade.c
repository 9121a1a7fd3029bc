/* SPDX-License-Identifier: MIT */
/* Reader-writer upgrade deadlock: a reader that finds the cache stale takes
 * the write lock while still holding its read lock. The write lock waits for
 * every reader to leave, itself included: the thread waits for itself, and
 * everyone else for it. Fixed partner: rwlock_upgrade_fixed.c. */
#include <pthread.h>
#include <stdio.h>

static pthread_rwlock_t cache_lock = PTHREAD_RWLOCK_INITIALIZER;
static int cache_version, source_version = 1;
static long cache_value;

static long lookup(void)
{
	long v;

	pthread_rwlock_rdlock(&cache_lock);
	if (cache_version != source_version) {
		pthread_rwlock_wrlock(&cache_lock);
		cache_value = 42;
		cache_version = source_version;
		pthread_rwlock_unlock(&cache_lock);
	}
	v = cache_value;
	pthread_rwlock_unlock(&cache_lock);
	return v;
}

static void *client(void *arg)
{
	return lookup() == 42 ? NULL : (void *)1;
}

int main(void)
{
	pthread_t a, b;
	void *ra, *rb;

	pthread_create(&a, NULL, client, NULL);
	pthread_create(&b, NULL, client, NULL);
	pthread_join(a, &ra);
	pthread_join(b, &rb);
	puts("looked up");
	return ra != NULL || rb != NULL;
}
