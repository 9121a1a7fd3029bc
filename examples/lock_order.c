/* SPDX-License-Identifier: MIT */
/* Lock-order deadlock: a transfer locks the source account first, so two
 * opposite transfers each hold one account and wait for the other's.
 * Fixed partner: lock_order_fixed.c. */
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
	pthread_mutex_lock(&from->lock);
	pthread_mutex_lock(&to->lock);
	from->balance -= amount;
	to->balance += amount;
	pthread_mutex_unlock(&to->lock);
	pthread_mutex_unlock(&from->lock);
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
