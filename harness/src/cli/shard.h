/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Sharding (`--shard K/N`, or Bazel's and CI runners' TEST_SHARD_INDEX and
 * TEST_TOTAL_SHARDS): one campaign or hunt split over N machines, each
 * running a disjoint, deterministic part, which `racehunt merge` joins. */
#ifndef RH_CLI_SHARD_H
#define RH_CLI_SHARD_H

#include <stdbool.h>
#include <stdint.h>

#include "campaign/campaign.h"

typedef struct rh_shard {
	unsigned index, count; /* count 0: not sharded */
} rh_shard;

/* spec ("K/N", from --shard) or, when spec is NULL, the environment. Touches
 * TEST_SHARD_STATUS_FILE when the environment asks, as Bazel's protocol
 * wants from a test that shards. 0, or exit 2 after a one-line error. */
int rh_shard_get(const char *spec, rh_shard *out);

/* Narrows c to block K of N of its trials: trials [first + K*T/N,
 * first + (K+1)*T/N) of T. Refuses (exit 2) what cannot be split that way:
 * a time budget, and the exhaustive strategies, whose runs follow one
 * another through one bounded space. */
int rh_shard_campaign(const rh_shard *s, rh_campaign *c);

/* Hunt: row j (one scenario x variant, every detector) is this shard's. */
bool rh_shard_has_row(const rh_shard *s, uint64_t j);

#endif
