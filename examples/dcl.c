/* SPDX-License-Identifier: MIT */
/* Double-checked initialisation without atomics: the unlocked first check
 * reads the instance pointer while another thread writes it under the lock,
 * a data race; the compiler may even publish the pointer before the fields.
 * Fixed partner: dcl_fixed.c. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct settings {
	int verbose;
	int limit;
};

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static struct settings *instance;

static struct settings *get_settings(void)
{
	if (instance == NULL) {
		pthread_mutex_lock(&init_lock);
		if (instance == NULL) {
			struct settings *s = malloc(sizeof(*s));

			s->verbose = 0;
			s->limit = 64;
			instance = s;
		}
		pthread_mutex_unlock(&init_lock);
	}
	return instance;
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
	free(instance);
	return ra != NULL || rb != NULL;
}
