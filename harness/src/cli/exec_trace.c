/* SPDX-License-Identifier: MIT */
/* An exec trial's steps with source locations: every distinct {pc:..} and
 * {obj:..} token of the trace is named once (a trace repeats the same few
 * call sites hundreds of times), in batches the symbolizer takes at once. */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "exec_replay.h"
#include "report/symbolize.h"

/* Tokens one symbolizer run names (its report-sized batch). */
#define BATCH 64
#define NAME_MAX_LEN 320

struct tok {
	const char *at; /* first occurrence in the trace */
	size_t len;
	char name[NAME_MAX_LEN];
};

struct toks {
	struct tok *t;
	size_t n, cap;
};

/* The token starting at p ("{pc:0x..}" / "{obj:0x..}"), its length or 0. */
static size_t token_len(const char *p)
{
	const char *q;

	if (strncmp(p, "{pc:0x", 6) == 0)
		q = p + 6;
	else if (strncmp(p, "{obj:0x", 7) == 0)
		q = p + 7;
	else
		return 0;
	q += strspn(q, "0123456789abcdef");
	return *q == '}' ? (size_t)(q + 1 - p) : 0;
}

static struct tok *find(const struct toks *ts, const char *p, size_t len)
{
	for (size_t i = 0; i < ts->n; i++)
		if (ts->t[i].len == len && strncmp(ts->t[i].at, p, len) == 0)
			return &ts->t[i];
	return NULL;
}

static void collect(struct toks *ts, const char *trace)
{
	for (const char *p = strchr(trace, '{'); p != NULL; p = strchr(p + 1, '{')) {
		size_t len = token_len(p);

		if (len == 0 || find(ts, p, len) != NULL)
			continue;
		if (ts->n == ts->cap)
			ts->t = rh_grow(ts->t, &ts->cap, sizeof(*ts->t), 64, "the trace's addresses");
		ts->t[ts->n++] = (struct tok){.at = p, .len = len};
	}
}

/* Name tokens [from, to) with one symbolizer run: one token a line in, one
 * name a line out. */
static void name_batch(const char *prog, struct toks *ts, size_t from, size_t to)
{
	size_t qlen = 0, cap = (to - from) * NAME_MAX_LEN + 1;
	char *q = malloc(cap), *out = malloc(cap), *line, *save = NULL;

	if (q == NULL || out == NULL)
		rh_die("out of memory naming a trace's addresses");
	for (size_t i = from; i < to; i++) {
		memcpy(q + qlen, ts->t[i].at, ts->t[i].len);
		qlen += ts->t[i].len;
		q[qlen++] = '\n';
	}
	q[qlen] = '\0';
	rh_symbolize(prog, q, out, cap);
	line = strtok_r(out, "\n", &save);
	for (size_t i = from; i < to && line != NULL; i++, line = strtok_r(NULL, "\n", &save))
		snprintf(ts->t[i].name, sizeof(ts->t[i].name), "%s", line);
	free(q);
	free(out);
}

char *rh_exec_symbolize_trace(const char *prog, const char *trace)
{
	struct toks ts = {0};
	size_t cap = strlen(trace) + 1, len = 0;
	char *out;

	collect(&ts, trace);
	for (size_t i = 0; i < ts.n; i += BATCH)
		name_batch(prog, &ts, i, i + BATCH < ts.n ? i + BATCH : ts.n);
	out = malloc(cap);
	if (out == NULL)
		rh_die("out of memory naming a trace's addresses");
	for (const char *p = trace; *p;) {
		size_t n = *p == '{' ? token_len(p) : 0;
		const struct tok *t = n ? find(&ts, p, n) : NULL;
		const char *s = t ? t->name : p;
		size_t sl = t ? strlen(t->name) : 1;

		if (len + sl + 1 > cap) {
			cap = (len + sl + 1) * 2;
			out = realloc(out, cap);
			if (out == NULL)
				rh_die("out of memory naming a trace's addresses");
		}
		memcpy(out + len, s, sl);
		len += sl;
		p += t ? n : 1;
	}
	out[len] = '\0';
	free(ts.t);
	return out;
}
