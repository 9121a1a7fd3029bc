/* SPDX-License-Identifier: MIT */
#include <stdlib.h>

#include "props_private.h"

static int cmp_u64(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a < b ? -1 : a > b;
}

static bool is_sorted(const uint64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (v[i - 1] > v[i])
			return false;
	return true;
}

uint64_t rh_percentile(uint64_t *v, size_t n, double q)
{
	if (n == 0)
		return 0;
	if (!is_sorted(v, n))
		qsort(v, n, sizeof(*v), cmp_u64);
	return v[rh_percentile_index(n, q)];
}
