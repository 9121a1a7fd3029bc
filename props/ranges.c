/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "props_private.h"

/* "[start,end)", or "[start,+len)" when the end does not fit in 64 bits. */
static const char *fmt_range(char *buf, size_t size, const rh_range *x)
{
	if (x->len > UINT64_MAX - x->start)
		snprintf(buf, size, "[%" PRIu64 ",+%" PRIu64 ")", x->start, x->len);
	else
		snprintf(buf, size, "[%" PRIu64 ",%" PRIu64 ")", x->start, x->start + x->len);
	return buf;
}

/* Total order on every field, so the reported pair never depends on qsort. */
static int cmp_range(const void *pa, const void *pb)
{
	const rh_range *a = pa, *b = pb;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	if (a->thread != b->thread)
		return a->thread < b->thread ? -1 : 1;
	if (a->op != b->op)
		return a->op < b->op ? -1 : 1;
	return 0;
}

/* a->start <= b->start. Written as a difference so no end is ever computed. */
static bool overlaps(const rh_range *a, const rh_range *b)
{
	return b->len && b->start - a->start < a->len;
}

/* Whether x reaches further than y (ends compared without overflow). */
static bool reaches_further(const rh_range *x, const rh_range *y)
{
	bool x_top = x->len > UINT64_MAX - x->start, y_top = y->len > UINT64_MAX - y->start;

	if (x_top || y_top)
		return x_top && !y_top;
	return x->start + x->len > y->start + y->len;
}

bool rh_prop_disjoint(const rh_range *v, size_t n, rh_prop_result *r)
{
	rh_range *s, a, b;
	size_t reach = 0; /* index in s of the range that ends furthest so far */
	bool found = false;
	char ba[64], bb[64];

	if (n < 2)
		return rh_prop_pass(r);
	s = rh_prop_alloc(n, sizeof(*s));
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_range);
	/* In start order, a range overlaps an earlier one iff it overlaps the
	 * earlier one that reaches furthest. */
	for (size_t i = 1; i < n && !found; i++) {
		if (overlaps(&s[reach], &s[i])) {
			a = s[reach];
			b = s[i];
			found = true;
		} else if (reaches_further(&s[i], &s[reach])) {
			reach = i;
		}
	}
	free(s);
	if (!found)
		return rh_prop_pass(r);
	return rh_prop_fail(r, RH_OVERLAP, "thread %u op %u %s overlaps thread %u op %u %s",
			    a.thread, a.op, fmt_range(ba, sizeof(ba), &a), b.thread, b.op,
			    fmt_range(bb, sizeof(bb), &b));
}

bool rh_prop_within(const rh_range *v, size_t n, uint64_t lo, uint64_t hi, rh_prop_result *r)
{
	char buf[64];

	for (size_t i = 0; i < n; i++) {
		const rh_range *x = &v[i];

		if (x->start >= lo && x->start <= hi && x->len <= hi - x->start)
			continue;
		return rh_prop_fail(r, RH_OUT_OF_BOUNDS,
				    "thread %u op %u %s outside [%" PRIu64 ",%" PRIu64 ")",
				    x->thread, x->op, fmt_range(buf, sizeof(buf), x), lo, hi);
	}
	return rh_prop_pass(r);
}
