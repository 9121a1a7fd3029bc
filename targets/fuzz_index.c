/* SPDX-License-Identifier: MIT */
/* Schedule fuzzer for the index store: readers against a rewriting writer,
 * WAL replay and the integrity check, each racing index updates.
 * See fuzz_sched.h for the input layout. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_sched.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const scenarios[] = {"index.readers", "index.replay", "index.integrity", "index.mixed"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const fuzz_sched_target target = {
		.scenarios = scenarios,
		.n_scenarios = sizeof(scenarios) / sizeof(scenarios[0]),
		.max_threads = 4,
		.max_ops = 4,
		.max_rounds = 2,
		.min_size = 4,
		.max_size = 32,
	};

	return fuzz_sched_run(&target, data, size);
}
