/* SPDX-License-Identifier: MIT */
/* Recursive and errorcheck mutexes and their results: a recursive mutex
 * locked three times (once by trylock) needs three unlocks, a fourth is
 * EPERM, and another thread's trylock meanwhile is EBUSY; an errorcheck
 * mutex relocked is EDEADLK and unlocked by a non-owner is EPERM. With the
 * argument "unbalanced" the holder unlocks the recursive mutex one time too
 * few, so the other thread waits for it for ever: a DEADLOCK. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t rec, check;
static int unbalanced;
static int failures;

static void expect(int got, int want, const char *what)
{
	if (got != want) {
		printf("%s: %d, expected %d\n", what, got, want);
		failures++;
	}
}

static void *other(void *arg)
{
	int rc = pthread_mutex_trylock(&rec);

	/* Before or after the holder: busy while held, free once released. */
	if (rc == 0)
		pthread_mutex_unlock(&rec);
	else
		expect(rc, EBUSY, "trylock of a recursive mutex another thread holds");
	expect(pthread_mutex_unlock(&check), EPERM, "errorcheck unlock by a non-owner");
	expect(pthread_mutex_lock(&rec), 0, "lock of the released recursive mutex");
	expect(pthread_mutex_unlock(&rec), 0, "its unlock");
	return arg;
}

int main(int argc, char **argv)
{
	pthread_mutexattr_t a;
	pthread_t t;

	unbalanced = argc > 1 && strcmp(argv[1], "unbalanced") == 0;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&rec, &a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&check, &a);
	pthread_mutexattr_destroy(&a);

	expect(pthread_mutex_lock(&check), 0, "errorcheck lock");
	expect(pthread_mutex_lock(&check), EDEADLK, "errorcheck relock");
	expect(pthread_mutex_lock(&rec), 0, "recursive lock");
	pthread_create(&t, NULL, other, NULL);
	expect(pthread_mutex_lock(&rec), 0, "recursive relock");
	expect(pthread_mutex_trylock(&rec), 0, "recursive trylock by its holder");
	expect(pthread_mutex_unlock(&rec), 0, "unlock 1 of 3");
	expect(pthread_mutex_unlock(&rec), 0, "unlock 2 of 3");
	if (!unbalanced) {
		expect(pthread_mutex_unlock(&rec), 0, "unlock 3 of 3");
		expect(pthread_mutex_unlock(&rec), EPERM, "a fourth unlock");
	}
	pthread_join(t, NULL);
	expect(pthread_mutex_unlock(&check), 0, "errorcheck unlock by its owner");
	return failures != 0;
}
