/* racehunt — the controlled scheduler: a trial's threads as fibers on one OS
 * thread, switched at every sync point by a strategy.
 *
 * At each sync point the step is recorded and the strategy asked who runs
 * next. When that is the fiber already running, it simply goes on (see
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
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "core/registry.h"
#include "runtime/runtime.h"
#include "sched.h"

#if RH_TSAN
#include <sanitizer/tsan_interface.h>
#define tsan_acquire(addr) __tsan_acquire((void *)(addr))
#define tsan_release(addr) __tsan_release((void *)(addr))
#else
#define tsan_acquire(addr) ((void)(addr))
#define tsan_release(addr) ((void)(addr))
#endif

/* Mapped lazily, so a generous size costs only address space. */
#define RH_FIBER_STACK_SIZE (1u << 20)

enum slot_state { S_READY, S_POINT, S_BARRIER, S_DONE, S_DEAD };
enum rep_status { REP_POINT, REP_BARRIER, REP_DONE, REP_DEAD };

/* What a fiber tells the scheduler when it switches back. Written by that
 * fiber only and read by the scheduler; atomic (relaxed) because nothing
 * orders the scheduler's read before the fiber's next write. */
struct fiber_rep {
	_Atomic int status;
	_Atomic int op;
	const void *_Atomic obj;
	const char *_Atomic name;
	_Atomic uint64_t value;
	_Atomic bool has_value;
	_Atomic unsigned flags; /* a mutex op: the mutex's RH_MUTEX_* flags */
	/* Written by whoever starts the fiber's step (lock ops take effect
	 * there, on the model): what the op returns, RH_OWNER_DIED for a lock,
	 * 1 for an rwunlock by the writer. */
	_Atomic int result;
};

#define REP_SET(field, v) atomic_store_explicit(&(field), (v), memory_order_relaxed)
#define REP_GET(field) atomic_load_explicit(&(field), memory_order_relaxed)

/* The scheduler's own view of a fiber. */
struct slot {
	enum slot_state st;
	rh_op op;
	const void *obj;
	rh_object *object; /* model state of obj for lock ops, NULL otherwise */
	const char *name;
	unsigned round;
	/* The interned copy of the last name seen: a fiber mostly names the
	 * same few objects, and a name's text does not change during a run. */
	const char *name_key;
	const char *name_copy;
	uint32_t name_hash;
};

struct run {
	rh_explorer *x;
	const rh_scenario *s;
	void *state;
	rh_trial *t;
	unsigned n, rounds;
	rh_fiber main;
	_Atomic int cur; /* running fiber, -1 while the scheduler runs */
	struct slot slot[RH_MAX_THREADS];
	struct fiber_rep rep[RH_MAX_THREADS];
	/* Kept by end_step and the round barrier, so a step need not look at
	 * every slot: a bit per fiber that can run whatever locks are held
	 * (S_READY, or S_POINT at an op taking no lock), and one per fiber at a
	 * lock op, which can run when the lock is free. */
	uint64_t free_mask, lock_mask;
	char barrier; /* its address is the round barrier for TSan */

	/* Decision state, shared by the scheduler's loop and the fast path a
	 * fiber takes at a sync point (see fast_step). */
	unsigned last;	   /* thread that ran last, RH_NO_THREAD at the start */
	unsigned streak;   /* steps it took in a row while another could run */
	rh_event inflight; /* the step being run, waiting for its value */
	bool inflight_op;
	bool absorbed; /* the fiber already took in its own report */
	bool stop;     /* the fiber ended the run (step limit) */
};

/* The pieces of one scheduling step: a fiber's fast path runs them all at
 * every sync point, so calls between them would be a good part of its cost. */
#define RH_STEP_INLINE static inline __attribute__((always_inline))

/* Set before any fiber of a run starts, cleared after all have stopped. */
static struct run *g_run;

static int running(struct run *r)
{
	return r == NULL ? -1 : atomic_load_explicit(&r->cur, memory_order_relaxed);
}

/* ---- fiber side ---------------------------------------------------------- */

static int fast_step(struct run *r, unsigned id);
static void start_step(struct run *r, unsigned c);

static void yield_at(struct run *r, int id, rh_op op, const void *obj, const char *name)
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

static void ctl_before(rh_op op, const void *obj, const char *name)
{
	struct run *r = g_run;
	int id = running(r);

	if (id >= 0)
		yield_at(r, id, op, obj, name);
}

/* The value the step fiber id just ran produced, for its trace event. */
static void report_value(struct run *r, int id, uint64_t value)
{
	REP_SET(r->rep[id].value, value);
	REP_SET(r->rep[id].has_value, true);
}

static void ctl_after(rh_op op, const void *obj, const char *name, uint64_t value)
{
	struct run *r = g_run;
	int id = running(r);

	if (id >= 0)
		report_value(r, id, value);
}

static void ctl_point(const char *label, uint64_t value)
{
	struct run *r = g_run;
	int id = running(r);

	if (id >= 0) {
		yield_at(r, id, RH_OP_POINT, NULL, label);
		report_value(r, id, value);
	}
}

/* Lock operations take effect on the model when the scheduler starts the
 * step (see apply_op): here the fiber only tells ThreadSanitizer about the
 * hand-over and picks up the result. */
static int ctl_mutex_lock(rh_mutex *m)
{
	struct run *r = g_run;
	int id = running(r), rc;

	if (id < 0)
		return rh__mutex_lock_raw(m);
	REP_SET(r->rep[id].flags, m->flags);
	yield_at(r, id, RH_OP_LOCK, m, m->name);
	rc = REP_GET(r->rep[id].result);
	tsan_acquire(&m->impl);
	ctl_after(RH_OP_LOCK, m, m->name, (uint64_t)rc);
	return rc;
}

static void ctl_mutex_unlock(rh_mutex *m)
{
	struct run *r = g_run;
	int id = running(r);

	if (id < 0) {
		rh__mutex_unlock_raw(m);
		return;
	}
	REP_SET(r->rep[id].flags, m->flags);
	yield_at(r, id, RH_OP_UNLOCK, m, m->name);
	tsan_release(&m->impl);
}

/* Readers and writers synchronise on two addresses, as a real rwlock does:
 * readers acquire what writers released (impl) and release into a second
 * clock, one byte into the lock, that only writers acquire. */
#define READERS_CLOCK(l) ((const char *)(l) + 1)

static void ctl_rwlock_rdlock(rh_rwlock *l)
{
	struct run *r = g_run;
	int id = running(r);

	if (id < 0) {
		pthread_rwlock_rdlock(&l->impl);
		return;
	}
	yield_at(r, id, RH_OP_RDLOCK, l, l->name);
	tsan_acquire(&l->impl);
}

static void ctl_rwlock_wrlock(rh_rwlock *l)
{
	struct run *r = g_run;
	int id = running(r);

	if (id < 0) {
		pthread_rwlock_wrlock(&l->impl);
		return;
	}
	yield_at(r, id, RH_OP_WRLOCK, l, l->name);
	tsan_acquire(&l->impl);
	tsan_acquire(READERS_CLOCK(l));
}

static void ctl_rwlock_unlock(rh_rwlock *l)
{
	struct run *r = g_run;
	int id = running(r);

	if (id < 0) {
		pthread_rwlock_unlock(&l->impl);
		return;
	}
	yield_at(r, id, RH_OP_RWUNLOCK, l, l->name);
	if (REP_GET(r->rep[id].result))
		tsan_release(&l->impl);
	else
		tsan_release(READERS_CLOCK(l));
}

/* No step: nothing else runs between here and the fiber's next sync point,
 * and the table is only looked up (no allocation, uninstrumented), so the
 * fiber may touch the model itself, under TSan too. */
RH_SCHEDULER_ONLY static bool ctl_mutex_consistent(rh_mutex *m)
{
	struct run *r = g_run;
	rh_object *o;

	if (running(r) < 0)
		return false;
	o = rh_object_find(&r->x->objects, m);
	if (o == NULL || o->kind != RH_OBJ_MUTEX || !o->owner_died)
		return false;
	o->owner_died = false;
	return true;
}

RH_SCHEDULER_ONLY static void ctl_object_reset(const void *obj)
{
	struct run *r = g_run;

	if (running(r) >= 0)
		rh_object_forget(&r->x->objects, obj);
}

static void ctl_thread_die(void)
{
	struct run *r = g_run;
	int id = running(r);

	if (id < 0)
		return;
	/* Like a thread that is joined: what it did is visible to later rounds. */
	tsan_release(&r->barrier);
	REP_SET(r->rep[id].status, REP_DEAD);
	rh_fiber_exit(&r->x->fibers[id], &r->main);
}

static const struct rh_runtime ctl_runtime = {
	.name = "controlled",
	.before = ctl_before,
	.after = ctl_after,
	.point = ctl_point,
	.mutex_lock = ctl_mutex_lock,
	.mutex_unlock = ctl_mutex_unlock,
	.rwlock_rdlock = ctl_rwlock_rdlock,
	.rwlock_wrlock = ctl_rwlock_wrlock,
	.rwlock_unlock = ctl_rwlock_unlock,
	.mutex_consistent = ctl_mutex_consistent,
	.object_reset = ctl_object_reset,
	.thread_die = ctl_thread_die,
};

static void fiber_main(void)
{
	struct run *r = g_run;
	int id = running(r);
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

static uint32_t str_hash(const char *s)
{
	return s ? rh_fnv1a(RH_FNV_BASIS, s, strlen(s)) : 0;
}

/* Names are copied once: the trace is printed after teardown freed the
 * objects that carried them. */
RH_SCHEDULER_ONLY static const struct rh_name_slot *intern(rh_explorer *x, const char *name)
{
	static const struct rh_name_slot none = {0};
	size_t mask, i;

	if (name == NULL)
		return &none;
	if (x->n_names * 2 >= x->cap_names) {
		size_t cap = x->cap_names ? x->cap_names * 2 : 64;
		struct rh_name_slot *t = calloc(cap, sizeof(*t));

		if (t == NULL)
			rh_die("out of memory interning object names");
		for (size_t j = 0; j < x->cap_names; j++) {
			if (x->names[j].key == NULL)
				continue;
			for (i = ((uintptr_t)x->names[j].key >> 3) * 0x9e3779b97f4a7c15ull & (cap - 1);
			     t[i].key != NULL; i = (i + 1) & (cap - 1))
				;
			t[i] = x->names[j];
		}
		free(x->names);
		x->names = t;
		x->cap_names = cap;
	}
	mask = x->cap_names - 1;
	for (i = ((uintptr_t)name >> 3) * 0x9e3779b97f4a7c15ull & mask; x->names[i].key != NULL;
	     i = (i + 1) & mask)
		if (x->names[i].key == name && strcmp(x->names[i].copy, name) == 0)
			return &x->names[i];
	x->names[i].key = name;
	x->names[i].copy = strdup(name);
	if (x->names[i].copy == NULL)
		rh_die("out of memory interning object names");
	x->names[i].hash = str_hash(name);
	x->n_names++;
	return &x->names[i];
}

/* Growing the trace buffers is rare (they are kept across a campaign's
 * runs): out of line, so the per-step pushes stay a compare and a store. */
RH_SCHEDULER_ONLY static inline void push_event(rh_explorer *x, rh_event ev)
{
	if (__builtin_expect(x->n_events == x->cap_events, 0))
		x->events = rh_grow(x->events, &x->cap_events, sizeof(*x->events), 256, "the trace");
	x->events[x->n_events++] = ev;
}

RH_SCHEDULER_ONLY static inline void push_choice(rh_explorer *x, rh_choice c)
{
	if (__builtin_expect(x->n_choices == x->cap_choices, 0))
		x->choices = rh_grow(x->choices, &x->cap_choices, sizeof(*x->choices), 256,
				     "the choices");
	x->choices[x->n_choices++] = c;
}

/* The thread holding what sl waits for, -1 when none does. */
RH_SCHEDULER_ONLY static inline int holder(const struct run *r, const struct slot *sl)
{
	const rh_object *o = sl->object;

	switch (sl->op) {
	case RH_OP_LOCK:
		return o->owner - 1;
	case RH_OP_RDLOCK:
	case RH_OP_WRLOCK:
		if (o->owner != 0)
			return o->owner - 1;
		if (sl->op == RH_OP_WRLOCK && o->readers != 0)
			return __builtin_ctzll(o->readers);
		return -1;
	default:
		return -1;
	}
}

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
	int h = holder(r, sl);

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

/* Nobody can run, somebody waits: follow who waits for whom from the first
 * waiter. A cycle (possibly through the round barrier) is a DEADLOCK; a wait
 * on a thread that died or returned holding the lock is a HANG, as stress
 * mode would see it. */
static void report_stuck(struct run *r)
{
	char msg[RH_MSG_MAX];
	size_t len = 0;
	uint64_t seen = 0, blocked = 0;
	rh_kind kind = RH_DEADLOCK;
	int f = -1;

	for (unsigned i = 0; i < r->n; i++) {
		const struct slot *sl = &r->slot[i];
		int h;

		if (sl->st != S_POINT)
			continue;
		blocked |= 1ull << i;
		h = holder(r, sl);
		push_event(r->x, (rh_event){.tid = (uint8_t)i, .kind = RH_EV_BLOCKED,
					    .op = (uint8_t)sl->op, .round = sl->round,
					    .name = intern(r->x, sl->name)->copy,
					    .value = (uint64_t)(h + 1)});
		if (f < 0)
			f = (int)i;
	}
	msg[0] = '\0';
#define ADD(...)                                                                            \
	do {                                                                                \
		if (len < sizeof(msg))                                                      \
			len += (size_t)snprintf(msg + len, sizeof(msg) - len, __VA_ARGS__); \
	} while (0)
	while (f >= 0) {
		const struct slot *sl = &r->slot[f];
		int h = holder(r, sl);

		seen |= 1ull << f;
		ADD("T%d waits for %s %s", f, rh__wait_what(sl->op), sl->name ? sl->name : "?");
		if (h < 0 || h >= (int)r->n) {
			ADD(" that nobody holds");
			kind = RH_HANG;
			break;
		}
		ADD(" held by T%d", h);
		if (r->slot[h].st == S_DEAD) {
			ADD(", which died holding it (rh_thread_die)");
			kind = RH_HANG;
			break;
		}
		if (r->slot[h].st == S_DONE) {
			ADD(", which returned without releasing it");
			kind = RH_HANG;
			break;
		}
		if (r->slot[h].st == S_BARRIER) {
			ADD("; T%d waits at the end of round %u for the others", h, r->slot[h].round);
			break;
		}
		if (seen >> h & 1) {
			ADD(" (cycle)");
			break;
		}
		ADD("; ");
		f = h;
	}
	if (blocked & ~seen)
		ADD(" (+%d more waiting)", __builtin_popcountll(blocked & ~seen));
#undef ADD
	rh_violation(r->t, kind, "%s%s", kind == RH_DEADLOCK ? "lock cycle: " : "", msg);
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
			const struct rh_name_slot *n = intern(x, sl->name);

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
		push_event(x, r->inflight);
	}
	switch (REP_GET(p->status)) {
	case REP_POINT:
		sl->st = S_POINT;
		sl->op = (rh_op)REP_GET(p->op);
		sl->obj = REP_GET(p->obj);
		sl->name = REP_GET(p->name);
		sl->object = NULL;
		if (lock_kind(sl->op) != RH_OBJ_NONE)
			sl->object = rh_object_get(&x->objects, sl->obj, lock_kind(sl->op),
						   REP_GET(p->flags));
		if (takes_lock(sl->op))
			r->lock_mask |= 1ull << c;
		else
			r->free_mask |= 1ull << c;
		break;
	case REP_BARRIER:
		sl->st = S_BARRIER;
		ev.kind = RH_EV_ROUND_END;
		push_event(x, ev);
		break;
	case REP_DONE:
		sl->st = S_DONE;
		ev.kind = RH_EV_EXIT;
		push_event(x, ev);
		break;
	case REP_DEAD:
		sl->st = S_DEAD;
		ev.kind = RH_EV_DIED;
		push_event(x, ev);
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
			.obj = !at ? NULL : sl->op == RH_OP_POINT ? (const void *)sl->name : sl->obj,
			.round = sl->round, .op = (uint8_t)(at ? sl->op : RH_OP_COUNT_),
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

	if (x->steps == RH_SCHED_MAX_STEPS) {
		rh_violation(r->t, RH_HANG,
			     "no end after %u scheduling steps (T%u was running): a livelock, "
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
	}
	if (e & (e - 1)) {
		push_choice(x, (rh_choice){.enabled = e, .cur = (uint8_t)cur, .chosen = (uint8_t)c});
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
				report_stuck(r);
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
		 * fiber running or hand over to another. */
		rh_fiber_switch(&r->main, &x->fibers[c], false);
		c = running(r);
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
	if (!rh_strategy_begin(x, n))
		return false;
	x->scenario = s;
	x->variant = t->variant;
	x->trial_seed = t->seed;
	x->trial_index = t->index;
	x->n_choices = x->n_events = 0;
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
	g_run = r;
	for (unsigned i = 0; i < n; i++) {
		rh_fiber_reset(&x->fibers[i], fiber_main);
		atomic_store_explicit(&r->cur, (int)i, memory_order_relaxed);
		rh_fiber_switch(&r->main, &x->fibers[i], true);
	}
	atomic_store_explicit(&r->cur, -1, memory_order_relaxed);
	rh_runtime_attach(&ctl_runtime);
	schedule(r);
	rh_runtime_detach();
	g_run = NULL;
	if (x->strategy->flags & RH_STRATEGY_PENDING)
		fill_pending(r);
	free(r);
	rh_strategy_end(x);
	return true;
}

uint64_t rh_explorer_steps(const rh_explorer *x)
{
	return x->steps;
}

unsigned rh_explorer_preemptions(const rh_explorer *x)
{
	return x->preemptions;
}

void rh_explorer_free(rh_explorer *x)
{
	if (x == NULL)
		return;
	for (unsigned i = 0; i < x->n_fibers; i++)
		rh_fiber_destroy(&x->fibers[i]);
	for (size_t i = 0; i < x->cap_names; i++)
		free(x->names[i].copy);
	free(x->names);
	rh_objects_fini(&x->objects);
	if (x->strategy != NULL && x->strategy->destroy != NULL)
		x->strategy->destroy(x->st);
	free(x->choices);
	free(x->events);
	free(x->schedule);
	free(x);
}

const char *rh_explorer_schedule(rh_explorer *x, const rh_scenario *s, unsigned variant,
				 const rh_params *p)
{
	rh_sched_spec sp;
	char err[256];

	rh_explorer_spec(x, &sp);
	snprintf(sp.scenario, sizeof(sp.scenario), "%s", s->name);
	snprintf(sp.variant, sizeof(sp.variant), "%s", s->variants[variant].name);
	sp.params = *p;
	free(x->schedule);
	x->schedule = rh_schedule_format(&sp, err, sizeof(err));
	rh_schedule_spec_free(&sp);
	if (x->schedule == NULL) {
		fprintf(stderr, "racehunt: no schedule string: %s\n", err);
		return "";
	}
	return x->schedule;
}

/* ---- trace --------------------------------------------------------------- */

int rh_event_text(const rh_event *e, char *buf, size_t cap)
{
	const char *name = e->name ? e->name : "?";
	size_t nl = strlen(name);

	switch (e->kind) {
	case RH_EV_ROUND_END:
		return snprintf(buf, cap, "end of round %u", e->round);
	case RH_EV_EXIT:
		return snprintf(buf, cap, "exit");
	case RH_EV_DIED:
		return snprintf(buf, cap, "died here (rh_thread_die)");
	case RH_EV_BLOCKED:
		if (e->value)
			return snprintf(buf, cap, "blocked: %s %s (held by T%" PRIu64 ")",
					rh_op_name((rh_op)e->op), name, e->value - 1);
		return snprintf(buf, cap, "blocked: %s %s", rh_op_name((rh_op)e->op), name);
	default:
		break;
	}
	if (e->op == RH_OP_LOCK)
		return snprintf(buf, cap, "lock %s%s", name,
				e->has_value && e->value == RH_OWNER_DIED ? " -> owner died" : "");
	if (e->op == RH_OP_POINT) {
		/* A label ending in punctuation reads with the value glued on:
		 * "write block@" -> "write block@6528". */
		if (!e->has_value)
			return snprintf(buf, cap, "%s", name);
		if (nl > 0 && strchr("@=:#/", name[nl - 1]) != NULL)
			return snprintf(buf, cap, "%s%" PRIu64, name, e->value);
		return snprintf(buf, cap, "%s=%" PRIu64, name, e->value);
	}
	if (!e->has_value || e->op == RH_OP_UNLOCK || e->op == RH_OP_RDLOCK ||
	    e->op == RH_OP_WRLOCK || e->op == RH_OP_RWUNLOCK)
		return snprintf(buf, cap, "%s %s", rh_op_name((rh_op)e->op), name);
	return snprintf(buf, cap, "%s %s=%" PRIu64, rh_op_name((rh_op)e->op), name, e->value);
}

void rh_explorer_print_trace(rh_explorer *x, FILE *out)
{
	char text[256];
	int lane = 12;
	unsigned threads = x->params.threads;

	if (out == NULL)
		return;
	for (size_t i = 0; i < x->n_events; i++) {
		int w = rh_event_text(&x->events[i], text, sizeof(text));
		if (w + 5 > lane)
			lane = w + 5;
	}
	/* Wide enough for most cells, narrow enough that many threads still
	 * fit a terminal: a cell longer than its lane just runs on. */
	if (lane > 40)
		lane = 40;
	if (threads > 4 && lane > (int)(160 / threads))
		lane = (int)(160 / threads) < 12 ? 12 : (int)(160 / threads);
	fprintf(out, "trace: %s [%s], %u thread%s x %u op%s x %u round%s; %" PRIu64
		     " steps, %u preemption%s\n",
		x->scenario ? x->scenario->name : "?",
		x->scenario ? x->scenario->variants[x->variant].name : "?", threads,
		threads == 1 ? "" : "s", x->params.ops, x->params.ops == 1 ? "" : "s",
		x->params.rounds, x->params.rounds == 1 ? "" : "s", x->steps, x->preemptions,
		x->preemptions == 1 ? "" : "s");
	fprintf(out, "  step |");
	for (unsigned i = 0; i < threads && i < 16; i++)
		fprintf(out, " T%-*u", i + 1 < threads ? lane - 2 : 0, i);
	fputc('\n', out);
	for (size_t i = 0; i < x->n_events; i++) {
		const rh_event *e = &x->events[i];

		rh_event_text(e, text, sizeof(text));
		fprintf(out, "%6zu | %*sT%u %s\n", i + 1, e->tid * lane, "", e->tid, text);
	}
	fflush(out);
}
