/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * What a scenario (or anything below the command: trial children, the
 * campaign's own messages) writes to stderr while one piece of work runs,
 * caught so it cannot split a table's row, to be shown where it belongs. */
#ifndef RH_CLI_CAPTURE_H
#define RH_CLI_CAPTURE_H

#include <stddef.h>

#define RH_CAPTURE_MAX 2048

/* From here on fd 2 goes to a temporary file (stderr as it was if that
 * cannot be made). Not nested. */
void rh_capture_begin(void);
/* Put fd 2 back; what was caught (at most cap - 1 bytes, "" when nothing) in
 * buf. An exit between the two shows what was caught on the real stderr. */
void rh_capture_end(char *buf, size_t cap);

#endif
