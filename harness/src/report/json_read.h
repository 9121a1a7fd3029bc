/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * A small strict JSON reader (RFC 8259) for result files: the whole text is
 * parsed into a tree, or rejected with the byte offset of the first error.
 * Hostile input is bounded: nesting depth is limited and nothing recurses
 * or allocates past what the input itself holds. */
#ifndef RH_JSON_READ_H
#define RH_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

typedef enum rh_jtype {
	RH_JNULL,
	RH_JBOOL,
	RH_JNUMBER,
	RH_JSTRING,
	RH_JARRAY,
	RH_JOBJECT,
} rh_jtype;

#define RH_JSON_MAX_DEPTH 64

typedef struct rh_jvalue rh_jvalue;
struct rh_jvalue {
	rh_jtype type;
	size_t offset; /* byte where the value starts, for error messages */
	bool boolean;
	double number;
	char *string; /* NUL-terminated UTF-8; "\u0000" is rejected */
	char *key;    /* member name when this value sits in an object */
	size_t n;     /* array items or object members */
	rh_jvalue *items;
};

/* Parse text[0..len). NULL on error: *err_offset is the byte where parsing
 * failed and err says why (one line). */
rh_jvalue *rh_json_parse(const char *text, size_t len, size_t *err_offset, char *err,
			 size_t errcap);
void rh_json_free(rh_jvalue *v);

/* The first member named key, or NULL (also when v is not an object). */
const rh_jvalue *rh_json_get(const rh_jvalue *v, const char *key);

#endif
