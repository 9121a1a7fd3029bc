/* SPDX-License-Identifier: MIT */
/* The fix of wrong_lock.c: the balance has one lock, whoever updates it. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t balance_lock = PTHREAD_MUTEX_INITIALIZER;
static long balance;

static void *deposits(void *arg)
{
	for (int i = 0; i < 200; i++) {
		pthread_mutex_lock(&balance_lock);
		balance += 10;
		pthread_mutex_unlock(&balance_lock);
	}
	return arg;
}

static void *fees(void *arg)
{
	for (int i = 0; i < 200; i++) {
		pthread_mutex_lock(&balance_lock);
		balance -= 1;
		pthread_mutex_unlock(&balance_lock);
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
