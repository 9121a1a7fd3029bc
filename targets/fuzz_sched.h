/* SPDX-License-Identifier: MIT */
/* This file is private to the schedule fuzzers (targets/fuzz_<store>.c).
 *
 * One fuzz input is a whole controlled run: the workload first, then the
 * scheduling choices. Layout, read through rh_input:
 *
 *   scenario   rh_input_choice(number of scenarios of the target)
 *   threads    2..max_threads
 *   ops        1..max_ops        per thread per round
 *   rounds     1..max_rounds
 *   size       min_size..max_size (one byte)
 *   seed       one byte: the trial's random streams (op kinds, payload sizes)
 *   the rest   one byte per scheduling choice (rh_explorer_from_bytes)
 *
 * The variant is not in the input: each binary is built for one variant
 * (RH_FUZZ_VARIANT), so one corpus drives buggy and fixed builds alike.
 * With RH_FUZZ_SCHEDULE set in the environment, every run prints its
 * `racehunt replay` line, failing or not. */
#ifndef RH_FUZZ_SCHED_H
#define RH_FUZZ_SCHED_H

#include <stddef.h>
#include <stdint.h>

typedef struct fuzz_sched_target {
	const char *const *scenarios;
	unsigned n_scenarios;
	unsigned max_threads, max_ops, max_rounds;
	unsigned min_size, max_size;
} fuzz_sched_target;

/* Runs the input as one controlled trial of the build's variant. Returns 0
 * when every property held; on a violation prints the report, the trace and
 * the `racehunt replay` line that reproduces it to stderr and aborts, so
 * libFuzzer keeps the input as a crash. */
int fuzz_sched_run(const fuzz_sched_target *target, const uint8_t *data, size_t size);

#endif
