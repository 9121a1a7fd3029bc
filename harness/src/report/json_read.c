/* SPDX-License-Identifier: MIT */
/* The strict JSON reader behind `racehunt compare`: recursive descent over
 * the whole text, depth-limited, every error with its byte offset. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_read.h"

typedef struct parser {
	const char *s;
	size_t len, pos;
	char *err;
	size_t errcap;
	bool failed;
} parser;

static bool fail(parser *p, const char *why)
{
	if (!p->failed) {
		p->failed = true;
		snprintf(p->err, p->errcap, "%s", why);
	}
	return false;
}

static void skip_ws(parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				   p->s[p->pos] == '\r' || p->s[p->pos] == '\n'))
		p->pos++;
}

static bool literal(parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return fail(p, "invalid literal");
	p->pos += n;
	return true;
}

static bool is_digit(parser *p)
{
	return p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9';
}

/* The RFC 8259 number grammar exactly, then strtod on a NUL-terminated copy
 * (the input is not terminated). */
static bool number(parser *p, double *out)
{
	size_t start = p->pos;
	char buf[64];

	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (!is_digit(p))
		return fail(p, "invalid number");
	if (p->s[p->pos] == '0')
		p->pos++;
	else
		while (is_digit(p))
			p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (!is_digit(p))
			return fail(p, "invalid number: digit expected after '.'");
		while (is_digit(p))
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (!is_digit(p))
			return fail(p, "invalid number: digit expected in exponent");
		while (is_digit(p))
			p->pos++;
	}
	if (p->pos - start >= sizeof(buf)) {
		p->pos = start;
		return fail(p, "number too long");
	}
	memcpy(buf, p->s + start, p->pos - start);
	buf[p->pos - start] = '\0';
	*out = strtod(buf, NULL);
	return true;
}

static int hex4(const char *s)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Length of the well-formed UTF-8 sequence at s[0..avail), 0 if there is
 * none: no overlongs, no surrogates, nothing past U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	size_t n = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
		 : s[0] >= 0xf0 && s[0] <= 0xf4	 ? 4
						 : 0;

	if (n == 0 || n > avail)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

static size_t utf8_put(char *d, uint32_t cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | cp >> 6);
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | cp >> 12);
		d[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | cp >> 18);
	d[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	d[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A \uXXXX escape (p->pos after the 'u'), joining surrogate pairs. Errors
 * point at the escape's backslash. */
static bool unicode_escape(parser *p, uint32_t *cp)
{
	size_t at = p->pos - 2;
	int hi, lo;
	const char *why = NULL;

	if (p->len - p->pos < 4 || (hi = hex4(p->s + p->pos)) < 0) {
		why = "invalid \\u escape";
	} else if (hi >= 0xdc00 && hi <= 0xdfff) {
		why = "lone low surrogate in \\u escape";
	} else if (hi >= 0xd800 && hi <= 0xdbff) {
		if (p->len - p->pos < 10 || p->s[p->pos + 4] != '\\' || p->s[p->pos + 5] != 'u' ||
		    (lo = hex4(p->s + p->pos + 6)) < 0xdc00 || lo > 0xdfff) {
			why = "high surrogate without its low half";
		} else {
			p->pos += 10;
			*cp = 0x10000 + (((uint32_t)hi - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
			return true;
		}
	} else if (hi == 0) {
		why = "\\u0000 is not supported in strings";
	}
	if (why != NULL) {
		p->pos = at;
		return fail(p, why);
	}
	p->pos += 4;
	*cp = (uint32_t)hi;
	return true;
}

/* A string (p->pos on the opening quote). Decoded text never grows past
 * its escaped form, so one allocation of the raw length is enough. */
static bool string(parser *p, char **out)
{
	size_t start = ++p->pos, end = start, n = 0;
	char *d;

	while (end < p->len && p->s[end] != '"')
		end += p->s[end] == '\\' ? 2 : 1;
	if (end >= p->len) {
		p->pos = p->len;
		return fail(p, "unterminated string");
	}
	d = malloc(end - start + 1);
	if (d == NULL)
		return fail(p, "out of memory");
	while (p->s[p->pos] != '"') {
		unsigned char c = (unsigned char)p->s[p->pos];

		if (c < 0x20) {
			free(d);
			return fail(p, "control character in string");
		}
		if (c >= 0x80) {
			size_t k = utf8_len((const unsigned char *)p->s + p->pos, end - p->pos);

			if (k == 0) {
				free(d);
				return fail(p, "invalid UTF-8 in string");
			}
			memcpy(d + n, p->s + p->pos, k);
			n += k;
			p->pos += k;
			continue;
		}
		if (c != '\\') {
			d[n++] = (char)c;
			p->pos++;
			continue;
		}
		p->pos++;
		switch (p->s[p->pos++]) {
		case '"': d[n++] = '"'; break;
		case '\\': d[n++] = '\\'; break;
		case '/': d[n++] = '/'; break;
		case 'b': d[n++] = '\b'; break;
		case 'f': d[n++] = '\f'; break;
		case 'n': d[n++] = '\n'; break;
		case 'r': d[n++] = '\r'; break;
		case 't': d[n++] = '\t'; break;
		case 'u': {
			uint32_t cp;

			if (!unicode_escape(p, &cp)) {
				free(d);
				return false;
			}
			n += utf8_put(d + n, cp);
			break;
		}
		default:
			p->pos -= 2;
			free(d);
			return fail(p, "invalid escape in string");
		}
	}
	p->pos++;
	d[n] = '\0';
	*out = d;
	return true;
}

static void free_children(rh_jvalue *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free_children(&v->items[i]);
		free(v->items[i].key);
	}
	free(v->items);
	free(v->string);
}

static bool value(parser *p, rh_jvalue *v, unsigned depth);

/* Members of an array or object, up to the closing bracket. */
static bool container(parser *p, rh_jvalue *v, unsigned depth)
{
	bool object = v->type == RH_JOBJECT;
	char close = object ? '}' : ']';
	size_t cap = 0;

	if (depth >= RH_JSON_MAX_DEPTH)
		return fail(p, "nesting too deep");
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return true;
	}
	for (;;) {
		rh_jvalue *item;

		if (v->n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			rh_jvalue *grown = realloc(v->items, ncap * sizeof(*grown));

			if (grown == NULL)
				return fail(p, "out of memory");
			v->items = grown;
			cap = ncap;
		}
		item = &v->items[v->n];
		memset(item, 0, sizeof(*item));
		v->n++;
		skip_ws(p);
		if (object) {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return fail(p, "member name expected");
			if (!string(p, &item->key))
				return false;
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return fail(p, "':' expected");
			p->pos++;
			skip_ws(p);
		}
		if (!value(p, item, depth + 1))
			return false;
		skip_ws(p);
		if (p->pos >= p->len)
			return fail(p, object ? "unterminated object" : "unterminated array");
		if (p->s[p->pos] == close) {
			p->pos++;
			return true;
		}
		if (p->s[p->pos] != ',')
			return fail(p, object ? "',' or '}' expected" : "',' or ']' expected");
		p->pos++;
	}
}

static bool value(parser *p, rh_jvalue *v, unsigned depth)
{
	if (p->pos >= p->len)
		return fail(p, "unexpected end of input");
	v->offset = p->pos;
	switch (p->s[p->pos]) {
	case '{':
		v->type = RH_JOBJECT;
		return container(p, v, depth);
	case '[':
		v->type = RH_JARRAY;
		return container(p, v, depth);
	case '"':
		v->type = RH_JSTRING;
		return string(p, &v->string);
	case 't':
	case 'f':
		v->type = RH_JBOOL;
		v->boolean = p->s[p->pos] == 't';
		return literal(p, v->boolean ? "true" : "false");
	case 'n':
		v->type = RH_JNULL;
		return literal(p, "null");
	default:
		if (p->s[p->pos] != '-' && !is_digit(p))
			return fail(p, "unexpected character");
		v->type = RH_JNUMBER;
		return number(p, &v->number);
	}
}

rh_jvalue *rh_json_parse(const char *text, size_t len, size_t *err_offset, char *err,
			 size_t errcap)
{
	parser p = {.s = text, .len = len, .err = err, .errcap = errcap};
	rh_jvalue *v = calloc(1, sizeof(*v));

	if (v == NULL) {
		*err_offset = 0;
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	skip_ws(&p);
	if (value(&p, v, 0)) {
		skip_ws(&p);
		if (p.pos == p.len)
			return v;
		fail(&p, "trailing characters after the JSON value");
	}
	*err_offset = p.pos;
	rh_json_free(v);
	return NULL;
}

void rh_json_free(rh_jvalue *v)
{
	if (v == NULL)
		return;
	free_children(v);
	free(v);
}

const rh_jvalue *rh_json_get(const rh_jvalue *v, const char *key)
{
	if (v == NULL || v->type != RH_JOBJECT)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->items[i].key, key) == 0)
			return &v->items[i];
	return NULL;
}
