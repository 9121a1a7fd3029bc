/* SPDX-License-Identifier: MIT */
/* Linearizability of put/get histories over independent registers (one per
 * key): Wing and Gong's search for a sequential order, with Lowe's cache of
 * (set of operations placed, register value) states already shown to lead
 * nowhere, run key by key (a history is linearizable when each key's is). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "props_private.h"

/* Search steps allowed per key before the checker gives up and says so. */
#define LIN_STEP_BUDGET 20000000u

/* A call or return in a key's time line; the list loses an operation's two
 * entries while the operation is placed in the order being built. */
struct entry {
	size_t op; /* index into the key's operations */
	bool is_call;
	struct entry *match; /* call <-> return of the same operation */
	struct entry *prev, *next;
};

struct key_ops {
	const rh_lin_op **op; /* the key's operations */
	size_t n;
};

/* Cache of visited (placed set, value) states: open addressing. */
struct cache {
	uint64_t *slots; /* per slot: words bitset words, then value, then a used flag */
	size_t words, cap, used;
};

static size_t slot_size(const struct cache *c)
{
	return c->words + 2;
}

static uint64_t state_hash(const uint64_t *bits, size_t words, uint64_t value)
{
	uint64_t h = 0xcbf29ce484222325ull ^ value;

	for (size_t i = 0; i < words; i++)
		h = (h ^ bits[i]) * 0x100000001b3ull;
	return h ^ (h >> 31);
}

static void cache_init(struct cache *c, size_t words)
{
	c->words = words;
	c->cap = 1024;
	c->used = 0;
	c->slots = rh_prop_alloc(c->cap, slot_size(c) * sizeof(uint64_t));
	memset(c->slots, 0, c->cap * slot_size(c) * sizeof(uint64_t));
}

static bool cache_put(struct cache *c, const uint64_t *bits, uint64_t value);

static void cache_grow(struct cache *c)
{
	struct cache old = *c;

	c->cap *= 2;
	c->used = 0;
	c->slots = rh_prop_alloc(c->cap, slot_size(c) * sizeof(uint64_t));
	memset(c->slots, 0, c->cap * slot_size(c) * sizeof(uint64_t));
	for (size_t i = 0; i < old.cap; i++) {
		const uint64_t *s = old.slots + i * slot_size(&old);

		if (s[old.words + 1])
			cache_put(c, s, s[old.words]);
	}
	free(old.slots);
}

/* Adds the state; false when it was there already. */
static bool cache_put(struct cache *c, const uint64_t *bits, uint64_t value)
{
	size_t i;

	if (2 * (c->used + 1) > c->cap)
		cache_grow(c);
	i = (size_t)state_hash(bits, c->words, value) & (c->cap - 1);
	for (;; i = (i + 1) & (c->cap - 1)) {
		uint64_t *s = c->slots + i * slot_size(c);

		if (!s[c->words + 1]) {
			memcpy(s, bits, c->words * sizeof(uint64_t));
			s[c->words] = value;
			s[c->words + 1] = 1;
			c->used++;
			return true;
		}
		if (s[c->words] == value && memcmp(s, bits, c->words * sizeof(uint64_t)) == 0)
			return false;
	}
}

static int by_key_then_call(const void *a, const void *b)
{
	const rh_lin_op *x = *(const rh_lin_op *const *)a, *y = *(const rh_lin_op *const *)b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->call < y->call ? -1 : x->call > y->call;
}

struct stamp {
	uint64_t at;
	struct entry *e;
};

/* Time order; at equal times calls first, so operations that touch the same
 * instant count as concurrent, never as one before the other. */
static int by_time(const void *a, const void *b)
{
	const struct stamp *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->e->is_call != y->e->is_call)
		return x->e->is_call ? -1 : 1;
	return x->e->op < y->e->op ? -1 : x->e->op > y->e->op;
}

static void lift(struct entry *call)
{
	struct entry *ret = call->match;

	call->prev->next = call->next;
	call->next->prev = call->prev;
	ret->prev->next = ret->next;
	if (ret->next)
		ret->next->prev = ret->prev;
}

static void unlift(struct entry *call)
{
	struct entry *ret = call->match;

	ret->prev->next = ret;
	if (ret->next)
		ret->next->prev = ret;
	call->prev->next = call;
	call->next->prev = call;
}

static const char *describe(const rh_lin_op *o, char *buf, size_t cap)
{
	if (o->kind == RH_LIN_PUT)
		snprintf(buf, cap, "T%u op %u put %llu", o->thread, o->op,
			 (unsigned long long)o->value);
	else if (o->value == RH_LIN_ABSENT)
		snprintf(buf, cap, "T%u op %u get -> absent", o->thread, o->op);
	else
		snprintf(buf, cap, "T%u op %u get -> %llu", o->thread, o->op,
			 (unsigned long long)o->value);
	return buf;
}

/* One key: is there an order of its operations, each placed between its call
 * and its return, in which every get returns the latest put before it (or
 * `initial`)? */
static bool check_key(const struct key_ops *k, uint64_t initial, rh_prop_result *r)
{
	size_t n = k->n, words = (n + 63) / 64, depth = 0, best = 0;
	struct entry *entries = rh_prop_alloc(2 * n + 1, sizeof(*entries));
	struct stamp *order = rh_prop_alloc(2 * n, sizeof(*order));
	struct entry **stack = rh_prop_alloc(n, sizeof(*stack));
	uint64_t *values = rh_prop_alloc(n, sizeof(*values));
	uint64_t *placed = rh_prop_alloc(words, sizeof(*placed));
	struct entry *head = &entries[2 * n], *e;
	const rh_lin_op *stuck = NULL;
	uint64_t value = initial, steps = 0;
	struct cache cache;
	bool ok = true;

	memset(placed, 0, words * sizeof(*placed));
	for (size_t i = 0; i < n; i++) {
		entries[2 * i] = (struct entry){.op = i, .is_call = true, .match = &entries[2 * i + 1]};
		entries[2 * i + 1] = (struct entry){.op = i, .match = &entries[2 * i]};
		order[2 * i] = (struct stamp){k->op[i]->call, &entries[2 * i]};
		order[2 * i + 1] = (struct stamp){k->op[i]->ret, &entries[2 * i + 1]};
	}
	qsort(order, 2 * n, sizeof(*order), by_time);
	*head = (struct entry){.next = order[0].e};
	for (size_t i = 0; i < 2 * n; i++) {
		order[i].e->prev = i ? order[i - 1].e : head;
		order[i].e->next = i + 1 < 2 * n ? order[i + 1].e : NULL;
	}
	cache_init(&cache, words);

	e = head->next;
	while (e != NULL) {
		const rh_lin_op *o = k->op[e->op];

		if (++steps > LIN_STEP_BUDGET) {
			ok = rh_prop_fail(r, RH_INVARIANT,
					  "linearizability undecided for key %llu: %zu operations "
					  "need more than %u search steps",
					  (unsigned long long)o->key, n, LIN_STEP_BUDGET);
			break;
		}
		if (e->is_call) {
			bool fits = o->kind == RH_LIN_PUT || o->value == value;
			uint64_t next = o->kind == RH_LIN_PUT ? o->value : value;

			placed[e->op / 64] |= 1ull << (e->op % 64);
			if (fits && cache_put(&cache, placed, next)) {
				values[depth] = value;
				stack[depth++] = e;
				value = next;
				lift(e);
				if (depth > best) {
					best = depth;
					stuck = NULL;
				}
				e = head->next;
				continue;
			}
			placed[e->op / 64] &= ~(1ull << (e->op % 64));
			e = e->next;
			continue;
		}
		/* An operation returned before any order could place it: undo the
		 * last placement and try the next candidate after it. */
		if (depth == best && stuck == NULL)
			stuck = o;
		if (depth == 0) {
			char what[96];

			ok = rh_prop_fail(r, RH_NOT_LINEARIZABLE,
					  "key %llu: no order of its %zu operations is a register "
					  "history: at most %zu fit before %s",
					  (unsigned long long)o->key, n, best,
					  describe(stuck ? stuck : o, what, sizeof(what)));
			break;
		}
		e = stack[--depth];
		value = values[depth];
		placed[e->op / 64] &= ~(1ull << (e->op % 64));
		unlift(e);
		e = e->next;
	}
	free(cache.slots);
	free(placed);
	free(values);
	free(stack);
	free(order);
	free(entries);
	return ok;
}

bool rh_prop_linearizable(const rh_lin_op *v, size_t n, uint64_t initial, rh_prop_result *r)
{
	const rh_lin_op **byk = rh_prop_alloc(n, sizeof(*byk));
	bool ok = true;

	for (size_t i = 0; i < n; i++) {
		byk[i] = &v[i];
		if (v[i].ret <= v[i].call) {
			char what[96];

			free(byk);
			return rh_prop_fail(r, RH_INVARIANT,
					    "history entry %zu (%s) returns at %llu, not after its "
					    "call at %llu",
					    i, describe(&v[i], what, sizeof(what)),
					    (unsigned long long)v[i].ret,
					    (unsigned long long)v[i].call);
		}
	}
	qsort(byk, n, sizeof(*byk), by_key_then_call);
	for (size_t i = 0; i < n && ok;) {
		size_t j = i;

		while (j < n && byk[j]->key == byk[i]->key)
			j++;
		ok = check_key(&(struct key_ops){byk + i, j - i}, initial, r);
		i = j;
	}
	free(byk);
	return ok ? rh_prop_pass(r) : false;
}
