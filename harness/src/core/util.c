/* Small pieces every part of the harness uses: fatal errors, clocks,
 * timeouts. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/util.h"
#include "core/registry.h"
#include "racehunt/cli.h"

const char *rh_program = "racehunt";

void rh_die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("racehunt: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(RH_EXIT_HARNESS);
}

void *rh_grow(void *items, size_t *cap, size_t size, size_t first, const char *what)
{
	size_t n = *cap ? *cap * 2 : first;
	void *grown = n > SIZE_MAX / size ? NULL : realloc(items, n * size);

	if (grown == NULL)
		rh_die("out of memory for %zu entries of %s", n, what);
	*cap = n;
	return grown;
}

double rh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

unsigned rh_timeout_ms(unsigned base_ms)
{
	const char *env = getenv("RH_TIMEOUT_MULTIPLIER");
	double mult = env ? strtod(env, NULL) : 1.0;

	if (!(mult >= 1.0) || mult > 1000)
		mult = 1.0;
	return (unsigned)(base_ms * mult);
}

