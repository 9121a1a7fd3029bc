/* SPDX-License-Identifier: MIT */
/* Private to racehunt's tests: the model test_dpor.c checks the dpor module
 * against. A tiny interpreter of generated programs (see test_dpor.c), the
 * canonical form of a run's Mazurkiewicz trace, brute-force search with an
 * optional preemption bound, and the same programs driven by the module.
 * Include after test.h. */
#ifndef RH_DPOR_MODEL_H
#define RH_DPOR_MODEL_H

#include <stdlib.h>

#include "controlled/dpor.h"

#define MAX_T 3
#define MAX_OPS 8
#define MAX_STEPS 24
#define N_VARS 3
#define N_LOCKS 2
#define N_LOCS 2 /* plain memory locations */
#ifndef PROGRAMS
#define PROGRAMS 250
#endif
#define NONE 0xffu

enum kind {
	K_LOAD, K_STORE, K_FADD, K_CAS, K_LOCK, K_UNLOCK, K_RDLOCK, K_WRLOCK, K_RWUNLOCK,
	K_POINT,		/* an rh_point: plain memory, unnamed (it writes one location) */
	K_MREAD, K_MWRITE, /* rh_point_at naming a location, read or written */
	/* As racehunt exec says them (RH_DPOR_ANYSYNC, no object named): a
	 * mutex trylock (takes the lock if free, else only reads it), an unlock
	 * (as a condition wait's release), rwlock trylocks. */
	K_TRYLOCK, K_ANYUNLOCK, K_TRYRDLOCK, K_TRYWRLOCK,
};
enum st { ST_READY, ST_AT, ST_BARRIER, ST_DONE };

struct pop {
	uint8_t kind, obj, val;
	/* a plain-memory point whose location the code before it touches too
	 * (the step that stops at it reads or, unnamed, writes it) */
	uint8_t pre;
};

struct prog {
	unsigned threads, rounds;
	bool exec_style; /* a writer's rwlock unlock said as such (RELEASE) */
	unsigned len[MAX_T], brk[MAX_T]; /* ops [0, brk) are round 0, [brk, len) round 1 */
	struct pop ops[MAX_T][MAX_OPS];
};

struct state {
	uint8_t pc[MAX_T], st[MAX_T], round[MAX_T], rwmode[MAX_T];
	uint8_t owner[N_LOCKS], writer, readers;
	uint32_t var[N_VARS], mem[N_LOCS];
	uint64_t reg[MAX_T];
};

struct ev {
	uint8_t t;
	rh_dpor_op op;	 /* rwlock unlocks resolved */
	rh_dpor_op tail; /* the plain-memory point the step stopped at, if any */
};

struct set {
	uint64_t *v;
	size_t n, cap;
};

struct result {
	struct set outcomes, traces;
	uint64_t runs, dups;
};

/* ---- the interpreter ----------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t x)
{
	h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 31);
}

static unsigned round_end(const struct prog *p, unsigned t, unsigned round)
{
	return p->rounds == 2 && round == 0 ? p->brk[t] : p->len[t];
}

/* After a step: at the next op, or at the barrier, or done. */
static void settle(const struct prog *p, struct state *s, unsigned t)
{
	if (s->pc[t] < round_end(p, t, s->round[t]))
		s->st[t] = ST_AT;
	else
		s->st[t] = s->round[t] + 1u < p->rounds ? ST_BARRIER : ST_DONE;
}

static void init_state(const struct prog *p, struct state *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned t = 0; t < p->threads; t++)
		s->st[t] = ST_READY;
}

static bool can_run(const struct prog *p, const struct state *s, unsigned t)
{
	const struct pop *o = &p->ops[t][s->pc[t]];

	if (s->st[t] == ST_READY)
		return true;
	if (s->st[t] != ST_AT)
		return false;
	switch (o->kind) {
	case K_LOCK:
		return s->owner[o->obj] == 0;
	case K_RDLOCK:
		return s->writer == 0;
	case K_WRLOCK:
		return s->writer == 0 && s->readers == 0;
	default:
		return true;
	}
}

static uint64_t enabled_mask(const struct prog *p, struct state *s)
{
	uint64_t e = 0;
	unsigned live = 0, waiting = 0;

	for (unsigned t = 0; t < p->threads; t++) {
		live += s->st[t] != ST_DONE;
		waiting += s->st[t] == ST_BARRIER;
		if (can_run(p, s, t))
			e |= 1ull << t;
	}
	if (e == 0 && live > 0 && waiting == live) {
		for (unsigned t = 0; t < p->threads; t++)
			if (s->st[t] == ST_BARRIER) {
				s->st[t] = ST_READY;
				s->round[t]++;
			}
		return enabled_mask(p, s);
	}
	return e;
}

static rh_dpor_op pending(const struct prog *p, const struct state *s, unsigned t)
{
	static const uint8_t cls[] = {
		[K_LOAD] = RH_DPOR_READ,	[K_STORE] = RH_DPOR_WRITE,
		[K_FADD] = RH_DPOR_WRITE,	[K_CAS] = RH_DPOR_WRITE,
		[K_LOCK] = RH_DPOR_ACQUIRE,	[K_UNLOCK] = RH_DPOR_RELEASE,
		[K_RDLOCK] = RH_DPOR_RDACQUIRE, [K_WRLOCK] = RH_DPOR_ACQUIRE,
		[K_RWUNLOCK] = RH_DPOR_RWRELEASE, [K_POINT] = RH_DPOR_ANYMEM,
		[K_MREAD] = RH_DPOR_MREAD,	[K_MWRITE] = RH_DPOR_MWRITE,
		[K_TRYLOCK] = RH_DPOR_ANYSYNC,	[K_ANYUNLOCK] = RH_DPOR_ANYSYNC,
		[K_TRYRDLOCK] = RH_DPOR_ANYSYNC, [K_TRYWRLOCK] = RH_DPOR_ANYSYNC,
	};
	const struct pop *o;
	uintptr_t base;
	rh_dpor_op op;

	/* pc may be past the last op: read it only at an op */
	if (s->st[t] != ST_AT)
		return (rh_dpor_op){.cls = RH_DPOR_LOCAL, .round = s->round[t]};
	o = &p->ops[t][s->pc[t]];
	base = o->kind <= K_CAS	       ? 0x100
	       : o->kind <= K_UNLOCK ? 0x200
	       : o->kind >= K_TRYLOCK ? 0
	       : o->kind >= K_MREAD  ? 0x400
				     : 0x300;
	op = (rh_dpor_op){.obj = base + o->obj, .cls = cls[o->kind], .round = s->round[t]};
	if (o->kind == K_POINT)
		op.obj = 0; /* the module is not told which location */
	/* a reader's unlock said as such, as the scheduler says it; exec says
	 * the writer's too (a trylock is no acquire the module sees) */
	if (o->kind == K_RWUNLOCK && s->rwmode[t] == 1)
		op.cls = RH_DPOR_RDRELEASE;
	if (o->kind == K_RWUNLOCK && s->rwmode[t] == 2 && p->exec_style)
		op.cls = RH_DPOR_RELEASE;
	/* after a failed trylock, the unlock does nothing */
	if (o->kind == K_UNLOCK && s->owner[o->obj] != t + 1)
		op.cls = RH_DPOR_LOCAL;
	if (o->kind == K_RWUNLOCK && s->rwmode[t] == 0)
		op.cls = RH_DPOR_LOCAL;
	return op;
}

static void exec_op(struct state *s, unsigned t, const struct pop *o)
{
	uint32_t *v = &s->var[o->obj];
	uint64_t *r = &s->reg[t];

	switch (o->kind) {
	case K_LOAD: *r = *r * 31 + *v + 1; break;
	case K_STORE: *v = o->val; break;
	case K_FADD: *r = *r * 31 + *v; *v += o->val; break;
	case K_CAS:
		*r = *r * 31 + (*v == 0 ? 1 : 2);
		if (*v == 0)
			*v = o->val;
		break;
	case K_POINT: s->mem[o->obj % N_LOCS] = s->mem[o->obj % N_LOCS] * 3 + t + 1; break;
	case K_MREAD: *r = *r * 31 + s->mem[o->obj % N_LOCS] + 1; break;
	case K_MWRITE: s->mem[o->obj % N_LOCS] = s->mem[o->obj % N_LOCS] * 5 + o->val; break;
	case K_LOCK: s->owner[o->obj] = (uint8_t)(t + 1); break;
	case K_UNLOCK:
	case K_ANYUNLOCK:
		if (s->owner[o->obj] == t + 1)
			s->owner[o->obj] = 0;
		break;
	case K_TRYLOCK:
		*r = *r * 31 + (s->owner[o->obj] == 0 ? 1 : 2);
		if (s->owner[o->obj] == 0)
			s->owner[o->obj] = (uint8_t)(t + 1);
		break;
	case K_TRYRDLOCK:
		*r = *r * 31 + (s->writer == 0 ? 1 : 2);
		if (s->writer == 0) {
			s->readers |= (uint8_t)(1u << t);
			s->rwmode[t] = 1;
		}
		break;
	case K_TRYWRLOCK:
		*r = *r * 31 + (s->writer == 0 && s->readers == 0 ? 1 : 2);
		if (s->writer == 0 && s->readers == 0) {
			s->writer = (uint8_t)(t + 1);
			s->rwmode[t] = 2;
		}
		break;
	case K_RDLOCK: s->readers |= (uint8_t)(1u << t); s->rwmode[t] = 1; break;
	case K_WRLOCK: s->writer = (uint8_t)(t + 1); s->rwmode[t] = 2; break;
	case K_RWUNLOCK:
		if (s->rwmode[t] == 0)
			break;
		if (s->rwmode[t] == 2)
			s->writer = 0;
		else
			s->readers &= (uint8_t)~(1u << t);
		s->rwmode[t] = 0;
		break;
	}
}

/* The code a step runs before stopping at a point with pre set. */
static void pre_access(struct state *s, unsigned t, const struct pop *o)
{
	uint32_t *m = &s->mem[o->obj % N_LOCS];

	if (o->kind == K_POINT)
		*m = *m * 7 + t + 3;
	else
		s->reg[t] = s->reg[t] * 31 + *m + 7;
}

/* Thread t takes a step; returns the event, rwlock unlocks resolved. */
static struct ev step(const struct prog *p, struct state *s, unsigned t)
{
	struct ev ev = {.t = (uint8_t)t, .op = pending(p, s, t)};
	const struct pop *next;

	if (ev.op.cls == RH_DPOR_RWRELEASE)
		ev.op.cls = s->rwmode[t] == 2 ? RH_DPOR_RELEASE : RH_DPOR_RDRELEASE;
	if (s->st[t] == ST_AT)
		exec_op(s, t, &p->ops[t][s->pc[t]++]);
	settle(p, s, t);
	ev.tail = (rh_dpor_op){.cls = RH_DPOR_LOCAL};
	next = &p->ops[t][s->pc[t]];
	if (s->st[t] == ST_AT && next->kind >= K_POINT && next->kind <= K_MWRITE) {
		ev.tail = pending(p, s, t);
		if (next->pre)
			pre_access(s, t, next);
	}
	return ev;
}

static uint64_t outcome(const struct prog *p, const struct state *s)
{
	uint64_t h = 1;

	for (unsigned i = 0; i < N_VARS; i++)
		h = mix(h, s->var[i]);
	for (unsigned i = 0; i < N_LOCS; i++)
		h = mix(h, s->mem[i]);
	for (unsigned t = 0; t < p->threads; t++)
		h = mix(mix(h, s->reg[t]), s->st[t] == ST_DONE);
	return h;
}

/* ---- traces -------------------------------------------------------------- */

/* Written apart from the module's own relation, on purpose. */
static bool op_conflict(rh_dpor_op a, rh_dpor_op b)
{
	bool ra = a.cls == RH_DPOR_RDACQUIRE || a.cls == RH_DPOR_RDRELEASE;
	bool rb = b.cls == RH_DPOR_RDACQUIRE || b.cls == RH_DPOR_RDRELEASE;
	bool ma = a.cls >= RH_DPOR_MREAD && a.cls <= RH_DPOR_ANYMEM;
	bool mb = b.cls >= RH_DPOR_MREAD && b.cls <= RH_DPOR_ANYMEM;
	bool rd_a = a.cls == RH_DPOR_READ || a.cls == RH_DPOR_MREAD;
	bool rd_b = b.cls == RH_DPOR_READ || b.cls == RH_DPOR_MREAD;

	if (a.cls == RH_DPOR_LOCAL || b.cls == RH_DPOR_LOCAL || ma != mb)
		return false;
	/* a sync op nobody names may be on any sync object */
	if (a.cls == RH_DPOR_ANYSYNC || b.cls == RH_DPOR_ANYSYNC)
		return true;
	/* an unnamed point may touch any plain location, named or not */
	if (a.cls == RH_DPOR_ANYMEM || b.cls == RH_DPOR_ANYMEM)
		return true;
	return a.obj == b.obj && !(rd_a && rd_b) && !(ra && rb);
}

/* A step touches what its op does and what the point it stops at names. */
static bool conflict(const struct ev *a, const struct ev *b)
{
	if (a->op.round != b->op.round)
		return true; /* the barrier */
	return op_conflict(a->op, b->op) || op_conflict(a->op, b->tail) ||
	       op_conflict(a->tail, b->op) || op_conflict(a->tail, b->tail);
}

/* The least linearisation (by thread id) of the run's happens-before order:
 * equal for two runs exactly when they are the same Mazurkiewicz trace. */
static uint64_t canonical(const struct ev *ev, size_t len, unsigned threads)
{
	bool out[MAX_STEPS] = {false};
	uint64_t h = 7;

	for (size_t emitted = 0; emitted < len; emitted++) {
		for (unsigned t = 0; t < threads; t++) {
			size_t x = 0;
			bool ok = true;

			while (x < len && (out[x] || ev[x].t != t))
				x++;
			if (x == len)
				continue;
			for (size_t y = 0; y < x && ok; y++)
				ok = out[y] || ev[y].t == t || !conflict(&ev[y], &ev[x]);
			if (ok) {
				out[x] = true;
				h = mix(h, t);
				break;
			}
		}
	}
	return h;
}

static bool set_has(const struct set *s, uint64_t x)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == x)
			return true;
	return false;
}

/* false when x was there already */
static bool set_add(struct set *s, uint64_t x)
{
	if (set_has(s, x))
		return false;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		assert_non_null(s->v);
	}
	s->v[s->n++] = x;
	return true;
}

static bool subset(const struct set *a, const struct set *b)
{
	for (size_t i = 0; i < a->n; i++)
		if (!set_has(b, a->v[i]))
			return false;
	return true;
}

static void result_free(struct result *r)
{
	free(r->outcomes.v);
	free(r->traces.v);
	memset(r, 0, sizeof(*r));
}

static void record(struct result *r, const struct prog *p, const struct state *s,
		   const struct ev *ev, size_t len)
{
	r->runs++;
	set_add(&r->outcomes, outcome(p, s));
	if (!set_add(&r->traces, canonical(ev, len, p->threads)))
		r->dups++;
}

/* ---- the two searches ---------------------------------------------------- */

struct brute {
	const struct prog *p;
	unsigned bound;
	struct ev ev[MAX_STEPS];
	struct result *r;
};

/* Every schedule with at most b->bound preemptions (UINT_MAX: all). */
static void brute(struct brute *b, const struct state *s, size_t len, unsigned cur,
		  unsigned preempts)
{
	struct state s2 = *s;
	uint64_t e = enabled_mask(b->p, &s2);

	if (e == 0) {
		record(b->r, b->p, &s2, b->ev, len);
		return;
	}
	for (uint64_t m = e; m; m &= m - 1) {
		unsigned t = (unsigned)__builtin_ctzll(m);
		unsigned cost = cur < 64 && (e >> cur & 1) && t != cur;
		struct state s3 = s2;

		if (b->bound != RH_DPOR_UNBOUNDED && preempts + cost > b->bound)
			continue;
		b->ev[len] = step(b->p, &s3, t);
		brute(b, &s3, len + 1, t, preempts + cost);
	}
}

static void run_brute(const struct prog *p, unsigned bound, struct result *r)
{
	struct brute b = {.p = p, .bound = bound, .r = r};
	struct state s;

	init_state(p, &s);
	brute(&b, &s, 0, NONE, 0);
}

static void run_dpor(const struct prog *p, unsigned bound, bool broken, struct result *r,
		     uint64_t *pruned)
{
	rh_dpor *d = rh_dpor_new(bound);

	if (broken)
		rh_dpor_break_dependency(d);
	while (rh_dpor_begin(d, p->threads)) {
		struct ev ev[MAX_STEPS];
		rh_dpor_op final[MAX_T];
		struct state s;
		size_t len = 0;
		unsigned cur = NONE;
		uint64_t e;

		init_state(p, &s);
		while ((e = enabled_mask(p, &s)) != 0) {
			rh_dpor_op pend[MAX_T];
			unsigned c;

			for (unsigned t = 0; t < p->threads; t++)
				pend[t] = pending(p, &s, t);
			c = rh_dpor_choose(d, e, cur, pend);
			RH_ASSERT_TRUE(c < 64 && (e >> c & 1));
			ev[len++] = step(p, &s, c);
			cur = c;
		}
		for (unsigned t = 0; t < p->threads; t++)
			final[t] = pending(p, &s, t);
		rh_dpor_end(d, final);
		if (!rh_dpor_last_pruned(d))
			record(r, p, &s, ev, len);
		RH_ASSERT_LT(rh_dpor_explored(d) + rh_dpor_pruned(d), 200000);
	}
	RH_ASSERT_TRUE(rh_dpor_exhausted(d));
	RH_ASSERT_FALSE(rh_dpor_diverged(d));
	RH_ASSERT_EQ(rh_dpor_explored(d), r->runs);
	if (pruned)
		*pruned += rh_dpor_pruned(d);
	rh_dpor_free(d);
}

/* ---- generated programs -------------------------------------------------- */

static uint64_t next_rand(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void emit(struct prog *p, unsigned t, uint8_t kind, uint8_t obj, uint8_t val)
{
	p->ops[t][p->len[t]++] = (struct pop){kind, obj, val, 0};
}

static void emit_access(struct prog *p, unsigned t, uint64_t *rng)
{
	static const uint8_t kinds[] = {K_LOAD, K_STORE, K_FADD, K_CAS, K_POINT, K_MREAD, K_MWRITE};
	uint8_t kind = kinds[next_rand(rng) % sizeof(kinds)];
	uint8_t var = (uint8_t)(next_rand(rng) % (kind >= K_POINT ? N_LOCS : N_VARS));

	emit(p, t, kind, var, (uint8_t)(1 + t * 10 + p->len[t]));
	if (kind >= K_POINT)
		p->ops[t][p->len[t] - 1].pre = (uint8_t)(next_rand(rng) % 2);
}

/* One piece of a thread: an access, a mutex section, two nested mutexes (in
 * either order, so two threads can deadlock) or an rwlock section. */
static void emit_piece(struct prog *p, unsigned t, unsigned room, uint64_t *rng)
{
	unsigned what = (unsigned)(next_rand(rng) % 8);
	uint8_t m = (uint8_t)(next_rand(rng) % N_LOCKS);

	if (what == 7 && room >= 4) {
		emit(p, t, K_LOCK, m, 0);
		emit(p, t, K_LOCK, (uint8_t)(1 - m), 0);
		emit(p, t, K_UNLOCK, (uint8_t)(1 - m), 0);
		emit(p, t, K_UNLOCK, m, 0);
	} else if (what >= 4 && room >= 3) {
		/* one rwlock (obj 0) */
		if (what <= 5)
			m = 0;
		emit(p, t, what == 4 ? K_RDLOCK : what == 5 ? K_WRLOCK : K_LOCK, m, 0);
		emit_access(p, t, rng);
		if (what == 4)
			p->ops[t][p->len[t] - 1].kind = K_LOAD;
		emit(p, t, what <= 5 ? K_RWUNLOCK : K_UNLOCK, m, 0);
	} else {
		emit_access(p, t, rng);
	}
}

/* At most steps steps in all (barriers included) and max_ops per thread, so
 * brute force stays small; 2 or 3 threads, or 3 when three is set; a section
 * never straddles the barrier. */
static void generate_sized(struct prog *p, uint64_t seed, unsigned steps, unsigned max_ops,
			   bool three)
{
	uint64_t rng = seed * 0x2545f4914f6cdd1dull + 1;
	unsigned budget, threads = 2 + (unsigned)(next_rand(&rng) % 2);

	memset(p, 0, sizeof(*p));
	p->threads = three ? 3 : threads;
	p->rounds = next_rand(&rng) % 4 == 0 ? 2 : 1;
	budget = steps - p->threads * p->rounds;
	for (unsigned t = 0; t < p->threads; t++) {
		unsigned want = 1 + (unsigned)(next_rand(&rng) % (budget / (p->threads - t)));
		unsigned cuts[MAX_OPS + 1], n_cuts = 1;

		cuts[0] = 0;
		if (want > max_ops)
			want = max_ops;
		while (p->len[t] < want) {
			emit_piece(p, t, want - p->len[t], &rng);
			cuts[n_cuts++] = p->len[t];
		}
		budget -= p->len[t];
		p->brk[t] = p->rounds == 2 ? cuts[next_rand(&rng) % n_cuts] : p->len[t];
	}
}

/* The property tests' programs: 12 steps, 6 per thread. */
static void generate(struct prog *p, uint64_t seed)
{
	generate_sized(p, seed, 12, 6, false);
}

/* A failing program, readable: "T0: fadd v1, lock m0, ... | round 1: ...". */
static void dump(const struct prog *p)
{
	static const char *const names[] = {"load",   "store",	"fadd",	    "cas",
					    "lock",   "unlock", "rdlock",   "wrlock",
					    "rwunlock", "point", "mread", "mwrite",
					    "trylock", "anyunlock", "tryrdlock", "trywrlock"};

	for (unsigned t = 0; t < p->threads; t++) {
		print_error("  T%u:", t);
		for (unsigned i = 0; i < p->len[t]; i++)
			print_error("%s %s%s %c%u", i == p->brk[t] && p->rounds == 2 ? " | round 1:" : "",
				    p->ops[t][i].pre ? "pre-" : "", names[p->ops[t][i].kind],
				    p->ops[t][i].kind <= K_CAS ? 'v'
				    : p->ops[t][i].kind >= K_POINT && p->ops[t][i].kind <= K_MWRITE ? 'x'
												   : 'm',
				    p->ops[t][i].obj);
		print_error("\n");
	}
}

#endif
