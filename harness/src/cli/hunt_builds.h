/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Other builds in the hunt matrix: `hunt --build tsan=PATH` runs that build's
 * racehunt over the same scenarios (stress detector) and folds its verdicts,
 * sanitizer reports included, into extra columns. */
#ifndef RH_HUNT_BUILDS_H
#define RH_HUNT_BUILDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/result_read.h"

typedef struct rh_build rh_build;

/* Run `PATH hunt FILTERS... --detectors stress --trials N --seed S --examples none
 * --json TMP`.
 * NULL with a one-line reason in err when it cannot run or its JSON is bad. */
rh_build *rh_build_hunt(const char *name, const char *path, char **filters, int n_filters,
			uint64_t seed, uint64_t trials, char *err, size_t errcap);
const char *rh_build_name(const rh_build *b);
/* The build's verdict on one row as cell text. False when the build has no
 * such row (it was built without that store). *detected: it found the bug,
 * by a property or by its sanitizer. */
bool rh_build_cell(const rh_build *b, const char *scenario, const char *variant, char *cell,
		   size_t cap, bool *detected);
/* The build's decoded result for one row, or NULL. */
const rh_result_doc *rh_build_result(const rh_build *b, const char *scenario, const char *variant);
/* What the build's trials of that row wrote to stderr (its sanitizer's
 * report), or NULL. */
const char *rh_build_stderr(const rh_build *b, const char *scenario, const char *variant);
void rh_build_free(rh_build *b);

#endif
