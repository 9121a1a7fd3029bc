/* SPDX-License-Identifier: MIT */
/* dpor for controlled exec trials: racehunt keeps the search (controlled/
 * dpor.h) across trials and tells it every step of each, with what every
 * thread was stopped before, as dpor's dependence:
 *
 *   plain access     its 8-byte granule, read or write; one that spans two
 *                    granules names no location (conflicts with every plain
 *                    access)
 *   atomic load      a read of its object; any other atomic (store,
 *                    exchange, fetch_*, compare-exchange) a write of it; a
 *                    fence nothing
 *   sched_yield, usleep, nanosleep, clock_nanosleep   nothing shared
 *   mutex and spin lock (timed and clock variants too: their timeouts never
 *   expire here), rwlock write lock     an acquire of the lock
 *   rwlock read lock                    a read acquire of it
 *   mutex, spin unlock; rwlock unlock   its release, a reader's said as such
 *                    (the runtime notes it at the point: the holder cannot
 *                    change before the unlock runs)
 *   a thread's start a write of an object of its own, so its create (below)
 *                    orders it and nothing else does: until its first point
 *                    it touches nothing shared
 *   everything else  ANYSYNC: dependent with every sync step above, whatever
 *                    its object (a condition wait, which releases and
 *                    retakes its mutex and waits for the signal; a trylock,
 *                    which takes the lock or only reads it; signal and
 *                    broadcast, semaphores, barriers, once, C++ guards,
 *                    create, join, exit, and any call not known): more
 *                    classes than needed, never a dependence missed
 *
 * A lock step that finds the lock held is a step too (the attempt: the
 * thread then waits and retries the call), an acquire either way.
 *
 * Every instrumented access is a step (points all), so the code between two
 * steps touches nothing another thread sees; the happens-before edges the
 * trial's race check uses (intercept/controlled_hb.c) are all between steps
 * this makes dependent, or that cannot run the other way round (a thread's
 * start after its create, a join after the joined thread's end): an unlock
 * and a later lock of one lock, a writer's rwlock unlock and any later lock
 * of it, a reader's and a later write lock (a reader's unlock and a read
 * lock are no edge there either); a condition wait's release and relock of
 * its mutex against that mutex's locks, signal and wait, post and wait,
 * barrier arrivals and departures, a C++ guard's release and the inline
 * load of it, all with an ANYSYNC step on one side; atomics by object. The
 * end of pthread_once's function is inside its runner's last step, of any
 * class: a caller before it waits for it, one after it finds it done, and
 * both go on ordered after it.
 *
 * What the search is told, and when: the choices of the prefix it replays
 * go to the trial as forced ones (it asks nothing there), and the trial
 * asks where two threads can run after it (and at least every
 * RH_EXEC_STEPS_MAX / 2 steps); at each question and at the end, the steps
 * made since are read from the record's ring. A replayed step's threads
 * other than the one that ran are told as the search recorded them: its
 * runnable set and the step that ran are checked against the record, not
 * what the others were stopped before. */
#include <string.h>

#include "controlled/dpor.h"
#include "controlled/strategy.h"
#include "exec.h"

/* A thread's start writes START_OBJ + its index: no object lives there. */
#define START_OBJ 1u

bool rh_exec_strategy_hb(const char *strategy)
{
	return strncmp(strategy, "dpor", 4) == 0 && (strategy[4] == '\0' || strategy[4] == ':');
}

bool rh_exec_dpor(const rh_exec *e)
{
	return e->explorer != NULL && e->explorer->strategy == &rh__strategy_dpor;
}

static bool named(const char *op, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcmp(op, *names) == 0)
			return true;
	return false;
}

/* The class of a lock call on its object, RH_DPOR_ANYSYNC when it is none
 * of those. */
static uint8_t lock_class(const char *op, uint8_t flags)
{
	static const char *const acquire[] = {
		"pthread_mutex_lock",	  "pthread_mutex_timedlock",	"pthread_mutex_clocklock",
		"pthread_spin_lock",	  "pthread_rwlock_wrlock",	"pthread_rwlock_timedwrlock",
		"pthread_rwlock_clockwrlock", NULL};
	static const char *const rdacquire[] = {"pthread_rwlock_rdlock", "pthread_rwlock_timedrdlock",
						"pthread_rwlock_clockrdlock", NULL};
	static const char *const release[] = {"pthread_mutex_unlock", "pthread_spin_unlock", NULL};

	if (named(op, acquire))
		return RH_DPOR_ACQUIRE;
	if (named(op, rdacquire))
		return RH_DPOR_RDACQUIRE;
	if (named(op, release))
		return RH_DPOR_RELEASE;
	if (strcmp(op, "pthread_rwlock_unlock") == 0)
		return flags & RH_EXEC_STEP_READER ? RH_DPOR_RDRELEASE : RH_DPOR_RELEASE;
	return RH_DPOR_ANYSYNC;
}

static rh_dpor_op op_of(const struct rh_exec_record *rec, const struct rh_exec_step *at)
{
	static const char *const local[] = {"sched_yield", "usleep", "nanosleep",
					    "clock_nanosleep", "atomic fence", NULL};
	const char *op = at->op < rec->n_ops ? rec->ops[at->op] : NULL;
	uint64_t g = at->obj & ~7ull;
	uint8_t cls;

	if (at->flags & RH_EXEC_STEP_DONE)
		return (rh_dpor_op){.cls = RH_DPOR_LOCAL};
	if (at->flags & RH_EXEC_STEP_ACCESS) {
		if (at->size == 0 || ((at->obj + at->size - 1) & ~7ull) != g)
			return (rh_dpor_op){.cls = RH_DPOR_ANYMEM};
		return (rh_dpor_op){.obj = g, .cls = at->flags & RH_EXEC_STEP_WRITE ? RH_DPOR_MWRITE
										  : RH_DPOR_MREAD};
	}
	if (op != NULL && named(op, local))
		return (rh_dpor_op){.cls = RH_DPOR_LOCAL};
	if (op != NULL && at->obj != 0 && strncmp(op, "atomic ", 7) == 0)
		return (rh_dpor_op){.obj = at->obj,
				    .cls = strcmp(op, "atomic load") == 0 ? RH_DPOR_READ : RH_DPOR_WRITE};
	/* No op yet and no call site: the thread has not started (a full op
	 * table also names no op, but the call has a pc). */
	if (at->op == RH_EXEC_OP_NONE && at->pc == 0)
		return (rh_dpor_op){.obj = START_OBJ + at->tid, .cls = RH_DPOR_WRITE};
	if (op == NULL || at->obj == 0)
		return (rh_dpor_op){.cls = RH_DPOR_ANYSYNC};
	cls = lock_class(op, at->flags);
	return (rh_dpor_op){.obj = cls == RH_DPOR_ANYSYNC ? 0 : at->obj, .cls = cls};
}

/* What each thread is stopped before now (at[]). */
static void ops_now(const struct rh_exec_shared *sh, rh_dpor_op *out)
{
	for (unsigned t = 0; t < RH_MAX_THREADS; t++)
		out[t] = t < sh->threads && t < RH_EXEC_THREADS_MAX ? op_of(&sh->rec, &sh->rec.at[t])
								    : (rh_dpor_op){.cls = RH_DPOR_LOCAL};
}

void rh_exec_dpor_prepare(rh_exec *e, struct rh_exec_record *rec)
{
	const rh_dpor *d = e->explorer->st;
	uint32_t c = 0;

	rec->n_forced = 0;
	for (size_t j = 0; j < d->prefix && c < RH_EXEC_FORCED_MAX; j++) {
		uint64_t en = d->nodes[j].enabled;

		if (en & (en - 1))
			rec->forced[rec->n_forced++] = (typeof(rec->forced[0])){c++, d->nodes[j].chosen};
	}
	rec->ask_from = c;
	e->steps_told = e->choices_told = 0;
}

/* Step i of the ring, made without a question. */
static void told_step(rh_exec *e, const struct rh_exec_record *rec, uint64_t i)
{
	rh_dpor *d = e->explorer->st;
	const struct rh_exec_step *st = &rec->step[i % RH_EXEC_STEPS_MAX];
	rh_dpor_op ops[RH_MAX_THREADS] = {{0}};
	unsigned cur = i == 0 ? RH_MAX_THREADS : rec->step[(i - 1) % RH_EXEC_STEPS_MAX].tid;
	uint64_t en = 1ull << st->tid;

	if (st->flags & RH_EXEC_STEP_CHOICE) {
		uint64_t c = e->choices_told++;

		if (c < RH_EXEC_CHOICES_MAX)
			en = rec->choice[c].enabled;
	}
	if (i < d->prefix)
		for (uint64_t m = en; m; m &= m - 1)
			ops[__builtin_ctzll(m)] = d->ops[i * d->n + (unsigned)__builtin_ctzll(m)];
	ops[st->tid] = op_of(rec, st);
	e->explorer->steps++;
	rh_dpor_choose(d, en, cur, ops);
}

static void told_steps(rh_exec *e, const struct rh_exec_record *rec)
{
	for (; e->steps_told < rec->steps; e->steps_told++)
		if (rec->step[e->steps_told % RH_EXEC_STEPS_MAX].tid < RH_MAX_THREADS)
			told_step(e, rec, e->steps_told);
}

unsigned rh_exec_dpor_ask(rh_exec *e, const struct rh_exec_shared *sh, uint64_t enabled,
			  unsigned cur)
{
	rh_dpor_op ops[RH_MAX_THREADS];

	told_steps(e, &sh->rec);
	/* The step asked about is the next one. */
	e->steps_told++;
	if (enabled & (enabled - 1))
		e->choices_told++;
	e->explorer->steps++;
	ops_now(sh, ops);
	return rh_dpor_choose(e->explorer->st, enabled, cur, ops);
}

/* The threads that had not ended when the run did. If the program ended
 * (exit, a crash, a reported violation) while some of them could still
 * run, their next steps never ran and raced with nothing: the search races
 * them with the end (rh_dpor_end_cut), so the orders where they run first
 * are explored too. A run that ended because nobody could run has none
 * that could (a deadlock's waiters could not run before its last step
 * either). */
static uint64_t live_at_end(const struct rh_exec_shared *sh)
{
	uint64_t live = 0;

	for (unsigned t = 0; t < sh->threads && t < RH_EXEC_THREADS_MAX; t++)
		if (!(sh->rec.at[t].flags & RH_EXEC_STEP_DONE))
			live |= 1ull << t;
	return live;
}

/* As rh_strategy_end with dpor's end: the run's races become backtrack
 * points, told what each thread was stopped before at the end. */
void rh_exec_dpor_end(rh_exec *e, const struct rh_exec_shared *sh)
{
	rh_explorer *x = e->explorer;
	rh_dpor_op final[RH_MAX_THREADS];

	told_steps(e, &sh->rec);
	ops_now(sh, final);
	x->runs++;
	rh_dpor_end_cut(x->st, live_at_end(sh));
	rh_dpor_end(x->st, final);
	if (rh_dpor_exhausted(x->st))
		x->exhausted = true;
}

bool rh_exec_search_diverged(const rh_explorer *x)
{
	return x->strategy == &rh__strategy_dpor && rh_dpor_diverged(x->st);
}
