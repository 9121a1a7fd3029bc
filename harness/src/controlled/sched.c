/* SPDX-License-Identifier: MIT */
/* racehunt — the controlled scheduler: a trial's threads as fibers on one OS
 * thread, switched at every sync point by a strategy.
 *
 * At each sync point the step is recorded and the strategy asked who runs
 * next. When that is the fiber already rh__running, it simply goes on (see
 * fast_step); otherwise it switches back to the scheduler (the calling
 * thread's own context), which switches to the chosen one. Under
 * ThreadSanitizer every step takes the second path, and the switch into a
 * fiber carries no happens-before edge, so races between fibers stay
 * visible; the switch back to the scheduler does synchronise, so the
 * scheduler may read what fibers wrote, while fibers never read what the
 * scheduler writes during a run except through atomics. Locks are modelled
 * here (the pthread object is never touched in a fiber): a fiber waiting for
 * a held lock is simply not runnable, and real lock hand-over is told to
 * TSan with acquire/release on the lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/registry.h"
#include "sched_run.h"

_Thread_local struct run *rh__run;

/* ---- fiber side ---------------------------------------------------------- */

static int fast_step(struct run *r, unsigned id);
static void start_step(struct run *r, unsigned c);

/* Inlined into the commonest sync points (rh_point, atomics); the lock ops
 * in sched_locks.c call it through rh__yield_at. */
RH_STEP_INLINE void yield_at(struct run *r, int id, rh_op op, const void *obj, const char *name)
{
	struct fiber_rep *p = &r->rep[id];
	int next;

	REP_SET(p->status, REP_POINT);
	REP_SET(p->op, (int)op);
	REP_SET(p->obj, obj);
	REP_SET(p->name, name);
	next = fast_step(r, (unsigned)id);
	if (next < 0) {
		rh_fiber_switch(&r->x->fibers[id], &r->main, true);
	} else if (next != id) {
		/* Straight to the chosen fiber: one switch instead of two. */
		r->absorbed = false;
		start_step(r, (unsigned)next);
		rh_fiber_switch(&r->x->fibers[id], &r->x->fibers[next], false);
	}
	REP_SET(p->has_value, false);
}

void rh__yield_at(struct run *r, int id, rh_op op, const void *obj, const char *name)
{
	yield_at(r, id, op, obj, name);
}

/* The call a sync op came from, for the foreign-thread error. */
static const char *call_of(rh_op op)
{
	switch (op) {
	case RH_OP_LOAD:
		return "rh_atomic_load";
	case RH_OP_STORE:
		return "rh_atomic_store";
	case RH_OP_FETCH_ADD:
		return "rh_atomic_fetch_add";
	case RH_OP_CAS:
		return "rh_atomic_cas";
	default:
		return "a sync point";
	}
}

static void ctl_before(rh_op op, const void *obj, const char *name)
{
	struct run *r = rh__this_run(call_of(op));
	int id = rh__running(r);

	if (id >= 0)
		yield_at(r, id, op, obj, name);
}

static void ctl_after(rh_op op, const void *obj, const char *name, uint64_t value)
{
	struct run *r = rh__this_run(call_of(op));
	int id = rh__running(r);

	if (id >= 0)
		rh__report_value(r, id, value);
}

static void ctl_point(const char *label, uint64_t value, const void *loc, int access)
{
	struct run *r = rh__this_run("rh_point");
	int id = rh__running(r);

	if (id >= 0) {
		REP_SET(r->rep[id].access, access);
		yield_at(r, id, RH_OP_POINT, loc, label);
		rh__report_value(r, id, value);
	}
}

static const struct rh_runtime ctl_runtime = {
	.name = "controlled",
	.before = ctl_before,
	.after = ctl_after,
	.point = ctl_point,
	.mutex_lock = rh__ctl_mutex_lock,
	.mutex_unlock = rh__ctl_mutex_unlock,
	.rwlock_rdlock = rh__ctl_rwlock_rdlock,
	.rwlock_wrlock = rh__ctl_rwlock_wrlock,
	.rwlock_unlock = rh__ctl_rwlock_unlock,
	.mutex_consistent = rh__ctl_mutex_consistent,
	.object_reset = rh__ctl_object_reset,
	.thread_die = rh__ctl_thread_die,
};

static void fiber_main(void)
{
	struct run *r = rh__run;
	int id = rh__running(r);
	rh_fiber *self = &r->x->fibers[id];

	rh_fiber_started(self, &r->main);
	/* Primed: back to the scheduler until this thread's first turn. */
	rh_fiber_switch(self, &r->main, true);
	for (unsigned round = 0; round < r->rounds; round++) {
		if (round > 0) {
			tsan_release(&r->barrier);
			REP_SET(r->rep[id].status, REP_BARRIER);
			rh_fiber_switch(self, &r->main, true);
			tsan_acquire(&r->barrier);
		}
		r->s->thread(r->state, (unsigned)id, round, r->t);
	}
	REP_SET(r->rep[id].status, REP_DONE);
	rh_fiber_exit(self, &r->main);
}

/* ---- scheduler side ------------------------------------------------------ */

static inline bool takes_lock(rh_op op)
{
	return op == RH_OP_LOCK || op == RH_OP_RDLOCK || op == RH_OP_WRLOCK;
}

/* The kind of object a lock op acts on, RH_OBJ_NONE for other ops. */
static inline rh_obj_kind lock_kind(rh_op op)
{
	switch (op) {
	case RH_OP_LOCK:
	case RH_OP_UNLOCK:
		return RH_OBJ_MUTEX;
	case RH_OP_RDLOCK:
	case RH_OP_WRLOCK:
	case RH_OP_RWUNLOCK:
		return RH_OBJ_RWLOCK;
	default:
		return RH_OBJ_NONE;
	}
}

/* Fiber c was started on the lock op it stopped before: the op takes
 * effect on the model, and the fiber finds its result in its report. A
 * lock is only started when it is free (or robust with a dead owner). */
RH_SCHEDULER_ONLY RH_STEP_INLINE void apply_op(struct run *r, unsigned c, struct slot *sl)
{
	rh_object *o = sl->object;
	int result = 0;

	switch (sl->op) {
	case RH_OP_LOCK:
		/* An owner-died state not cleared by rh_mutex_consistent() stays. */
		if (o->owner != 0 || o->owner_died) {
			o->owner_died = true;
			result = RH_OWNER_DIED;
		}
		o->owner = (int)c + 1;
		break;
	case RH_OP_UNLOCK:
		o->owner = 0;
		break;
	case RH_OP_RDLOCK:
		o->readers |= 1ull << c;
		break;
	case RH_OP_WRLOCK:
		o->owner = (int)c + 1;
		break;
	case RH_OP_RWUNLOCK:
		if (o->owner == (int)c + 1) {
			o->owner = 0;
			result = 1;
		} else {
			o->readers &= ~(1ull << c);
		}
		break;
	default:
		return;
	}
	REP_SET(r->rep[c].result, result);
}

/* sl is at a lock op: whether it gets the lock now. */
RH_SCHEDULER_ONLY static inline bool lock_free_for(const struct run *r, const struct slot *sl)
{
	int h = rh__holder(r, sl);

	if (h < 0)
		return true;
	/* A robust mutex outlives its dead owner; nothing else does. */
	return sl->op == RH_OP_LOCK && (sl->object->flags & RH_MUTEX_ROBUST) && h < (int)r->n &&
	       r->slot[h].st == S_DEAD;
}

RH_SCHEDULER_ONLY RH_STEP_INLINE uint64_t runnable(const struct run *r)
{
	uint64_t e = r->free_mask;

	for (uint64_t m = r->lock_mask; m != 0; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctzll(m);

		if (lock_free_for(r, &r->slot[i]))
			e |= 1ull << i;
	}
	return e;
}

/* The run's fingerprint: every step's thread, op and object name, and every
 * choice's runnable set, so a replay can tell it retraced the run. */
RH_SCHEDULER_ONLY static inline void fp_mix(rh_explorer *x, uint64_t word)
{
	x->fp = (x->fp ^ word) * 0x100000001b3ull;
	x->fp ^= x->fp >> 29;
}

/* Before fiber c runs a step: the event it is about to perform. */
RH_SCHEDULER_ONLY RH_STEP_INLINE void begin_step(struct run *r, unsigned c)
{
	rh_explorer *x = r->x;
	struct slot *sl = &r->slot[c];
	bool had_op = sl->st == S_POINT;

	r->inflight = (rh_event){.tid = (uint8_t)c, .kind = RH_EV_OP, .round = sl->round};
	r->inflight_op = had_op;
	if (had_op) {
		if (sl->name != sl->name_key) {
			const struct rh_name_slot *n = rh__intern(x, sl->name);

			sl->name_key = sl->name;
			sl->name_copy = n->copy;
			sl->name_hash = n->hash;
		}
		r->inflight.op = (uint8_t)sl->op;
		r->inflight.name = sl->name_copy;
		if (sl->object != NULL)
			apply_op(r, c, sl);
	}
	fp_mix(x, (uint64_t)c | (uint64_t)r->inflight.op << 8 | (uint64_t)had_op << 16 |
			  (uint64_t)(had_op ? sl->name_hash : 0) << 32);
}

/* After fiber c ran its step: the event with its value, and what c reports
 * it stopped at. */
RH_SCHEDULER_ONLY RH_STEP_INLINE void end_step(struct run *r, unsigned c)
{
	rh_explorer *x = r->x;
	struct slot *sl = &r->slot[c];
	struct fiber_rep *p = &r->rep[c];
	rh_event ev = {.tid = (uint8_t)c, .round = sl->round};

	r->free_mask &= ~(1ull << c);
	r->lock_mask &= ~(1ull << c);
	if (r->inflight_op) {
		r->inflight.has_value = REP_GET(p->has_value);
		r->inflight.value = REP_GET(p->value);
		rh__push_event(x, r->inflight);
	}
	switch (REP_GET(p->status)) {
	case REP_POINT:
		sl->st = S_POINT;
		sl->op = (rh_op)REP_GET(p->op);
		sl->obj = REP_GET(p->obj);
		sl->name = REP_GET(p->name);
		sl->access = sl->op == RH_OP_POINT ? (rh_access)REP_GET(p->access) : RH_ACCESS_ANY;
		sl->object = NULL;
		if (lock_kind(sl->op) != RH_OBJ_NONE) {
			rh_obj_kind k = lock_kind(sl->op);
			rh_object *o = sl->last_object;

			/* A thread mostly locks and unlocks the same object. */
			if (o == NULL || o->addr != sl->obj || o->kind != k)
				o = sl->last_object = rh_object_get(&x->objects, sl->obj, k,
								    REP_GET(p->flags));
			sl->object = o;
		}
		if (takes_lock(sl->op))
			r->lock_mask |= 1ull << c;
		else
			r->free_mask |= 1ull << c;
		break;
	case REP_BARRIER:
		sl->st = S_BARRIER;
		ev.kind = RH_EV_ROUND_END;
		rh__push_event(x, ev);
		break;
	case REP_DONE:
		sl->st = S_DONE;
		ev.kind = RH_EV_EXIT;
		rh__push_event(x, ev);
		break;
	case REP_DEAD:
		sl->st = S_DEAD;
		ev.kind = RH_EV_DIED;
		rh__push_event(x, ev);
		break;
	}
}

/* For a strategy that looks (RH_STRATEGY_PENDING, dpor): what every thread
 * is stopped before. */
RH_SCHEDULER_ONLY static void fill_pending(struct run *r)
{
	for (unsigned i = 0; i < r->n; i++) {
		const struct slot *sl = &r->slot[i];
		bool at = sl->st == S_POINT;

		r->x->pending[i] = (rh_pending){
			.obj = at ? sl->obj : NULL, .round = sl->round,
			.op = (uint8_t)(at ? sl->op : RH_OP_COUNT_),
			.access = (uint8_t)(at ? sl->access : RH_ACCESS_ANY),
			.reader = at && sl->op == RH_OP_RWUNLOCK && sl->object != NULL &&
				  sl->object->owner != (int)i + 1};
	}
}

/* The thread to run next among e (not 0), recorded as a choice when there was
 * one; -1 when the run hit the step limit (reported as a HANG). */
RH_SCHEDULER_ONLY RH_STEP_INLINE int decide(struct run *r, uint64_t e)
{
	rh_explorer *x = r->x;
	unsigned cur = r->last, c;
	bool fair = false;

	if (x->steps == RH_SCHED_MAX_STEPS) {
		rh_violation(r->t, RH_HANG,
			     "no end after %u scheduling steps (T%u was rh__running): a livelock, "
			     "threads waiting on each other without blocking?",
			     RH_SCHED_MAX_STEPS, cur);
		return -1;
	}
	x->steps++;
	if (x->strategy->flags & RH_STRATEGY_PENDING)
		fill_pending(r);
	c = rh_strategy_choose(x, e, cur);
	if (c >= r->n || !(e >> c & 1))
		rh_die("controlled strategy %s picked thread %u, which cannot run", x->spec, c);
	if (c != cur || !(e & ~(1ull << c))) {
		r->streak = 0;
	} else if (++r->streak == RH_SCHED_FAIR_STEPS) {
		/* The next runnable thread after c, wrapping around. */
		uint64_t after = c + 1 < 64 ? e & (~0ull << (c + 1)) : 0;

		c = (unsigned)__builtin_ctzll(after ? after : e & ~(1ull << c));
		r->streak = 0;
		fair = true;
	}
	if (e & (e - 1)) {
		rh__push_choice(x, (rh_choice){.enabled = e, .cur = (uint8_t)cur, .chosen = (uint8_t)c,
					       .fair = fair});
		fp_mix(x, e);
		if (cur < r->n && (e >> cur & 1) && c != cur)
			x->preemptions++;
	}
	return (int)c;
}

/* Fiber c runs the next step. */
RH_SCHEDULER_ONLY RH_STEP_INLINE void start_step(struct run *r, unsigned c)
{
	r->last = c;
	begin_step(r, c);
	atomic_store_explicit(&r->cur, (int)c, memory_order_relaxed);
}

/* A fiber at a sync point does the scheduler's work itself: it returns its
 * own id to carry on without any switch (most steps of dfs and pct runs),
 * another runnable fiber's id to hand over to it directly, or -1 to leave
 * what it did (its report taken in) to the scheduler: when it cannot run
 * itself, at the step limit, or with no fast path. Not under
 * ThreadSanitizer: the buffers this may grow would be allocated by one fiber
 * and freed by another, which TSan reports; there every step goes through
 * the scheduler. */
RH_SCHEDULER_ONLY RH_STEP_INLINE int fast_step(struct run *r, unsigned id)
{
	uint64_t e;
	int c;

	if (RH_TSAN || r->x->no_fast_path)
		return -1;
	end_step(r, id);
	r->absorbed = true;
	e = runnable(r);
	if (!(e >> id & 1))
		return -1;
	c = decide(r, e);
	if (c < 0) {
		r->stop = true;
		return -1;
	}
	if ((unsigned)c == id) {
		r->absorbed = false;
		begin_step(r, id);
	}
	return c;
}

RH_SCHEDULER_ONLY static void schedule(struct run *r)
{
	rh_explorer *x = r->x;

	for (;;) {
		uint64_t e = runnable(r);
		unsigned live = 0, waiting = 0;
		int c;

		if (e == 0) {
			for (unsigned i = 0; i < r->n; i++) {
				live += r->slot[i].st == S_POINT || r->slot[i].st == S_BARRIER;
				waiting += r->slot[i].st == S_BARRIER;
			}
			if (live == 0)
				return;
			if (waiting < live) {
				rh__report_stuck(r);
				return;
			}
			/* Everyone alive reached the barrier: next round. */
			for (unsigned i = 0; i < r->n; i++)
				if (r->slot[i].st == S_BARRIER) {
					r->slot[i].st = S_READY;
					r->free_mask |= 1ull << i;
					r->slot[i].round++;
				}
			continue;
		}
		c = decide(r, e);
		if (c < 0)
			return;
		start_step(r, (unsigned)c);
		/* Fibers run until one needs the scheduler: fast steps keep a
		 * fiber rh__running or hand over to another. */
		rh_fiber_switch(&r->main, &x->fibers[c], false);
		c = rh__running(r);
		atomic_store_explicit(&r->cur, -1, memory_order_relaxed);
		if (!r->absorbed)
			end_step(r, (unsigned)c);
		r->absorbed = false;
		if (r->stop)
			return;
	}
}

bool rh_explorer_run(rh_explorer *x, const rh_scenario *s, void *state, rh_trial *t)
{
	unsigned n = t->params.threads;
	struct run *r;

	if (n == 0 || n > RH_MAX_THREADS)
		rh_die("%s: controlled mode runs 1..%d threads, not %u", s->name, RH_MAX_THREADS, n);
	x->params = t->params;
	x->trial_index = t->index; /* the strategy's random stream is the trial's */
	if (!rh_strategy_begin(x, n))
		return false;
	x->scenario = s;
	x->variant = t->variant;
	x->trial_seed = t->seed;
	x->n_choices = x->n_events = 0;
	x->end = RH_END_UNRECORDED;
	x->steps = 0;
	x->preemptions = 0;
	x->fp = 0xcbf29ce484222325ull;
	rh_objects_clear(&x->objects);
	for (; x->n_fibers < n; x->n_fibers++)
		if (!rh_fiber_create(&x->fibers[x->n_fibers], RH_FIBER_STACK_SIZE))
			rh_die("cannot map a %u KiB fiber stack: %m", RH_FIBER_STACK_SIZE >> 10);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		rh_die("out of memory for a controlled run");
	r->x = x;
	r->s = s;
	r->state = state;
	r->t = t;
	r->n = n;
	r->rounds = t->params.rounds ? t->params.rounds : 1;
	r->last = RH_NO_THREAD;
	r->free_mask = n == 64 ? ~0ull : (1ull << n) - 1;
	rh_fiber_init_thread(&r->main);
	atomic_init(&r->cur, -1);
	rh__run = r;
	for (unsigned i = 0; i < n; i++) {
		rh_fiber_reset(&x->fibers[i], fiber_main);
		atomic_store_explicit(&r->cur, (int)i, memory_order_relaxed);
		rh_fiber_switch(&r->main, &x->fibers[i], true);
	}
	atomic_store_explicit(&r->cur, -1, memory_order_relaxed);
	rh_runtime_attach(&ctl_runtime);
	schedule(r);
	rh_runtime_detach();
	rh__run = NULL;
	if (x->strategy->flags & RH_STRATEGY_PENDING)
		fill_pending(r);
	free(r);
	rh_strategy_end(x);
	return true;
}

