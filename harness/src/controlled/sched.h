/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Inside the controlled scheduler: the explorer (one search), the record of
 * its last run (choices and trace events), the strategies that make each
 * choice, and the schedule strings that carry a run from one process to
 * another.
 *
 * Vocabulary. A step is one resumption of a fiber by the scheduler: the
 * fiber performs the sync operation it was stopped before, then runs to its
 * next sync point. A choice is a step where at least two fibers could run;
 * only choices are recorded, as the thread picked. The default choice keeps
 * the current fiber running if it can, else picks the lowest thread id; a
 * deviation is a choice that differs from the default, and a preemption is a
 * choice that switches away from a fiber that could have continued. */
#ifndef RH_SCHED_H
#define RH_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "controlled.h"
#include "fiber.h"
#include "strategy.h"
#include "core/trial.h"
#include "runtime/objects.h"

/* For the scheduler's bookkeeping between steps (choices, trace, strategy
 * state): memory no fiber ever touches, yet under ThreadSanitizer every
 * access there would be checked at each of a run's thousands of steps. */
#if RH_TSAN
#define RH_SCHEDULER_ONLY __attribute__((no_sanitize("thread")))
#else
#define RH_SCHEDULER_ONLY
#endif

#define RH_NO_THREAD 0xffu
/* A run that takes this many steps is reported as a HANG: a fiber spinning on
 * a flag nobody else gets to set never ends under a fair-less strategy. */
#define RH_SCHED_MAX_STEPS 2000000u
/* Fairness: a thread that took this many steps in a row while another could
 * run is switched away from once, whatever the strategy chose, so a
 * busy-wait on another thread's store ends. Deterministic, so replays see
 * the same switch (recorded as an ordinary choice). */
#define RH_SCHED_FAIR_STEPS 1000u

/* What a thread is stopped before, for a strategy that looks (dpor,
 * RH_STRATEGY_PENDING): its sync op and object, or RH_OP_COUNT_ when it is
 * about to start a round (no op yet) or cannot run at all. RH_OP_POINT is
 * plain memory: obj the location the point names (NULL for none) and access
 * what the code after it does there (an rh_access; RH_ACCESS_ANY: memory not
 * named). A runtime that sees plain accesses (racehunt exec's shared
 * accesses) says each as a point with its address, read or write. */
typedef struct rh_pending {
	const void *obj;
	uint32_t round;
	uint8_t op;
	uint8_t access; /* RH_OP_POINT: an rh_access */
	bool reader;	/* an RH_OP_RWUNLOCK of a read lock */
} rh_pending;

typedef struct rh_choice {
	uint64_t enabled; /* bit i: thread i could run */
	uint8_t cur;	  /* thread that ran last, RH_NO_THREAD at the start */
	uint8_t chosen;
	/* The fairness rule switched away from cur (the strategy kept it): a
	 * replay makes the same switch by itself, so no deviation is recorded. */
	bool fair;
} rh_choice;

typedef struct rh_dev {
	uint32_t at; /* choice index */
	uint8_t tid;
} rh_dev;

typedef enum rh_ev_kind {
	RH_EV_OP,	 /* a sync operation: op, name, maybe a value */
	RH_EV_ROUND_END, /* reached the end-of-round barrier */
	RH_EV_EXIT,	 /* returned from its last round */
	RH_EV_DIED,	 /* rh_thread_die() */
	RH_EV_BLOCKED,	 /* still waiting when nobody could run: op, name, holder */
} rh_ev_kind;

typedef struct rh_event {
	uint8_t tid;
	uint8_t kind;
	uint8_t op;
	uint8_t has_value;
	uint32_t round;
	const char *name; /* interned: outlives the trial's state */
	uint64_t value;	  /* RH_EV_BLOCKED: holder thread + 1, 0 = none */
} rh_event;

/* One step as the text trace prints it: "load entry_count=100", "lock index",
 * "write block@6528", "end of round 0". Returns what snprintf returns. */
int rh_event_text(const rh_event *e, char *buf, size_t cap);

/* How a recorded run ended, so a replay that sees no violation can tell
 * "not reproduced" from "clean". UNRECORDED: not known (a string from before
 * schedule strings said it; the format then writes nothing). */
typedef enum rh_sched_end { RH_END_UNRECORDED, RH_END_CLEAN, RH_END_FAILED } rh_sched_end;

/* A schedule string, decoded. */
typedef struct rh_sched_spec {
	char scenario[96];
	char variant[64];
	rh_params params;
	uint64_t seed;
	uint64_t index;
	char strategy[32];
	rh_dev *devs; /* malloc'd */
	size_t n_devs;
	uint32_t choices;     /* choices the run made */
	uint32_t fingerprint; /* of the run's steps, checked by a strict replay */
	/* A `racehunt exec` run (scenario "exec", schedule_exec.c): PROG and its
	 * arguments as the string carries them (malloc'd; NULL for a store's
	 * run), the program file's FNV-1a 64, the points model, the watchdog. */
	char *argv;
	uint64_t program_hash;
	unsigned points, watchdog_ms;
	rh_sched_end end;
	rh_kind end_kind; /* RH_END_FAILED: the run's first violation */
} rh_sched_spec;

struct rh_name_slot {
	const char *key;
	char *copy;
	uint32_t hash;
};

struct rh_explorer {
	const rh_strategy *strategy;
	void *st; /* the strategy's own state */
	char spec[32]; /* as schedule strings name the strategy */
	uint64_t seed;
	uint64_t runs;
	bool exhausted;
	rh_rng rng; /* seeded for each run */
	/* A strict replay that left the recorded run, and why. */
	bool diverged;
	char why[160];

	/* the last run */
	/* How the last run's trial ended, once checked: the campaign's
	 * rh_trial_execute sets it for the schedule string to record. */
	rh_sched_end end;
	rh_kind end_kind;
	rh_choice *choices;
	size_t n_choices, cap_choices;
	rh_event *events;
	size_t n_events, cap_events;
	uint64_t steps;
	unsigned preemptions;
	uint64_t fp;
	const rh_scenario *scenario;
	unsigned variant;
	rh_params params;
	uint64_t trial_seed, trial_index;
	char *schedule;

	/* interned object names (open addressing, power-of-two size) */
	struct rh_name_slot *names;
	size_t n_names, cap_names;

	/* Every step through the scheduler, as under TSan: tests compare the
	 * two paths, which must make the same runs. */
	bool no_fast_path;

	/* model state of the run's sync objects, cleared for each run */
	rh_objects objects;

	/* RH_STRATEGY_PENDING: what every thread is stopped before */
	rh_pending pending[RH_MAX_THREADS];

	/* fibers, kept from run to run */
	rh_fiber fibers[RH_MAX_THREADS];
	unsigned n_fibers;
};

/* strategy.c: the explorer's side of the strategy table. */
bool rh_strategy_begin(rh_explorer *x, unsigned threads);
/* Every step; enabled has at least one bit. */
unsigned rh_strategy_choose(rh_explorer *x, uint64_t enabled, unsigned cur);
void rh_strategy_end(rh_explorer *x);

/* strategy_replay.c: an explorer that replays explicit deviations: strict
 * (a replay: any mismatch marks the run diverged) or lenient (a shrink
 * candidate: a deviation that cannot apply falls back to the default). */
rh_explorer *rh_explorer_choices(const rh_sched_spec *sp, bool strict);
/* The last run as a spec (deviations from the default choice). */
void rh_explorer_spec(const rh_explorer *x, rh_sched_spec *out);
const char *rh_explorer_diverged(const rh_explorer *x);

/* schedule.c */
/* malloc'd string, NULL (with err) when a name holds unsafe characters. */
char *rh_schedule_format(const rh_sched_spec *sp, char *err, size_t errcap);
bool rh_schedule_parse(const char *str, rh_sched_spec *out, char *err, size_t errcap);
void rh_schedule_spec_free(rh_sched_spec *sp);
uint32_t rh_fnv1a(uint32_t h, const void *data, size_t n);
#define RH_FNV_BASIS 2166136261u

/* schedule_exec.c: whether str is an exec run's schedule string (its
 * validation is rh_schedule_resolve's); an exec run's program and arguments in a schedule's
 * ARGV field, malloc'd (NULL when out of memory); and back, as a
 * NULL-terminated vector in one allocation (free it), NULL when the field is
 * malformed or names more than max words. */
bool rh_schedule_is_exec(const char *str);
char *rh_schedule_argv_encode(char *const *argv);
char **rh_schedule_argv_decode(const char *enc, size_t max);
/* For schedule.c: an exec spec's "exec:ARGV:PARAMS" fields; and parsing its
 * ARGV and PARAMS fields into out (false: malformed). */
int rh__schedule_exec_fields(char *buf, size_t cap, const rh_sched_spec *sp);
bool rh__schedule_exec_parse(const char *argv, const char *params, rh_sched_spec *out);

#endif
