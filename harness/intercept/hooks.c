/* SPDX-License-Identifier: MIT */
/* The compiler's ThreadSanitizer hooks, defined from hooks.def, and what the
 * runtime does at an access: dynamic sharing detection over a shadow map and
 * KCSAN-style soft watchpoints.
 *
 * A watchpoint: at a sampled access to a shared location the thread publishes
 * (address, size, read/write, pc) in a slot and stalls for a few
 * microseconds before performing the access. Any other thread whose
 * instrumented access overlaps it meanwhile, with one of the two a write, is
 * in a data race: the two accesses were in flight at the same time, so no
 * lock or release/acquire pair can order them. No happens-before tracking is
 * needed, and accesses a lock orders are never both in flight. Atomics never
 * set or trip a watchpoint. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "controlled_rt.h"
#include "rt.h"

#define PC() ((uintptr_t)__builtin_return_address(0))

/* ---- sharing detection ---------------------------------------------------
 * One word per 8-byte granule, direct-mapped and untagged: 0 = untouched,
 * tid + 1 = only that thread so far, SHARED = two threads. A collision can
 * only make a private location look shared (a wasted watchpoint), never
 * produce a report, which needs a real overlapping access. The map starts
 * zeroed in every trial: the fork server never touches it. */
#define SHADOW_BITS 22
#define SHADOW_SHARED 0xffffffffu
static _Atomic uint32_t shadow[1u << SHADOW_BITS];

enum sharing { PRIVATE, SHARED, NEWLY_SHARED };

static enum sharing sharing_of(uintptr_t addr, unsigned tid)
{
	_Atomic uint32_t *slot = &shadow[(addr >> 3) & ((1u << SHADOW_BITS) - 1)];
	uint32_t v = atomic_load_explicit(slot, memory_order_relaxed), me = tid + 1;

	if (v == SHADOW_SHARED)
		return SHARED;
	if (v == me)
		return PRIVATE;
	if (v == 0 && atomic_compare_exchange_strong_explicit(slot, &v, me, memory_order_relaxed,
							      memory_order_relaxed))
		return PRIVATE;
	if (v == me)
		return PRIVATE;
	atomic_store_explicit(slot, SHADOW_SHARED, memory_order_relaxed);
	return NEWLY_SHARED;
}

/* ---- watchpoints --------------------------------------------------------- */
#define WATCH_SLOTS 8
/* How long a watched access stalls; long enough for the other core to run
 * into the window, short enough that thousands of windows cost milliseconds. */
#define WATCH_NS 20000

struct watch {
	_Atomic uintptr_t addr; /* 0 = free */
	size_t size;
	int is_write;
	unsigned tid;
	uintptr_t pc;
};

static struct watch watches[WATCH_SLOTS];
static _Atomic int watching; /* slots in use: the fast check for everyone else */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void race(const struct watch *w, size_t size, int is_write, unsigned tid, uintptr_t pc)
{
	char obj[64], pc_w[64], pc_o[64], msg[512];

	rh__rt_fmt_obj(obj, sizeof(obj), (const void *)w->addr);
	rh__rt_fmt_pc(pc_w, sizeof(pc_w), w->pc);
	rh__rt_fmt_pc(pc_o, sizeof(pc_o), pc);
	snprintf(msg, sizeof(msg),
		 "T%u %s of %zu bytes at %s at %s and T%u %s of %zu bytes at %s, both in flight "
		 "at once (soft watchpoint%s)",
		 w->tid, w->is_write ? "write" : "read", w->size, obj, pc_w, tid,
		 is_write ? "write" : "read", size, pc_o,
		 rh__ctl_on ? ", the first thread descheduled before its access" : "");
	/* Controlled mode ends the trial here: the verdict cannot change, and
	 * a program that goes on with the damage may crash or spin until the
	 * watchdog. */
	if (rh__ctl_on)
		rh__rt_report_exit(RH_DATA_RACE, "%s", msg);
	rh__rt_report(RH_DATA_RACE, "%s", msg);
}

static void check_watches(uintptr_t addr, size_t size, int is_write, unsigned tid,
			  uintptr_t pc)
{
	for (int i = 0; i < WATCH_SLOTS; i++) {
		struct watch *w = &watches[i];
		uintptr_t a = atomic_load_explicit(&w->addr, memory_order_acquire);

		if (a == 0)
			continue;
		struct watch seen = {.size = w->size, .is_write = w->is_write, .tid = w->tid,
				     .pc = w->pc};

		/* The slot may have been freed and claimed again while its
		 * fields were read: only a copy the address still matches
		 * describes the watched access. */
		if (atomic_load_explicit(&w->addr, memory_order_acquire) != a)
			continue;
		atomic_init(&seen.addr, a);
		if (seen.tid == tid || !(is_write || seen.is_write))
			continue;
		if (addr < a + seen.size && a < addr + size)
			race(&seen, size, is_write, tid, pc);
	}
}

/* The mean distance between watched accesses of a thread: --sample for its
 * first WINDOWS_PER_DOUBLING windows, then twice that, and so on. A short
 * program is watched densely; a hot loop of millions of accesses pays for
 * a few thousand stalls, not for one in every sample accesses. */
#define WINDOWS_PER_DOUBLING 256
#define MAX_DOUBLINGS 12

static uint64_t sample_interval(const struct rh__rt_thread *me)
{
	unsigned d = me->windows / WINDOWS_PER_DOUBLING;

	return (uint64_t)rh__rt_shared->sample << (d < MAX_DOUBLINGS ? d : MAX_DOUBLINGS);
}

/* The watched access's window: in stress mode a stall. In a thread's dense
 * first windows one yield lets a sibling that shares this core run into the
 * window; the rest, and every later window, is a busy-wait (KCSAN's udelay):
 * on a loaded machine a yield hands the core to other processes for whole
 * time slices. In controlled mode the fiber is descheduled instead: no other
 * fiber could run into a stall. */
static void window(const struct rh__rt_thread *me)
{
	uint64_t until;

	if (rh__ctl_on) {
		rh__ctl_hold();
		return;
	}
	until = now_ns() + WATCH_NS;
	if (me->windows <= WINDOWS_PER_DOUBLING)
		rh__rt_yield();
	while (now_ns() < until)
		RH_CPU_RELAX();
}

static void watch(struct rh__rt_thread *me, uintptr_t addr, size_t size, int is_write,
		  uintptr_t pc)
{
	for (int i = 0; i < WATCH_SLOTS; i++) {
		struct watch *w = &watches[i];
		uintptr_t free_slot = 0;

		if (atomic_load_explicit(&w->addr, memory_order_relaxed) != 0)
			continue;
		/* Claim with a marker address nobody's access overlaps, fill in,
		 * then publish the real address. */
		if (!atomic_compare_exchange_strong(&w->addr, &free_slot, (uintptr_t)1))
			continue;
		w->size = size;
		w->is_write = is_write;
		w->tid = me->tid;
		w->pc = pc;
		atomic_store_explicit(&w->addr, addr, memory_order_release);
		atomic_fetch_add(&watching, 1);
		window(me);
		atomic_store_explicit(&w->addr, 0, memory_order_release);
		atomic_fetch_sub(&watching, 1);
		return;
	}
	/* Every slot in use: controlled mode still owes the access its point. */
	if (rh__ctl_on)
		rh__ctl_point();
}

/* Under dpor every access is a step, and the happens-before checker, not a
 * watchpoint, sees its races (controlled_hb.c): the access is checked when
 * it runs, after its point. */
static void hb_access(uintptr_t addr, size_t size, int is_write, uintptr_t pc)
{
	rh__ctl_access_note(addr, size, is_write, pc);
	if (is_write)
		rh__ctl_wrote(addr);
	if (is_write || !rh__ctl_read(addr, pc))
		rh__ctl_point();
	rh__hb_access(addr, size, is_write, pc);
}

void rh__rt_access(uintptr_t addr, size_t size, int is_write, uintptr_t pc)
{
	struct rh__rt_thread *me = rh__rt_self;

	if (me == NULL || me->ignore)
		return;
	/* Controlled: the fibers' "own" TLS is one copy (controlled_tls.c). */
	if (rh__ctl_on && addr - rh__ctl_tls_lo < rh__ctl_tls_hi - rh__ctl_tls_lo)
		return;
	atomic_store_explicit(&me->last_access_pc, pc, memory_order_relaxed);
	if (rh__ctl_on && is_write)
		rh__ctl_writes++; /* progress, even a private store (controlled_spin.c) */
	if (rh__hb_on) {
		hb_access(addr, size, is_write, pc);
		return;
	}
	if (atomic_load_explicit(&watching, memory_order_relaxed)) {
		/* Controlled: the access a race report may end the run on. */
		if (rh__ctl_on)
			rh__ctl_access_note(addr, size, is_write, pc);
		check_watches(addr, size, is_write, me->tid, pc);
	}
	switch (rh__rt_shared->points) {
	case RH_POINTS_SYNC:
		return;
	case RH_POINTS_SHARED:
		switch (sharing_of(addr, me->tid)) {
		case PRIVATE:
			return;
		case NEWLY_SHARED:
			/* The first sign of sharing is the likeliest place for a
			 * race in a short program: watch it at once, in the dense
			 * first windows only (data main fills and workers then take
			 * over becomes shared granule by granule: millions of
			 * first signs). */
			if (me->windows < WINDOWS_PER_DOUBLING)
				me->countdown = 1;
			break;
		case SHARED:
			break;
		}
		break;
	default:
		break;
	}
	/* Controlled: what the point below, or the watchpoint's hold, stops
	 * before (the trial's run record); a spin-wait's re-read yields
	 * instead (controlled_spin.c). */
	if (rh__ctl_on) {
		rh__ctl_access_note(addr, size, is_write, pc);
		if (is_write)
			rh__ctl_wrote(addr);
		else if (rh__ctl_read(addr, pc))
			return;
	}
	if (--me->countdown > 0) {
		/* Controlled: every access that got here is a scheduling point. */
		if (rh__ctl_on)
			rh__ctl_point();
		return;
	}
	me->countdown = 1 + (int)rh_rng_below(&me->rng, 2 * sample_interval(me));
	me->windows++;
	watch(me, addr, size, is_write, pc);
}

/* ---- the hooks ------------------------------------------------------------ */
#define RH_ACCESS(name, size, is_write)                                                    \
	void __tsan_##name(void *addr);                                                    \
	void __tsan_##name(void *addr)                                                     \
	{                                                                                  \
		if (RH_UNLIKELY(rh__rt_on))                                                    \
			rh__rt_access((uintptr_t)addr, size, is_write, PC());                  \
	}
#define RH_RANGE(name, is_write)                                                           \
	void __tsan_##name(void *addr, unsigned long size);                                \
	void __tsan_##name(void *addr, unsigned long size)                                 \
	{                                                                                  \
		if (RH_UNLIKELY(rh__rt_on) && size > 0)                                        \
			rh__rt_access((uintptr_t)addr, size, is_write, PC());                  \
	}

/* An atomic operation is a sync point: noise in stress mode. The operation
 * itself uses the program's memory order. */
#define SYNC(what, a)                                                                      \
	do {                                                                               \
		if (RH_UNLIKELY(rh__rt_on)) {                                              \
			rh__rt_enter_on(what, (const void *)(a), PC());                    \
			if (rh__ctl_on)                                                    \
				rh__ctl_delay();                                           \
		}                                                                          \
	} while (0)

/* Controlled mode sees what an atomic reads and writes, for spin-waits: a
 * load (or a failing compare-and-swap) may be a spin's re-read, a store a
 * spin's end. */
#define SYNC_READ(what, a)                                                                 \
	do {                                                                               \
		if (RH_UNLIKELY(rh__rt_on)) {                                              \
			/* A spin's re-read yields before the point: either                \
			 * way the fiber stops before the load (run record). */            \
			if (rh__ctl_on) {                                                  \
				rh__ctl_sync_note(what, (const void *)(a), PC());          \
				rh__ctl_read((uintptr_t)(a), PC());                        \
			}                                                                  \
			rh__rt_enter_on(what, (const void *)(a), PC());                    \
			if (rh__ctl_on)                                                    \
				rh__ctl_delay();                                           \
		}                                                                          \
	} while (0)
#define WROTE(a)                                                                           \
	do {                                                                               \
		if (RH_UNLIKELY(rh__ctl_on))                                               \
			rh__ctl_wrote((uintptr_t)(a));                                     \
	} while (0)
/* Under dpor, an atomic as sequentially consistent (controlled_hb.c): what
 * it read acquires, what it wrote releases. */
#define HB(a, acquire, release)                                                            \
	do {                                                                               \
		if (RH_UNLIKELY(rh__hb_on))                                                \
			rh__hb_atomic((const void *)(a), acquire, release);                \
	} while (0)

#define RH_RMW(bits, type, op)                                                             \
	type __tsan_atomic##bits##_##op(volatile type *a, type v, int mo);                 \
	type __tsan_atomic##bits##_##op(volatile type *a, type v, int mo)                  \
	{                                                                                  \
		type old;                                                                  \
		SYNC("atomic " #op, a);                                                    \
		old = __atomic_##op(a, v, mo);                                             \
		WROTE(a);                                                                  \
		HB(a, true, true);                                                         \
		return old;                                                                \
	}
#define RH_ATOMIC(bits, type)                                                              \
	type __tsan_atomic##bits##_load(const volatile type *a, int mo);                   \
	type __tsan_atomic##bits##_load(const volatile type *a, int mo)                    \
	{                                                                                  \
		type v;                                                                    \
		SYNC_READ("atomic load", a);                                               \
		v = __atomic_load_n(a, mo);                                                \
		HB(a, true, false);                                                        \
		return v;                                                                  \
	}                                                                                  \
	void __tsan_atomic##bits##_store(volatile type *a, type v, int mo);                \
	void __tsan_atomic##bits##_store(volatile type *a, type v, int mo)                 \
	{                                                                                  \
		SYNC("atomic store", a);                                                   \
		__atomic_store_n(a, v, mo);                                                \
		WROTE(a);                                                                  \
		HB(a, false, true);                                                        \
	}                                                                                  \
	type __tsan_atomic##bits##_exchange(volatile type *a, type v, int mo);             \
	type __tsan_atomic##bits##_exchange(volatile type *a, type v, int mo)              \
	{                                                                                  \
		type old;                                                                  \
		SYNC("atomic exchange", a);                                                \
		old = __atomic_exchange_n(a, v, mo);                                       \
		WROTE(a);                                                                  \
		HB(a, true, true);                                                         \
		return old;                                                                \
	}                                                                                  \
	RH_RMW(bits, type, fetch_add)                                                      \
	RH_RMW(bits, type, fetch_sub)                                                      \
	RH_RMW(bits, type, fetch_and)                                                      \
	RH_RMW(bits, type, fetch_or)                                                       \
	RH_RMW(bits, type, fetch_xor)                                                      \
	RH_RMW(bits, type, fetch_nand)                                                     \
	static int cas##bits(volatile type *a, type *c, type v, int weak, int mo, int fmo)  \
	{                                                                                  \
		int ok;                                                                    \
		SYNC_READ("atomic cas", a);                                                \
		ok = weak ? __atomic_compare_exchange_n(a, c, v, 1, mo, fmo)               \
			  : __atomic_compare_exchange_n(a, c, v, 0, mo, fmo);              \
		if (ok)                                                                    \
			WROTE(a);                                                          \
		HB(a, true, ok);                                                           \
		return ok;                                                                 \
	}                                                                                  \
	int __tsan_atomic##bits##_compare_exchange_strong(volatile type *a, type *c, type v, \
							  int mo, int fmo);                \
	int __tsan_atomic##bits##_compare_exchange_strong(volatile type *a, type *c, type v, \
							  int mo, int fmo)                 \
	{                                                                                  \
		return cas##bits(a, c, v, 0, mo, fmo);                                     \
	}                                                                                  \
	int __tsan_atomic##bits##_compare_exchange_weak(volatile type *a, type *c, type v,   \
							int mo, int fmo);                  \
	int __tsan_atomic##bits##_compare_exchange_weak(volatile type *a, type *c, type v,   \
							int mo, int fmo)                   \
	{                                                                                  \
		return cas##bits(a, c, v, 1, mo, fmo);                                     \
	}                                                                                  \
	type __tsan_atomic##bits##_compare_exchange_val(volatile type *a, type c, type v,    \
							int mo, int fmo);                  \
	type __tsan_atomic##bits##_compare_exchange_val(volatile type *a, type c, type v,    \
							int mo, int fmo)                   \
	{                                                                                  \
		cas##bits(a, &c, v, 0, mo, fmo);                                           \
		return c;                                                                  \
	}

/* 16-byte atomics: one lock for all of them, which is atomic with respect to
 * each other (the only accesses a correct program makes to them). */
static atomic_flag wide_lock = ATOMIC_FLAG_INIT;

static void wide_acquire(void)
{
	while (atomic_flag_test_and_set_explicit(&wide_lock, memory_order_acquire))
		rh__rt_yield();
}

static void wide_release(void)
{
	atomic_flag_clear_explicit(&wide_lock, memory_order_release);
}

#define WIDE_RMW(bits, type, op, expr)                                                     \
	type __tsan_atomic##bits##_##op(volatile type *a, type v, int mo);                 \
	type __tsan_atomic##bits##_##op(volatile type *a, type v, int mo)                  \
	{                                                                                  \
		type old;                                                                  \
		SYNC("atomic " #op, a);                                                    \
		wide_acquire();                                                            \
		old = *a;                                                                  \
		*a = (expr);                                                               \
		wide_release();                                                            \
		HB(a, true, true);                                                         \
		return old;                                                                \
	}
#define RH_ATOMIC_LOCKED(bits, type)                                                       \
	type __tsan_atomic##bits##_load(const volatile type *a, int mo);                   \
	type __tsan_atomic##bits##_load(const volatile type *a, int mo)                    \
	{                                                                                  \
		type v;                                                                    \
		SYNC("atomic load", a);                                                    \
		wide_acquire();                                                            \
		v = *a;                                                                    \
		wide_release();                                                            \
		HB(a, true, false);                                                        \
		return v;                                                                  \
	}                                                                                  \
	void __tsan_atomic##bits##_store(volatile type *a, type v, int mo);                \
	void __tsan_atomic##bits##_store(volatile type *a, type v, int mo)                 \
	{                                                                                  \
		SYNC("atomic store", a);                                                   \
		wide_acquire();                                                            \
		*a = v;                                                                    \
		wide_release();                                                            \
		HB(a, false, true);                                                        \
	}                                                                                  \
	WIDE_RMW(bits, type, exchange, v)                                                  \
	WIDE_RMW(bits, type, fetch_add, old + v)                                           \
	WIDE_RMW(bits, type, fetch_sub, old - v)                                           \
	WIDE_RMW(bits, type, fetch_and, old & v)                                           \
	WIDE_RMW(bits, type, fetch_or, old | v)                                            \
	WIDE_RMW(bits, type, fetch_xor, old ^ v)                                           \
	WIDE_RMW(bits, type, fetch_nand, ~(old & v))                                       \
	static int wide_cas##bits(volatile type *a, type *c, type v)                       \
	{                                                                                  \
		int ok;                                                                    \
		SYNC("atomic cas", a);                                                     \
		wide_acquire();                                                            \
		ok = *a == *c;                                                             \
		if (ok)                                                                    \
			*a = v;                                                            \
		else                                                                       \
			*c = *a;                                                           \
		wide_release();                                                            \
		HB(a, true, ok);                                                           \
		return ok;                                                                 \
	}                                                                                  \
	int __tsan_atomic##bits##_compare_exchange_strong(volatile type *a, type *c, type v, \
							  int mo, int fmo);                \
	int __tsan_atomic##bits##_compare_exchange_strong(volatile type *a, type *c, type v, \
							  int mo, int fmo)                 \
	{                                                                                  \
		return wide_cas##bits(a, c, v);                                            \
	}                                                                                  \
	int __tsan_atomic##bits##_compare_exchange_weak(volatile type *a, type *c, type v,   \
							int mo, int fmo);                  \
	int __tsan_atomic##bits##_compare_exchange_weak(volatile type *a, type *c, type v,   \
							int mo, int fmo)                   \
	{                                                                                  \
		return wide_cas##bits(a, c, v);                                            \
	}                                                                                  \
	type __tsan_atomic##bits##_compare_exchange_val(volatile type *a, type c, type v,    \
							int mo, int fmo);                  \
	type __tsan_atomic##bits##_compare_exchange_val(volatile type *a, type c, type v,    \
							int mo, int fmo)                   \
	{                                                                                  \
		wide_cas##bits(a, &c, v);                                                  \
		return c;                                                                  \
	}

#include "hooks.def"

void __tsan_atomic_thread_fence(int mo);
void __tsan_atomic_thread_fence(int mo)
{
	SYNC("atomic fence", NULL);
	__atomic_thread_fence(mo);
}

void __tsan_atomic_signal_fence(int mo);
void __tsan_atomic_signal_fence(int mo)
{
	__atomic_signal_fence(mo);
}

/* Called from every instrumented module's constructor; the runtime needs no
 * set-up before main (the fork server starts in __wrap_main). */
void __tsan_init(void);
void __tsan_init(void)
{
}

/* Function entry and exit: racehunt keeps no shadow stack (reports name the
 * access's own file:line), so these cost one call each. */
void __tsan_func_entry(void *call_pc);
void __tsan_func_entry(void *call_pc)
{
}

void __tsan_func_exit(void);
void __tsan_func_exit(void)
{
}

/* C++ virtual calls: the vtable pointer is read like a field, and written by
 * constructors and destructors. */
void __tsan_vptr_read(void **vptr);
void __tsan_vptr_read(void **vptr)
{
	if (RH_UNLIKELY(rh__rt_on))
		rh__rt_access((uintptr_t)vptr, sizeof(*vptr), 0, PC());
}

void __tsan_vptr_update(void **vptr, void *new_value);
void __tsan_vptr_update(void **vptr, void *new_value)
{
	if (RH_UNLIKELY(rh__rt_on) && *vptr != new_value)
		rh__rt_access((uintptr_t)vptr, sizeof(*vptr), 1, PC());
}

void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_begin(void)
{
	if (rh__rt_self != NULL)
		rh__rt_self->ignore++;
}

void __tsan_ignore_thread_end(void);
void __tsan_ignore_thread_end(void)
{
	if (rh__rt_self != NULL && rh__rt_self->ignore > 0)
		rh__rt_self->ignore--;
}
