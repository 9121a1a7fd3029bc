/* SPDX-License-Identifier: MIT */
/* A bounded buffer handed over through two semaphores (free slots, filled
 * slots), every semaphore call's result checked: sem_init, sem_wait,
 * sem_trywait, sem_timedwait, sem_post, sem_getvalue, sem_destroy. With the
 * argument "lost" the producer forgets to post one item, so the consumer
 * waits for ever in sem_wait for its last: a DEADLOCK. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SLOTS 2
#define ITEMS 12

static sem_t free_slots, filled;
static int buffer[SLOTS];
static int lost;

static void *producer(void *arg)
{
	for (int i = 0; i < ITEMS; i++) {
		if (i % 3 == 0) {
			struct timespec far;

			clock_gettime(CLOCK_REALTIME, &far);
			far.tv_sec += 3600;
			while (sem_timedwait(&free_slots, &far) != 0)
				if (errno != ETIMEDOUT)
					return (void *)1;
		} else if (sem_wait(&free_slots) != 0) {
			return (void *)1;
		}
		buffer[i % SLOTS] = i;
		if (!(lost && i == 5))
			sem_post(&filled);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	long sum = 0;

	for (int i = 0; i < ITEMS; i++) {
		if (i % 2 == 0) {
			while (sem_trywait(&filled) != 0)
				if (errno != EAGAIN)
					return (void *)-1;
		} else if (sem_wait(&filled) != 0) {
			return (void *)-1;
		}
		sum += buffer[i % SLOTS];
		sem_post(&free_slots);
	}
	return (void *)sum;
}

int main(int argc, char **argv)
{
	pthread_t p, c;
	void *bad, *sum;
	int v = -1;

	lost = argc > 1 && strcmp(argv[1], "lost") == 0;
	if (sem_init(&free_slots, 0, SLOTS) != 0 || sem_init(&filled, 0, 0) != 0)
		return 2;
	if (sem_trywait(&filled) != -1 || errno != EAGAIN) {
		puts("trywait on an empty semaphore did not fail with EAGAIN");
		return 1;
	}
	pthread_create(&p, NULL, producer, NULL);
	pthread_create(&c, NULL, consumer, NULL);
	pthread_join(p, &bad);
	pthread_join(c, &sum);
	sem_getvalue(&free_slots, &v);
	if (bad != NULL || (long)sum != ITEMS * (ITEMS - 1) / 2 || v != SLOTS) {
		printf("producer %p, sum %ld, free slots %d\n", bad, (long)sum, v);
		return 1;
	}
	return sem_destroy(&free_slots) != 0 || sem_destroy(&filled) != 0;
}
