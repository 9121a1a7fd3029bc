/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness: what fiber.c asks of the
 * fiber back end CMake compiles in (RACEHUNT_FIBER_BACKEND; one of
 * fiber_x86_64.c, fiber_aarch64.c, fiber_ucontext.c). */
#ifndef RH_FIBER_BACKEND_H
#define RH_FIBER_BACKEND_H

#include "fiber.h"

/* Save the running context, *save_sp receiving what a later switch back
 * resumes, and continue the context new_sp names. Touches no instrumented
 * memory: it runs after TSan was told about the switch. */
void rh__fiber_swap(void **save_sp, void *new_sp);

/* What the first switch to f resumes: entry() at the top of f's stack, with
 * the stack aligned as the ABI wants at a function's entry. */
void *rh__fiber_seed(rh_fiber *f, void (*entry)(void));

/* The initial sp of an OS thread's own context (rh_fiber_init_thread). */
void *rh__fiber_thread_sp(rh_fiber *self);

#endif
