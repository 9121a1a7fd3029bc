/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Small pieces every layer uses: fatal errors, growing arrays, clocks,
 * timeouts. */
#ifndef RH_CORE_UTIL_H
#define RH_CORE_UTIL_H

#include <stddef.h>

#include "racehunt/platform.h"

RH_NORETURN void rh_die(const char *fmt, ...) RH_PRINTF(1, 2);
/* Called by rh_die with its message before the process exits 3: a trial
 * process hands the message to its parent so a harness failure there is
 * exit 3 with the reason, not a CRASH of the trial. Process-wide because
 * rh_die has no context to carry it; NULL = none. */
void rh_set_die_hook(void (*hook)(const char *msg));
/* Re-execute this program with address-space randomisation off (once: the
 * flag is inherited), so that heap addresses, and what a run that reads
 * freed memory sees, are the same in every process of a campaign and in its
 * replays, as rr does; returns when the kernel says no or it is done. */
void rh_reexec_without_aslr(char **argv);
/* items (*cap elements of size bytes) grown to twice *cap, or to first when
 * empty; *cap is updated. Dies naming what when memory is out. */
void *rh_grow(void *items, size_t *cap, size_t size, size_t first, const char *what);
double rh_now_ms(void);
/* Timeouts scale by RH_TIMEOUT_MULTIPLIER (default 1; TSan builds set more). */
unsigned rh_timeout_ms(unsigned base_ms);
/* The argv[0] replay commands start with: process-wide because the one
 * program that runs is the one every printed command must name. */
extern const char *rh_program;

#endif
