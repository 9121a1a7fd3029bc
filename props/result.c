/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "props_private.h"

bool rh_prop_pass(rh_prop_result *r)
{
	r->ok = true;
	r->kind = RH_INVARIANT;
	r->msg[0] = '\0';
	return true;
}

bool rh_prop_fail(rh_prop_result *r, rh_kind kind, const char *fmt, ...)
{
	va_list ap;

	r->ok = false;
	r->kind = kind;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return false;
}

void *rh_prop_alloc(size_t n, size_t size)
{
	/* malloc(0) may return NULL; one byte keeps "never NULL" simple. */
	size_t bytes = n * size;
	void *p = (size && n > SIZE_MAX / size) ? NULL : malloc(bytes > 0 ? bytes : 1);

	if (!p) {
		fprintf(stderr, "racehunt: props: out of memory for %zu items of %zu bytes\n", n,
			size);
		abort();
	}
	return p;
}
