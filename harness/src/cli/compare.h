/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * `racehunt compare`: result files (a `run --json` object or a `hunt --json`
 * array) read into rows, rows of two files matched by key and classified. */
#ifndef RH_COMPARE_H
#define RH_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report/json_read.h"

typedef enum rh_verdict {
	RH_VERDICT_CLEAN,
	RH_VERDICT_DETECTED,
	RH_VERDICT_FAILED, /* the harness failed; no verdict on the variant */
} rh_verdict;

typedef enum rh_change {
	RH_CHANGE_SAME,
	RH_CHANGE_NEWLY_CLEAN,
	RH_CHANGE_NEWLY_DETECTED,
	RH_CHANGE_NEWLY_FAILED,
	RH_CHANGE_RATE_UP,
	RH_CHANGE_RATE_DOWN,
	RH_CHANGE_ONLY_A,
	RH_CHANGE_ONLY_B,
	RH_CHANGE_COUNT_
} rh_change;

/* One result: strings point into the parsed tree, except detector. */
typedef struct rh_cmp_row {
	const char *scenario, *variant;
	char *detector; /* hunt: its detector; run: "<mode> <strategy>" */
	size_t offset;	/* byte where the result starts */
	rh_verdict verdict;
	uint64_t trials, violations;
	double rate, lo, hi; /* rate and its 95% interval */
	const char *kind;    /* the first violation's kind, NULL if none */
	const char *build;   /* "default", "asan", "tsan"; NULL if not said */
} rh_cmp_row;

typedef struct rh_cmp_table {
	rh_jvalue *root;
	rh_cmp_row *rows; /* in file order */
	size_t n;
	rh_cmp_row **sorted; /* by key, for matching */
	bool by_scenario;    /* key leaves the variant out */
} rh_cmp_table;

/* Read a result file's text into t. false with a one-line reason in err
 * ("byte N: why") on malformed JSON, a missing field or a duplicate key. */
bool rh_cmp_load(rh_cmp_table *t, const char *text, size_t len, bool by_scenario, char *err,
		 size_t errcap);
/* The same from a parsed tree, which t then owns (also on failure). */
bool rh_cmp_load_tree(rh_cmp_table *t, rh_jvalue *root, bool by_scenario, char *err,
		      size_t errcap);
void rh_cmp_free(rh_cmp_table *t);

/* Row of t with a's key, or NULL. */
const rh_cmp_row *rh_cmp_find(const rh_cmp_table *t, const rh_cmp_row *a);
/* What changed from a to b; either may be NULL (only in the other file).
 * Rates count as up or down only when their 95% intervals are disjoint, so
 * sampling noise between two runs does not read as a change. */
rh_change rh_cmp_classify(const rh_cmp_row *a, const rh_cmp_row *b);
const char *rh_change_name(rh_change c);

/* The side-by-side table; returns the number of rows that changed. */
size_t rh_cmp_print(FILE *out, const rh_cmp_table *a, const rh_cmp_table *b);

#endif
