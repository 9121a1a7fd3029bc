/* SPDX-License-Identifier: MIT */
/* Result files read back: the one decoder and the one file reader. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result_json.h"
#include "result_read.h"

#define MAX_INPUT (256u << 20) /* far above any real result file */
#define MAX_COUNT 9007199254740992.0 /* 2^53: every integer below is exact */

static bool fail_at(char *err, size_t cap, const rh_jvalue *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool fail_at(char *err, size_t cap, const rh_jvalue *at, const char *fmt, ...)
{
	int n = snprintf(err, cap, "byte %zu: ", at->offset);
	va_list ap;

	if (n >= 0 && (size_t)n < cap) {
		va_start(ap, fmt);
		vsnprintf(err + n, cap - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return false;
}

static bool is_count(const rh_jvalue *v)
{
	return v->type == RH_JNUMBER && v->number >= 0 && v->number <= MAX_COUNT &&
	       v->number == floor(v->number);
}

/* A count; required ones must be there, optional ones default to 0. */
static bool count(const rh_jvalue *obj, const char *name, bool required, uint64_t *out,
		  char *err, size_t cap)
{
	const rh_jvalue *v = rh_json_get(obj, name);

	*out = 0;
	if (v == NULL)
		return required ? fail_at(err, cap, obj, "result has no \"%s\"", name) : true;
	if (!is_count(v))
		return fail_at(err, cap, v, "\"%s\" is not a count", name);
	*out = (uint64_t)v->number;
	return true;
}

/* A duration in ms: finite, non-negative; 0 when absent. */
static bool millis(const rh_jvalue *obj, const char *name, double *out, char *err, size_t cap)
{
	const rh_jvalue *v = rh_json_get(obj, name);

	*out = 0;
	if (v == NULL)
		return true;
	if (v->type != RH_JNUMBER || !(v->number >= 0 && v->number <= 1e15))
		return fail_at(err, cap, v, "\"%s\" is not a duration in ms", name);
	*out = v->number;
	return true;
}

static bool string(const rh_jvalue *obj, const char *name, bool required, const char **out,
		   char *err, size_t cap)
{
	const rh_jvalue *v = rh_json_get(obj, name);

	*out = NULL;
	if (v == NULL)
		return required ? fail_at(err, cap, obj, "result has no \"%s\"", name) : true;
	if (v->type != RH_JSTRING)
		return fail_at(err, cap, v, "\"%s\" is not a string", name);
	*out = v->string;
	return true;
}

static bool is_fraction(const rh_jvalue *v)
{
	return v != NULL && v->type == RH_JNUMBER && v->number >= 0 && v->number <= 1;
}

/* The rate and its interval as written; absent (an older or hand-made file):
 * computed from the counts as rh_result_rate does for a run. */
static bool rates(const rh_jvalue *obj, rh_result_doc *d, char *err, size_t cap)
{
	const rh_jvalue *v = rh_json_get(obj, "rate");

	if (v == NULL && rh_json_get(obj, "rate_ci95") == NULL) {
		rh_result_rate(d->result, &d->rate, &d->lo, &d->hi);
		return true;
	}
	if (!is_fraction(v))
		return fail_at(err, cap, v ? v : obj, "\"rate\" must be a number in [0,1]");
	d->rate = v->number;
	v = rh_json_get(obj, "rate_ci95");
	if (v == NULL || v->type != RH_JARRAY || v->n != 2 || !is_fraction(&v->items[0]) ||
	    !is_fraction(&v->items[1]))
		return fail_at(err, cap, v ? v : obj, "\"rate_ci95\" must be [low, high] in [0,1]");
	d->lo = v->items[0].number;
	d->hi = v->items[1].number;
	return true;
}

static void copy(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s ? s : "");
}

static bool outcomes(const rh_jvalue *obj, rh_result *r, char *err, size_t cap)
{
	const rh_jvalue *o = rh_json_get(obj, "outcomes");

	if (o == NULL)
		return true;
	if (o->type != RH_JOBJECT)
		return fail_at(err, cap, o, "\"outcomes\" must be an object");
	for (size_t i = 0; i < o->n; i++) {
		const rh_jvalue *v = &o->items[i];
		int k = rh_kind_parse(v->key);

		if (!is_count(v))
			return fail_at(err, cap, v, "outcome \"%s\" is not a count", v->key);
		if (k >= 0)
			r->hist[k] = (uint64_t)v->number;
		else if (strcmp(v->key, "clean") != 0)
			return fail_at(err, cap, v, "unknown outcome \"%s\"", v->key);
	}
	return true;
}

static bool first_violation(const rh_jvalue *obj, rh_result_doc *d, char *err, size_t cap)
{
	const rh_jvalue *f = rh_json_get(obj, "first");
	const char *message, *schedule, *replay, *output;
	rh_result *r = d->result;
	int k;

	if (f == NULL || f->type == RH_JNULL)
		return true;
	if (f->type != RH_JOBJECT)
		return fail_at(err, cap, f, "\"first\" must be an object or null");
	if (!string(f, "kind", true, &d->kind, err, cap) ||
	    !count(f, "trial", false, &r->first.trial, err, cap) ||
	    !millis(f, "at_ms", &r->first.at_ms, err, cap) ||
	    !string(f, "message", false, &message, err, cap) ||
	    !string(f, "schedule", false, &schedule, err, cap) ||
	    !string(f, "replay", false, &replay, err, cap) ||
	    !string(f, "output", false, &output, err, cap))
		return false;
	k = rh_kind_parse(d->kind);
	if (k < 0)
		return fail_at(err, cap, rh_json_get(f, "kind"), "unknown kind \"%s\"", d->kind);
	r->have_first = true;
	r->first.kind = (rh_kind)k;
	copy(r->first.message, sizeof(r->first.message), message);
	copy(r->first.schedule, sizeof(r->first.schedule), schedule);
	copy(r->first.replay, sizeof(r->first.replay), replay);
	copy(r->first.output, sizeof(r->first.output), output);
	return true;
}

static bool decode(const rh_jvalue *obj, rh_result_doc *d, char *err, size_t cap)
{
	rh_result *r = d->result;
	const char *harness_error;

	if (!string(obj, "scenario", true, &d->scenario, err, cap) ||
	    !string(obj, "variant", true, &d->variant, err, cap) ||
	    !string(obj, "mode", false, &d->mode, err, cap) ||
	    !string(obj, "strategy", false, &d->strategy, err, cap) ||
	    !string(obj, "build", false, &d->build, err, cap) ||
	    !count(obj, "trials_run", true, &r->trials_run, err, cap) ||
	    !count(obj, "violations", true, &r->failed_trials, err, cap))
		return false;
	if (r->failed_trials > r->trials_run)
		return fail_at(err, cap, obj, "more violations than trials");
	if (!count(obj, "sanitizer_trials", false, &d->sanitizer_trials, err, cap) ||
	    !count(obj, "schedules", false, &r->schedules, err, cap) ||
	    !millis(obj, "elapsed_ms", &r->elapsed_ms, err, cap) ||
	    !string(obj, "harness_error", false, &harness_error, err, cap) ||
	    !rates(obj, d, err, cap) || !outcomes(obj, r, err, cap) ||
	    !first_violation(obj, d, err, cap))
		return false;
	r->sanitizer_trials = d->sanitizer_trials;
	if (harness_error != NULL) {
		r->harness_failed = 1;
		copy(r->harness_error, sizeof(r->harness_error), harness_error);
	}
	/* A seed is any 64-bit value, past what a double holds exactly: the
	 * nearest one is kept (it is shown, never replayed from here). */
	{
		const rh_jvalue *v = rh_json_get(obj, "seed");

		if (v != NULL && v->type == RH_JNUMBER && v->number >= 0 && v->number < 18446744073709551616.0)
			d->seed = (uint64_t)v->number;
	}
	return true;
}

bool rh_result_decode(const rh_jvalue *obj, rh_result_doc *d, char *err, size_t errcap)
{
	memset(d, 0, sizeof(*d));
	if (obj == NULL || obj->type != RH_JOBJECT)
		return obj ? fail_at(err, errcap, obj, "a result must be an object")
			   : (snprintf(err, errcap, "no result"), false);
	d->offset = obj->offset;
	d->result = calloc(1, sizeof(*d->result));
	if (d->result == NULL)
		return fail_at(err, errcap, obj, "out of memory");
	if (decode(obj, d, err, errcap))
		return true;
	rh_result_doc_free(d);
	return false;
}

void rh_result_doc_free(rh_result_doc *d)
{
	free(d->result);
	memset(d, 0, sizeof(*d));
}

/* The whole file, or NULL with errno set (EFBIG past MAX_INPUT). */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;
	int saved;

	if (f == NULL)
		return NULL;
	for (;;) {
		size_t got;

		if (n == cap) {
			char *grown;

			if (cap >= MAX_INPUT) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			grown = realloc(buf, cap);
			if (grown == NULL)
				goto fail;
			buf = grown;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0 && ferror(f))
			goto fail;
		if (got == 0)
			break;
	}
	fclose(f);
	*len = n;
	return buf;
fail:
	saved = errno ? errno : EIO;
	free(buf);
	fclose(f);
	errno = saved;
	return NULL;
}

rh_jvalue *rh_json_parse_file(const char *path, char *err, size_t errcap)
{
	size_t len = 0, at = 0;
	char why[128];
	rh_jvalue *v;
	char *text;

	errno = 0;
	text = read_file(path, &len);
	if (text == NULL) {
		snprintf(err, errcap, "cannot read '%s': %s", path, strerror(errno ? errno : EIO));
		return NULL;
	}
	v = rh_json_parse(text, len, &at, why, sizeof(why));
	free(text);
	if (v == NULL)
		snprintf(err, errcap, "%s: byte %zu: %s", path, at, why);
	return v;
}
