/* SPDX-License-Identifier: MIT */
/* Sanitizer hooks: ThreadSanitizer's report counter and options, and the
 * exit status a build with TSan settles on. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "racehunt/platform.h"
#include "sanitizer.h"

#if RH_TSAN
/* ThreadSanitizer calls this for every report it prints. It may touch only
 * atomics: it runs inside the runtime's report machinery. */
static _Atomic uint64_t tsan_reports;
void __tsan_on_report(const void *report);
void __tsan_on_report(const void *report)
{
	atomic_fetch_add_explicit(&tsan_reports, 1, memory_order_relaxed);
}
uint64_t rh__sanitizer_reports(void)
{
	return atomic_load(&tsan_reports);
}

/* Reports that became a SANITIZER verdict of a trial run in this process. */
static _Atomic uint64_t tsan_claimed;

void rh__sanitizer_claim(uint64_t n)
{
	atomic_fetch_add(&tsan_claimed, n);
}

int rh_sanitizer_settle(int status)
{
	uint64_t n = rh__sanitizer_reports();

	/* At exit TSan turns any status into 66 once it has reported; when every
	 * report already is a trial's verdict, status says more. */
	if (n != 0 && n == atomic_load(&tsan_claimed)) {
		fflush(NULL);
		_exit(status);
	}
	return status;
}

/* Fibers count as threads to ThreadSanitizer, so a scenario that forks from
 * controlled mode (header.crash) looks like a fork of a multi-threaded
 * process, which TSan kills by default. There is one OS thread then. */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
	return "die_after_fork=0";
}
#else
uint64_t rh__sanitizer_reports(void)
{
	return 0;
}

void rh__sanitizer_claim(uint64_t n)
{
}

int rh_sanitizer_settle(int status)
{
	return status;
}
#endif

