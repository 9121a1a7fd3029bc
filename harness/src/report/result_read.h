/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * The one JSON -> result decoder: a result object as `run --json` writes it
 * (and each `hunt --json` cell's "result"), read back strictly, for compare,
 * hunt --html and hunt --build alike. Counts must be exact non-negative
 * integers (a double holds them exactly up to 2^53), fractions in [0, 1],
 * kinds known: another build's file cannot put 1e308 into a uint64_t. */
#ifndef RH_RESULT_READ_H
#define RH_RESULT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "campaign/campaign.h"
#include "json_read.h"

typedef struct rh_result_doc {
	size_t offset; /* byte where the object starts */
	/* Strings point into the parsed tree. */
	const char *scenario, *variant;
	const char *mode, *strategy; /* NULL when the file does not say */
	const char *build;	     /* "default", "asan", "tsan"; NULL when not said */
	const char *kind;	     /* the first violation's kind name, NULL if none */
	uint64_t seed, sanitizer_trials;
	double rate, lo, hi; /* detection rate and its 95% interval */
	rh_result *result;   /* counts, outcomes, first violation; owned */
} rh_result_doc;

/* Decode obj into d. false with "byte N: why" in err (d then owns nothing). */
bool rh_result_decode(const rh_jvalue *obj, rh_result_doc *d, char *err, size_t errcap);
void rh_result_doc_free(rh_result_doc *d);

/* A whole result file (`run --json` object or `hunt --json` array) read and
 * parsed; NULL with "cannot read 'PATH': why" or "PATH: byte N: why" in err. */
rh_jvalue *rh_json_parse_file(const char *path, char *err, size_t errcap);

#endif
