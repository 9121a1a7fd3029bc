/* SPDX-License-Identifier: MIT */
/* racehunt — small seeded random streams (splitmix64 seeding, xoshiro256**).
 * Every random choice in a campaign comes from one of these, so a seed
 * reproduces a trial's workload exactly. */
#ifndef RACEHUNT_RNG_H
#define RACEHUNT_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rh_rng {
	uint64_t s[4];
} rh_rng;

static inline uint64_t rh_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void rh_rng_seed(rh_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = rh_splitmix64(&seed);
}

static inline uint64_t rh_rng_next(rh_rng *r)
{
	uint64_t *s = r->s;
	uint64_t x = s[1] * 5;
	uint64_t result = ((x << 7) | (x >> 57)) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return result;
}

/* Uniform in [0, n); n > 0. Lemire's multiply-shift, bias negligible here. */
static inline uint64_t rh_rng_below(rh_rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rh_rng_next(r) * n) >> 64);
}

/* Seed of a sub-stream: combine a parent seed with up to two indices. */
static inline uint64_t rh_seed_mix(uint64_t seed, uint64_t a, uint64_t b)
{
	uint64_t x = seed ^ (a * 0xd1b54a32d192ed03ull) ^ (b * 0x8cb92ba72f3d8dd7ull);
	return rh_splitmix64(&x);
}

#ifdef __cplusplus
}
#endif

#endif
