/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "props_private.h"

/* One expect() or record() call. Both go into one log; check() sorts a copy
 * by pair and sums each run, so no hash table is needed. */
typedef struct once_entry {
	uint64_t key;
	unsigned who;
	uint64_t expected, got;
} once_entry;

struct rh_once {
	const char *event, *key_name, *who_name;
	once_entry *log;
	size_t n, cap;
};

rh_once *rh_once_new(const char *event, const char *key_name, const char *who_name)
{
	rh_once *o = rh_prop_alloc(1, sizeof(*o));

	*o = (rh_once){ .event = event, .key_name = key_name, .who_name = who_name };
	return o;
}

void rh_once_free(rh_once *o)
{
	if (!o)
		return;
	free(o->log);
	free(o);
}

static void once_append(rh_once *o, uint64_t key, unsigned who, uint64_t expected, uint64_t got)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 64;
		once_entry *log = rh_prop_alloc(cap, sizeof(*log));

		if (o->n)
			memcpy(log, o->log, o->n * sizeof(*log));
		free(o->log);
		o->log = log;
		o->cap = cap;
	}
	o->log[o->n++] = (once_entry){ key, who, expected, got };
}

void rh_once_expect(rh_once *o, uint64_t key, unsigned who, unsigned times)
{
	once_append(o, key, who, times, 0);
}

void rh_once_record(rh_once *o, uint64_t key, unsigned who)
{
	once_append(o, key, who, 0, 1);
}

static int cmp_pair(const void *pa, const void *pb)
{
	const once_entry *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->who < b->who ? -1 : a->who > b->who;
}

bool rh_prop_once(const rh_once *o, rh_prop_result *r)
{
	once_entry *s, first = { 0 }, sum;
	uint64_t lost = 0, extra = 0;
	bool found = false;

	if (o->n == 0)
		return rh_prop_pass(r);
	s = rh_prop_alloc(o->n, sizeof(*s));
	memcpy(s, o->log, o->n * sizeof(*s));
	qsort(s, o->n, sizeof(*s), cmp_pair);
	for (size_t i = 0; i < o->n;) {
		sum = s[i];
		for (i++; i < o->n && cmp_pair(&s[i], &sum) == 0; i++) {
			sum.expected += s[i].expected;
			sum.got += s[i].got;
		}
		if (sum.got == sum.expected)
			continue;
		if (sum.got < sum.expected)
			lost += sum.expected - sum.got;
		else
			extra += sum.got - sum.expected;
		if (!found)
			first = sum;
		found = true;
	}
	free(s);
	if (!found)
		return rh_prop_pass(r);
	return rh_prop_fail(r, first.got < first.expected ? RH_LOST_UPDATE : RH_DUPLICATE,
			    "%s of %s %" PRIu64 " by %s %u: expected %" PRIu64 ", got %" PRIu64
			    "; %" PRIu64 " lost, %" PRIu64 " extra in all",
			    o->event, o->key_name, first.key, o->who_name, first.who,
			    first.expected, first.got, lost, extra);
}
