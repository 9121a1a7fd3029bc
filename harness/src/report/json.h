/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Minimal JSON writing: strings escaped, numbers printed exactly. */
#ifndef RH_JSON_H
#define RH_JSON_H

#include <stdio.h>

/* The format's version, first member of every result object racehunt
 * writes (docs/json.md). */
#define RH_JSON_SCHEMA "racehunt/1"
/* The version of what `racehunt list --json` writes. */
#define RH_JSON_LIST_SCHEMA "racehunt-list/1"

/* s as a JSON string: always valid UTF-8 (bytes that are not are written as
 * the text \xHH). */
void rh_json_string(FILE *out, const char *s);

#endif
