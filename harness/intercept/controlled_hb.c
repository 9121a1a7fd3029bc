/* SPDX-License-Identifier: MIT */
/* Happens-before data races in controlled mode under dpor (rh__hb_on).
 *
 * dpor explores one run per class of runs that order every pair of
 * dependent steps alike, so a verdict from sampled watchpoints (one run per
 * class does not place them) proves nothing. Instead every instrumented
 * access is checked here against the accesses before it: two accesses of
 * different threads to overlapping bytes, one a write, that no chain of
 * program order and synchronisation orders are a DATA_RACE. Vector clocks
 * (DJIT+): each thread's clock ticks at each release; an access records
 * (thread, its own tick); a later access of thread t is ordered after it
 * when t's clock has seen that tick.
 *
 * Synchronisation, as the controlled runtime executes it: thread create ->
 * the child's start; the child's end -> its join; mutex (and spinlock)
 * unlock -> later lock; rwlock writer unlock -> later read or write lock,
 * reader unlock -> later write lock; condition signal or broadcast -> the
 * wait it wakes (the mutex handles the rest); semaphore post -> later wait;
 * every arrival at a barrier -> every departure of that round; the end of
 * pthread_once's function -> every call that returns after it; atomics as
 * sequentially consistent: a store or read-modify-write -> every later load
 * or read-modify-write of the object (a plain store synchronises with
 * nothing before it). Each edge is between steps racehunt's dpor treats as
 * dependent or that cannot run the other way round (campaign/exec_dpor.c),
 * so every run of one class has the same races.
 *
 * Memory comes from mmap, not malloc: the program's heap looks as it would
 * without the checker, and free (which resets the block's history: a block
 * reused by another thread is a new object) cannot recurse into it. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "controlled_rt.h"
#include "core/trial.h"

#define T RH_MAX_THREADS
#define LOC_BITS 20	 /* granules tracked in one run: 8 MB of plain memory */
#define REC_MAX (1u << 22) /* access records */
#define SYNC_BITS 14	 /* synchronisation objects (and barrier rounds) */
#define NONE 0u

int rh__hb_on;

/* One access still able to race with a later one. */
struct rec {
	uint64_t pc;
	uint32_t clock;
	uint32_t next; /* index of the granule's next record, NONE at its end */
	uint8_t tid, mask, write;
};

struct loc {
	uintptr_t granule; /* address / 8, + 1 (0 = free slot) */
	uint32_t head;
};

struct sync {
	uintptr_t key; /* 0 = free slot */
	uint64_t gen;
	uint32_t c[T];
};

static struct {
	uint32_t vc[T][T];
	uint32_t wake[T][T]; /* a condition's signaller's clock, for the waiter it woke */
	struct loc *locs;
	struct rec *recs;
	uint32_t rec_top, rec_free;
	unsigned n_locs, n_syncs;
	struct sync *syncs;
} hb;

static void *region(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);

	if (p == MAP_FAILED)
		rh__rt_unsupported("controlled dpor: no memory for the happens-before checker");
	return p;
}

void rh__hb_start(void)
{
	hb.locs = region(sizeof(*hb.locs) << LOC_BITS);
	hb.recs = region(sizeof(*hb.recs) * REC_MAX);
	hb.syncs = region(sizeof(*hb.syncs) << SYNC_BITS);
	hb.rec_top = 1; /* record 0 is NONE */
	hb.vc[0][0] = 1;
	rh__hb_on = 1;
}

static unsigned self(void)
{
	return rh__rt_self->tid;
}

static void join_into(uint32_t *to, const uint32_t *from)
{
	for (unsigned u = 0; u < T; u++)
		if (from[u] > to[u])
			to[u] = from[u];
}

/* ---- synchronisation ------------------------------------------------------- */
static struct sync *sync_of(const void *obj, unsigned kind, uint64_t gen, bool make)
{
	uintptr_t key = ((uintptr_t)obj << 3 | kind) + 1;
	size_t mask = (1u << SYNC_BITS) - 1;
	size_t i = (size_t)((key ^ gen * 0x51ed27ull) * 0x9e3779b97f4a7c15ull >> 20) & mask;

	while (hb.syncs[i].key != 0 && (hb.syncs[i].key != key || hb.syncs[i].gen != gen))
		i = (i + 1) & mask;
	if (hb.syncs[i].key != 0 || !make)
		return hb.syncs[i].key != 0 ? &hb.syncs[i] : NULL;
	if (++hb.n_syncs > mask / 4 * 3)
		rh__rt_unsupported("controlled dpor: more than %zu synchronisation objects in one run",
				   mask / 4 * 3);
	hb.syncs[i].key = key;
	hb.syncs[i].gen = gen;
	return &hb.syncs[i];
}

void rh__hb_release(const void *obj, unsigned kind, uint64_t gen)
{
	unsigned t = self();

	join_into(sync_of(obj, kind, gen, true)->c, hb.vc[t]);
	hb.vc[t][t]++;
}

void rh__hb_acquire(const void *obj, unsigned kind, uint64_t gen)
{
	const struct sync *s = sync_of(obj, kind, gen, false);

	if (s != NULL)
		join_into(hb.vc[self()], s->c);
}

void rh__hb_atomic(const void *obj, bool acquire, bool release)
{
	if (acquire)
		rh__hb_acquire(obj, RH_HB_ATOMIC, 0);
	if (release)
		rh__hb_release(obj, RH_HB_ATOMIC, 0);
}

void rh__hb_create(unsigned child)
{
	unsigned t = self();

	memcpy(hb.vc[child], hb.vc[t], sizeof(hb.vc[t]));
	hb.vc[child][child] = 1;
	hb.vc[t][t]++;
}

void rh__hb_join(unsigned target)
{
	join_into(hb.vc[self()], hb.vc[target]);
}

void rh__hb_wake(unsigned waiter)
{
	unsigned t = self();

	join_into(hb.wake[waiter], hb.vc[t]);
	hb.vc[t][t]++;
}

void rh__hb_woken(void)
{
	join_into(hb.vc[self()], hb.wake[self()]);
}

/* ---- accesses ------------------------------------------------------------------ */
static struct loc *loc_of(uintptr_t granule, bool make)
{
	size_t mask = (1u << LOC_BITS) - 1, i = (size_t)(granule * 0x9e3779b97f4a7c15ull >> 24) & mask;

	granule++;
	while (hb.locs[i].granule != 0 && hb.locs[i].granule != granule)
		i = (i + 1) & mask;
	if (hb.locs[i].granule != 0 || !make)
		return hb.locs[i].granule != 0 ? &hb.locs[i] : NULL;
	if (++hb.n_locs > mask / 4 * 3)
		rh__rt_unsupported("controlled dpor: a run touched more than %zu 8-byte locations",
				   mask / 4 * 3);
	hb.locs[i].granule = granule;
	return &hb.locs[i];
}

static uint32_t rec_new(void)
{
	uint32_t r = hb.rec_free;

	if (r != NONE) {
		hb.rec_free = hb.recs[r].next;
		return r;
	}
	if (hb.rec_top == REC_MAX)
		rh__rt_unsupported("controlled dpor: more than %u access records in one run",
				   REC_MAX);
	return hb.rec_top++;
}

RH_NORETURN static void race(uintptr_t granule, const struct rec *r, uint8_t mask, int is_write,
			     uintptr_t pc)
{
	char obj[64], pc_r[64], pc_a[64];

	rh__rt_fmt_obj(obj, sizeof(obj), (const void *)(granule * 8 + (unsigned)__builtin_ctz(r->mask)));
	rh__rt_fmt_pc(pc_r, sizeof(pc_r), r->pc);
	rh__rt_fmt_pc(pc_a, sizeof(pc_a), pc);
	rh__rt_report_exit(RH_DATA_RACE,
			   "T%u %s of %d bytes at %s at %s and T%u %s of %d bytes at %s, unordered "
			   "by happens-before (no lock, join, atomic or other synchronisation "
			   "orders them)",
			   r->tid, r->write ? "write" : "read", __builtin_popcount(r->mask), obj, pc_r,
			   self(), is_write ? "write" : "read", __builtin_popcount(mask), pc_a);
}

/* One granule's part of an access: check it against the records, drop
 * those it makes redundant (ordered before it, its bytes covered, and it a
 * write or they reads: a later access racing with them races with it), and
 * add it. */
static void check(uintptr_t granule, uint8_t mask, int is_write, uintptr_t pc)
{
	unsigned t = self();
	const uint32_t *vc = hb.vc[t];
	struct loc *l = loc_of(granule, true);
	uint32_t *link = &l->head, r;

	while ((r = *link) != NONE) {
		struct rec *x = &hb.recs[r];
		bool ordered = x->tid == t || vc[x->tid] >= x->clock;

		if (!ordered && (x->mask & mask) && (is_write || x->write))
			race(granule, x, mask, is_write, pc);
		if (ordered && !(x->mask & ~mask) && (is_write || !x->write)) {
			*link = x->next;
			x->next = hb.rec_free;
			hb.rec_free = r;
			continue;
		}
		link = &x->next;
	}
	r = rec_new();
	hb.recs[r] = (struct rec){.pc = pc, .clock = vc[t], .next = l->head, .tid = (uint8_t)t,
				  .mask = mask, .write = (uint8_t)!!is_write};
	l->head = r;
}

void rh__hb_access(uintptr_t addr, size_t size, int is_write, uintptr_t pc)
{
	uintptr_t end = addr + size;

	for (uintptr_t g = addr / 8; g * 8 < end; g++) {
		unsigned lo = g * 8 < addr ? (unsigned)(addr - g * 8) : 0;
		unsigned hi = (g + 1) * 8 > end ? (unsigned)(end - g * 8) : 8;

		check(g, (uint8_t)((0xffu << lo) & (0xffu >> (8 - hi))), is_write, pc);
	}
}

/* A freed block's history ends: its next owner's accesses are a new
 * object's. */
static void forget(const void *p, size_t size)
{
	for (uintptr_t g = (uintptr_t)p / 8; g * 8 < (uintptr_t)p + size; g++) {
		struct loc *l = loc_of(g, false);
		uint32_t r;

		while (l != NULL && (r = l->head) != NONE) {
			l->head = hb.recs[r].next;
			hb.recs[r].next = hb.rec_free;
			hb.rec_free = r;
		}
	}
}

/* free and realloc: the block's history ends with it. The free itself is
 * a write of the whole block, so an access no synchronisation orders before
 * it is a race with it; called by the program, it is also a step (its
 * point, then the check: rh__rt_access), so dpor sees it as dependent with
 * every plain access (a block spans granules: no one location,
 * campaign/exec_dpor.c). Inside libc (fclose's buffer) it is no point: the
 * caller may hold one of libc's locks, which every fiber shares. */
extern void __libc_free(void *p);
extern void *__libc_realloc(void *p, size_t n);

static void freed(void *p, size_t n, uintptr_t pc)
{
	uint64_t base, text_end, end;

	rh__rt_image_bounds(&base, &text_end, &end);
	if (pc > base && pc <= text_end)
		rh__rt_access((uintptr_t)p, n, 1, pc);
	else
		rh__hb_access((uintptr_t)p, n, 1, pc);
	forget(p, n);
}

void free(void *p)
{
	if (RH_UNLIKELY(rh__hb_on) && p != NULL)
		freed(p, malloc_usable_size(p), (uintptr_t)__builtin_return_address(0));
	__libc_free(p);
}

void *realloc(void *p, size_t size)
{
	size_t old = RH_UNLIKELY(rh__hb_on) && p != NULL ? malloc_usable_size(p) : 0;
	void *q = __libc_realloc(p, size);

	if (old != 0 && q != NULL && q != p)
		freed(p, old, (uintptr_t)__builtin_return_address(0));
	return q;
}
