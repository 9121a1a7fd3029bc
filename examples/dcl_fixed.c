/* SPDX-License-Identifier: MIT */
/* The fix of dcl.c: the instance pointer is an atomic, published with
 * release after the fields are written and read with acquire. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct settings {
	int verbose;
	int limit;
};

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static struct settings *_Atomic instance;

static struct settings *get_settings(void)
{
	struct settings *s = atomic_load_explicit(&instance, memory_order_acquire);

	if (s == NULL) {
		pthread_mutex_lock(&init_lock);
		s = atomic_load_explicit(&instance, memory_order_relaxed);
		if (s == NULL) {
			s = malloc(sizeof(*s));
			s->verbose = 0;
			s->limit = 64;
			atomic_store_explicit(&instance, s, memory_order_release);
		}
		pthread_mutex_unlock(&init_lock);
	}
	return s;
}

static void *user(void *arg)
{
	long sum = 0;

	for (int i = 0; i < 100; i++)
		sum += get_settings()->limit;
	return sum == 6400 ? NULL : (void *)1;
}

int main(void)
{
	pthread_t a, b;
	void *ra, *rb;

	pthread_create(&a, NULL, user, NULL);
	pthread_create(&b, NULL, user, NULL);
	pthread_join(a, &ra);
	pthread_join(b, &rb);
	free(atomic_load(&instance));
	return ra != NULL || rb != NULL;
}
