/* SPDX-License-Identifier: MIT */
/* Atomicity violation: the balance check and the withdrawal are each under
 * the lock, but not together. Two withdrawals both pass the check and the
 * account goes negative. Fixed partner: split_lock_fixed.c. */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long balance = 100;

static int withdraw(long amount)
{
	int ok;

	pthread_mutex_lock(&lock);
	ok = balance >= amount;
	pthread_mutex_unlock(&lock);
	if (!ok)
		return 0;
	pthread_mutex_lock(&lock);
	balance -= amount;
	pthread_mutex_unlock(&lock);
	return 1;
}

static void *customer(void *arg)
{
	withdraw(80);
	return arg;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, customer, NULL);
	pthread_create(&b, NULL, customer, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("balance %ld\n", balance);
	assert(balance >= 0);
	return 0;
}
