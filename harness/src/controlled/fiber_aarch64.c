/* SPDX-License-Identifier: MIT */
/* racehunt — the AArch64 fiber switch: the callee-saved registers of AAPCS64
 * (x19-x28, the frame pointer x29, the link register x30 and the low halves
 * of v8-v15) stored in a 160-byte frame on the running stack, sp swapped,
 * loaded from the other, and a return through x30. */
#include <stdint.h>
#include <string.h>

#include "fiber_backend.h"

#if !defined(__aarch64__)
#error "fiber_aarch64.c is the AArch64 back end; configure RACEHUNT_FIBER_BACKEND for this target"
#endif

#define FRAME 160 /* 10 register pairs, keeps sp 16-byte aligned */
#define FRAME_X30 88 /* x30's slot: the address the first ret goes to */

__asm__(".text\n"
	".globl rh__fiber_swap\n"
	".hidden rh__fiber_swap\n"
	".type rh__fiber_swap,%function\n"
	".p2align 2\n"
	"rh__fiber_swap:\n"
	"\tsub sp, sp, #160\n"
	"\tstp x19, x20, [sp, #0]\n"
	"\tstp x21, x22, [sp, #16]\n"
	"\tstp x23, x24, [sp, #32]\n"
	"\tstp x25, x26, [sp, #48]\n"
	"\tstp x27, x28, [sp, #64]\n"
	"\tstp x29, x30, [sp, #80]\n"
	"\tstp d8, d9, [sp, #96]\n"
	"\tstp d10, d11, [sp, #112]\n"
	"\tstp d12, d13, [sp, #128]\n"
	"\tstp d14, d15, [sp, #144]\n"
	"\tmov x2, sp\n"
	"\tstr x2, [x0]\n"
	"\tmov sp, x1\n"
	"\tldp x19, x20, [sp, #0]\n"
	"\tldp x21, x22, [sp, #16]\n"
	"\tldp x23, x24, [sp, #32]\n"
	"\tldp x25, x26, [sp, #48]\n"
	"\tldp x27, x28, [sp, #64]\n"
	"\tldp x29, x30, [sp, #80]\n"
	"\tldp d8, d9, [sp, #96]\n"
	"\tldp d10, d11, [sp, #112]\n"
	"\tldp d12, d13, [sp, #128]\n"
	"\tldp d14, d15, [sp, #144]\n"
	"\tadd sp, sp, #160\n"
	"\tret\n"
	".size rh__fiber_swap,.-rh__fiber_swap\n");

void *rh__fiber_seed(rh_fiber *f, void (*entry)(void))
{
	uintptr_t top = ((uintptr_t)f->stack + f->stack_size) & ~(uintptr_t)15;
	char *frame = (char *)(top - FRAME);
	uintptr_t pc = (uintptr_t)entry;

	/* Zero registers and frame pointer (the end of a backtrace); the ret
	 * enters entry with sp = top, 16-byte aligned as AAPCS64 demands. */
	memset(frame, 0, FRAME);
	memcpy(frame + FRAME_X30, &pc, sizeof(pc));
	return frame;
}

void *rh__fiber_thread_sp(rh_fiber *self)
{
	(void)self;
	return NULL; /* the first switch away stores it */
}
