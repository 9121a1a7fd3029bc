/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>

#include "props_private.h"

static bool in_order(uint64_t prev, uint64_t cur, bool strict)
{
	return strict ? prev < cur : prev <= cur;
}

static const char *order_word(bool strict)
{
	return strict ? "strictly increasing" : "non-decreasing";
}

bool rh_prop_increasing(const char *what, const uint64_t *v, size_t n, bool strict,
			rh_prop_result *r)
{
	for (size_t i = 1; i < n; i++) {
		if (in_order(v[i - 1], v[i], strict))
			continue;
		return rh_prop_fail(r, RH_MONOTONICITY,
				    "%s not %s at index %zu: %" PRIu64 " after %" PRIu64, what,
				    order_word(strict), i, v[i], v[i - 1]);
	}
	return rh_prop_pass(r);
}

/* A record plus its array index, which both breaks ties and says which
 * offence comes first. */
typedef struct indexed {
	rh_value v;
	size_t at;
} indexed;

/* Program order: by thread, then op, then position in the array. */
static int cmp_program_order(const void *pa, const void *pb)
{
	const indexed *a = pa, *b = pb;

	if (a->v.thread != b->v.thread)
		return a->v.thread < b->v.thread ? -1 : 1;
	if (a->v.op != b->v.op)
		return a->v.op < b->v.op ? -1 : 1;
	return a->at < b->at ? -1 : a->at > b->at;
}

/* By value, then position in the array: equal values sit together, first owner first. */
static int cmp_value(const void *pa, const void *pb)
{
	const indexed *a = pa, *b = pb;

	if (a->v.value != b->v.value)
		return a->v.value < b->v.value ? -1 : 1;
	return a->at < b->at ? -1 : a->at > b->at;
}

static indexed *sorted_copy(const rh_value *v, size_t n, int (*cmp)(const void *, const void *))
{
	indexed *s = rh_prop_alloc(n, sizeof(*s));

	for (size_t i = 0; i < n; i++)
		s[i] = (indexed){ v[i], i };
	qsort(s, n, sizeof(*s), cmp);
	return s;
}

bool rh_prop_increasing_per_thread(const char *what, const rh_value *v, size_t n, bool strict,
				   rh_prop_result *r)
{
	indexed *s, prev, cur;
	size_t bad = n; /* index in s of the offence earliest in the array */

	if (n < 2)
		return rh_prop_pass(r);
	s = sorted_copy(v, n, cmp_program_order);
	for (size_t i = 1; i < n; i++) {
		if (s[i].v.thread != s[i - 1].v.thread ||
		    in_order(s[i - 1].v.value, s[i].v.value, strict))
			continue;
		if (bad == n || s[i].at < s[bad].at)
			bad = i;
	}
	if (bad == n) {
		free(s);
		return rh_prop_pass(r);
	}
	prev = s[bad - 1];
	cur = s[bad];
	free(s);
	return rh_prop_fail(r, RH_MONOTONICITY,
			    "thread %u: %s not %s: %" PRIu64 " at op %u after %" PRIu64
			    " at op %u",
			    cur.v.thread, what, order_word(strict), cur.v.value, cur.v.op,
			    prev.v.value, prev.v.op);
}

bool rh_prop_unique(const char *what, const rh_value *v, size_t n, rh_prop_result *r)
{
	indexed *s, a, b;
	bool found = false;

	if (n < 2)
		return rh_prop_pass(r);
	s = sorted_copy(v, n, cmp_value);
	for (size_t i = 1; i < n && !found; i++) {
		if (s[i].v.value != s[i - 1].v.value)
			continue;
		a = s[i - 1];
		b = s[i];
		found = true;
	}
	free(s);
	if (!found)
		return rh_prop_pass(r);
	return rh_prop_fail(r, RH_DUPLICATE,
			    "%s %" PRIu64 " recorded by thread %u op %u and thread %u op %u", what,
			    a.v.value, a.v.thread, a.v.op, b.v.thread, b.v.op);
}
