/* SPDX-License-Identifier: MIT */
/* racehunt — fibers: mmap'd stacks with a guard page, and the sanitizer
 * annotations of every switch. The switch itself is the back end chosen at
 * configure time (RACEHUNT_FIBER_BACKEND): fiber_x86_64.c, fiber_aarch64.c
 * or fiber_ucontext.c. */
#include "fiber.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fiber_backend.h"
#include "racehunt/platform.h"

#if RH_TSAN
#include <sanitizer/tsan_interface.h>
#endif
#if RH_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

void rh_fiber_init_thread(rh_fiber *self)
{
	*self = (rh_fiber){0};
	self->sp = rh__fiber_thread_sp(self);
#if RH_TSAN
	self->tsan = __tsan_get_current_fiber();
#endif
}

bool rh_fiber_create(rh_fiber *f, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size = (size + page - 1) & ~(page - 1);
	/* The guard page sits below the stack: stacks grow down into it. */
	char *map = mmap(NULL, size + page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (map == MAP_FAILED)
		return false;
	if (mprotect(map, page, PROT_NONE) != 0) {
		munmap(map, size + page);
		return false;
	}
	*f = (rh_fiber){.stack = map + page, .stack_size = size};
	f->asan_bottom = f->stack;
	f->asan_size = f->stack_size;
#if RH_TSAN
	f->tsan = __tsan_create_fiber(0);
#endif
	return true;
}

void rh_fiber_destroy(rh_fiber *f)
{
	if (f->stack == NULL)
		return;
#if RH_TSAN
	__tsan_destroy_fiber(f->tsan);
#endif
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	munmap((char *)f->stack - page, f->stack_size + page);
	*f = (rh_fiber){0};
}

void rh_fiber_reset(rh_fiber *f, void (*entry)(void))
{
#if RH_TSAN
	/* A fresh TSan context each time: one the last run left deep inside
	 * calls (a deadlock, rh_thread_die) would keep those frames on its
	 * shadow stack, and runs would pile them up. */
	__tsan_destroy_fiber(f->tsan);
	f->tsan = __tsan_create_fiber(0);
#endif
#if RH_ASAN
	/* A fiber abandoned mid-call (deadlock) leaves its frames' redzones
	 * poisoned; the next user of the stack must not trip over them. */
	__asan_unpoison_memory_region(f->stack, f->stack_size);
#endif
	f->sp = rh__fiber_seed(f, entry);
	f->asan_fake = NULL;
}

void rh_fiber_switch(rh_fiber *from, rh_fiber *to, bool sync)
{
	/* Read what the switch needs before telling TSan: from its call on, any
	 * instrumented access is charged to the target fiber. */
	void *sp = to->sp;
#if RH_ASAN
	__sanitizer_start_switch_fiber(&from->asan_fake, to->asan_bottom, to->asan_size);
#endif
#if RH_TSAN
	void *tf = to->tsan;
	__tsan_switch_to_fiber(tf, sync ? 0 : __tsan_switch_to_fiber_no_sync);
#else
	(void)sync;
#endif
	rh__fiber_swap(&from->sp, sp);
#if RH_ASAN
	__sanitizer_finish_switch_fiber(from->asan_fake, NULL, NULL);
#endif
}

void rh_fiber_started(rh_fiber *self, rh_fiber *from)
{
#if RH_ASAN
	/* The first switch in tells where the thread's own stack is. */
	__sanitizer_finish_switch_fiber(NULL, &from->asan_bottom, &from->asan_size);
#endif
	(void)self;
	(void)from;
}

void rh_fiber_exit(rh_fiber *from, rh_fiber *to)
{
	void *sp = to->sp;
#if RH_ASAN
	/* NULL: this fiber's fake stack is released, it never runs again. */
	__sanitizer_start_switch_fiber(NULL, to->asan_bottom, to->asan_size);
#endif
#if RH_TSAN
	void *tf = to->tsan;
	/* flags 0: leaving for good acts as a join. */
	__tsan_switch_to_fiber(tf, 0);
#endif
	rh__fiber_swap(&from->sp, sp);
	__builtin_unreachable();
}
