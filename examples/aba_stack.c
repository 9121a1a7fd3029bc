/* SPDX-License-Identifier: MIT */
/* ABA in a lock-free stack: pop reads the head and its successor, then
 * swings the head with a compare-and-swap on the head's index alone. If
 * another thread pops that node and the next one and pushes the first back
 * meanwhile, the CAS still succeeds and installs a node that is no longer
 * on the stack: two threads then own one node. Fixed partner: aba_stack_fixed.c. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define NODES 4
#define NONE 0xffffffffu

struct node {
	_Atomic uint32_t next;
	atomic_int owner; /* -1 = on the stack */
};

static struct node nodes[NODES];
/* Low 32 bits: index of the top node; high 32 bits: a version tag. */
static _Atomic uint64_t head;

static uint64_t pack(uint32_t index, uint32_t tag)
{
	return (uint64_t)tag << 32 | index;
}

static void push(uint32_t i)
{
	uint64_t old = atomic_load(&head);

	do
		atomic_store_explicit(&nodes[i].next, (uint32_t)old, memory_order_relaxed);
	while (!atomic_compare_exchange_weak(&head, &old, pack(i, (uint32_t)(old >> 32))));
}

static uint32_t pop(void)
{
	uint64_t old = atomic_load(&head), new_head;

	do {
		if ((uint32_t)old == NONE)
			return NONE;
		uint32_t next = atomic_load_explicit(&nodes[(uint32_t)old].next, memory_order_relaxed);

		new_head = pack(next, (uint32_t)(old >> 32));
	} while (!atomic_compare_exchange_weak(&head, &old, new_head));
	return (uint32_t)old;
}

static int take(uint32_t i, int me)
{
	int free_mark = -1;

	return i == NONE || atomic_compare_exchange_strong(&nodes[i].owner, &free_mark, me);
}

static void *worker(void *arg)
{
	int me = (int)(intptr_t)arg;

	for (int n = 0; n < 100; n++) {
		uint32_t a = pop(), b = pop();

		if (!take(a, me) || !take(b, me)) {
			printf("T%d popped a node another thread owns\n", me);
			return (void *)1;
		}
		if (a != NONE) {
			atomic_store(&nodes[a].owner, -1);
			push(a);
		}
		if (b != NONE) {
			atomic_store(&nodes[b].owner, -1);
			push(b);
		}
	}
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	void *bad[2];

	atomic_store(&head, pack(NONE, 0));
	for (uint32_t i = 0; i < NODES; i++) {
		atomic_store(&nodes[i].owner, -1);
		push(i);
	}
	for (intptr_t i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], &bad[i]);
	return bad[0] != NULL || bad[1] != NULL;
}
