/* SPDX-License-Identifier: MIT */
/* pthread and libc interception, and the monitor (stress mode) or timer
 * (controlled mode) that turns a stuck trial into a DEADLOCK or HANG report.
 *
 * The runtime is linked into the executable, so defining pthread_mutex_lock
 * here interposes libc's for the program and every library it loads; the
 * real function is reached through dlsym(RTLD_NEXT). With no trial running
 * each interceptor is the real call behind one branch.
 *
 * In stress mode an interceptor is a sync point (noise before the call) and
 * keeps the bookkeeping reports need: which thread holds which mutex, and
 * which thread waits in which call without a deadline. When every live
 * program thread waits and nothing moves for a while, nobody can wake
 * anybody: a DEADLOCK naming who waits for what held by whom. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "controlled_record.h"
#include "controlled_rt.h"
#include "rt.h"
#include "runtime/noise.h"

#define PC() ((uintptr_t)__builtin_return_address(0))

struct rh__rt_thread rh__rt_threads[RT_MAX_THREADS];
_Atomic unsigned rh__rt_nthreads;
_Atomic uint64_t rh__rt_progress;
_Atomic uint64_t rh__rt_wakes;
_Thread_local struct rh__rt_thread *rh__rt_self;

void *rh__rt_resolve(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);

	if (fn == NULL) {
		/* No stdio: this may run before anything is set up. */
		static const char msg[] = "racehunt intercept: cannot resolve a libc function\n";
		(void)!write(2, msg, sizeof(msg) - 1);
		abort();
	}
	return fn;
}

DECLARE_REAL(int, sched_yield, void);
DECLARE_REAL(int, nanosleep, const struct timespec *, struct timespec *);

/* The runtime's own yields and sleeps are not the program's sync points. */
void rh__rt_yield(void)
{
	REAL(sched_yield)();
}

/* ---- stress noise ---------------------------------------------------------- */
static void noise(struct rh__rt_thread *me)
{
	rh__noise(&me->rng, rh__rt_shared->noise, REAL(sched_yield), REAL(nanosleep));
}

struct rh__rt_thread *rh__rt_sync(const char *op, uintptr_t pc)
{
	struct rh__rt_thread *me = rh__rt_self;

	if (me == NULL)
		return NULL;
	atomic_store_explicit(&me->last_op, op, memory_order_relaxed);
	atomic_store_explicit(&me->last_pc, pc, memory_order_relaxed);
	if (rh__ctl_on) {
		/* Every fiber runs on this one OS thread (and the watchdog's
		 * handler only reads it): a plain increment, not a locked one,
		 * which cost a tenth of a short trial's CPU. */
		atomic_store_explicit(&rh__rt_progress,
				      atomic_load_explicit(&rh__rt_progress, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		rh__ctl_sync_point(op, pc);
		return me;
	}
	atomic_fetch_add_explicit(&rh__rt_progress, 1, memory_order_relaxed);
	noise(me);
	return me;
}

void rh__rt_block(struct rh__rt_thread *me, const char *op, const void *obj, int tid, uintptr_t pc)
{
	me->wait_op = op;
	me->wait_obj = obj;
	me->wait_tid = tid;
	me->wait_pc = pc;
	me->wait_wakes = atomic_load(&rh__rt_wakes);
	atomic_store_explicit(&me->state, RT_BLOCKED, memory_order_release);
	atomic_fetch_add_explicit(&rh__rt_progress, 1, memory_order_relaxed);
}

void rh__rt_unblock(struct rh__rt_thread *me)
{
	atomic_store_explicit(&me->state, RT_RUNNING, memory_order_release);
	atomic_fetch_add_explicit(&rh__rt_progress, 1, memory_order_relaxed);
}

/* ---- threads --------------------------------------------------------------- */
void rh__rt_thread_init(struct rh__rt_thread *t, unsigned tid)
{
	t->tid = tid;
	t->wait_tid = -1;
	rh_rng_seed(&t->rng, rh_seed_mix(rh__rt_shared->seed ^ 0x65786563ull, rh__rt_shared->trial, tid));
	t->countdown = 1 + (int)rh_rng_below(&t->rng, 2 * (uint64_t)rh__rt_shared->sample);
	atomic_store(&t->state, RT_RUNNING);
}

struct start {
	void *(*fn)(void *);
	void *arg;
	struct rh__rt_thread *t;
};

static void *trampoline(void *p)
{
	struct start s = *(struct start *)p;
	void *ret;

	free(p);
	rh__rt_self = s.t;
	ret = s.fn(s.arg);
	atomic_store(&s.t->state, RT_EXITED);
	atomic_fetch_add(&rh__rt_progress, 1);
	return ret;
}

DECLARE_REAL(int, pthread_create, pthread_t *, const pthread_attr_t *, void *(*)(void *),
	     void *);
int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	struct rh__rt_thread *me = rh__rt_enter("pthread_create", PC());
	struct start *s;
	unsigned tid;
	int rc;

	if (me == NULL)
		return REAL(pthread_create)(th, attr, fn, arg);
	RH_CTL(rh__ctl_create(th, fn, arg));
	tid = atomic_fetch_add(&rh__rt_nthreads, 1);
	if (tid >= RT_MAX_THREADS)
		rh__rt_unsupported("the program started more than %d threads in one run",
			       RT_MAX_THREADS);
	s = malloc(sizeof(*s));
	if (s == NULL)
		return EAGAIN;
	rh__rt_thread_init(&rh__rt_threads[tid], tid);
	*s = (struct start){fn, arg, &rh__rt_threads[tid]};
	rc = REAL(pthread_create)(th, attr, trampoline, s);
	if (rc != 0) {
		atomic_store(&rh__rt_threads[tid].state, RT_EXITED);
		free(s);
		return rc;
	}
	rh__rt_threads[tid].handle = *th;
	rh__rt_shared->threads = tid + 1;
	return 0;
}

static int tid_of(pthread_t th)
{
	unsigned n = atomic_load(&rh__rt_nthreads);

	for (unsigned i = 0; i < n && i < RT_MAX_THREADS; i++)
		if (pthread_equal(rh__rt_threads[i].handle, th))
			return (int)i;
	return -1;
}

DECLARE_REAL(int, pthread_join, pthread_t, void **);
int pthread_join(pthread_t th, void **ret)
{
	struct rh__rt_thread *me = rh__rt_enter("pthread_join", PC());
	int rc;

	if (me == NULL)
		return REAL(pthread_join)(th, ret);
	RH_CTL(rh__ctl_join(th, ret, PC()));
	rh__rt_block(me, "pthread_join", NULL, tid_of(th), PC());
	rc = REAL(pthread_join)(th, ret);
	rh__rt_unblock(me);
	return rc;
}

DECLARE_REAL(int, pthread_detach, pthread_t);
int pthread_detach(pthread_t th)
{
	rh__rt_enter("pthread_detach", PC());
	RH_CTL(rh__ctl_detach(th));
	return REAL(pthread_detach)(th);
}

DECLARE_REAL(void, pthread_exit, void *);
void pthread_exit(void *ret)
{
	struct rh__rt_thread *me = rh__rt_enter("pthread_exit", PC());

	if (me != NULL && rh__ctl_on)
		rh__ctl_exit(ret);
	if (me != NULL) {
		atomic_store(&me->state, RT_EXITED);
		atomic_fetch_add(&rh__rt_progress, 1);
	}
	REAL(pthread_exit)(ret);
	__builtin_unreachable();
}

DECLARE_REAL(int, pthread_once, pthread_once_t *, void (*)(void));
int pthread_once(pthread_once_t *once, void (*fn)(void))
{
	rh__rt_enter("pthread_once", PC());
	RH_CTL(rh__ctl_once(once, fn, PC()));
	return REAL(pthread_once)(once, fn);
}

/* ---- the monitor ---------------------------------------------------------------- */
#define MONITOR_POLL_MS 10
/* Polls with every thread waiting and no progress before it is a DEADLOCK:
 * a thread just woken may take a few scheduler ticks to run on a loaded
 * machine. */
#define MONITOR_STABLE 5
/* Sync operations in the second half of the watchdog that make a run that
 * did not end a LIVELOCK rather than a HANG: more than a slow thread's few
 * calls. */
#define MONITOR_BUSY_OPS 1000

static size_t describe(char *buf, size_t cap, const struct rh__rt_thread *t)
{
	char pc[64], obj[64];
	int st = atomic_load(&t->state);
	int who;

	if (st == RT_BLOCKED) {
		rh__rt_fmt_pc(pc, sizeof(pc), t->wait_pc);
		if (t->wait_tid >= 0)
			return (size_t)snprintf(buf, cap, "T%u waits in %s(T%d) at %s", t->tid,
						t->wait_op, t->wait_tid, pc);
		rh__rt_fmt_obj(obj, sizeof(obj), t->wait_obj);
		who = rh__rt_holder(t->wait_obj);
		if (who >= 0)
			return (size_t)snprintf(buf, cap, "T%u waits in %s(%s) held by T%d at %s",
						t->tid, t->wait_op, obj, who, pc);
		return (size_t)snprintf(buf, cap, "T%u waits in %s(%s) at %s", t->tid, t->wait_op,
					obj, pc);
	}
	/* A running thread: where it was last seen, access and call. */
	size_t len = (size_t)snprintf(buf, cap, "T%u runs (", t->tid);
	const char *sep = "";

	if (atomic_load(&t->last_access_pc) != 0 && len < cap) {
		rh__rt_fmt_pc(pc, sizeof(pc), atomic_load(&t->last_access_pc));
		len += (size_t)snprintf(buf + len, cap - len, "last access at %s", pc);
		sep = ", ";
	}
	if (atomic_load(&t->last_op) != NULL && len < cap) {
		rh__rt_fmt_pc(pc, sizeof(pc), atomic_load(&t->last_pc));
		len += (size_t)snprintf(buf + len, cap - len, "%slast call %s at %s", sep,
					atomic_load(&t->last_op), pc);
	}
	if (len < cap)
		len += (size_t)snprintf(buf + len, cap - len, ")");
	return len;
}

void rh__rt_describe_all(char *buf, size_t cap)
{
	unsigned n = atomic_load(&rh__rt_nthreads);
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n && i < RT_MAX_THREADS && len + 2 < cap; i++) {
		int st = atomic_load(&rh__rt_threads[i].state);

		if (st != RT_RUNNING && st != RT_BLOCKED)
			continue;
		if (len > 0)
			len += (size_t)snprintf(buf + len, cap - len, "; ");
		if (len < cap)
			len += describe(buf + len, cap - len, &rh__rt_threads[i]);
	}
}

/* A waiting thread that what already happened can still wake (its mutex
 * was released, the thread it joins ended, a signal, post, rwlock unlock or
 * barrier opening came after it started waiting) is not part of a deadlock, however long a loaded machine
 * takes to run it. */
static bool stuck(const struct rh__rt_thread *t)
{
	const char *op = t->wait_op;

	if (t->wait_tid >= 0)
		return atomic_load(&rh__rt_threads[t->wait_tid].state) != RT_EXITED;
	if (strcmp(op, "pthread_mutex_lock") == 0 || strcmp(op, "pthread_spin_lock") == 0)
		return rh__rt_holder(t->wait_obj) >= 0;
	/* Condition variables, semaphores, rwlocks, barriers: no signal,
	 * broadcast, post, rwlock unlock or barrier opening since it began. */
	return atomic_load(&rh__rt_wakes) == t->wait_wakes;
}

/* The watchdog ran out: the threads kept synchronising through its second
 * half (progress past halfway): busy without getting anywhere, a LIVELOCK;
 * else stuck, a HANG. */
RH_NORETURN static void watchdog_expired(uint64_t halfway)
{
	static char what[RH_EXEC_MSG_MAX - 256];

	rh__rt_describe_all(what, sizeof(what));
	if (atomic_load(&rh__rt_progress) > halfway + MONITOR_BUSY_OPS)
		rh__rt_report_exit(RH_LIVELOCK,
				   "the threads kept synchronising for the whole watchdog "
				   "(%u ms) and the run did not end: %s",
				   rh__rt_shared->watchdog_ms, what);
	rh__rt_report_exit(RH_HANG, "the run took longer than the watchdog (%u ms): %s",
			   rh__rt_shared->watchdog_ms, what);
}

/* Stress mode: a thread beside the program's that polls for a DEADLOCK
 * among real threads and keeps the watchdog. */
static void *monitor(void *arg)
{
	static char what[RH_EXEC_MSG_MAX - 256];
	struct timespec nap = {0, MONITOR_POLL_MS * 1000000L};
	uint64_t last = ~0ull, halfway = 0;
	unsigned stable = 0, polls = 0;
	unsigned limit = rh__rt_shared->watchdog_ms / MONITOR_POLL_MS;

	for (;;) {
		REAL(nanosleep)(&nap, NULL);
		polls++;
		unsigned n = atomic_load(&rh__rt_nthreads), live = 0, waiting = 0;
		uint64_t p = atomic_load(&rh__rt_progress);

		for (unsigned i = 0; i < n && i < RT_MAX_THREADS; i++) {
			int st = atomic_load(&rh__rt_threads[i].state);

			live += st == RT_RUNNING || st == RT_BLOCKED;
			waiting += st == RT_BLOCKED && stuck(&rh__rt_threads[i]);
		}
		stable = live > 0 && waiting == live && p == last ? stable + 1 : 0;
		last = p;
		if (stable >= MONITOR_STABLE) {
			rh__rt_describe_all(what, sizeof(what));
			rh__rt_report_exit(RH_DEADLOCK, "every thread waits and none can wake another: %s",
				       what);
		}
		if (polls == limit / 2)
			halfway = p;
		if (limit > 0 && polls >= limit)
			watchdog_expired(halfway);
	}
	return arg;
}

/* ---- controlled mode's watchdog --------------------------------------------------
 * Controlled mode needs no monitor thread: its fibers share main's OS thread
 * and its scheduler sees a DEADLOCK itself (controlled.c). Only the
 * watchdog is left, and a timer signal keeps it without the thread's clone,
 * stack mapping and wake-ups (a fifth of a short trial's CPU). The timer
 * fires at half the watchdog, to note the progress count the verdict
 * compares against, and at its end, where the handler reports as the
 * monitor did and ends the process: whatever it interrupted never resumes.
 * It is stopped while the trial waits for racehunt's answer, which is not
 * the program's time. SIGRTMAX: the real-time signal programs are least
 * likely to use (glibc keeps the lowest ones). */
static timer_t watchdog;
static bool watchdog_armed;
static bool second_half;
static uint64_t halfway_progress;
static struct itimerspec paused;

static void arm(struct itimerspec *when)
{
	timer_settime(watchdog, 0, when, NULL);
}

static struct itimerspec after_ms(unsigned ms)
{
	return (struct itimerspec){.it_value = {ms / 1000, (long)(ms % 1000) * 1000000L}};
}

static void on_watchdog(int sig)
{
	struct itimerspec rest = after_ms(rh__rt_shared->watchdog_ms - rh__rt_shared->watchdog_ms / 2);

	(void)sig;
	if (second_half)
		watchdog_expired(halfway_progress);
	halfway_progress = atomic_load(&rh__rt_progress);
	second_half = true;
	arm(&rest);
}

static void start_watchdog_timer(void)
{
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMAX};
	struct sigaction sa = {.sa_handler = on_watchdog, .sa_flags = SA_RESTART};
	struct itimerspec first = after_ms(rh__rt_shared->watchdog_ms / 2);

	if (rh__rt_shared->watchdog_ms == 0)
		return;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGRTMAX, &sa, NULL) != 0 || timer_create(CLOCK_MONOTONIC, &ev, &watchdog) != 0)
		rh__rt_unsupported("cannot start the trial's watchdog timer");
	watchdog_armed = true;
	/* A watchdog of 1 ms has no first half. */
	if (first.it_value.tv_nsec == 0 && first.it_value.tv_sec == 0)
		first.it_value.tv_nsec = 1;
	arm(&first);
}

void rh__rt_watchdog_pause(void)
{
	static const struct itimerspec off;

	if (!watchdog_armed)
		return;
	timer_gettime(watchdog, &paused);
	timer_settime(watchdog, 0, &off, NULL);
}

void rh__rt_watchdog_resume(void)
{
	if (!watchdog_armed)
		return;
	/* Due while paused: it fires now. */
	if (paused.it_value.tv_sec == 0 && paused.it_value.tv_nsec == 0)
		paused.it_value.tv_nsec = 1;
	arm(&paused);
}

void rh__rt_trial_start(void)
{
	pthread_t m;

	atomic_store(&rh__rt_nthreads, 1);
	rh__rt_thread_init(&rh__rt_threads[0], 0);
	rh__rt_threads[0].handle = pthread_self();
	rh__rt_self = &rh__rt_threads[0];
	rh__rt_shared->threads = 1;
	if (rh__rt_shared->mode == RH_EXEC_CONTROLLED) {
		/* Before the watchdog starts: the calibration is not the
		 * trial's time. Only for a strategy the trial runs itself:
		 * forced or asked choices need no estimate, and a calibration
		 * run must not ask racehunt. */
		if (rh__rec_strategy_here())
			rh__ctl_run_length();
		start_watchdog_timer();
		rh__ctl_start();
		return;
	}
	if (REAL(pthread_create)(&m, NULL, monitor, NULL) != 0)
		rh__rt_unsupported("cannot start the trial's monitor thread");
}
