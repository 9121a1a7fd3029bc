/* SPDX-License-Identifier: MIT */
/* The wait-for graph and its cycle text, shared by stress and controlled
 * mode. */
#include <stdio.h>
#include <string.h>

#include "runtime.h"
#include "waitfor.h"

void rh_waitfor_init(rh_waitfor *g, unsigned n)
{
	g->n = n < RH_WAITFOR_MAX ? n : RH_WAITFOR_MAX;
	for (unsigned i = 0; i < g->n; i++)
		g->wait[i] = (struct rh_waitfor_wait){RH_OP_POINT, NULL, 0};
}

void rh_waitfor_add(rh_waitfor *g, unsigned tid, rh_op op, const char *name, uint64_t holders)
{
	if (tid < g->n)
		g->wait[tid] = (struct rh_waitfor_wait){op, name, holders};
}

/* Depth-first along "waits for a lock held by" from at; true when the path
 * gets back to target, with path[0..*len) the threads on the cycle. */
static bool find_cycle(const rh_waitfor *g, unsigned at, unsigned target, uint64_t *seen,
		       unsigned *path, unsigned depth, unsigned *len)
{
	uint64_t next = rh_waitfor_blockers(g, at);

	path[depth] = at;
	if (next >> target & 1) {
		*len = depth + 1;
		return true;
	}
	for (next &= ~*seen; next != 0; next &= next - 1) {
		unsigned i = (unsigned)__builtin_ctzll(next);

		*seen |= 1ull << i;
		if (find_cycle(g, i, target, seen, path, depth + 1, len))
			return true;
	}
	return false;
}

unsigned rh_waitfor_cycle(const rh_waitfor *g, unsigned tid, unsigned path[RH_WAITFOR_MAX])
{
	uint64_t seen;
	unsigned len = 0;

	if (tid >= g->n)
		return 0;
	seen = 1ull << tid;
	return find_cycle(g, tid, tid, &seen, path, 0, &len) ? len : 0;
}

int rh_waitfor_edge_text(char *buf, size_t cap, unsigned waiter, rh_op op, const char *name,
			 int holder)
{
	if (holder < 0)
		return snprintf(buf, cap, "T%u waits for %s %s", waiter, rh__wait_what(op),
				name ? name : "?");
	return snprintf(buf, cap, "T%u waits for %s %s held by T%d", waiter, rh__wait_what(op),
			name ? name : "?", holder);
}

void rh_waitfor_cycle_text(const rh_waitfor *g, const unsigned *path, unsigned len, char *buf,
			   size_t cap)
{
	size_t at = 0;

	if (cap > 0)
		buf[0] = '\0';
	for (unsigned k = 0; k < len && at < cap; k++) {
		const struct rh_waitfor_wait *w = &g->wait[path[k]];
		int n;

		if (k > 0)
			at += (size_t)snprintf(buf + at, cap - at, "; ");
		if (at >= cap)
			break;
		n = rh_waitfor_edge_text(buf + at, cap - at, path[k], w->op, w->name,
					 (int)path[(k + 1) % len]);
		if (n < 0)
			break;
		at += (size_t)n;
	}
}
