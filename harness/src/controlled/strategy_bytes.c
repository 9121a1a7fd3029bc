/* SPDX-License-Identifier: MIT */
/* The fuzzer's byte source: one byte per choice (rh_explorer_from_bytes).
 * Byte b picks the (b mod n)-th runnable thread counting from the running
 * one, so 0 (and running out of bytes) means "no switch". Not made from a
 * spec: its input is the fuzzer's, and its runs are named "fuzz". */
#include <stdlib.h>
#include <string.h>

#include "sched.h"

struct bytes {
	size_t n, pos;
	uint8_t data[];
};

static bool begin(rh_explorer *x, unsigned threads)
{
	struct bytes *b = x->st;

	b->pos = 0;
	return true;
}

RH_SCHEDULER_ONLY static unsigned choose(rh_explorer *x, uint64_t enabled, unsigned cur)
{
	struct bytes *b = x->st;
	unsigned n = (unsigned)__builtin_popcountll(enabled), k, start;
	uint64_t rotated;

	if (b->pos >= b->n)
		return rh_default_choice(enabled, cur);
	k = b->data[b->pos++] % n;
	start = cur < 64 ? cur : 0;
	rotated = start ? (enabled >> start) | (enabled << (64 - start)) : enabled;
	return (rh__nth_bit(rotated, k) + start) % 64;
}

const rh_strategy rh__strategy_bytes = {
	.name = "fuzz",
	.flags = RH_STRATEGY_ONE_RUN,
	.begin = begin,
	.choose = choose,
	.destroy = free,
};

rh_explorer *rh_explorer_from_bytes(const uint8_t *data, size_t size)
{
	rh_explorer *x = calloc(1, sizeof(*x));
	struct bytes *b = calloc(1, sizeof(*b) + size);

	if (x == NULL || b == NULL) {
		free(x);
		free(b);
		return NULL;
	}
	if (size > 0)
		memcpy(b->data, data, size);
	b->n = size;
	x->strategy = &rh__strategy_bytes;
	x->st = b;
	rh_objects_init(&x->objects);
	snprintf(x->spec, sizeof(x->spec), "fuzz");
	return x;
}
