/* This file is private to the racehunt harness.
 *
 * Strict option parsing shared by the commands: a bad number or an unknown
 * flag is a one-line error and exit 2, never a silent default. */
#ifndef RH_OPTIONS_H
#define RH_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

/* Print "racehunt: <msg>" and a hint on one line to stderr, return 2. */
int rh_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse an unsigned decimal in [lo, hi]; false on anything else. */
bool rh_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);
bool rh_parse_seconds(const char *s, double *out);

#endif
