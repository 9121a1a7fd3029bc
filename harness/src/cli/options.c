#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "options.h"
#include "racehunt/cli.h"

int rh_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("racehunt: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see racehunt --help)\n", stderr);
	return RH_EXIT_USAGE;
}

bool rh_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

bool rh_parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (s == NULL)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0 && v <= 86400 * 7))
		return false;
	*out = v;
	return true;
}
