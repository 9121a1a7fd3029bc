/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * The reduction behind the dpor and dpor:K strategies: stateless source-DPOR
 * with sleep sets (Abdulla, Aronis, Jonsson, Sagonas, "Optimal dynamic
 * partial order reduction", POPL 2014, the source-set algorithm), and with a
 * preemption bound a depth-first search that explores each interleaving
 * class within the bound once (dpor_memo.c).
 *
 * It knows nothing of fibers: a run is a sequence of steps, and at every step
 * (choice or not) the caller says which threads can run, which ran last, and
 * the operation each thread is stopped before. The thread chosen performs
 * that operation, then runs to its next one. Between runs the module finds
 * the races of the run just made (pairs of dependent steps of two threads
 * that no other step orders), and for each adds a thread to the backtrack set
 * of the step before the first of the pair, unless one of the race's
 * initials is already there; sleep sets stop a thread that was explored at a
 * step from being explored again below it until a dependent step ran. The
 * next run replays the deepest step with an unexplored backtrack entry and
 * carries on with the default choice (keep the running thread).
 *
 * Bounded (dpor:K), races do not steer the search: BPOR's conservative
 * entries (Coons, Musuvathi, McKinley, OOPSLA 2013), which this module had,
 * missed classes and final states within the bound on generated programs
 * and on the stores. Instead every thread within the bound is tried at
 * every node, and a state already reached (the class of the steps so far,
 * the thread that ran last, the preemptions spent) is not explored again
 * (dpor_memo.c).
 *
 * Dependency (rh_dpor_dependent): two steps of different threads on the
 * same object, of which one writes (a read-modify-write writes) or both
 * acquire one lock (two read locks of an rwlock do not conflict); a release
 * and the acquire it enables order them (happens-before) without being a
 * race to reverse. Plain memory is a family of its own: a step that reads or
 * writes a named location (RH_DPOR_MREAD, RH_DPOR_MWRITE, keyed by address)
 * conflicts with plain-memory steps on that address of which one writes; a
 * step on plain memory nobody names (RH_DPOR_ANYMEM) conflicts with every
 * plain-memory step. Locks and atomics never conflict with plain memory: what
 * a critical section touches is ordered by its lock, and plain memory touched
 * outside a common lock must be named (the points model, docs/controlled.md).
 * RH_DPOR_ANYSYNC is to the other sync classes what ANYMEM is to plain memory.
 * A round barrier orders every step of a round before every step of the next.
 *
 * A step is the operation a thread was stopped before plus the code it runs
 * to its next stop. When that next stop is a plain-memory point, the code
 * before it is taken to touch what the point names too (a store's "read;
 * point; write" window): the step carries the point as its tail, learnt
 * when the step has run (a sleeping thread keeps the tail its explored step
 * had: its code does not change while nothing it depends on runs). */
#ifndef RH_DPOR_H
#define RH_DPOR_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum rh_dpor_class {
	RH_DPOR_LOCAL,	   /* nothing another thread sees (a round's first step) */
	RH_DPOR_READ,	   /* atomic load */
	RH_DPOR_WRITE,	   /* store, fetch_add, compare-exchange */
	RH_DPOR_ACQUIRE,   /* mutex lock, rwlock write lock */
	RH_DPOR_RELEASE,   /* mutex unlock */
	RH_DPOR_RDACQUIRE, /* rwlock read lock */
	RH_DPOR_RWRELEASE, /* rwlock unlock: a reader's or the writer's, the module tells */
	RH_DPOR_RDRELEASE, /* (internal) a reader's rwlock unlock */
	RH_DPOR_MREAD,	   /* plain memory at obj, only read */
	RH_DPOR_MWRITE,	   /* plain memory at obj, written (maybe read too) */
	/* Plain memory nobody names (an rh_point without a location): conflicts
	 * with every plain-memory step (obj is not looked at). */
	RH_DPOR_ANYMEM,
	/* A sync operation on objects nobody names (racehunt exec: a condition
	 * wait, which releases and retakes its mutex; a trylock, which may take
	 * the lock or only read it; a semaphore, create, join): conflicts with
	 * every step that is not plain memory or LOCAL (obj is not looked at),
	 * and may take or release any lock (an rwlock's unlock after one must
	 * be said exactly: RH_DPOR_RELEASE or RH_DPOR_RDRELEASE). */
	RH_DPOR_ANYSYNC,
} rh_dpor_class;

/* What a thread is stopped before: the dependence interface. obj is the
 * object's or location's address (0 with RH_DPOR_LOCAL and RH_DPOR_ANYMEM):
 * a runtime that sees memory accesses (racehunt exec) gives each the address
 * of the location (its granule) and RH_DPOR_MREAD or RH_DPOR_MWRITE, atomics
 * RH_DPOR_READ or RH_DPOR_WRITE, locks their class. */
typedef struct rh_dpor_op {
	uintptr_t obj;
	uint32_t round;
	uint8_t cls;
} rh_dpor_op;

#define RH_DPOR_UNBOUNDED UINT_MAX

typedef struct rh_dpor rh_dpor;

/* bound: at most that many preemptions per run (switches away from a thread
 * that could have continued), or RH_DPOR_UNBOUNDED. */
rh_dpor *rh_dpor_new(unsigned bound);
void rh_dpor_free(rh_dpor *d);

/* Before a run of a program with threads threads (1..64): false when the
 * search is exhausted (nothing runs then). */
bool rh_dpor_begin(rh_dpor *d, unsigned threads);
/* At every step of the run: enabled (not 0) the threads that can run, cur the
 * thread that ran last (>= threads at the start), pending[t] what each thread
 * t < threads is stopped before (RH_DPOR_LOCAL when at none). Returns a
 * thread in enabled. */
unsigned rh_dpor_choose(rh_dpor *d, uint64_t enabled, unsigned cur, const rh_dpor_op *pending);
/* After the run: its races become backtrack points. final[t] is what thread
 * t was stopped before when the run ended (a lock it still waits for counts
 * as an attempt racing with the holder's acquire), NULL when unknown. */
void rh_dpor_end(rh_dpor *d, const rh_dpor_op *final);
/* Before rh_dpor_end when the run's last step ended the program (an exit, a
 * crash, a reported violation) while the threads in live had not ended (the
 * last step's own thread may be among them): the end disables them, so it
 * races with each one's next step, which never ran (dpor_race.c). */
void rh_dpor_end_cut(rh_dpor *d, uint64_t live);

/* Runs that explored a new class of interleavings; runs cut short by their
 * sleep sets (every runnable thread asleep: equivalent to one explored, so
 * run to its end with default choices and not counted as explored); whether
 * the last run was one of those; whether nothing is left. */
uint64_t rh_dpor_explored(const rh_dpor *d);
uint64_t rh_dpor_pruned(const rh_dpor *d);
bool rh_dpor_last_pruned(const rh_dpor *d);
bool rh_dpor_exhausted(const rh_dpor *d);
/* Whether a replayed prefix once found different runnable threads or
 * operations than recorded (the program is not deterministic). */
bool rh_dpor_diverged(const rh_dpor *d);

/* Tests only: treat reads and writes of one object or location as
 * independent, so the property tests can show they fail on a wrong
 * dependency relation. */
void rh_dpor_break_dependency(rh_dpor *d);

/* The relation itself, for tests and the strategy: whether an access a and
 * an access b (of two threads) must stay ordered. A step is dependent on
 * another when one of its accesses (its op, its tail) is on one of the
 * other's. */
bool rh_dpor_dependent(rh_dpor_op a, rh_dpor_op b);

/* ---- internals, shared by dpor.c (the search) and dpor_race.c (races) --- */

#include <stddef.h>

#define NO_THREAD 0xffu
#define NO_STEP UINT32_MAX

struct node {
	uint64_t enabled;
	uint64_t sleep;	       /* asleep on entry */
	uint64_t done;	       /* explored here: they sleep below */
	uint64_t backtrack;    /* source-set entries still to explore */
	/* Their step explored here ended the program (rh_dpor_end_cut): it
	 * disables every other thread, so it commutes with nothing and never
	 * sleeps below a sibling. */
	uint64_t ended;
	uint16_t preempts;     /* preemptions before this step */
	uint8_t cur, chosen;
	bool fresh; /* a round barrier just let everyone go: no thread was running */
	/* bounded: the class of the steps before this one, and its hash */
	uint32_t memo_class;
	uint64_t h1, h2;
};

/* The last access on a key (an object, or a plain location: two families,
 * so a lock and a location at one address stay apart). */
struct rh_memo;

struct obj_slot {
	uintptr_t obj;
	uint32_t last; /* access id: step * 2 + (0 op, 1 tail) */
	uint8_t used, mem;
};

struct rh_dpor {
	unsigned bound, n;
	bool broken, exhausted, blocked, diverged;
	uint64_t runs, explored, pruned;
	uint64_t end_live; /* rh_dpor_end_cut's, for the run's end */

	struct node *nodes;
	size_t len, cap, prefix;
	rh_dpor_op *ops; /* [step * n + thread]: what each thread was stopped before */
	/* [step * n + thread]: the plain-memory point a thread's step there ran
	 * to (RH_DPOR_LOCAL for none), for the thread chosen, the ones explored
	 * there before and the ones asleep */
	rh_dpor_op *tails;
	size_t ops_cap;
	size_t pos; /* steps of the current run */
	unsigned preempts;

	/* race analysis, per step of the run */
	uint32_t *clock; /* [step * n + thread] */
	size_t clock_cap;
	uint32_t *seq, *gprev, *cand; /* gprev: the chain of plain-memory steps */
	/* sprev: the chain of steps with a sync op (not plain memory, not
	 * LOCAL); aprev: of those with RH_DPOR_ANYSYNC (last: sync_last,
	 * any_last) */
	uint32_t *sprev, *aprev;
	rh_dpor_op *acc;	      /* [step * 2 + 0 op, 1 tail], rwlock unlocks resolved */
	uint32_t *link;		      /* [access id]: the one before on its key */
	size_t step_cap;
	uint32_t tc[64 * 64], bar[64], tround[64], max_round, plain_last, sync_last, any_last;
	size_t analysed; /* steps of the run in the clocks (SIZE_MAX: none yet) */
	struct obj_slot *objs;
	size_t objs_cap;

	/* bounded: the states reached (dpor_memo.c) */
	struct rh_memo *memo;
};

static inline bool in(uint64_t m, unsigned t) { return t < 64 && (m >> t & 1); }
static inline uint64_t bit(unsigned t) { return 1ull << t; }

static inline bool is_read_lock(uint8_t c) { return c == RH_DPOR_RDACQUIRE || c == RH_DPOR_RDRELEASE; }
static inline bool is_acquire(uint8_t c) { return c == RH_DPOR_ACQUIRE || c == RH_DPOR_RDACQUIRE; }
static inline bool is_lock(uint8_t c) { return c >= RH_DPOR_ACQUIRE && c <= RH_DPOR_RDRELEASE; }
static inline bool is_mem(uint8_t c) { return c >= RH_DPOR_MREAD && c <= RH_DPOR_ANYMEM; }
static inline bool is_access(uint8_t c)
{
	return c == RH_DPOR_READ || c == RH_DPOR_WRITE || c == RH_DPOR_MREAD || c == RH_DPOR_MWRITE;
}
static inline bool is_release(uint8_t c)
{
	return c == RH_DPOR_RELEASE || c == RH_DPOR_RWRELEASE || c == RH_DPOR_RDRELEASE;
}

static inline bool dependent(const rh_dpor *d, rh_dpor_op a, rh_dpor_op b)
{
	if (d->broken && is_access(a.cls) && is_access(b.cls))
		return false;
	return rh_dpor_dependent(a, b);
}

/* A pending op as a tail: the plain-memory points only. */
static inline rh_dpor_op tail_of(rh_dpor_op op)
{
	return is_mem(op.cls) ? op : (rh_dpor_op){.cls = RH_DPOR_LOCAL, .round = op.round};
}

/* Two steps, each an op and a tail. */
static inline bool steps_dependent(const rh_dpor *d, rh_dpor_op a, rh_dpor_op at, rh_dpor_op b,
				   rh_dpor_op bt)
{
	return dependent(d, a, b) || dependent(d, a, bt) || dependent(d, at, b) ||
	       dependent(d, at, bt);
}

/* Switching away from a thread that could go on, except at a round's start
 * (the thread that reached the barrier last is not running any more). */
static inline unsigned preempt_cost(const struct node *nd, unsigned t)
{
	return in(nd->enabled, nd->cur) && t != nd->cur && !nd->fresh;
}

static inline bool within(const rh_dpor *d, const struct node *nd, unsigned t)
{
	return d->bound == RH_DPOR_UNBOUNDED || nd->preempts + preempt_cost(nd, t) <= d->bound;
}

/* After a run: clocks, races, backtrack entries; final as rh_dpor_end's.
 * Races only of the steps from `from` on. */
void rh__dpor_analyse(rh_dpor *d, size_t from, const rh_dpor_op *final);

/* Bounded: the clocks of the run's first len steps (incremental within a
 * run); the clock of a step thread q would make at node j (left at step
 * j's place, nothing else changed). */
void rh__dpor_clocks(rh_dpor *d, size_t len);
void rh__dpor_probe(rh_dpor *d, size_t j, unsigned q);

/* Bounded: after a run, its states against the ones reached before; the
 * run is cut where it reached one again (dpor_memo.c). */
bool rh__dpor_memo_node(rh_dpor *d, size_t j);
void rh__dpor_memo_end(rh_dpor *d);
void rh__dpor_memo_free(rh_dpor *d);

#endif
