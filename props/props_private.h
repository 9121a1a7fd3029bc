/* SPDX-License-Identifier: MIT */
/* This file is private to props/: result helpers shared by the checkers. */
#ifndef RACEHUNT_PROPS_PRIVATE_H
#define RACEHUNT_PROPS_PRIVATE_H

#include <stddef.h>

#include "racehunt/platform.h"
#include "racehunt/props.h"

/* Sets r to "ok" and returns true, so a checker can end with `return rh_prop_pass(r);`. */
bool rh_prop_pass(rh_prop_result *r);
/* Sets r to a violation of `kind` with a formatted one-line message; returns false. */
bool rh_prop_fail(rh_prop_result *r, rh_kind kind, const char *fmt, ...) RH_PRINTF(3, 4);
/* malloc(n * size) that aborts on failure or overflow (see props.h). Never NULL. */
void *rh_prop_alloc(size_t n, size_t size);

#endif
