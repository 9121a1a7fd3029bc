/* SPDX-License-Identifier: MIT */
/* racehunt — the portable fiber switch: POSIX swapcontext, for targets
 * without a hand-written one. It costs time, not behaviour: glibc's
 * swapcontext makes a sigprocmask system call every switch, 269 ns against
 * 9.7 ns for the x86-64 assembly, and a dfs search runs 3.7 times fewer
 * schedules a second (bench_sched; docs/controlled.md "Fiber back ends"). */
#include <stdint.h>
#include <ucontext.h>

#include "fiber_backend.h"

/* Where an OS thread's own context is saved while its fibers run. */
static _Thread_local ucontext_t thread_context;

/* Not instrumented: under TSan it runs after the switch was announced, and
 * reading *save_sp then would be charged to the fiber switched to. */
__attribute__((no_sanitize("thread"))) void rh__fiber_swap(void **save_sp, void *new_sp)
{
	swapcontext(*save_sp, new_sp);
}

void *rh__fiber_seed(rh_fiber *f, void (*entry)(void))
{
	/* The context lives at the top of the fiber's own stack, the stack
	 * proper below it. */
	uintptr_t top = ((uintptr_t)f->stack + f->stack_size - sizeof(ucontext_t)) & ~(uintptr_t)15;
	ucontext_t *uc = (ucontext_t *)top;

	getcontext(uc);
	uc->uc_stack.ss_sp = f->stack;
	uc->uc_stack.ss_size = top - (uintptr_t)f->stack;
	uc->uc_link = NULL; /* entry never returns */
	makecontext(uc, entry, 0);
	return uc;
}

void *rh__fiber_thread_sp(rh_fiber *self)
{
	(void)self;
	return &thread_context;
}
