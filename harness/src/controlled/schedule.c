/* SPDX-License-Identifier: MIT */
/* racehunt — schedule strings: one shell-safe line that replays a controlled
 * run exactly.
 *
 *   rh1:SCENARIO:VARIANT:tTHREADSoOPSrROUNDSzSIZE:sSEEDiTRIAL:STRATEGY:DEVS:nCHOICESfFP[:vEND]:CHECK
 *
 * DEVS lists the choices that differ from the default (keep the running
 * thread, else the lowest runnable one) as <choice-index delta><thread>,
 * thread 0..25 = a..z, 26.. = an upper-case letter per 26 then a..z; "-" when
 * there are none. The strategy that found the run (':' written as '-') is
 * informative only. CHOICES and FP (a hash of every step's thread, op and
 * object) let a replay prove it retraced the same run. END is how that run
 * ended: "-" for no violation, else its first violation's kind by name
 * ("OVERLAP"), so a replay that retraces the run and sees no violation says
 * it was not reproduced instead of "clean"; strings from before the field
 * have none and still parse. CHECK is FNV-1a 32 over everything before it,
 * so a truncated or edited string is refused.
 * A `racehunt exec` run carries its program in place of SCENARIO:VARIANT:
 * WORKLOAD (schedule_exec.c). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"

#define RH_SCHED_VERSION "rh1"

uint32_t rh_fnv1a(uint32_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static bool name_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-' || *s == '+'))
			return false;
	return true;
}

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const char *fmt, ...) RH_PRINTF(2, 3);

static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len)
			break;
		size_t cap = b->cap * 2 + (size_t)n + 64;
		char *q = realloc(b->p, cap);
		if (q == NULL) {
			b->oom = true;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	b->len += (size_t)n;
}

static void put_tid(struct buf *b, unsigned tid)
{
	if (tid >= 26)
		put(b, "%c", 'A' + (int)(tid / 26 - 1));
	put(b, "%c", 'a' + (int)(tid % 26));
}

char *rh_schedule_format(const rh_sched_spec *sp, char *err, size_t errcap)
{
	struct buf b = {.p = malloc(256), .cap = 256};
	char strategy[sizeof(sp->strategy)];
	uint32_t prev = 0;

	if (sp->argv == NULL && (!name_ok(sp->scenario) || !name_ok(sp->variant))) {
		snprintf(err, errcap,
			 "scenario '%s' or variant '%s' has characters a schedule string cannot "
			 "carry (use letters, digits, . _ - +)",
			 sp->scenario, sp->variant);
		free(b.p);
		return NULL;
	}
	snprintf(strategy, sizeof(strategy), "%s", sp->strategy[0] ? sp->strategy : "unknown");
	for (char *c = strategy; *c; c++)
		if (*c == ':')
			*c = '-';
	if (!name_ok(strategy))
		snprintf(strategy, sizeof(strategy), "unknown");
	if (b.p == NULL)
		return NULL;
	b.p[0] = '\0';
	if (sp->argv != NULL) {
		int n = rh__schedule_exec_fields(NULL, 0, sp);
		char *f = malloc((size_t)n + 1);

		b.oom = f == NULL;
		if (f != NULL)
			rh__schedule_exec_fields(f, (size_t)n + 1, sp);
		put(&b, RH_SCHED_VERSION ":%s:", f);
		free(f);
	} else {
		put(&b, RH_SCHED_VERSION ":%s:%s:t%uo%ur%uz%u:", sp->scenario, sp->variant,
		    sp->params.threads, sp->params.ops, sp->params.rounds, sp->params.size);
	}
	put(&b, "s%" PRIu64 "i%" PRIu64 ":%s:", sp->seed, sp->index, strategy);
	if (sp->n_devs == 0)
		put(&b, "-");
	for (size_t i = 0; i < sp->n_devs; i++) {
		put(&b, "%" PRIu32, sp->devs[i].at - prev);
		put_tid(&b, sp->devs[i].tid);
		prev = sp->devs[i].at;
	}
	put(&b, ":n%" PRIu32 "f%08" PRIx32, sp->choices, sp->fingerprint);
	if (sp->end == RH_END_CLEAN)
		put(&b, ":v-");
	else if (sp->end == RH_END_FAILED)
		put(&b, ":v%s", rh_kind_name(sp->end_kind));
	if (b.oom) {
		free(b.p);
		snprintf(err, errcap, "out of memory formatting a schedule string");
		return NULL;
	}
	put(&b, ":%08" PRIx32, rh_fnv1a(RH_FNV_BASIS, b.p, b.len));
	if (b.oom) {
		free(b.p);
		snprintf(err, errcap, "out of memory formatting a schedule string");
		return NULL;
	}
	return b.p;
}

void rh_schedule_spec_free(rh_sched_spec *sp)
{
	free(sp->devs);
	sp->devs = NULL;
	sp->n_devs = 0;
	free(sp->argv);
	sp->argv = NULL;
}

/* Decimal digits at *p into *out (at most max); advances *p. */
static bool parse_u64(const char **p, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return false;
	*p = s;
	*out = v;
	return true;
}

static bool parse_tagged(const char **p, char tag, uint64_t max, uint64_t *out)
{
	if (**p != tag)
		return false;
	(*p)++;
	return parse_u64(p, max, out);
}

static bool parse_devs(const char *f, rh_sched_spec *sp)
{
	size_t cap = 0;
	uint64_t at = 0;

	if (strcmp(f, "-") == 0)
		return true;
	while (*f) {
		uint64_t delta, tid = 0;

		if (!parse_u64(&f, UINT32_MAX, &delta))
			return false;
		if (sp->n_devs > 0 && delta == 0)
			return false;
		at += delta;
		if (at > UINT32_MAX)
			return false;
		if (*f >= 'A' && *f <= 'Z')
			tid = (uint64_t)(*f++ - 'A' + 1) * 26;
		if (*f < 'a' || *f > 'z')
			return false;
		tid += (uint64_t)(*f++ - 'a');
		if (tid >= RH_MAX_THREADS)
			return false;
		if (sp->n_devs == cap) {
			cap = cap ? cap * 2 : 16;
			rh_dev *d = realloc(sp->devs, cap * sizeof(*d));
			if (d == NULL)
				return false;
			sp->devs = d;
		}
		sp->devs[sp->n_devs++] = (rh_dev){.at = (uint32_t)at, .tid = (uint8_t)tid};
	}
	return true;
}

/* A store run's SCENARIO:VARIANT:WORKLOAD fields. */
static bool parse_workload(char *const *fields, rh_sched_spec *out)
{
	const char *p = fields[3];
	uint64_t v[4];

	if (!name_ok(fields[1]) || strlen(fields[1]) >= sizeof(out->scenario) ||
	    !name_ok(fields[2]) || strlen(fields[2]) >= sizeof(out->variant))
		return false;
	strcpy(out->scenario, fields[1]);
	strcpy(out->variant, fields[2]);
	if (!parse_tagged(&p, 't', RH_MAX_THREADS, &v[0]) || v[0] == 0 ||
	    !parse_tagged(&p, 'o', UINT32_MAX, &v[1]) || !parse_tagged(&p, 'r', UINT32_MAX, &v[2]) ||
	    v[2] == 0 || !parse_tagged(&p, 'z', UINT32_MAX, &v[3]) || *p)
		return false;
	out->params = (rh_params){.threads = (unsigned)v[0], .ops = (unsigned)v[1],
				  .rounds = (unsigned)v[2], .size = (unsigned)v[3]};
	return true;
}

/* "v-" (the run had no violation) or "vKIND" (its first violation). */
static bool parse_end(const char *f, rh_sched_spec *sp)
{
	int kind;

	if (*f++ != 'v')
		return false;
	if (strcmp(f, "-") == 0) {
		sp->end = RH_END_CLEAN;
		return true;
	}
	kind = rh_kind_parse(f);
	if (kind < 0)
		return false;
	sp->end = RH_END_FAILED;
	sp->end_kind = (rh_kind)kind;
	return true;
}

/* Version, length and checksum: the string as a whole. Returns where the
 * checksum field starts (its ':'), NULL with a one-line reason. */
static const char *check_envelope(const char *str, char *err, size_t errcap)
{
	const char *last;

	if (strncmp(str, "rh", 2) == 0 && str[2] >= '0' && str[2] <= '9' &&
	    strncmp(str, RH_SCHED_VERSION ":", 4) != 0) {
		snprintf(err, errcap,
			 "schedule string version '%.4s' is not supported (this racehunt reads "
			 RH_SCHED_VERSION ")", str);
		return NULL;
	}
	if (strncmp(str, RH_SCHED_VERSION ":", 4) != 0) {
		snprintf(err, errcap,
			 "not a racehunt schedule string (they start with " RH_SCHED_VERSION ":)");
		return NULL;
	}
	if (strlen(str) > 1u << 20) {
		snprintf(err, errcap, "schedule string too long");
		return NULL;
	}
	last = strrchr(str, ':');
	if (strlen(last + 1) != 8 || strspn(last + 1, "0123456789abcdef") != 8) {
		snprintf(err, errcap, "schedule string is truncated (no checksum at its end)");
		return NULL;
	}
	if (strtoull(last + 1, NULL, 16) != rh_fnv1a(RH_FNV_BASIS, str, (size_t)(last - str))) {
		snprintf(err, errcap, "schedule string is truncated or altered (checksum mismatch)");
		return NULL;
	}
	return last;
}

bool rh_schedule_parse(const char *str, rh_sched_spec *out, char *err, size_t errcap)
{
	char *copy = NULL, *fields[9], *save = NULL;
	const char *last, *p;
	unsigned nf = 0;
	uint64_t v[4], fp;
	bool ok = false;

	memset(out, 0, sizeof(*out));
	last = check_envelope(str, err, errcap);
	if (last == NULL)
		return false;
	copy = strndup(str, (size_t)(last - str));
	if (copy == NULL) {
		snprintf(err, errcap, "out of memory reading a schedule string");
		return false;
	}
	for (char *f = strtok_r(copy, ":", &save); f != NULL; f = strtok_r(NULL, ":", &save)) {
		if (nf == 9)
			goto bad;
		fields[nf++] = f;
	}
	if (nf < 8 || !name_ok(fields[5]) || strlen(fields[5]) >= sizeof(out->strategy))
		goto bad;
	if (nf == 9 && !parse_end(fields[8], out)) {
		snprintf(err, errcap,
			 "schedule string is malformed: it records its run's end as '%.40s', "
			 "which this racehunt does not know (v- or v and a violation kind)",
			 fields[8]);
		goto refuse;
	}
	strcpy(out->strategy, fields[5]);
	if (strcmp(fields[1], "exec") == 0) {
		if (!rh__schedule_exec_parse(fields[2], fields[3], out))
			goto bad;
	} else if (!parse_workload(fields, out)) {
		goto bad;
	}
	p = fields[4];
	if (!parse_tagged(&p, 's', UINT64_MAX, &out->seed) ||
	    !parse_tagged(&p, 'i', UINT64_MAX, &out->index) || *p)
		goto bad;
	if (!parse_devs(fields[6], out))
		goto bad;
	p = fields[7];
	if (!parse_tagged(&p, 'n', UINT32_MAX, &v[0]) || *p++ != 'f' || strlen(p) != 8 ||
	    strspn(p, "0123456789abcdef") != 8)
		goto bad;
	fp = strtoull(p, NULL, 16);
	out->choices = (uint32_t)v[0];
	out->fingerprint = (uint32_t)fp;
	for (size_t i = 0; i < out->n_devs; i++)
		if (out->devs[i].at >= out->choices || out->devs[i].tid >= out->params.threads)
			goto bad;
	ok = true;
	goto out;
bad:
	snprintf(err, errcap,
		 "schedule string is malformed (its checksum matches but a field does not parse)");
refuse:
	rh_schedule_spec_free(out);
out:
	free(copy);
	return ok;
}
