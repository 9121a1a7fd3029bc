/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Fibers: user-level contexts on mmap'd stacks with a guard page, switched by
 * a hand-written routine on x86-64 and AArch64 (the callee-saved registers
 * + sp; 9 ns here on x86-64) and by swapcontext elsewhere (a sigprocmask
 * syscall per switch, about 206 ns); fiber_backend.h. The switch tells
 * ThreadSanitizer and AddressSanitizer about every stack change, so a
 * controlled run stays visible to both. */
#ifndef RH_FIBER_H
#define RH_FIBER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rh_fiber {
	void *sp;	   /* saved stack pointer while switched out */
	void *stack;	   /* usable stack (above the guard page); NULL for a thread's own */
	size_t stack_size;
	void *tsan;	   /* TSan fiber context, or the thread's own */
	void *asan_fake;   /* ASan fake stack saved while switched out */
	const void *asan_bottom; /* ASan: bounds of the stack this one runs on */
	size_t asan_size;
} rh_fiber;

/* The context of the calling OS thread, so fibers can switch back to it. */
void rh_fiber_init_thread(rh_fiber *self);

/* Map a stack of at least size bytes plus a guard page, and a TSan context.
 * Returns false (errno set) when the mapping fails. */
bool rh_fiber_create(rh_fiber *f, size_t size);
void rh_fiber_destroy(rh_fiber *f);

/* Make f start entry() on its (re)used stack at the next switch to it. entry
 * must never return: it ends with rh_fiber_exit(). */
void rh_fiber_reset(rh_fiber *f, void (*entry)(void));

/* Switch from the running context (saved in from) to to. sync = false keeps
 * the switch free of any happens-before edge for ThreadSanitizer, so races
 * between fibers stay visible; sync = true makes it a join (everything from
 * did before happens before what to does next). */
void rh_fiber_switch(rh_fiber *from, rh_fiber *to, bool sync);

/* Called first thing by a fiber's entry function, after its first switch in. */
void rh_fiber_started(rh_fiber *self, rh_fiber *from);

/* Leave a fiber for good (it is never switched back to, only reset). */
__attribute__((noreturn)) void rh_fiber_exit(rh_fiber *from, rh_fiber *to);

#endif
