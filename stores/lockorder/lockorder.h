/* SPDX-License-Identifier: MIT */
/* lockorder — a two-account bank whose transfers lock both accounts.
 *
 * The smallest store with the classic lock-order deadlock: `buggy` locks the
 * source account then the destination, so two opposite transfers lock A then
 * B and B then A; `fixed` always locks the lower-numbered account first. */
#ifndef LOCKORDER_H
#define LOCKORDER_H

#include <stdint.h>

#include "racehunt/sync.h"

typedef enum rhl_variant {
	RHL_BUGGY,
	RHL_FIXED,
	RHL_VARIANT_COUNT_,
} rhl_variant;

typedef struct rhl_account {
	rh_mutex lock;
	uint64_t balance; /* guarded by lock */
} rhl_account;

typedef struct rhl_bank {
	rhl_variant variant;
	rhl_account acct[2];
} rhl_bank;

int rhl_init(rhl_bank *b, rhl_variant v, uint64_t balance_each);
void rhl_destroy(rhl_bank *b);
/* Move amount from account `from` to the other one; 0, or -1 when the
 * source holds less. */
int rhl_transfer(rhl_bank *b, unsigned from, uint64_t amount);
uint64_t rhl_total(rhl_bank *b);

#endif
