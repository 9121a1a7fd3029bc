/* SPDX-License-Identifier: MIT */
/* This file is private to racehunt's stress mode.
 *
 * A stress team: the OS threads of one trial and what its parts share about
 * them. team.c starts the threads and runs the rounds; sync_points.c is the
 * runtime the threads call at every sync point; watchdog.c waits for a round
 * and reports a hang; lock_cycles.c finds lock cycles among blocked threads;
 * noise.h perturbs a sync point. */
#ifndef RH_STRESS_TEAM_H
#define RH_STRESS_TEAM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/trial.h"
#include "runtime/runtime.h"
#include "runtime/waitfor.h"
#include "stress.h"

/* Blocking lock calls wake this often to notice an aborted trial, and to
 * look for a lock cycle. */
#define RH_LOCK_POLL_NS 5000000L
#define RH_HELD_MAX 4
/* Scenario threads plus the threads of the scenario's own that reach a sync
 * point (guests) share the wait-for graph's thread numbers. */
#define RH_TEAM_MAX RH_WAITFOR_MAX

/* A lock a thread holds, or waits for (op says how: mutex, read, write). */
struct lock_ref {
	_Atomic(const void *) obj;
	_Atomic(const char *) name;
	_Atomic int op;
};

struct stress_team;

/* One participant. The first fields are written by the thread itself at
 * every sync point and read by the watchdog: each thread has its own cache
 * lines. */
struct stress_thread {
	_Alignas(64) _Atomic uint64_t progress; /* sync points passed */
	_Atomic(const char *) last_name;
	_Atomic int last_op;
	_Atomic uint64_t last_value;
	rh_rng noise;
	struct stress_team *team;
	unsigned tid;
	bool guest; /* a thread of the scenario's own, not started by racehunt */
	pthread_t handle;
	struct lock_ref waiting; /* obj NULL when not blocked on a lock */
	/* Locks held, most recent last, so a HANG report can say who holds
	 * what the others wait for, and a blocked thread can find a cycle. */
	struct lock_ref holding[RH_HELD_MAX];
	_Atomic unsigned n_holding;
	_Atomic bool dead;
	_Atomic bool finished;
	/* Between the start of a round's body and its done report; under the
	 * team's mu. A thread that leaves in a round counts as done in it. */
	bool in_round;
	/* The lock whose wait showed a cycle at this thread's last poll. */
	const void *cycle_suspect;
};

struct stress_team {
	const rh_scenario *scenario;
	void *state;
	/* The team's own copy of the trial, which its threads are handed: see
	 * team.c. Kept with the team when the trial is abandoned. */
	rh_trial *trial;
	rh_stress_opts opts; /* a copy: abandoned threads outlive the caller's */
	uint64_t run;	     /* this run's number, never 0 */
	unsigned n;	     /* scenario threads, at threads[0..n) */
	_Atomic unsigned n_guests; /* guests, at threads[n..n + n_guests) */
	struct stress_thread *threads; /* RH_TEAM_MAX of them */

	pthread_mutex_t mu;
	pthread_cond_t go_cv, done_cv;
	unsigned round_open; /* rounds released so far */
	unsigned done;	     /* threads finished (or dead) in the current round */
	unsigned alive;

	_Atomic unsigned arrived;
	_Atomic unsigned arrive_target;
	_Atomic bool aborted;
	_Atomic bool deadlocked; /* a lock cycle was reported: the round is over */
};

/* Participants so far: scenario threads and the guests that joined. */
static inline unsigned rh__stress_members(const struct stress_team *team)
{
	return team->n + atomic_load_explicit(&team->n_guests, memory_order_acquire);
}

/* sync_points.c: the runtime, and the run whose team it serves. */
extern const struct rh_runtime rh__stress_runtime;
/* The team's threads (not yet started) will find it; guests may join it. */
void rh__stress_open(struct stress_team *team);
/* No thread joins the team any more. False when a guest is still inside a
 * sync point after grace_ms: the team must then be kept. */
bool rh__stress_close(struct stress_team *team, unsigned grace_ms);
/* A scenario thread's first act. */
void rh__stress_enter(struct stress_thread *me);
RH_NORETURN void rh__stress_leave_aborted(struct stress_thread *me);

/* lock_cycles.c */
void rh__stress_held(struct stress_thread *me, const void *obj, const char *name, rh_op op);
void rh__stress_released(struct stress_thread *me, const void *obj);
void rh__stress_set_ref(struct lock_ref *ref, const void *obj, const char *name, rh_op op);
/* The participants holding what th waits for, in a way that blocks it (a
 * bit each); 0 when it waits for nothing, or for a lock nobody holds. */
uint64_t rh__stress_blockers(const struct stress_team *team, const struct stress_thread *th);
/* A blocked thread's periodic look for a lock cycle through itself. */
void rh__stress_poll_deadlock(struct stress_thread *me);

/* watchdog.c: wait until the round's started threads are done. False when
 * the round is over without them: a lock cycle was reported, or no thread
 * passed a sync point for a whole window of ms (reported as HANG). */
bool rh__stress_wait_round(struct stress_team *team, unsigned round, unsigned started,
			   unsigned ms);

/* team.c */
void rh__stress_deadline_in(struct timespec *ts, long ns);

#endif
