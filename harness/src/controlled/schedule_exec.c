/* SPDX-License-Identifier: MIT */
/* racehunt — the fields of a schedule string that recorded a controlled
 * `racehunt exec` trial. In place of SCENARIO:VARIANT:WORKLOAD it carries
 *
 *   rh1:exec:ARGV:hHASHpPOINTSwWATCHDOG:sSEEDiTRIAL:STRATEGY:DEVS:nCHOICESfFP:CHECK
 *
 * ARGV is the program's path and its arguments, separated by ',', each byte
 * outside [A-Za-z0-9._+/=-] written %xx, so the string stays one shell word
 * inside '...' and ':' stays the field separator. HASH is the program
 * file's FNV-1a 64 (16 hex digits), POINTS 0 sync, 1 shared, 2 all, WATCHDOG
 * in ms. The other fields, and the checksum, are those of every schedule. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"

#define WATCHDOG_MAX 3600000u

static bool plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("._+/=-", c) != NULL;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool rh_schedule_is_exec(const char *str)
{
	return strncmp(str, "rh1:exec:", 9) == 0;
}

char *rh_schedule_argv_encode(char *const *argv)
{
	size_t len = 1;
	char *out, *p;

	for (char *const *a = argv; *a != NULL; a++)
		len += strlen(*a) * 3 + 1;
	out = p = malloc(len);
	if (out == NULL)
		return NULL;
	for (char *const *a = argv; *a != NULL; a++) {
		if (a != argv)
			*p++ = ',';
		for (const unsigned char *c = (const unsigned char *)*a; *c; c++)
			p += plain(*c) ? sprintf(p, "%c", *c) : sprintf(p, "%%%02x", *c);
	}
	*p = '\0';
	return out;
}

/* Each %xx names a byte other than NUL; every other byte is plain or ','. */
static bool argv_ok(const char *enc)
{
	if (*enc == '\0' || *enc == ',')
		return false; /* no program */
	for (const char *p = enc; *p; p++) {
		if (*p == '%') {
			int hi = hex_digit(p[1]), lo = hi < 0 ? -1 : hex_digit(p[2]);

			if (lo < 0 || (hi | lo) == 0)
				return false;
			p += 2;
		} else if (*p != ',' && !plain((unsigned char)*p)) {
			return false;
		}
	}
	return true;
}

char **rh_schedule_argv_decode(const char *enc, size_t max)
{
	size_t n = 1, len = strlen(enc) + 1;
	char **argv, *p;

	for (const char *c = enc; *c; c++)
		n += *c == ',';
	if (n > max || !argv_ok(enc))
		return NULL;
	/* The pointers, then every string, in one allocation. */
	argv = malloc((n + 1) * sizeof(*argv) + len);
	if (argv == NULL)
		return NULL;
	p = (char *)(argv + n + 1);
	n = 0;
	argv[n++] = p;
	for (const char *c = enc; *c; c++) {
		if (*c == ',') {
			*p++ = '\0';
			argv[n++] = p;
		} else if (*c == '%') {
			*p++ = (char)(hex_digit(c[1]) << 4 | hex_digit(c[2]));
			c += 2;
		} else {
			*p++ = *c;
		}
	}
	*p = '\0';
	argv[n] = NULL;
	return argv;
}

int rh__schedule_exec_fields(char *buf, size_t cap, const rh_sched_spec *sp)
{
	return snprintf(buf, cap, "exec:%s:h%016" PRIx64 "p%uw%u", sp->argv, sp->program_hash,
			sp->points, sp->watchdog_ms);
}

bool rh__schedule_exec_parse(const char *argv, const char *params, rh_sched_spec *out)
{
	const char *p = params, *digits;
	uint64_t h = 0;
	unsigned long watchdog;
	int n = 0;

	if (!argv_ok(argv) || *p++ != 'h')
		return false;
	for (; n < 16 && hex_digit(*p) >= 0; n++, p++)
		h = h << 4 | (uint64_t)hex_digit(*p);
	if (n != 16 || p[0] != 'p' || p[1] < '0' || p[1] > '2' || p[2] != 'w')
		return false;
	digits = p + 3;
	if (*digits < '1' || *digits > '9' || strlen(digits) > 7 ||
	    strspn(digits, "0123456789") != strlen(digits))
		return false;
	watchdog = strtoul(digits, NULL, 10);
	if (watchdog > WATCHDOG_MAX)
		return false;
	out->argv = strdup(argv);
	if (out->argv == NULL)
		return false;
	snprintf(out->scenario, sizeof(out->scenario), "exec");
	out->program_hash = h;
	out->points = (unsigned)(p[1] - '0');
	out->watchdog_ms = (unsigned)watchdog;
	/* The program decides its threads: any the string names may run. */
	out->params = (rh_params){.threads = RH_MAX_THREADS, .rounds = 1};
	return true;
}
