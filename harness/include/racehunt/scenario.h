/* SPDX-License-Identifier: MIT */
/* racehunt — scenarios: a store variant, a workload, a thread count and the
 * properties checked afterwards.
 *
 * A scenario is written once and runs against every variant of its store, in
 * stress mode (OS threads behind a barrier) and in controlled mode (fibers
 * under a deterministic scheduler) alike. Each variant declares the outcome it
 * expects; `racehunt hunt` compares the declaration with what it observes.
 *
 * Life of one trial:
 *   state = setup(params, variant, trial)
 *   for each round r < params.rounds: every thread tid runs thread(state, tid, r, trial),
 *       all released together; the round ends when all have returned
 *   check(state, trial)            -- single-threaded, after every thread is done
 *   teardown(state)                -- skipped when the trial was abandoned (HANG)
 *
 * Worker threads and check() report through rh_violation(), which is
 * thread-safe. Register a scenario with RH_SCENARIO(symbol) in any object file
 * linked into the racehunt binary: bringing your own store is the same path. */
#ifndef RACEHUNT_SCENARIO_H
#define RACEHUNT_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "racehunt/platform.h"
#include "racehunt/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rh_expect {
	RH_EXPECT_CLEAN = 0,
	RH_EXPECT_DETECTED = 1,
} rh_expect;

/* Violation kinds: the one list (as libuv's UV_ERRNO_MAP) that generates
 * the enum (RH_<NAME>), the names reports and JSON use (rh_kind_name: the
 * NAME itself) and the report colours. X(NAME, colour, what it means). */
#define RH_KIND_MAP(X)                                                                             \
	X(CORRUPTION, "#d1495b", "content read back is not what was written")                       \
	X(OVERLAP, "#e07a1f", "two allocations share bytes")                                        \
	X(MONOTONICITY, "#8e5cc2", "a sequence that must strictly increase did not")                \
	X(LOST_UPDATE, "#c2a01b", "a counter or sum misses acknowledged work")                      \
	X(DUPLICATE, "#2f7ebf", "something recorded more than once")                                \
	X(NOT_FOUND, "#7a4b2a", "committed data is missing")                                        \
	X(OUT_OF_BOUNDS, "#c4458f", "an offset or length points outside its file/region")           \
	X(INVARIANT, "#3b8f8a", "any other stated invariant broken")                                \
	X(HANG, "#5b6478", "the watchdog expired; threads did not finish")                          \
	X(DEADLOCK, "#1f2a44", "nobody can run, somebody waits")                                    \
	X(CRASH, "#8b1e2d", "the trial died on a signal (sanitizer abort, SIGSEGV, ...)")           \
	X(SANITIZER, "#6a8d2f", "ThreadSanitizer reported a data race during the trial")            \
	X(NOT_LINEARIZABLE, "#b35c3c", "no sequential order of a put/get history explains it")      \
	X(DATA_RACE, "#a33b6b", "exec: two conflicting plain accesses in flight at once")           \
	X(EXIT, "#6b4f8f", "exec: the program exited with a non-zero status")                       \
	X(LIVELOCK, "#3d5a80", "exec: threads keep running, none makes progress")

typedef enum rh_kind {
#define RH__KIND_ENUM(name, colour, what) RH_##name,
	RH_KIND_MAP(RH__KIND_ENUM)
#undef RH__KIND_ENUM
	RH_KIND_COUNT_
} rh_kind;

const char *rh_kind_name(rh_kind kind);
/* -1 when the name is unknown. */
int rh_kind_parse(const char *name);

typedef struct rh_variant {
	const char *name;
	rh_expect expect;
	const char *what; /* one line: what this variant does differently */
} rh_variant;

typedef struct rh_params {
	unsigned threads;
	unsigned ops;	 /* operations per thread per round */
	unsigned rounds; /* barrier-separated rounds per trial */
	unsigned size;	 /* scenario-defined size: payload bound, key count, ... */
} rh_params;

typedef struct rh_trial rh_trial;

/* The largest workload a scenario holds. Every door into a trial (run,
 * replay, shrink, run --strategy replay:) refuses a bigger one with exit 2
 * and the limit named, before setup() does any size arithmetic; setup() may
 * rely on it. A scenario declares what its memory and time allow; 0 takes
 * the harness default (racehunt list prints the limits in force). */
typedef struct rh_limits {
	uint64_t max_ops;    /* threads * ops * rounds: operations of one trial */
	unsigned max_rounds; /* barrier-separated rounds of one trial */
	unsigned max_size;   /* the scenario-defined size (payload bound, keys, ...) */
} rh_limits;

typedef struct rh_scenario {
	const char *name; /* "<store>.<kind>" */
	const char *summary;
	const rh_variant *variants;
	unsigned n_variants;
	rh_params defaults;
	unsigned max_threads;
	/* Stress trials this scenario needs by default to mean anything, so `hunt`
	 * can budget it; 0 = the campaign default. */
	unsigned stress_trials;
	void *(*setup)(const rh_params *p, unsigned variant, rh_trial *t);
	void (*thread)(void *state, unsigned tid, unsigned round, rh_trial *t);
	void (*check)(void *state, rh_trial *t);
	void (*teardown)(void *state);
	rh_limits limits;
} rh_scenario;

void rh_scenario_register(const rh_scenario *s);
/* The same, remembering where the scenario is defined: reports (SARIF) point
 * there. file is kept by pointer. */
void rh_scenario_register_at(const rh_scenario *s, const char *file, unsigned line);

#define RH_SCENARIO(sym)                                                                   \
	__attribute__((constructor)) static void rh__register_##sym(void)                  \
	{                                                                                  \
		rh_scenario_register_at(&(sym), __FILE__, __LINE__);                        \
	}

/* Report a violation of the running trial. Thread-safe. The first one of a
 * trial is kept in full for the report; later ones are counted per kind.
 * The message says expected vs got and whose data it was. */
void rh_violation(rh_trial *t, rh_kind kind, const char *fmt, ...) RH_PRINTF(3, 4);
bool rh_trial_failed(const rh_trial *t);
/* The trial could not run as its workload asks for want of a resource (memory,
 * file descriptors, disk space, a process): not a violation. racehunt stops
 * with exit 3 and this message once the trial's threads are done. The first
 * call of a trial is kept. Thread-safe. */
void rh_trial_error(rh_trial *t, const char *fmt, ...) RH_PRINTF(2, 3);

const rh_params *rh_trial_params(const rh_trial *t);
/* Deterministic per-thread random stream of this trial (seeded from the
 * campaign seed, the trial number and tid). Call only from thread tid. */
rh_rng *rh_trial_rng(rh_trial *t, unsigned tid);
/* A thread records a labelled measurement (latency in ns, ...), summarised in
 * the report as percentiles. Call only from thread tid. */
void rh_trial_sample(rh_trial *t, unsigned tid, uint64_t value);

/* The calling scenario thread dies here, holding whatever it holds: how
 * scenario kind 6 simulates a thread killed inside a critical section. */
RH_NORETURN void rh_thread_die(void);

#ifdef __cplusplus
}
#endif

#endif
