/* SPDX-License-Identifier: MIT */
/* The fix of split_lock.c: check and withdrawal in one critical section, so
 * no second withdrawal can come between them. */
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
	if (ok)
		balance -= amount;
	pthread_mutex_unlock(&lock);
	return ok;
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
