/* SPDX-License-Identifier: MIT */
/* Thread identity and thread-specific data per fiber in controlled mode.
 * The fibers share the one OS thread, so pthread_self, the values of
 * pthread keys and errno would all be main's: here pthread_self names the
 * fiber (the handle pthread_create gave out), each fiber but main keeps its
 * own key values (main keeps the real ones, which constructors may have set
 * before the trial), and a fiber's values go to the keys' destructors when
 * it ends, as POSIX has it. errno is saved and restored around every fiber
 * switch (controlled.c). _Thread_local and __thread variables stay the OS
 * thread's, shared by every fiber; accesses to them (and to errno) are
 * neither scheduling points nor watched, or every fiber's use of its "own"
 * copy would look shared and racing.
 *
 * Keys are created by the real call in every mode, and their destructors
 * noted here, so keys that libraries create before main are known too.
 *
 * A fiber's handle is no glibc thread descriptor: the calls that take a
 * pthread_t and would read one (names, attributes, affinity, scheduling,
 * CPU clock, signals) act on the OS thread every fiber runs on instead, and
 * pthread_cancel, which the model cannot do, is one line, exit 2. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <string.h>

#include "controlled_rt.h"
#include "core/trial.h"

#define KEYS PTHREAD_KEYS_MAX
/* The thread descriptor next to the static TLS blocks, for the range. */
#define TCB_BYTES 4096

uintptr_t rh__ctl_tls_lo, rh__ctl_tls_hi;

static bool keyed[KEYS];
static void (*dtor[KEYS])(void *);
static const void *values[RH_MAX_THREADS][KEYS]; /* fibers other than main */

DECLARE_REAL(pthread_t, pthread_self, void);
DECLARE_REAL(int, pthread_key_create, pthread_key_t *, void (*)(void *));
DECLARE_REAL(int, pthread_key_delete, pthread_key_t);
DECLARE_REAL(void *, pthread_getspecific, pthread_key_t);
DECLARE_REAL(int, pthread_setspecific, pthread_key_t, const void *);
DECLARE_REAL(int, pthread_setname_np, pthread_t, const char *);
DECLARE_REAL(int, pthread_getname_np, pthread_t, char *, size_t);
DECLARE_REAL(int, pthread_kill, pthread_t, int);
DECLARE_REAL(int, pthread_getattr_np, pthread_t, pthread_attr_t *);
DECLARE_REAL(int, pthread_setaffinity_np, pthread_t, size_t, const cpu_set_t *);
DECLARE_REAL(int, pthread_getaffinity_np, pthread_t, size_t, cpu_set_t *);
DECLARE_REAL(int, pthread_setschedparam, pthread_t, int, const struct sched_param *);
DECLARE_REAL(int, pthread_getschedparam, pthread_t, int *, struct sched_param *);
DECLARE_REAL(int, pthread_getcpuclockid, pthread_t, clockid_t *);
DECLARE_REAL(int, pthread_cancel, pthread_t);

/* The OS thread's static TLS, from ld.so's own account of its size (as
 * the sanitizers find theirs); without it nothing is left out. */
void rh__ctl_tls_init(void)
{
	void (*info)(size_t *, size_t *) =
		(void (*)(size_t *, size_t *))dlsym(RTLD_DEFAULT, "_dl_get_tls_static_info");
	uintptr_t tp = RH_THREAD_POINTER();
	size_t size = 0, align = 0;

	if (info == NULL || tp == 0)
		return;
	info(&size, &align);
	rh__ctl_tls_lo = RH_TLS_BELOW_TP ? tp - size : tp - TCB_BYTES;
	rh__ctl_tls_hi = RH_TLS_BELOW_TP ? tp + TCB_BYTES : tp + size;
}

/* The fiber that calls, 0 (main, the real TLS) outside controlled mode. */
static unsigned fiber(void)
{
	return rh__ctl_on && rh__rt_self != NULL ? rh__rt_self->tid : 0;
}

pthread_t pthread_self(void)
{
	return rh__ctl_on ? rh__ctl_self() : REAL(pthread_self)();
}

/* A fiber's handle names the OS thread for the calls that reach it. */
static pthread_t os_thread(pthread_t th)
{
	return rh__ctl_on && th >= RH_CTL_HANDLE_BASE ? REAL(pthread_self)() : th;
}

int pthread_setname_np(pthread_t th, const char *name)
{
	return REAL(pthread_setname_np)(os_thread(th), name);
}

int pthread_getname_np(pthread_t th, char *name, size_t len)
{
	return REAL(pthread_getname_np)(os_thread(th), name, len);
}

int pthread_kill(pthread_t th, int sig)
{
	return REAL(pthread_kill)(os_thread(th), sig);
}

int pthread_getattr_np(pthread_t th, pthread_attr_t *attr)
{
	return REAL(pthread_getattr_np)(os_thread(th), attr);
}

int pthread_setaffinity_np(pthread_t th, size_t size, const cpu_set_t *set)
{
	return REAL(pthread_setaffinity_np)(os_thread(th), size, set);
}

int pthread_getaffinity_np(pthread_t th, size_t size, cpu_set_t *set)
{
	return REAL(pthread_getaffinity_np)(os_thread(th), size, set);
}

int pthread_setschedparam(pthread_t th, int policy, const struct sched_param *param)
{
	return REAL(pthread_setschedparam)(os_thread(th), policy, param);
}

int pthread_getschedparam(pthread_t th, int *policy, struct sched_param *param)
{
	return REAL(pthread_getschedparam)(os_thread(th), policy, param);
}

int pthread_getcpuclockid(pthread_t th, clockid_t *clock)
{
	return REAL(pthread_getcpuclockid)(os_thread(th), clock);
}

int pthread_cancel(pthread_t th)
{
	if (rh__ctl_on)
		rh__rt_unsupported("controlled mode does not model pthread_cancel; use --mode stress");
	return REAL(pthread_cancel)(th);
}

int pthread_key_create(pthread_key_t *key, void (*destructor)(void *))
{
	int rc = REAL(pthread_key_create)(key, destructor);

	if (rc == 0 && *key < KEYS) {
		keyed[*key] = true;
		dtor[*key] = destructor;
		/* A new key starts NULL in every fiber (a recycled one too). */
		for (unsigned i = 0; i < RH_MAX_THREADS; i++)
			values[i][*key] = NULL;
	}
	return rc;
}

int pthread_key_delete(pthread_key_t key)
{
	if (key < KEYS) {
		keyed[key] = false;
		dtor[key] = NULL;
	}
	return REAL(pthread_key_delete)(key);
}

void *pthread_getspecific(pthread_key_t key)
{
	unsigned me = fiber();

	if (me == 0)
		return REAL(pthread_getspecific)(key);
	return key < KEYS && keyed[key] ? (void *)values[me][key] : NULL;
}

int pthread_setspecific(pthread_key_t key, const void *value)
{
	unsigned me = fiber();

	if (me == 0)
		return REAL(pthread_setspecific)(key, value);
	if (key >= KEYS || !keyed[key])
		return EINVAL;
	values[me][key] = value;
	return 0;
}

/* POSIX: every non-NULL value goes to its key's destructor, set to NULL
 * first; values the destructors set again get up to
 * PTHREAD_DESTRUCTOR_ITERATIONS rounds. */
void rh__ctl_tls_exit(void)
{
	for (int round = 0; round < PTHREAD_DESTRUCTOR_ITERATIONS; round++) {
		bool any = false;

		for (unsigned k = 0; k < KEYS; k++) {
			void *v;

			if (!keyed[k] || dtor[k] == NULL)
				continue;
			v = pthread_getspecific(k);
			if (v == NULL)
				continue;
			pthread_setspecific(k, NULL);
			any = true;
			dtor[k](v);
		}
		if (!any)
			return;
	}
}
