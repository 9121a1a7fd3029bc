/* SPDX-License-Identifier: MIT */
/* The run record of a controlled trial (racehunt/exec.h, struct
 * rh_exec_record): every choice the trial's strategy made and its last
 * steps, written into the block racehunt shares with the trial, so racehunt
 * has the schedule of a failing trial without trusting the child to live to
 * the end of it (it reads the record once the child is gone, however it
 * ended). And the other way: choices racehunt forces on the trial (a replay
 * of a schedule string, a shrink candidate), or makes itself when its
 * strategy stays in racehunt (dfs: the trial asks at every choice).
 *
 * What a thread is stopped before (its pending step) is noted at each
 * scheduling point; when the scheduler picks a thread, that step is the one
 * it performs, and it goes into the ring. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controlled/sched.h"
#include "controlled_record.h"
#include "controlled_rt.h"

/* An op index not interned yet. */
#define OP_UNSET 0xfeu

static struct {
	const char *op_key[RH_EXEC_OPS_MAX]; /* the names interned in rec->ops */
	struct rh_exec_step *last;	     /* the step being performed */
	uint8_t op_read, op_write;	     /* the accesses' kinds, once interned */
	uint64_t base, text_end;
	uint64_t asked_at; /* the step racehunt was last asked before */
} rec;

static struct rh_exec_record *shared(void)
{
	return &rh__rt_shared->rec;
}

/* A forced run: the strict replay strategy over racehunt's choices. A
 * forced thread that cannot run is noted in the record (racehunt decides
 * whether that refutes a replay or just costs a shrink candidate). */
rh_explorer *rh__rec_explorer(char *err, size_t errcap)
{
	struct rh_exec_record *r = shared();
	rh_sched_spec sp = {0};
	rh_explorer *x;

	if (!rh__rec_forced())
		return rh_explorer_new(rh__rt_shared->strategy, rh__rt_shared->seed, err, errcap);
	if (r->n_forced > RH_EXEC_FORCED_MAX) {
		snprintf(err, errcap, "racehunt forced %u choices, the record holds %d",
			 r->n_forced, RH_EXEC_FORCED_MAX);
		return NULL;
	}
	sp.n_devs = r->n_forced;
	sp.devs = sp.n_devs ? malloc(sp.n_devs * sizeof(*sp.devs)) : NULL;
	if (sp.n_devs && sp.devs == NULL) {
		snprintf(err, errcap, "out of memory for %u forced choices", r->n_forced);
		return NULL;
	}
	for (size_t i = 0; i < sp.n_devs; i++)
		sp.devs[i] = (rh_dev){.at = r->forced[i].at, .tid = (uint8_t)r->forced[i].tid};
	snprintf(sp.strategy, sizeof(sp.strategy), "replay");
	x = rh_explorer_choices(&sp, true);
	rh_schedule_spec_free(&sp);
	if (x == NULL)
		snprintf(err, errcap, "out of memory for a replay explorer");
	return x;
}

bool rh__rec_forced(void)
{
	return strcmp(rh__rt_shared->strategy, "replay") == 0;
}

bool rh__rec_strategy_here(void)
{
	return !rh__rec_forced() && rh__rt_shared->remote == RH_EXEC_LOCAL;
}

static void ask_io(bool ok)
{
	if (!ok)
		rh__rt_unsupported("racehunt stopped answering the trial's scheduling questions");
}

/* Racehunt's strategy chooses: ask it, with what every thread is stopped
 * before already in the record. */
static unsigned ask(uint64_t enabled, unsigned cur)
{
	struct rh_exec_ask q = {.enabled = enabled, .cur = cur};
	uint32_t a;
	ssize_t n;

	rh__rt_watchdog_pause();
	while ((n = write(rh__rt_ask_fd, &q, sizeof(q))) < 0 && errno == EINTR)
		continue;
	ask_io(n == (ssize_t)sizeof(q));
	while ((n = read(rh__rt_answer_fd, &a, sizeof(a))) < 0 && errno == EINTR)
		continue;
	rh__rt_watchdog_resume();
	ask_io(n == (ssize_t)sizeof(a));
	if (a >= 64 || !(enabled >> a & 1))
		rh__rt_unsupported("racehunt chose thread %u, which cannot run", a);
	return a;
}

unsigned rh__rec_choose(rh_explorer *x, uint64_t enabled, unsigned cur)
{
	struct rh_exec_record *r = shared();
	bool choice = (enabled & (enabled - 1)) != 0;

	switch (rh__rt_shared->remote) {
	case RH_EXEC_ASK_STEPS:
		/* racehunt reads the steps it was not asked about from the
		 * record's ring at the next question: asked before the ring
		 * could overwrite one it has not seen. Its search's replayed
		 * prefix is forced; a forced thread that cannot run is asked
		 * about (the search sees the difference). */
		if (r->steps - rec.asked_at < RH_EXEC_STEPS_MAX / 2) {
			if (!choice)
				return (unsigned)__builtin_ctzll(enabled);
			if (r->n_choices < r->ask_from && r->forced[r->n_choices].tid < 64 &&
			    (enabled >> r->forced[r->n_choices].tid & 1))
				return r->forced[r->n_choices].tid;
		}
		rec.asked_at = r->steps;
		return ask(enabled, cur);
	case RH_EXEC_ASK_CHOICES:
		if (enabled & (enabled - 1))
			return ask(enabled, cur);
		return (unsigned)__builtin_ctzll(enabled);
	default:
		return rh_strategy_choose(x, enabled, cur);
	}
}

void rh__rec_start(void)
{
	struct rh_exec_record *r = shared();

	r->steps = 0;
	rec.asked_at = 0;
	r->fingerprint = 0xcbf29ce484222325ull;
	r->n_choices = 0;
	r->diverged = 0;
	r->n_ops = 0;
	rec.op_read = rec.op_write = OP_UNSET;
	rh__rt_image_bounds(&r->image_base, &r->image_text_end, &r->image_end);
	rec.base = r->image_base;
	rec.text_end = r->image_text_end;
	memset(r->at, 0, sizeof(r->at));
	for (unsigned i = 0; i < RH_EXEC_THREADS_MAX; i++)
		r->at[i] = (struct rh_exec_step){.tid = (uint8_t)i, .op = RH_EXEC_OP_NONE};
}

static void fp_mix(struct rh_exec_record *r, uint64_t word)
{
	r->fingerprint = (r->fingerprint ^ word) * 0x100000001b3ull;
	r->fingerprint ^= r->fingerprint >> 29;
}

/* The op's index in rec->ops, interned on first use. */
static uint8_t op_index(struct rh_exec_record *r, const char *op)
{
	if (op == NULL)
		return RH_EXEC_OP_NONE;
	for (unsigned i = 0; i < r->n_ops; i++)
		if (rec.op_key[i] == op)
			return (uint8_t)i;
	if (r->n_ops == RH_EXEC_OPS_MAX)
		return RH_EXEC_OP_NONE;
	rec.op_key[r->n_ops] = op;
	snprintf(r->ops[r->n_ops], sizeof(r->ops[0]), "%s", op);
	return (uint8_t)r->n_ops++;
}

static void pending(struct rh_exec_record *r, uint8_t op, const void *obj, uintptr_t pc,
		    uint32_t size, unsigned flags)
{
	unsigned tid = rh__rt_self->tid;

	r->at[tid] = (struct rh_exec_step){.obj = (uintptr_t)obj, .pc = pc, .size = size,
					   .tid = (uint8_t)tid, .op = op, .flags = (uint8_t)flags};
}

void rh__rec_pending(const char *op, const void *obj, uintptr_t pc, uint32_t size,
		     unsigned flags)
{
	struct rh_exec_record *r = shared();

	pending(r, op_index(r, op), obj, pc, size, flags);
}

void rh__rec_obj(const void *obj)
{
	struct rh_exec_step *s = &shared()->at[rh__rt_self->tid];

	/* The first object named is the call's (a condition wait's, not its
	 * mutex's). */
	if (s->obj != 0 || obj == NULL)
		return;
	s->obj = (uintptr_t)obj;
	if (rec.last != NULL)
		rec.last->obj = s->obj;
}

void rh__rec_blocked(void)
{
	shared()->at[rh__rt_self->tid].flags |= RH_EXEC_STEP_BLOCKED;
	if (rec.last != NULL)
		rec.last->flags |= RH_EXEC_STEP_BLOCKED;
}

void rh__rec_exit(void)
{
	shared()->at[rh__rt_self->tid].flags |= RH_EXEC_STEP_DONE;
}

/* Step and, when two or more threads could run, choice: next performs its
 * pending step. Only what does not change with the program's load address
 * goes into the fingerprint (a call site inside the program as its offset),
 * so a replay in a new racehunt retraces it. */
void rh__rec_step(rh_explorer *x, uint64_t enabled, unsigned cur, unsigned next, bool fair)
{
	struct rh_exec_record *r = shared();
	struct rh_exec_step *s = &r->step[r->steps % RH_EXEC_STEPS_MAX];

	uint64_t off;

	/* Picked again, a waiting thread tries its call anew. */
	r->at[next].flags &= (uint8_t)~RH_EXEC_STEP_BLOCKED;
	*s = r->at[next];
	rec.last = s;
	off = s->pc - rec.base;
	fp_mix(r, next | (uint64_t)s->op << 8 |
			  (uint64_t)(s->flags & (RH_EXEC_STEP_ACCESS | RH_EXEC_STEP_WRITE)) << 16 |
			  (s->pc > rec.base && s->pc <= rec.text_end ? off << 24 : 0));
	if (enabled & (enabled - 1)) {
		s->flags |= RH_EXEC_STEP_CHOICE;
		if (r->n_choices < RH_EXEC_CHOICES_MAX)
			r->choice[r->n_choices] = (struct rh_exec_choice){
				.enabled = enabled, .cur = (uint8_t)cur,
				.chosen = (uint8_t)next, .fair = fair};
		if (x->diverged && r->diverged == 0)
			r->diverged = r->n_choices + 1;
		r->n_choices++;
		x->n_choices++;
		fp_mix(r, enabled);
	}
	r->steps++;
}

const void *rh__rt_next_obj;
unsigned rh__rt_next_flags;

void rh__ctl_sync_note(const char *op, const void *obj, uintptr_t pc)
{
	rh__rec_pending(op, obj, pc, 0, 0);
}

void rh__ctl_sync_point(const char *op, uintptr_t pc)
{
	const void *obj = rh__rt_next_obj;
	unsigned flags = rh__rt_next_flags;

	rh__rt_next_obj = NULL;
	rh__rt_next_flags = 0;
	rh__rec_pending(op, obj, pc, 0, flags);
	rh__ctl_point();
}

/* On every shared access: the two kinds interned once a trial. */
void rh__ctl_access_note(uintptr_t addr, size_t size, int is_write, uintptr_t pc)
{
	struct rh_exec_record *r = shared();
	uint8_t *op = is_write ? &rec.op_write : &rec.op_read;

	if (RH_UNLIKELY(*op == OP_UNSET))
		*op = op_index(r, is_write ? "write" : "read");
	pending(r, *op, (const void *)addr, pc, (uint32_t)size,
		RH_EXEC_STEP_ACCESS | (is_write ? RH_EXEC_STEP_WRITE : 0));
}
