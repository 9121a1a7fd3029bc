/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * What the sanitizer of this build reported, so a ThreadSanitizer report
 * printed during a trial becomes that trial's SANITIZER verdict. Without
 * TSan the counts stay zero. */
#ifndef RH_CORE_SANITIZER_H
#define RH_CORE_SANITIZER_H

#include <stdint.h>

/* Reports printed by this process so far. */
uint64_t rh__sanitizer_reports(void);
/* n of them became a trial's verdict. */
void rh__sanitizer_claim(uint64_t n);

/* The process's exit status: under ThreadSanitizer, when every report it
 * printed is a trial's SANITIZER verdict, exits with status at once, before
 * TSan's exit handler replaces it with 66; otherwise returns status. */
int rh_sanitizer_settle(int status);

#endif
