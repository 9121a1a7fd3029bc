/* SPDX-License-Identifier: MIT */
/* The fix of refcount_uaf.c: the count is atomic, so every increment and
 * decrement counts and only the real last reference frees the buffer. */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define MAGIC 0x5afe5afe

struct buffer {
	int magic; /* first: free() overwrites it */
	atomic_int refs;
	char data[56];
};

static struct buffer *shared_buf;

static void get(struct buffer *b)
{
	atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
}

static void put(struct buffer *b)
{
	if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) {
		b->magic = 0;
		free(b);
	}
}

static void *borrower(void *arg)
{
	struct buffer *b = shared_buf;

	for (int i = 0; i < 200; i++) {
		get(b);
		assert(b->magic == MAGIC);
		put(b);
	}
	return arg;
}

int main(void)
{
	pthread_t t[2];

	shared_buf = calloc(1, sizeof(*shared_buf));
	shared_buf->magic = MAGIC;
	atomic_init(&shared_buf->refs, 1); /* main's reference */
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, borrower, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert(shared_buf->magic == MAGIC);
	put(shared_buf);
	puts("all references dropped");
	return 0;
}
