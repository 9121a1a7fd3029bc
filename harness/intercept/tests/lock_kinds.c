/* SPDX-License-Identifier: MIT */
/* Plain shared data guarded by every kind of lock controlled mode models: a
 * mutex taken with trylock (retrying with sched_yield), an rwlock read and
 * written through rdlock/wrlock and their try forms, and a spinlock. Each
 * access is under its lock, so the watchpoint detector must stay silent.
 * With the argument "unlocked" one reader skips its read lock: the same
 * program then has a data race, which must be reported. */
#include <pthread.h>
#include <sched.h>
#include <string.h>

#define ROUNDS 20

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_spinlock_t spin;
static long by_mutex, by_rwlock, by_spin;
static int unlocked;

static void *writer(void *arg)
{
	for (int i = 0; i < ROUNDS; i++) {
		while (pthread_mutex_trylock(&mutex) != 0)
			sched_yield();
		by_mutex++;
		pthread_mutex_unlock(&mutex);
		if (i % 2)
			pthread_rwlock_wrlock(&rwlock);
		else
			while (pthread_rwlock_trywrlock(&rwlock) != 0)
				sched_yield();
		by_rwlock++;
		pthread_rwlock_unlock(&rwlock);
		pthread_spin_lock(&spin);
		by_spin++;
		pthread_spin_unlock(&spin);
	}
	return arg;
}

static void *reader(void *arg)
{
	long seen = 0;

	for (int i = 0; i < ROUNDS; i++) {
		if (unlocked)
			seen += by_rwlock;
		else if (i % 2)
			pthread_rwlock_rdlock(&rwlock);
		else
			while (pthread_rwlock_tryrdlock(&rwlock) != 0)
				sched_yield();
		if (!unlocked) {
			seen += by_rwlock;
			pthread_rwlock_unlock(&rwlock);
		}
		pthread_mutex_lock(&mutex);
		seen += by_mutex;
		pthread_mutex_unlock(&mutex);
	}
	return (void *)seen;
}

int main(int argc, char **argv)
{
	pthread_t t[4];

	unlocked = argc > 1 && strcmp(argv[1], "unlocked") == 0;
	pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
	pthread_create(&t[0], NULL, writer, NULL);
	pthread_create(&t[1], NULL, writer, NULL);
	pthread_create(&t[2], NULL, reader, NULL);
	pthread_create(&t[3], NULL, reader, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	return by_mutex == 2 * ROUNDS && by_rwlock == 2 * ROUNDS && by_spin == 2 * ROUNDS ? 0 : 1;
}
