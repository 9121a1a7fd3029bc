/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * SIGINT and SIGTERM: the first one asks the run to stop (campaigns stop
 * within one poll, kill and reap their trial processes, print what they
 * have, write their results whole); a second one removes temporaries and
 * exits at once. */
#ifndef RH_CORE_INTERRUPT_H
#define RH_CORE_INTERRUPT_H

/* Install the handlers (idempotent). */
void rh_interrupt_install(void);
/* The signal that asked to stop, 0 when none did. */
int rh_interrupted(void);
/* In a trial child: default dispositions again; its parent stops it. */
void rh_interrupt_default(void);

#endif
