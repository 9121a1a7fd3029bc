/* SPDX-License-Identifier: MIT */
/* Two plain stores in the wrong order: the writer marks the record valid
 * before it fills in the length, so a reader that sees it valid may read
 * length 0. No sync call comes between the two stores: only a scheduling
 * point at the shared accesses themselves separates them, so controlled
 * mode finds it with --points shared and never with --points sync. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static int valid, length;

static void *writer(void *arg)
{
	valid = 1;
	length = 16;
	return arg;
}

static void *reader(void *arg)
{
	int v = valid, n = length;

	if (v && n != 16) {
		fprintf(stderr, "record valid with length %d\n", n);
		abort();
	}
	return arg;
}

int main(void)
{
	pthread_t w, r;

	/* main resets the record first: both fields are then shared from the
	 * threads' first accesses on. */
	valid = 0;
	length = 0;
	pthread_create(&r, NULL, reader, NULL);
	pthread_create(&w, NULL, writer, NULL);
	pthread_join(w, NULL);
	pthread_join(r, NULL);
	return 0;
}
