/* SPDX-License-Identifier: MIT */
/* Spin-waits in controlled mode (CHESS's fair scheduling): a fiber that
 * re-reads a location nobody has written since its last read of it is
 * waiting for another thread (the same instruction reading the same
 * location: a load and the compare-and-swap after it are no spin), so it
 * yields: it is held until every other fiber that could run has taken a
 * step (controlled_watch.c). A correct
 * spin-wait then ends as soon as the thread it waits for gets to write,
 * whatever the strategy's priorities, and is never a false HANG.
 *
 * A spin that nobody can end is a LIVELOCK: the fiber re-read unchanged
 * locations STUCK_READS times in a row while nothing was written anywhere
 * and every other fiber waited, was done, or was spinning itself. It is a
 * bound, not a proof: a loop that re-reads shared data that long while all
 * others wait, and keeps all its progress in registers, looks the same. Any
 * store counts as progress, a private one too (a loop counter in memory), so
 * a loop that writes anything is never this LIVELOCK (the run's step limit
 * still ends it).
 *
 * Writes are seen at every instrumented store (hooks.c) and at atomic
 * stores, read-modify-writes, successful compare-and-swaps and unlocks;
 * stores inside uninstrumented code (libc's memcpy) are not. */
#include <stdio.h>

#include "controlled_rt.h"
#include "core/trial.h"

/* Well past any spin a thread that will be let through makes, far below
 * the run's step limit (RH_SCHED_MAX_STEPS). */
#define STUCK_READS 100000u
/* Locations a fiber's spin loop may poll at once (a flag and a counter). */
#define RECENT 4
/* Write counts per 8-byte granule, direct-mapped: a collision only makes a
 * location look written, i.e. a spin look like progress, never a LIVELOCK. */
#define VERSION_BITS 14

static uint32_t version[1u << VERSION_BITS];
uint64_t rh__ctl_writes; /* every write seen, anywhere */

struct spinner {
	uintptr_t addr[RECENT], pc[RECENT];
	uint32_t seen[RECENT]; /* the location's version at this fiber's read */
	unsigned next;
	bool spinning;	      /* its last read re-read an unchanged location */
	uint64_t writes_seen; /* writes at its last re-read */
	unsigned stuck;	      /* re-reads in a row with nothing written */
	uintptr_t addr_at, pc_at; /* the last re-read */
};

static struct spinner spin[RH_MAX_THREADS];

static uint32_t *version_of(uintptr_t addr)
{
	return &version[(addr >> 3) & ((1u << VERSION_BITS) - 1)];
}

void rh__ctl_wrote(uintptr_t addr)
{
	++*version_of(addr);
	rh__ctl_writes++;
	spin[rh__rt_self->tid].spinning = false;
}

/* Everybody else waits, is done or spins: nobody is going to write. */
static bool others_stuck(unsigned me)
{
	uint64_t others = rh__ctl_runnable() & ~(1ull << me);

	for (; others; others &= others - 1)
		if (!spin[__builtin_ctzll(others)].spinning)
			return false;
	return true;
}

RH_NORETURN static void livelock(unsigned me)
{
	char what[RH_EXEC_MSG_MAX - 512], obj[64], pc[64];
	size_t len = 0;

	what[0] = '\0';
	for (unsigned i = 0; i < RH_MAX_THREADS && len + 2 < sizeof(what); i++) {
		if (i == me || !spin[i].spinning)
			continue;
		rh__rt_fmt_obj(obj, sizeof(obj), (const void *)spin[i].addr_at);
		rh__rt_fmt_pc(pc, sizeof(pc), spin[i].pc_at);
		len += (size_t)snprintf(what + len, sizeof(what) - len, "; T%u spins too, on %s at %s",
					i, obj, pc);
	}
	rh__rt_fmt_obj(obj, sizeof(obj), (const void *)spin[me].addr_at);
	rh__rt_fmt_pc(pc, sizeof(pc), spin[me].pc_at);
	rh__rt_report_exit(RH_LIVELOCK,
			   "T%u spins on %s at %s: it re-read it %u times in a row, nothing was "
			   "written and every other thread waits, is done or spins%s",
			   me, obj, pc, STUCK_READS, what);
}

/* A read of addr: a re-read of an unchanged location yields (true: that
 * was the fiber's scheduling point). */
bool rh__ctl_read(uintptr_t addr, uintptr_t pc)
{
	unsigned me = rh__rt_self->tid;
	struct spinner *s = &spin[me];
	uint32_t v = *version_of(addr);

	for (unsigned i = 0; i < RECENT; i++) {
		if (s->addr[i] != addr || s->pc[i] != pc)
			continue;
		if (s->seen[i] != v)
			break;
		s->stuck = s->spinning && s->writes_seen == rh__ctl_writes && others_stuck(me)
				   ? s->stuck + 1
				   : 0;
		s->spinning = true;
		s->writes_seen = rh__ctl_writes;
		s->addr_at = addr;
		s->pc_at = pc;
		if (s->stuck >= STUCK_READS)
			livelock(me);
		rh__ctl_yield();
		return true;
	}
	s->spinning = false;
	/* Not a re-read of the location as last seen: remember this read. */
	for (unsigned i = 0; i < RECENT; i++)
		if (s->addr[i] == addr && s->pc[i] == pc) {
			s->seen[i] = v;
			return false;
		}
	s->addr[s->next] = addr;
	s->pc[s->next] = pc;
	s->seen[s->next] = v;
	s->next = (s->next + 1) % RECENT;
	return false;
}
