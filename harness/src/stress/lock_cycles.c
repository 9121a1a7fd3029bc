/* SPDX-License-Identifier: MIT */
/* Stress mode's lock bookkeeping: which locks each participant holds and
 * waits for, the wait-for graph built from it, and the lock polls that turn
 * a cycle in it into a DEADLOCK report. */
#include <stdio.h>

#include "team.h"

void rh__stress_set_ref(struct lock_ref *ref, const void *obj, const char *name, rh_op op)
{
	atomic_store_explicit(&ref->name, name, memory_order_relaxed);
	atomic_store_explicit(&ref->op, (int)op, memory_order_relaxed);
	atomic_store_explicit(&ref->obj, obj, memory_order_relaxed);
}

void rh__stress_held(struct stress_thread *me, const void *obj, const char *name, rh_op op)
{
	unsigned n = atomic_load_explicit(&me->n_holding, memory_order_relaxed);

	if (n < RH_HELD_MAX)
		rh__stress_set_ref(&me->holding[n], obj, name, op);
	atomic_store_explicit(&me->n_holding, n + 1, memory_order_relaxed);
}

void rh__stress_released(struct stress_thread *me, const void *obj)
{
	unsigned n = atomic_load_explicit(&me->n_holding, memory_order_relaxed);
	unsigned top = n < RH_HELD_MAX ? n : RH_HELD_MAX;

	/* Locks are usually released in reverse order; search from the top. */
	for (unsigned i = top; i-- > 0;)
		if (atomic_load_explicit(&me->holding[i].obj, memory_order_relaxed) == obj) {
			for (unsigned j = i; j + 1 < top; j++) {
				struct lock_ref *up = &me->holding[j + 1];

				rh__stress_set_ref(&me->holding[j], atomic_load(&up->obj),
						   atomic_load(&up->name),
						   (rh_op)atomic_load(&up->op));
			}
			break;
		}
	if (n > 0)
		atomic_store_explicit(&me->n_holding, n - 1, memory_order_relaxed);
}

/* The participants that keep a waiter for obj waiting: every holder of obj
 * when it wants it exclusively, the writer when it wants to read (readers do
 * not block readers). */
static uint64_t holders_of(const struct stress_team *team, unsigned members, const void *obj,
			   bool shared)
{
	uint64_t set = 0;

	for (unsigned i = 0; i < members; i++) {
		const struct stress_thread *h = &team->threads[i];
		unsigned n = atomic_load(&h->n_holding);

		for (unsigned j = 0; j < n && j < RH_HELD_MAX; j++)
			if (atomic_load(&h->holding[j].obj) == obj &&
			    !(shared && atomic_load(&h->holding[j].op) == RH_OP_RDLOCK))
				set |= 1ull << i;
	}
	return set;
}

uint64_t rh__stress_blockers(const struct stress_team *team, const struct stress_thread *th)
{
	const void *obj = atomic_load(&th->waiting.obj);

	if (obj == NULL)
		return 0;
	return holders_of(team, rh__stress_members(team), obj,
			  atomic_load(&th->waiting.op) == RH_OP_RDLOCK);
}

/* The team's wait-for graph as its bookkeeping shows it now. */
static void snapshot(const struct stress_team *team, rh_waitfor *g)
{
	unsigned members = rh__stress_members(team);

	rh_waitfor_init(g, members);
	for (unsigned i = 0; i < members; i++) {
		const struct stress_thread *th = &team->threads[i];
		const void *obj = atomic_load(&th->waiting.obj);
		rh_op op = (rh_op)atomic_load(&th->waiting.op);

		if (obj != NULL)
			rh_waitfor_add(g, i, op, atomic_load(&th->waiting.name),
				       holders_of(team, members, obj, op == RH_OP_RDLOCK));
	}
}

/* A blocked thread's periodic look at who holds what. Its own wait state is
 * exact, the others' are read while they may move, so a cycle counts only
 * when the next poll, RH_LOCK_POLL_NS later, finds it again: a real
 * deadlock never dissolves. The first thread to confirm one reports it and
 * ends the round; the watchdog then clears the trial as it does a hang. */
void rh__stress_poll_deadlock(struct stress_thread *me)
{
	struct stress_team *team = me->team;
	const void *waiting = atomic_load(&me->waiting.obj);
	unsigned path[RH_WAITFOR_MAX], len;
	char msg[RH_MSG_MAX];
	rh_waitfor g;

	snapshot(team, &g);
	len = rh_waitfor_cycle(&g, me->tid, path);
	if (len == 0) {
		me->cycle_suspect = NULL;
		return;
	}
	if (me->cycle_suspect != waiting) {
		me->cycle_suspect = waiting;
		return;
	}
	if (atomic_exchange(&team->deadlocked, true))
		return;
	rh_waitfor_cycle_text(&g, path, len, msg, sizeof(msg));
	rh_violation(team->trial, RH_DEADLOCK,
		     "lock cycle: %s (seen by T%u at two lock polls %ld ms apart)", msg, me->tid,
		     RH_LOCK_POLL_NS / 1000000L);
	pthread_mutex_lock(&team->mu);
	pthread_cond_signal(&team->done_cv);
	pthread_mutex_unlock(&team->mu);
}
