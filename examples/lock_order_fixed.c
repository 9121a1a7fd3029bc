/* SPDX-License-Identifier: MIT */
/* The fix of lock_order.c: every transfer takes the two account locks in
 * one global order (by address), so no cycle of waits can form. */
#include <pthread.h>
#include <stdio.h>

struct account {
	pthread_mutex_t lock;
	long balance;
};

static struct account alice = {PTHREAD_MUTEX_INITIALIZER, 100};
static struct account bob = {PTHREAD_MUTEX_INITIALIZER, 100};

static void transfer(struct account *from, struct account *to, long amount)
{
	struct account *first = from < to ? from : to, *second = from < to ? to : from;

	pthread_mutex_lock(&first->lock);
	pthread_mutex_lock(&second->lock);
	from->balance -= amount;
	to->balance += amount;
	pthread_mutex_unlock(&second->lock);
	pthread_mutex_unlock(&first->lock);
}

static void *alice_pays(void *arg)
{
	for (int i = 0; i < 50; i++)
		transfer(&alice, &bob, 1);
	return arg;
}

static void *bob_pays(void *arg)
{
	for (int i = 0; i < 50; i++)
		transfer(&bob, &alice, 1);
	return arg;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, alice_pays, NULL);
	pthread_create(&b, NULL, bob_pays, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("alice %ld bob %ld\n", alice.balance, bob.balance);
	return alice.balance + bob.balance == 200 ? 0 : 1;
}
