/* SPDX-License-Identifier: MIT */
/* racehunt — the protocol between `racehunt exec` and the intercept runtime
 * (harness/intercept/) that racehunt-cc links into a user's program.
 *
 * racehunt starts the program once with RH_EXEC_ENV set. Before main, the
 * runtime becomes a fork server: it answers with a hello, then for every
 * trial racehunt asks for it forks a child that runs main from the pristine
 * pre-main state. Both sides map one shared page block (struct
 * rh_exec_shared): racehunt writes the trial's parameters there, the trial
 * writes its first violation back. The program's stdout and stderr go to a
 * capture file per trial, never to racehunt's own streams.
 *
 * Pipes (all integers native-endian, one write each):
 *   command  racehunt -> server: uint64 trial number; end of file = quit
 *   status   server -> racehunt: uint32 RH_EXEC_HELLO once; then per trial
 *            int32 pid of the trial, int32 its wait status */
#ifndef RACEHUNT_EXEC_H
#define RACEHUNT_EXEC_H

#include <stdatomic.h>
#include <stdint.h>

/* "SHM,COMMAND,STATUS,OUTPUT": four inherited file descriptors. */
#define RH_EXEC_ENV "RACEHUNT_EXEC"
/* Present in every program linked with the runtime: racehunt refuses to
 * start a program without it rather than running its main unsupervised. */
#define RH_EXEC_MARKER "racehunt-intercept-abi-1"
#define RH_EXEC_HELLO 0x72686578u /* "rhex" */
/* A trial that reported its own violation (deadlock, hang) ends with this. */
#define RH_EXEC_EXIT_REPORTED 86

/* kind of a trial that did something the runtime cannot model (too many
 * threads): message says what, racehunt exits 2. */
#define RH_EXEC_KIND_UNSUPPORTED 0xffffu

#define RH_EXEC_MSG_MAX 4096

typedef enum rh_exec_mode {
	RH_EXEC_STRESS = 0,
	RH_EXEC_CONTROLLED = 1, /* threads as fibers under a controlled strategy */
} rh_exec_mode;

typedef enum rh_exec_points {
	RH_POINTS_SYNC = 0,   /* noise and watchpoints at sync operations only */
	RH_POINTS_SHARED = 1, /* plus accesses to locations more than one thread touched */
	RH_POINTS_ALL = 2,    /* plus every instrumented access */
} rh_exec_points;

struct rh_exec_shared {
	uint32_t version; /* sizeof(struct rh_exec_shared), checked by the runtime */
	/* Written by racehunt before each trial. */
	uint32_t mode;	  /* rh_exec_mode */
	uint32_t points;  /* rh_exec_points */
	uint32_t watchdog_ms;
	uint32_t sample;  /* one access in about this many opens a watchpoint */
	uint64_t seed;
	uint64_t trial;
	double noise; /* probability of a perturbation at a sync point */
	char strategy[32]; /* controlled: "random", "pct:D" */
	/* Written by the trial: its first violation. kind is rh_kind + 1 (0 =
	 * none) and is stored last, once message is complete. In message,
	 * "{pc:0xOFF}" is an address in the program's file that racehunt
	 * symbolises to "file:line function", "{obj:0xOFF}" a data address it
	 * names by its symbol. */
	_Atomic uint32_t claimed; /* 0 free, 1 a reporter is writing */
	_Atomic uint32_t kind;
	uint32_t threads;	  /* threads the trial started, main included */
	char message[RH_EXEC_MSG_MAX];
};

#endif
