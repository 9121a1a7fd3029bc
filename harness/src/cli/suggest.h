/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * "did you mean ...?" for mistyped names on the command line: the nearest
 * known name by edit distance (adjacent swaps count as one edit), offered
 * only when it is near enough to be a typo. */
#ifndef RH_CLI_SUGGEST_H
#define RH_CLI_SUGGEST_H

#include <stddef.h>

#include "campaign/campaign.h"

/* The nearest of names[0..n) to word, or NULL when none is within
 * max(1, min(2, strlen(word) / 3)) edits. */
const char *rh_suggest(const char *word, const char *const *names, size_t n);
/* The nearest scenario or store name, or NULL. */
const char *rh_suggest_scenario(const char *word);
/* The nearest variant of s, or NULL. */
const char *rh_suggest_variant(const rh_scenario *s, const char *word);
/* For a strategy that mode refused: "; pct:3 is a controlled strategy: add
 * --mode controlled", "; did you mean pct:3?", or "" (buf always set). */
void rh_suggest_strategy(rh_mode mode, const char *spec, char *buf, size_t cap);

#endif
