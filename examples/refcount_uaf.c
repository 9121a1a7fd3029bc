/* SPDX-License-Identifier: MIT */
/* Use after free after a racy reference count: borrowers take and drop
 * references with plain ++ and --, so an increment and a decrement can
 * overwrite each other. When the count comes out one too low, the last
 * "last" reference frees the buffer while someone still holds it. Fixed
 * partner: refcount_uaf_fixed.c. */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define MAGIC 0x5afe5afe

struct buffer {
	int magic; /* first: free() overwrites it */
	int refs;
	char data[56];
};

static struct buffer *shared_buf;

static void get(struct buffer *b)
{
	b->refs++;
}

static void put(struct buffer *b)
{
	if (--b->refs == 0) {
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
	shared_buf->refs = 1; /* main's reference */
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, borrower, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert(shared_buf->magic == MAGIC);
	put(shared_buf);
	puts("all references dropped");
	return 0;
}
