/* SPDX-License-Identifier: MIT */
/* Controlled mode of `racehunt exec`: inside a trial child the program's
 * threads are fibers on the one OS thread that runs main, and every
 * intercepted sync call (and, with --points shared|all, every instrumented
 * access to a shared location) is a scheduling point where the controlled
 * scheduler's strategy (harness/src/controlled: random, pct:D) picks who runs
 * next. Only one fiber runs at a time, so the model state of mutexes and
 * rwlocks (runtime/objects.h, keyed by address) is plain memory; the real
 * pthread objects are never touched.
 *
 * A step is taken *before* the call it stops at: a fiber about to lock a
 * held mutex waits (is not enabled) until the holder unlocks; when nobody is
 * enabled and somebody waits, that is a DEADLOCK naming who waits for what.
 * Each trial child builds its own explorer seeded with (seed, trial), or
 * follows the choices racehunt forces (controlled_record.c), and writes back
 * the record of its run: every choice and its last steps. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controlled/sched.h"
#include "controlled_record.h"
#include "controlled_rt.h"

#define HANDLE_BASE RH_CTL_HANDLE_BASE
/* Mapped lazily, so a thread's generous stack costs only address space. */
#define STACK_SIZE (1u << 20)

enum cstate { C_FREE, C_READY, C_WAIT, C_DONE };
enum cwait { W_NONE, W_LOCK, W_RDLOCK, W_WRLOCK, W_JOIN, W_COND, W_COND_TIMED, W_SYNC, W_SYNC_TIMED };

struct cthread {
	enum cstate st;
	enum cwait w;
	const void *obj; /* what it waits for; W_JOIN: the thread's index */
	uintptr_t pc;	 /* where it waits, for the DEADLOCK report */
	bool signalled;	 /* a condition wait that was woken */
	bool spurious;	 /* its last condition wait ended without a wake-up */
	uint64_t wait_seq; /* condition waits wake oldest first */
	const char *op;	   /* W_SYNC*: the call it waits in (controlled_sync.c) */
	uint64_t ticket;   /* W_SYNC: what rh__ctl_sync_ready checks against */
	void *(*fn)(void *);
	void *arg;
	void *ret;
};

int rh__ctl_on;

static struct {
	rh_explorer *x;
	unsigned n, cur, prev;
	unsigned streak; /* steps cur took in a row while another could run */
	uint64_t wait_seq;
	rh_fiber fib[RH_MAX_THREADS];
	struct cthread t[RH_MAX_THREADS];
} ctl;

static const char *const wait_names[] = {
	[W_LOCK] = "pthread_mutex_lock",     [W_RDLOCK] = "pthread_rwlock_rdlock",
	[W_WRLOCK] = "pthread_rwlock_wrlock", [W_JOIN] = "pthread_join",
	[W_COND] = "pthread_cond_wait",	     [W_COND_TIMED] = "pthread_cond_timedwait",
};

static rh_object *model(const void *obj, rh_obj_kind kind)
{
	return rh_object_get(&ctl.x->objects, obj, kind, 0);
}

static bool enabled(unsigned i)
{
	const struct cthread *t = &ctl.t[i];
	const rh_object *o;

	if (t->st == C_READY)
		return true;
	if (t->st != C_WAIT)
		return false;
	switch (t->w) {
	case W_LOCK:
	case W_RDLOCK:
		o = rh_object_find(&ctl.x->objects, t->obj);
		return o == NULL || o->owner == 0;
	case W_WRLOCK:
		o = rh_object_find(&ctl.x->objects, t->obj);
		return o == NULL || (o->owner == 0 && o->readers == 0);
	case W_JOIN:
		return ctl.t[(uintptr_t)t->obj].st == C_DONE;
	case W_COND:
		return t->signalled;
	case W_SYNC:
		return rh__ctl_sync_ready(t->obj, t->ticket);
	default: /* W_COND_TIMED, W_SYNC_TIMED: its timeout may always expire */
		return true;
	}
}

/* "T1 waits in pthread_mutex_lock({obj:..}) held by T2 at {pc:..}". */
static size_t describe(char *buf, size_t cap, unsigned i)
{
	const struct cthread *t = &ctl.t[i];
	const rh_object *o = rh_object_find(&ctl.x->objects, t->obj);
	char pc[64], obj[64];
	int holder = -1;

	rh__rt_fmt_pc(pc, sizeof(pc), t->pc);
	if (t->w == W_JOIN)
		return (size_t)snprintf(buf, cap, "T%u waits in pthread_join(T%u) at %s", i,
					(unsigned)(uintptr_t)t->obj, pc);
	rh__rt_fmt_obj(obj, sizeof(obj), t->obj);
	if (t->w >= W_SYNC)
		return (size_t)snprintf(buf, cap, "T%u waits in %s(%s) at %s", i, t->op, obj, pc);
	if (o != NULL && o->owner != 0)
		holder = o->owner - 1;
	else if (o != NULL && t->w == W_WRLOCK && o->readers != 0)
		holder = __builtin_ctzll(o->readers);
	if (holder >= 0)
		return (size_t)snprintf(buf, cap, "T%u waits in %s(%s) held by T%d at %s", i,
					wait_names[t->w], obj, holder, pc);
	return (size_t)snprintf(buf, cap, "T%u waits in %s(%s) at %s", i, wait_names[t->w], obj,
				pc);
}

/* Nobody is enabled: the program ends if nobody waits either (main left
 * with pthread_exit and the last thread ended), else a DEADLOCK. */
RH_NORETURN static void stuck(void)
{
	static char what[RH_EXEC_MSG_MAX - 256];
	size_t len = 0;

	what[0] = '\0';
	for (unsigned i = 0; i < ctl.n && len + 2 < sizeof(what); i++) {
		if (ctl.t[i].st != C_WAIT)
			continue;
		if (len > 0)
			len += (size_t)snprintf(what + len, sizeof(what) - len, "; ");
		if (len < sizeof(what))
			len += describe(what + len, sizeof(what) - len, i);
	}
	if (len == 0)
		exit(0);
	rh__rt_report_exit(RH_DEADLOCK, "every thread waits and none can wake another: %s", what);
}

uint64_t rh__ctl_runnable(void)
{
	uint64_t en = 0;

	for (unsigned i = 0; i < ctl.n; i++)
		if (enabled(i))
			en |= 1ull << i;
	return en;
}

/* A run past the step limit: busy without getting anywhere. Where each
 * thread was last seen names the loop. */
RH_NORETURN static void too_long(void)
{
	static char what[RH_EXEC_MSG_MAX - 256];

	rh__rt_describe_all(what, sizeof(what));
	rh__rt_report_exit(RH_LIVELOCK,
			   "the threads took %u scheduling steps and the run did not end: %s",
			   RH_SCHED_MAX_STEPS, what);
}

/* The thread to run next: the strategy's pick, except that a thread which
 * took RH_SCHED_FAIR_STEPS steps in a row while another could run yields
 * once (as the scenario scheduler's fairness rule), so a spin-wait on a flag
 * another thread sets ends under any strategy. */
static unsigned pick(void)
{
	uint64_t en = rh__ctl_runnable();
	unsigned next;
	bool fair = false;

	if (en == 0)
		stuck();
	/* A spurious wake-up (POSIX allows them) is a choice while some other
	 * thread can run, so a wait nobody can end stays a DEADLOCK; and not
	 * twice in a row, so a correct wait loop cannot spin for ever while
	 * the thread that would signal never gets the mutex. */
	for (unsigned i = 0; i < ctl.n; i++)
		if (ctl.t[i].st == C_WAIT && ctl.t[i].w == W_COND && !ctl.t[i].spurious)
			en |= 1ull << i;
	en = rh__ctl_hold_filter(en, ctl.cur);
	if (++ctl.x->steps > RH_SCHED_MAX_STEPS)
		too_long();
	rh__ctl_length_step(ctl.x->steps);
	next = rh__rec_choose(ctl.x, en, ctl.cur);
	if (next != ctl.cur || (en & ~(1ull << ctl.cur)) == 0) {
		ctl.streak = 0;
	} else if (++ctl.streak == RH_SCHED_FAIR_STEPS) {
		/* The next enabled thread after cur, round-robin. */
		uint64_t above = en & ~((2ull << ctl.cur) - 1);

		ctl.streak = 0;
		next = (unsigned)__builtin_ctzll(above ? above : en);
		fair = true;
	}
	rh__rec_step(ctl.x, en, ctl.cur, next, fair);
	return next;
}

static void enter(unsigned to)
{
	ctl.prev = ctl.cur;
	ctl.cur = to;
	rh__rt_self = &rh__rt_threads[to];
}

/* A scheduling step of the running fiber in whatever state it set. */
static void step(void)
{
	unsigned me = ctl.cur, next = pick();
	int saved_errno = errno; /* errno is the OS thread's: one per fiber */

	if (next == me)
		return;
	enter(next);
	rh_fiber_switch(&ctl.fib[me], &ctl.fib[next], false);
	errno = saved_errno;
}

void rh__ctl_point(void)
{
	step();
}

/* Wait for the condition enabled() checks for w on obj. */
static void wait_for(enum cwait w, const void *obj, uintptr_t pc)
{
	struct cthread *t = &ctl.t[ctl.cur];

	t->st = C_WAIT;
	t->w = w;
	t->obj = obj;
	t->pc = pc;
	rh__rec_blocked();
	step();
	t->st = C_READY;
	t->w = W_NONE;
}

void rh__ctl_wait_sync(const char *op, const void *obj, uint64_t ticket, bool timed, uintptr_t pc)
{
	ctl.t[ctl.cur].op = op;
	ctl.t[ctl.cur].ticket = ticket;
	wait_for(timed ? W_SYNC_TIMED : W_SYNC, obj, pc);
}

/* ---- threads ---------------------------------------------------------------- */
RH_NORETURN static void thread_end(void *ret)
{
	unsigned me = ctl.cur, next;

	rh__ctl_tls_exit();
	ctl.t[me].ret = ret;
	ctl.t[me].st = C_DONE;
	rh__rec_exit();
	atomic_store(&rh__rt_threads[me].state, RT_EXITED);
	next = pick();
	enter(next);
	rh_fiber_exit(&ctl.fib[me], &ctl.fib[next]);
}

static void fiber_main(void)
{
	unsigned me = ctl.cur;

	rh_fiber_started(&ctl.fib[me], &ctl.fib[ctl.prev]);
	errno = 0;
	thread_end(ctl.t[me].fn(ctl.t[me].arg));
}

static void thread_slot(unsigned tid)
{
	struct rh__rt_thread *t = &rh__rt_threads[tid];

	rh__rt_thread_init(t, tid);
	ctl.t[tid].st = C_READY;
	ctl.n = tid + 1;
	atomic_store(&rh__rt_nthreads, ctl.n);
	rh__rt_shared->threads = ctl.n;
}

int rh__ctl_create(pthread_t *th, void *(*fn)(void *), void *arg)
{
	unsigned tid = ctl.n;

	if (tid >= RH_MAX_THREADS)
		rh__rt_unsupported("controlled mode runs at most %d threads, main included; the "
				   "program started more (stress mode runs up to %d)",
				   RH_MAX_THREADS, RT_MAX_THREADS);
	if (!rh_fiber_create(&ctl.fib[tid], STACK_SIZE))
		return EAGAIN;
	rh_fiber_reset(&ctl.fib[tid], fiber_main);
	ctl.t[tid].fn = fn;
	ctl.t[tid].arg = arg;
	thread_slot(tid);
	if (rh__hb_on)
		rh__hb_create(tid);
	*th = (pthread_t)(HANDLE_BASE + tid);
	return 0;
}

/* The thread a handle names, -1 for none. */
static int tid_of(pthread_t th)
{
	if (pthread_equal(th, rh__rt_threads[0].handle))
		return 0;
	if (th < HANDLE_BASE || th - HANDLE_BASE >= ctl.n)
		return -1;
	return (int)(th - HANDLE_BASE);
}

pthread_t rh__ctl_self(void)
{
	return ctl.cur == 0 ? rh__rt_threads[0].handle : (pthread_t)(HANDLE_BASE + ctl.cur);
}

int rh__ctl_join(pthread_t th, void **ret, uintptr_t pc)
{
	int tid = tid_of(th);

	if (tid < 0)
		return ESRCH;
	if ((unsigned)tid == ctl.cur)
		return EDEADLK;
	wait_for(W_JOIN, (const void *)(uintptr_t)tid, pc);
	if (rh__hb_on)
		rh__hb_join((unsigned)tid);
	if (ret != NULL)
		*ret = ctl.t[tid].ret;
	return 0;
}

int rh__ctl_detach(pthread_t th)
{
	return tid_of(th) < 0 ? ESRCH : 0;
}

RH_NORETURN void rh__ctl_exit(void *ret)
{
	thread_end(ret);
}

/* ---- mutexes and rwlocks ------------------------------------------------------- */
/* glibc keeps the mutex type in the low bits of __kind. */
static int mutex_type(const pthread_mutex_t *m)
{
	return m->__data.__kind & 3;
}

/* A failed trylock: polling a lock in a loop is a spin-wait on it, which
 * its unlock ends (controlled_spin.c). */
static int busy(const void *obj, uintptr_t pc)
{
	rh__ctl_read((uintptr_t)obj, pc);
	return EBUSY;
}

static int lock(const void *obj, int type, bool try, uintptr_t pc)
{
	rh_object *o = model(obj, RH_OBJ_MUTEX);
	int self = (int)ctl.cur + 1;

	rh__rec_obj(obj);

	if (o->owner == self && type == PTHREAD_MUTEX_RECURSIVE)
		return rh__ctl_relock(obj);
	if (o->owner == self && type == PTHREAD_MUTEX_ERRORCHECK)
		return EDEADLK;
	if (o->owner != 0) {
		if (try)
			return busy(obj, pc);
		/* A normal mutex locked twice by its holder waits for ever. */
		wait_for(W_LOCK, obj, pc);
	}
	o->owner = self;
	if (rh__hb_on)
		rh__hb_acquire(obj, RH_HB_MUTEX, 0);
	return 0;
}

static int unlock(const void *obj, int type)
{
	rh_object *o = model(obj, RH_OBJ_MUTEX);

	rh__rec_obj(obj);
	if (o->owner != (int)ctl.cur + 1 &&
	    (type == PTHREAD_MUTEX_ERRORCHECK || type == PTHREAD_MUTEX_RECURSIVE))
		return EPERM;
	if (type == PTHREAD_MUTEX_RECURSIVE && rh__ctl_unlock_inner(obj))
		return 0;
	if (rh__hb_on)
		rh__hb_release(obj, RH_HB_MUTEX, 0);
	o->owner = 0;
	rh__ctl_wrote((uintptr_t)obj);
	return 0;
}

int rh__ctl_mutex_lock(pthread_mutex_t *m, bool try, uintptr_t pc)
{
	return lock(m, mutex_type(m), try, pc);
}

int rh__ctl_mutex_unlock(pthread_mutex_t *m)
{
	return unlock(m, mutex_type(m));
}

/* A spinlock is a normal mutex whose waiter spins instead of sleeping. */
int rh__ctl_spin_lock(pthread_spinlock_t *l, bool try, uintptr_t pc)
{
	return lock((const void *)l, PTHREAD_MUTEX_NORMAL, try, pc);
}

int rh__ctl_spin_unlock(pthread_spinlock_t *l)
{
	return unlock((const void *)l, PTHREAD_MUTEX_NORMAL);
}

int rh__ctl_rwlock_lock(pthread_rwlock_t *l, bool write, bool try, uintptr_t pc)
{
	rh_object *o = model(l, RH_OBJ_RWLOCK);

	rh__rec_obj(l);
	if (o->owner != 0 || (write && o->readers != 0)) {
		if (try)
			return busy(l, pc);
		wait_for(write ? W_WRLOCK : W_RDLOCK, l, pc);
	}
	if (write)
		o->owner = (int)ctl.cur + 1;
	else
		o->readers |= 1ull << ctl.cur;
	if (rh__hb_on && write)
		rh__hb_acquire(l, RH_HB_RW_R, 0);
	if (rh__hb_on)
		rh__hb_acquire(l, RH_HB_RW_W, 0);
	return 0;
}

bool rh__ctl_rwlock_reader(const pthread_rwlock_t *l)
{
	const rh_object *o = rh_object_find(&ctl.x->objects, l);

	return o != NULL && o->owner != (int)ctl.cur + 1 && (o->readers >> ctl.cur & 1);
}

int rh__ctl_rwlock_unlock(pthread_rwlock_t *l)
{
	rh_object *o = model(l, RH_OBJ_RWLOCK);

	rh__rec_obj(l);
	if (rh__hb_on)
		rh__hb_release(l, o->owner == (int)ctl.cur + 1 ? RH_HB_RW_W : RH_HB_RW_R, 0);
	if (o->owner == (int)ctl.cur + 1)
		o->owner = 0;
	else
		o->readers &= ~(1ull << ctl.cur);
	rh__ctl_wrote((uintptr_t)l);
	return 0;
}

/* ---- condition variables ----------------------------------------------------------- */
int rh__ctl_cond_wait(pthread_cond_t *c, pthread_mutex_t *m, bool timed, uintptr_t pc)
{
	struct cthread *t = &ctl.t[ctl.cur];
	int rc;

	rh__rec_obj(c);
	rh__ctl_mutex_unlock(m);
	t->signalled = false;
	t->wait_seq = ++ctl.wait_seq;
	wait_for(timed ? W_COND_TIMED : W_COND, c, pc);
	rc = timed && !t->signalled ? ETIMEDOUT : 0; /* else woken, maybe spuriously */
	if (rh__hb_on && t->signalled)
		rh__hb_woken();
	t->spurious = !timed && !t->signalled;
	/* Time passed: the others that can run go first, or a loop of timed
	 * waits could keep the signaller from the mutex for ever. */
	if (rc == ETIMEDOUT)
		rh__ctl_yield();
	rh__ctl_mutex_lock(m, false, pc);
	return rc;
}

/* Wake the oldest waiter on c, or all of them. */
void rh__ctl_cond_wake(pthread_cond_t *c, bool all)
{
	rh__rec_obj(c);
	for (;;) {
		struct cthread *oldest = NULL;

		for (unsigned i = 0; i < ctl.n; i++) {
			struct cthread *t = &ctl.t[i];

			if (t->st == C_WAIT && (t->w == W_COND || t->w == W_COND_TIMED) &&
			    t->obj == c && !t->signalled &&
			    (oldest == NULL || t->wait_seq < oldest->wait_seq))
				oldest = t;
		}
		if (oldest == NULL)
			return;
		oldest->signalled = true;
		if (rh__hb_on)
			rh__hb_wake((unsigned)(oldest - ctl.t));
		if (!all)
			return;
	}
}

/* ---- the trial ------------------------------------------------------------------ */
/* pct draws its change points over the longest run it has seen, but every
 * trial is a fresh child that has seen none: it is shown the calibration
 * run's length (controlled_length.c) as an ended run. Without one, the trial
 * guesses the length itself, log-uniformly over 8..2^16 steps from (seed,
 * trial): short programs get change points inside their few dozen steps in
 * a good share of trials, long ones still get spread. */
#define GUESS_MIN_LOG 3
#define GUESS_LOGS 13

static void show_run_length(rh_explorer *x, uint64_t measured)
{
	rh_rng rng;

	rh_rng_seed(&rng, rh_seed_mix(x->trial_seed, x->trial_index, 0x6b657374ull));
	unsigned logs = GUESS_LOGS;

	if (measured != 0) {
		logs = 1;
		while ((1ull << (GUESS_MIN_LOG + logs)) < 2 * measured)
			logs++;
	}
	x->steps = 1ull << (GUESS_MIN_LOG + rh_rng_below(&rng, logs));
	x->steps += rh_rng_below(&rng, x->steps);
	rh_strategy_end(x);
	x->steps = 0;
}

void rh__ctl_start(void)
{
	/* Choices forced or made in racehunt need no estimate: no calibration. */
	uint64_t measured = rh__rec_strategy_here() ? rh__ctl_run_length() : 0;
	char err[256];

	ctl.x = rh__rec_explorer(err, sizeof(err));
	if (ctl.x == NULL)
		rh__rt_unsupported("%s", err);
	/* Seeded by the trial's number: the trial schedules the same whenever
	 * it runs (rh_strategy_begin). Thread count unknown yet: every slot. */
	ctl.x->trial_seed = rh__rt_shared->seed;
	ctl.x->trial_index = rh__rt_shared->trial;
	if (rh__rec_strategy_here())
		show_run_length(ctl.x, measured);
	rh__rec_start();
	if (!rh_strategy_begin(ctl.x, RH_MAX_THREADS))
		rh__rt_unsupported("strategy '%s' has no schedule to run",
				   rh__rt_shared->strategy);
	rh_fiber_init_thread(&ctl.fib[0]);
	thread_slot(0);
	rh__ctl_tls_init();
	if (rh__rt_shared->hb)
		rh__hb_start();
	rh__ctl_on = 1;
}

