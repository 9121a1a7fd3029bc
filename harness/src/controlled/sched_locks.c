/* SPDX-License-Identifier: MIT */
/* racehunt — the controlled runtime's lock operations inside a fiber. Each
 * stops at its sync point; the op takes effect on the model of the object
 * when the scheduler starts the step (apply_op in sched.c), and here the
 * fiber only tells ThreadSanitizer about the hand-over and picks up the
 * result. */
#include <stdio.h>
#include <unistd.h>

#include "racehunt/cli.h"
#include "sched_run.h"

void rh__foreign_thread(const char *call)
{
	char line[320];
	int n = snprintf(line, sizeof(line),
			 "racehunt: %s called from a thread racehunt did not start: controlled "
			 "mode runs only the scenario's own threads (not a helper pthread it "
			 "creates); run it with --mode stress\n",
			 call);

	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
		n = 0;
	_exit(RH_EXIT_HARNESS);
}

/* Lock operations take effect on the model when the scheduler starts the
 * step (see apply_op): here the fiber only tells ThreadSanitizer about the
 * hand-over and picks up the result. */
int rh__ctl_mutex_lock(rh_mutex *m)
{
	struct run *r = rh__this_run("rh_mutex_lock");
	int id = rh__running(r), rc;

	if (id < 0)
		return rh__mutex_lock_raw(m);
	REP_SET(r->rep[id].flags, m->flags);
	rh__yield_at(r, id, RH_OP_LOCK, m, m->name);
	rc = REP_GET(r->rep[id].result);
	tsan_acquire(&m->impl);
	rh__report_value(r, id, (uint64_t)rc);
	return rc;
}

void rh__ctl_mutex_unlock(rh_mutex *m)
{
	struct run *r = rh__this_run("rh_mutex_unlock");
	int id = rh__running(r);

	if (id < 0) {
		rh__mutex_unlock_raw(m);
		return;
	}
	REP_SET(r->rep[id].flags, m->flags);
	rh__yield_at(r, id, RH_OP_UNLOCK, m, m->name);
	tsan_release(&m->impl);
}

/* Readers and writers synchronise on two addresses, as a real rwlock does:
 * readers acquire what writers released (impl) and release into a second
 * clock, one byte into the lock, that only writers acquire. */
#define READERS_CLOCK(l) ((const char *)(l) + 1)

void rh__ctl_rwlock_rdlock(rh_rwlock *l)
{
	struct run *r = rh__this_run("rh_rwlock_rdlock");
	int id = rh__running(r);

	if (id < 0) {
		pthread_rwlock_rdlock(&l->impl);
		return;
	}
	rh__yield_at(r, id, RH_OP_RDLOCK, l, l->name);
	tsan_acquire(&l->impl);
}

void rh__ctl_rwlock_wrlock(rh_rwlock *l)
{
	struct run *r = rh__this_run("rh_rwlock_wrlock");
	int id = rh__running(r);

	if (id < 0) {
		pthread_rwlock_wrlock(&l->impl);
		return;
	}
	rh__yield_at(r, id, RH_OP_WRLOCK, l, l->name);
	tsan_acquire(&l->impl);
	tsan_acquire(READERS_CLOCK(l));
}

void rh__ctl_rwlock_unlock(rh_rwlock *l)
{
	struct run *r = rh__this_run("rh_rwlock_unlock");
	int id = rh__running(r);

	if (id < 0) {
		pthread_rwlock_unlock(&l->impl);
		return;
	}
	rh__yield_at(r, id, RH_OP_RWUNLOCK, l, l->name);
	if (REP_GET(r->rep[id].result))
		tsan_release(&l->impl);
	else
		tsan_release(READERS_CLOCK(l));
}

/* No step: nothing else runs between here and the fiber's next sync point,
 * and the table is only looked up (no allocation, uninstrumented), so the
 * fiber may touch the model itself, under TSan too. */
RH_SCHEDULER_ONLY bool rh__ctl_mutex_consistent(rh_mutex *m)
{
	struct run *r = rh__this_run("rh_mutex_consistent");
	rh_object *o;

	if (rh__running(r) < 0)
		return false;
	o = rh_object_find(&r->x->objects, m);
	if (o == NULL || o->kind != RH_OBJ_MUTEX || !o->owner_died)
		return false;
	o->owner_died = false;
	return true;
}

RH_SCHEDULER_ONLY void rh__ctl_object_reset(const void *obj)
{
	struct run *r = rh__this_run("rh_mutex/rwlock/atomic init or destroy");

	if (rh__running(r) >= 0)
		rh_object_forget(&r->x->objects, obj);
}

void rh__ctl_thread_die(void)
{
	struct run *r = rh__this_run("rh_thread_die");
	int id = rh__running(r);

	if (id < 0)
		return;
	/* Like a thread that is joined: what it did is visible to later rounds. */
	tsan_release(&r->barrier);
	REP_SET(r->rep[id].status, REP_DEAD);
	rh_fiber_exit(&r->x->fibers[id], &r->main);
}
