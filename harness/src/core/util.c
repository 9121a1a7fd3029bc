/* SPDX-License-Identifier: MIT */
/* Small pieces every part of the harness uses: fatal errors, clocks,
 * timeouts. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "core/registry.h"
#include "racehunt/cli.h"

const char *rh_program = "racehunt";

static void (*die_hook)(const char *msg);

void rh_set_die_hook(void (*hook)(const char *msg))
{
	die_hook = hook;
}

void rh_die(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "racehunt: %s\n", msg);
	if (die_hook != NULL)
		die_hook(msg);
	exit(RH_EXIT_HARNESS);
}

void rh_reexec_without_aslr(char **argv)
{
	int pers = personality(0xffffffff);

	if (pers == -1 || (pers & ADDR_NO_RANDOMIZE) || getenv("RH_KEEP_ASLR") != NULL)
		return;
	if (personality((unsigned long)pers | ADDR_NO_RANDOMIZE) == -1)
		return;
	fflush(NULL);
	execv("/proc/self/exe", argv);
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

