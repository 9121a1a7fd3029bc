/* SPDX-License-Identifier: MIT */
/* Sync points: the raw primitives, and the slow paths taken when a runtime
 * (stress or controlled) is attached. */
#include <errno.h>
#include <string.h>

#include "runtime.h"

const struct rh_runtime *_Atomic rh__runtime;

static const char *const op_names[RH_OP_COUNT_] = {
#define OP_NAME(name, text) [RH_OP_##name] = text,
	RH_OP_MAP(OP_NAME)
#undef OP_NAME
};

const char *rh_op_name(rh_op op)
{
	return (unsigned)op < RH_OP_COUNT_ ? op_names[op] : "?";
}

const char *rh__wait_what(rh_op op)
{
	switch (op) {
	case RH_OP_LOCK:
		return "mutex";
	case RH_OP_RDLOCK:
		return "rwlock (to read)";
	case RH_OP_WRLOCK:
		return "rwlock (to write)";
	default:
		return "object";
	}
}

void rh_runtime_attach(const struct rh_runtime *rt)
{
	atomic_store_explicit(&rh__runtime, rt, memory_order_relaxed);
}

void rh_runtime_detach(void)
{
	atomic_store_explicit(&rh__runtime, NULL, memory_order_relaxed);
}

/* Init and destroy while a runtime is attached (a scenario thread making a
 * lock for a new item): its model of the address starts afresh. */
static void reset_model(const void *obj)
{
	const struct rh_runtime *rt = rh__attached();

	if (RH_UNLIKELY(rt != NULL) && rt->object_reset != NULL)
		rt->object_reset(obj);
}

int rh_mutex_init(rh_mutex *m, const char *name, unsigned flags)
{
	pthread_mutexattr_t attr;
	int rc;

	reset_model(m);
	memset(m, 0, sizeof(*m));
	m->name = name;
	m->flags = flags;
	pthread_mutexattr_init(&attr);
	if (flags & RH_MUTEX_ROBUST)
		pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	rc = pthread_mutex_init(&m->impl, &attr);
	pthread_mutexattr_destroy(&attr);
	return rc;
}

void rh_mutex_destroy(rh_mutex *m)
{
	reset_model(m);
	pthread_mutex_destroy(&m->impl);
}

int rh__mutex_lock_raw(rh_mutex *m)
{
	int rc = pthread_mutex_lock(&m->impl);

	return rc == EOWNERDEAD ? RH_OWNER_DIED : 0;
}

void rh__mutex_unlock_raw(rh_mutex *m)
{
	pthread_mutex_unlock(&m->impl);
}

/* The slow paths run only with a runtime attached; the inline fast paths in
 * sync.h have already checked. */
int rh__mutex_lock_slow(rh_mutex *m)
{
	return rh__attached()->mutex_lock(m);
}

void rh__mutex_unlock_slow(rh_mutex *m)
{
	rh__attached()->mutex_unlock(m);
}

void rh__rwlock_rdlock_slow(rh_rwlock *l)
{
	rh__attached()->rwlock_rdlock(l);
}

void rh__rwlock_wrlock_slow(rh_rwlock *l)
{
	rh__attached()->rwlock_wrlock(l);
}

void rh__rwlock_unlock_slow(rh_rwlock *l)
{
	rh__attached()->rwlock_unlock(l);
}

void rh_mutex_consistent(rh_mutex *m)
{
	const struct rh_runtime *rt = rh__attached();

	/* Controlled mode never hands the real robust mutex to a dead fiber, so
	 * only its model needs clearing there. */
	if (rt != NULL && rt->mutex_consistent != NULL && rt->mutex_consistent(m))
		return;
	pthread_mutex_consistent(&m->impl);
}

int rh_rwlock_init(rh_rwlock *l, const char *name)
{
	reset_model(l);
	memset(l, 0, sizeof(*l));
	l->name = name;
	return pthread_rwlock_init(&l->impl, NULL);
}

void rh_rwlock_destroy(rh_rwlock *l)
{
	reset_model(l);
	pthread_rwlock_destroy(&l->impl);
}

void rh_atomic_init(rh_atomic_u64 *a, const char *name, uint64_t value)
{
	reset_model(a);
	atomic_init(&a->v, value);
	a->name = name;
}

uint64_t rh__atomic_load_slow(rh_atomic_u64 *a, rh_order mo)
{
	const struct rh_runtime *rt = rh__attached();
	uint64_t v;

	rt->before(RH_OP_LOAD, a, a->name);
	v = atomic_load_explicit(&a->v, (memory_order)mo);
	rt->after(RH_OP_LOAD, a, a->name, v);
	return v;
}

void rh__atomic_store_slow(rh_atomic_u64 *a, uint64_t v, rh_order mo)
{
	const struct rh_runtime *rt = rh__attached();

	rt->before(RH_OP_STORE, a, a->name);
	atomic_store_explicit(&a->v, v, (memory_order)mo);
	rt->after(RH_OP_STORE, a, a->name, v);
}

uint64_t rh__atomic_fetch_add_slow(rh_atomic_u64 *a, uint64_t d, rh_order mo)
{
	const struct rh_runtime *rt = rh__attached();
	uint64_t v;

	rt->before(RH_OP_FETCH_ADD, a, a->name);
	v = atomic_fetch_add_explicit(&a->v, d, (memory_order)mo);
	rt->after(RH_OP_FETCH_ADD, a, a->name, v);
	return v;
}

bool rh__atomic_cas_slow(rh_atomic_u64 *a, uint64_t *expected, uint64_t desired, rh_order mo)
{
	const struct rh_runtime *rt = rh__attached();
	bool ok;

	rt->before(RH_OP_CAS, a, a->name);
	ok = atomic_compare_exchange_strong_explicit(&a->v, expected, desired, (memory_order)mo,
						     memory_order_relaxed);
	rt->after(RH_OP_CAS, a, a->name, ok ? desired : *expected);
	return ok;
}

void rh__point_slow(const char *label, uint64_t value, const void *loc, int access)
{
	rh__attached()->point(label, value, loc, access);
}

void rh_thread_die(void)
{
	const struct rh_runtime *rt = rh__attached();

	if (rt != NULL)
		rt->thread_die();
	pthread_exit(NULL);
}
