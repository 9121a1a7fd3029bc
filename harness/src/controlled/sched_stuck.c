/* SPDX-License-Identifier: MIT */
/* racehunt — a controlled run where nobody can run while somebody waits:
 * who waits for whom, as a DEADLOCK (a cycle) or a HANG (a holder that died
 * or returned). */
#include <stdio.h>

#include "runtime/waitfor.h"
#include "sched_run.h"

/* Nobody can run, somebody waits: follow who waits for whom from the first
 * waiter. A cycle (possibly through the round barrier) is a DEADLOCK; a wait
 * on a thread that died or returned holding the lock is a HANG, as stress
 * mode would see it. */
void rh__report_stuck(struct run *r)
{
	char msg[RH_MSG_MAX];
	size_t len = 0;
	uint64_t seen = 0, blocked = 0;
	rh_kind kind = RH_DEADLOCK;
	int f = -1;
	rh_waitfor g;

	rh_waitfor_init(&g, r->n);
	for (unsigned i = 0; i < r->n; i++) {
		const struct slot *sl = &r->slot[i];
		int h;

		if (sl->st != S_POINT)
			continue;
		blocked |= 1ull << i;
		h = rh__holder(r, sl);
		rh_waitfor_add(&g, i, sl->op, sl->name, h >= 0 && h < (int)r->n ? 1ull << h : 0);
		rh__push_event(r->x, (rh_event){.tid = (uint8_t)i, .kind = RH_EV_BLOCKED,
					    .op = (uint8_t)sl->op, .round = sl->round,
					    .name = rh__intern(r->x, sl->name)->copy,
					    .value = (uint64_t)(h + 1)});
		if (f < 0)
			f = (int)i;
	}
	msg[0] = '\0';
#define ADD(...)                                                                            \
	do {                                                                                \
		if (len < sizeof(msg))                                                      \
			len += (size_t)snprintf(msg + len, sizeof(msg) - len, __VA_ARGS__); \
	} while (0)
	while (f >= 0) {
		uint64_t holders = rh_waitfor_blockers(&g, (unsigned)f);
		int h = holders ? __builtin_ctzll(holders) : -1;

		seen |= 1ull << f;
		if (len < sizeof(msg))
			len += (size_t)rh_waitfor_edge_text(msg + len, sizeof(msg) - len, (unsigned)f,
							    g.wait[f].op, g.wait[f].name, h);
		if (h < 0) {
			ADD(" that nobody holds");
			kind = RH_HANG;
			break;
		}
		if (r->slot[h].st == S_DEAD) {
			ADD(", which died holding it (rh_thread_die)");
			kind = RH_HANG;
			break;
		}
		if (r->slot[h].st == S_DONE) {
			ADD(", which returned without releasing it");
			kind = RH_HANG;
			break;
		}
		if (r->slot[h].st == S_BARRIER) {
			ADD("; T%d waits at the end of round %u for the others", h, r->slot[h].round);
			break;
		}
		if (seen >> h & 1) {
			ADD(" (cycle)");
			break;
		}
		ADD("; ");
		f = h;
	}
	if (blocked & ~seen)
		ADD(" (+%d more waiting)", __builtin_popcountll(blocked & ~seen));
#undef ADD
	rh_violation(r->t, kind, "%s%s", kind == RH_DEADLOCK ? "lock cycle: " : "", msg);
}
