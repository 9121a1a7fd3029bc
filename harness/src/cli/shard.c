/* SPDX-License-Identifier: MIT */
/* Sharding: which part of a campaign or hunt this process runs. */
#include "shard.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controlled/controlled.h"
#include "controlled/strategy.h"
#include "options.h"
#include "racehunt/cli.h"

#define RH_MAX_SHARDS 100000

/* "K/N" with 0 <= K < N <= RH_MAX_SHARDS, digits only. */
static bool parse(const char *k, const char *n, rh_shard *out)
{
	uint64_t a, b;

	if (!rh_parse_u64(k, 0, RH_MAX_SHARDS - 1, &a) || !rh_parse_u64(n, 1, RH_MAX_SHARDS, &b) ||
	    a >= b)
		return false;
	out->index = (unsigned)a;
	out->count = (unsigned)b;
	return true;
}

int rh_shard_get(const char *spec, rh_shard *out)
{
	const char *index = getenv("TEST_SHARD_INDEX"), *total = getenv("TEST_TOTAL_SHARDS");
	const char *status = getenv("TEST_SHARD_STATUS_FILE");

	*out = (rh_shard){0};
	if (spec != NULL) {
		char k[32];
		const char *slash = strchr(spec, '/');

		if (slash == NULL || (size_t)(slash - spec) >= sizeof(k) ||
		    (memcpy(k, spec, (size_t)(slash - spec)), k[slash - spec] = 0,
		     !parse(k, slash + 1, out)))
			return rh_usage_error("--shard: '%s' is not K/N with 0 <= K < N <= %d", spec,
					      RH_MAX_SHARDS);
		return RH_EXIT_CLEAN;
	}
	if (index == NULL && total == NULL)
		return RH_EXIT_CLEAN;
	if (index == NULL || total == NULL || !parse(index, total, out))
		return rh_usage_error("TEST_SHARD_INDEX='%s' and TEST_TOTAL_SHARDS='%s' are not a "
				      "shard K of N with 0 <= K < N",
				      index ? index : "", total ? total : "");
	if (status != NULL && status[0] != 0) {
		int fd = open(status, O_WRONLY | O_CREAT, 0644);

		if (fd < 0)
			return rh_usage_error("cannot touch TEST_SHARD_STATUS_FILE '%s'", status);
		close(fd);
	}
	return RH_EXIT_CLEAN;
}

int rh_shard_campaign(const rh_shard *s, rh_campaign *c)
{
	uint64_t lo, hi;

	if (s->count == 0)
		return RH_EXIT_CLEAN;
	if (strncmp(c->strategy, RH_REPLAY_PREFIX, strlen(RH_REPLAY_PREFIX)) == 0)
		return rh_usage_error("--shard: a replay is one trial");
	if (c->mode == RH_MODE_CONTROLLED && rh_strategy_exhaustive(c->strategy))
		return rh_usage_error("--shard: %s explores one bounded space run after run, which "
				      "does not split into trial blocks; shard random or pct:D",
				      c->strategy);
	if (c->trials == 0)
		return rh_usage_error("--shard splits a number of trials; give --trials, not --time");
	if (c->trials < s->count)
		return rh_usage_error("--shard %u/%u: %llu trials cannot make %u non-empty shards",
				      s->index, s->count, (unsigned long long)c->trials, s->count);
	lo = c->trials * s->index / s->count;
	hi = c->trials * (s->index + 1) / s->count;
	c->first_trial += lo;
	c->trials = hi - lo;
	c->shard_index = s->index;
	c->shard_count = s->count;
	return RH_EXIT_CLEAN;
}

bool rh_shard_has_row(const rh_shard *s, uint64_t j)
{
	return s->count == 0 || j % s->count == s->index;
}
