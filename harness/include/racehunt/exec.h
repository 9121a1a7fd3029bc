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
 * A controlled trial also writes its run record (struct rh_exec_record):
 * every choice it made and its last steps, so racehunt can write the
 * schedule string of a failing trial and print its trace; and racehunt can
 * hand a trial forced choices (a replay, a shrink candidate). With an
 * exhaustive strategy (dfs, dpor) the strategy stays in racehunt, which
 * keeps what the search has covered from trial to trial: the trial asks it
 * at each choice (or step) over the ask and answer pipes, and racehunt reads
 * what each thread is stopped before from the record (at[]) meanwhile.
 *
 * Pipes (all integers native-endian, one write each):
 *   command  racehunt -> server: uint64 trial number; end of file = quit
 *   status   server -> racehunt: uint32 RH_EXEC_HELLO once; then per trial
 *            int32 pid of the trial, int32 its wait status
 *   ask      trial -> racehunt: struct rh_exec_ask, then it waits for
 *   answer   racehunt -> trial: uint32 the thread to run */
#ifndef RACEHUNT_EXEC_H
#define RACEHUNT_EXEC_H

#include <stdatomic.h>
#include <stdint.h>

/* "SHM,COMMAND,STATUS,OUTPUT,ASK,ANSWER": six inherited file descriptors. */
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

/* The run record's bounds. Choices past RH_EXEC_CHOICES_MAX are counted but
 * not kept (the record overflowed: no schedule string); the step ring keeps
 * the last RH_EXEC_STEPS_MAX steps. */
#define RH_EXEC_CHOICES_MAX 65536
#define RH_EXEC_FORCED_MAX 65536
#define RH_EXEC_STEPS_MAX 4096
#define RH_EXEC_OPS_MAX 64 /* distinct step kinds named in one run */
#define RH_EXEC_OP_LEN 32
#define RH_EXEC_THREADS_MAX 64 /* controlled mode's fibers */

/* One choice: a step where two or more threads could run. */
struct rh_exec_choice {
	uint64_t enabled; /* bit i: thread i could run */
	uint8_t cur;	  /* thread that ran last */
	uint8_t chosen;
	uint8_t fair; /* the fairness rule switched away from cur */
	uint8_t pad[5];
};

enum {
	RH_EXEC_STEP_BLOCKED = 1u << 0,	  /* it could not complete the call: waits (at[]: still) */
	RH_EXEC_STEP_ACCESS = 1u << 1,	  /* a plain access of size bytes */
	RH_EXEC_STEP_WRITE = 1u << 2,	  /* an access that writes */
	RH_EXEC_STEP_DONE = 1u << 3,	  /* at[]: the thread has ended */
	RH_EXEC_STEP_CHOICE = 1u << 4,	  /* step[]: two or more threads could run */
	RH_EXEC_STEP_READER = 1u << 5,	  /* an rwlock unlock of a reader (not the writer) */
};

/* No step kind: a thread's first step (it starts), or more kinds than
 * RH_EXEC_OPS_MAX. */
#define RH_EXEC_OP_NONE 0xffu

/* One step: thread tid resumed and performed the call or access it was
 * stopped before (op indexes the record's ops[], obj is its object, 0 when
 * unknown, pc its call site: a return address). Addresses are the trial's
 * own; the record's image bounds tell racehunt which lie in the program's
 * file (written raw: a step costs a copy, not a conversion). */
struct rh_exec_step {
	uint64_t obj;
	uint64_t pc;
	uint32_t size;
	uint8_t tid;
	uint8_t op;
	uint8_t flags; /* RH_EXEC_STEP_* */
	uint8_t pad;
};

struct rh_exec_record {
	/* Written by racehunt before a trial: choices the trial must make
	 * (choice index, thread), sorted by index; the default elsewhere (keep
	 * the running thread, else the lowest runnable one). */
	uint32_t n_forced;
	/* Asking racehunt's search (RH_EXEC_ASK_STEPS): the choices before
	 * this one are forced[] (its replayed prefix), not asked. */
	uint32_t ask_from;
	struct {
		uint32_t at, tid;
	} forced[RH_EXEC_FORCED_MAX];
	/* Written by the trial as it runs; racehunt reads them once it ended. */
	uint64_t steps;
	uint64_t fingerprint; /* of every step's thread, kind and call site */
	uint32_t n_choices;   /* made; the first RH_EXEC_CHOICES_MAX are kept */
	uint32_t diverged;    /* 1 + the choice where a forced thread could not run */
	uint32_t n_ops;
	uint32_t pad;
	/* Where the program's file is mapped in the trial: its first byte, the
	 * end of its text, the end of its image. */
	uint64_t image_base, image_text_end, image_end;
	char ops[RH_EXEC_OPS_MAX][RH_EXEC_OP_LEN];
	struct rh_exec_choice choice[RH_EXEC_CHOICES_MAX];
	struct rh_exec_step step[RH_EXEC_STEPS_MAX]; /* step s at s % RH_EXEC_STEPS_MAX */
	/* Where each thread is: the step it is stopped before (or last made,
	 * RH_EXEC_STEP_DONE), for the end of a trace. */
	struct rh_exec_step at[RH_EXEC_THREADS_MAX];
};

typedef enum rh_exec_mode {
	RH_EXEC_STRESS = 0,
	RH_EXEC_CONTROLLED = 1, /* threads as fibers under a controlled strategy */
} rh_exec_mode;

/* Who chooses in a controlled trial. */
typedef enum rh_exec_remote {
	RH_EXEC_LOCAL = 0,	  /* the trial's own strategy (random, pct) */
	RH_EXEC_ASK_CHOICES = 1, /* racehunt, asked where two or more threads can run */
	/* racehunt, asked where two or more threads can run past the forced
	 * choices (ask_from: its search's replayed prefix), and at least every
	 * RH_EXEC_STEPS_MAX / 2 steps: it reads the steps in between from the
	 * record's ring, so it sees every step (dpor) */
	RH_EXEC_ASK_STEPS = 2,
} rh_exec_remote;

struct rh_exec_ask {
	uint64_t enabled; /* bit i: thread i can run */
	uint32_t cur;	  /* the thread that ran last */
	uint32_t pad;
};

typedef enum rh_exec_points {
	RH_POINTS_SYNC = 0,   /* noise and watchpoints at sync operations only */
	RH_POINTS_SHARED = 1, /* plus accesses to locations more than one thread touched */
	RH_POINTS_ALL = 2,    /* plus every instrumented access */
} rh_exec_points;

struct rh_exec_shared {
	uint32_t version; /* RH_EXEC_VERSION, checked by the runtime */
	/* Written by racehunt before each trial. */
	uint32_t mode;	  /* rh_exec_mode */
	uint32_t points;  /* rh_exec_points */
	uint32_t watchdog_ms;
	uint32_t sample;  /* one access in about this many opens a watchpoint */
	uint64_t seed;
	uint64_t trial;
	double noise; /* probability of a perturbation at a sync point */
	char strategy[32]; /* controlled: "random", "pct:D" */
	uint32_t remote;   /* controlled: rh_exec_remote */
	/* controlled dpor (points all): every access is checked for races by
	 * happens-before in the trial, no watchpoints, no delays at atomics */
	uint32_t hb;
	/* Written by the trial: its first violation. kind is rh_kind + 1 (0 =
	 * none) and is stored last, once message is complete. In message,
	 * "{pc:0xOFF}" is an address in the program's file that racehunt
	 * symbolises to "file:line function", "{obj:0xOFF}" a data address it
	 * names by its symbol. */
	_Atomic uint32_t claimed; /* 0 free, 1 a reporter is writing */
	_Atomic uint32_t kind;
	uint32_t threads;	  /* threads the trial started, main included */
	char message[RH_EXEC_MSG_MAX];
	struct rh_exec_record rec; /* controlled mode */
};

/* The protocol's number and the block's size: a program built with another
 * racehunt-cc refuses to serve (one line, exit 2). */
#define RH_EXEC_PROTOCOL 4u
#define RH_EXEC_VERSION ((uint32_t)(RH_EXEC_PROTOCOL << 24 | sizeof(struct rh_exec_shared)))
_Static_assert(sizeof(struct rh_exec_shared) < 1u << 24, "the version field holds the size");

#endif
