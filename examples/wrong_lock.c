/* SPDX-License-Identifier: MIT */
/* The wrong lock: deposits and fees both update the balance, each under a
 * lock of its own, so nothing orders the two read-modify-writes and one of
 * them is lost. Fixed partner: wrong_lock_fixed.c. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t deposit_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t fee_lock = PTHREAD_MUTEX_INITIALIZER;
static long balance;

static void *deposits(void *arg)
{
	for (int i = 0; i < 200; i++) {
		pthread_mutex_lock(&deposit_lock);
		balance += 10;
		pthread_mutex_unlock(&deposit_lock);
	}
	return arg;
}

static void *fees(void *arg)
{
	for (int i = 0; i < 200; i++) {
		pthread_mutex_lock(&fee_lock);
		balance -= 1;
		pthread_mutex_unlock(&fee_lock);
	}
	return arg;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, deposits, NULL);
	pthread_create(&b, NULL, fees, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("balance %ld (expected 1800)\n", balance);
	return balance == 1800 ? 0 : 1;
}
