/* SPDX-License-Identifier: MIT */
/* This file is private to the intercept runtime (librh_intercept).
 *
 * The run record a controlled trial writes back to racehunt
 * (controlled_record.c): controlled.c's side of it. */
#ifndef RH_INTERCEPT_CONTROLLED_RECORD_H
#define RH_INTERCEPT_CONTROLLED_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "controlled/controlled.h"

/* The trial's explorer: the strategy racehunt named, or, when it named
 * "replay", the choices it forced. NULL with a one-line reason. */
rh_explorer *rh__rec_explorer(char *err, size_t errcap);
/* Whether this trial's choices are forced by racehunt; whether its own
 * strategy makes them (neither forced nor asked of racehunt's). */
bool rh__rec_forced(void);
bool rh__rec_strategy_here(void);
/* The thread to run among enabled: the trial's strategy's pick, or
 * racehunt's when its strategy stays in racehunt (dfs, dpor). */
unsigned rh__rec_choose(rh_explorer *x, uint64_t enabled, unsigned cur);
/* Empty the record for this trial. */
void rh__rec_start(void);
/* What the running thread is stopped before. */
void rh__rec_pending(const char *op, const void *obj, uintptr_t pc, uint32_t size,
		     unsigned flags);
/* The object of the call the running thread performs now (a model function
 * knows it, the scheduling point before it did not); the first one named
 * counts. */
void rh__rec_obj(const void *obj);
/* The running thread's step could not complete: it waits. */
void rh__rec_blocked(void);
/* The running thread has ended. */
void rh__rec_exit(void);
/* The scheduler picked next among enabled (cur ran last; fair: the fairness
 * rule overrode the strategy). */
void rh__rec_step(rh_explorer *x, uint64_t enabled, unsigned cur, unsigned next, bool fair);

#endif
