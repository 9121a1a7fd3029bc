/* This file is private to the racehunt harness.
 *
 * Minimal JSON writing: strings escaped, numbers printed exactly. */
#ifndef RH_JSON_H
#define RH_JSON_H

#include <stdio.h>

void rh_json_string(FILE *out, const char *s);

#endif
