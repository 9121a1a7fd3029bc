/* SPDX-License-Identifier: MIT */
/* lockorder — the bank. The two lock orders sit side by side. */
#include "lockorder.h"

int rhl_init(rhl_bank *b, rhl_variant v, uint64_t balance_each)
{
	static const char *const names[2] = {"account A", "account B"};

	b->variant = v;
	for (unsigned i = 0; i < 2; i++) {
		if (rh_mutex_init(&b->acct[i].lock, names[i], 0) != 0)
			return -1;
		b->acct[i].balance = balance_each;
	}
	return 0;
}

void rhl_destroy(rhl_bank *b)
{
	for (unsigned i = 0; i < 2; i++)
		rh_mutex_destroy(&b->acct[i].lock);
}

/* buggy: source first, as the call reads -- opposite transfers lock in
 * opposite orders. */
static void lock_pair_buggy(rhl_bank *b, unsigned from, unsigned to)
{
	rh_mutex_lock(&b->acct[from].lock);
	rh_mutex_lock(&b->acct[to].lock);
}

/* fixed: one global order, account A before account B. */
static void lock_pair_fixed(rhl_bank *b, unsigned from, unsigned to)
{
	unsigned lo = from < to ? from : to, hi = from < to ? to : from;

	rh_mutex_lock(&b->acct[lo].lock);
	rh_mutex_lock(&b->acct[hi].lock);
}

int rhl_transfer(rhl_bank *b, unsigned from, uint64_t amount)
{
	unsigned to = 1 - from;
	int rc = -1;

	if (b->variant == RHL_BUGGY)
		lock_pair_buggy(b, from, to);
	else
		lock_pair_fixed(b, from, to);
	if (b->acct[from].balance >= amount) {
		b->acct[from].balance -= amount;
		b->acct[to].balance += amount;
		/* Both balances are touched only under both accounts' locks,
		 * in every variant (the bug is the order they are taken in). */
		rh_point_at("moved", amount, NULL, RH_ACCESS_NONE);
		rc = 0;
	}
	rh_mutex_unlock(&b->acct[to].lock);
	rh_mutex_unlock(&b->acct[from].lock);
	return rc;
}

uint64_t rhl_total(rhl_bank *b)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < 2; i++) {
		rh_mutex_lock(&b->acct[i].lock);
		sum += b->acct[i].balance;
		rh_mutex_unlock(&b->acct[i].lock);
	}
	return sum;
}
