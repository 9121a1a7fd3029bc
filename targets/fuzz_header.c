/* SPDX-License-Identifier: MIT */
/* Schedule fuzzer for the header store: concurrent writers, a checkpoint
 * and a close, each racing puts.
 * See fuzz_sched.h for the input layout. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_sched.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const scenarios[] = {"header.writers", "header.checkpoint", "header.close"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const fuzz_sched_target target = {
		.scenarios = scenarios,
		.n_scenarios = sizeof(scenarios) / sizeof(scenarios[0]),
		.max_threads = 4,
		.max_ops = 4,
		.max_rounds = 2,
		.min_size = 16,
		.max_size = 128,
	};

	return fuzz_sched_run(&target, data, size);
}
