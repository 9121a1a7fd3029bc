/* SPDX-License-Identifier: MIT */
/* A correct spin-wait handshake (no fixed partner: it has no bug). Two
 * threads take turns through an atomic with release/acquire, spinning
 * while it is not their turn; the plain counter they update is ordered by
 * the handshake, so racehunt must report nothing: no race, no hang. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define ROUNDS 100

static atomic_int turn;
static long counter; /* only the thread whose turn it is touches it */

static void *player(void *arg)
{
	int me = (int)(intptr_t)arg;

	for (int i = 0; i < ROUNDS; i++) {
		while (atomic_load_explicit(&turn, memory_order_acquire) != me)
			;
		counter++;
		atomic_store_explicit(&turn, 1 - me, memory_order_release);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[2];

	for (intptr_t i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, player, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("counter %ld (expected %d)\n", counter, 2 * ROUNDS);
	return counter == 2 * ROUNDS ? 0 : 1;
}
