/* SPDX-License-Identifier: MIT */
/* Stress mode's watchdog: the main thread waits for a round, and calls it
 * hung only when it made no progress for a whole window (--watchdog MS): no
 * participant passed a sync point, and no thread outside a lock wait used
 * the CPU. A round that is slow but moving (a big workload, a long stretch
 * of work under a lock) is left to finish however long it takes; a loop
 * that never reaches a sync point is the campaign's trial limit's to end.
 * A thread outside a lock wait that did not run at all is asleep in a call
 * racehunt does not see, or starved by a loaded machine: that silence counts
 * only once it has lasted RH_STARVED_WINDOWS_MAX windows and RH_ASLEEP_MS. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "core/util.h"
#include "team.h"

/* Silent windows forgiven in a row because a thread outside a lock wait did
 * not run: past this many, and this long (before RH_TIMEOUT_MULTIPLIER), a
 * thread asleep outside any sync point (a raw blocking call) is hung too. A
 * runnable thread gets far more CPU than that even on a loaded machine. */
#define RH_STARVED_WINDOWS_MAX 50
#define RH_ASLEEP_MS 1000
/* CPU use below this share of a window is a thread asleep, not working. */
#define RH_WORKING_SHARE 64

/* Sync points passed by every participant so far. Each thread's count only
 * grows, so the sum stands still exactly when every count does. */
static uint64_t team_progress(const struct stress_team *team)
{
	unsigned members = rh__stress_members(team);
	uint64_t sum = 0;

	for (unsigned i = 0; i < members; i++)
		sum += atomic_load_explicit(&team->threads[i].progress, memory_order_relaxed);
	return sum;
}

/* CPU time a scenario thread has used, -1 when it has none to read (it is
 * leaving). Guests are not asked: racehunt does not own their handles. */
static int64_t cpu_ns(const struct stress_thread *th)
{
	clockid_t clock;
	struct timespec ts;

	if (pthread_getcpuclockid(th->handle, &clock) != 0 || clock_gettime(clock, &ts) != 0)
		return -1;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool running(const struct stress_thread *th)
{
	return !atomic_load(&th->dead) && !atomic_load(&th->finished) &&
	       atomic_load(&th->waiting.obj) == NULL;
}

/* What a window starts from. */
struct window {
	uint64_t progress;
	int64_t cpu[RH_TEAM_MAX];
};

static void window_start(const struct stress_team *team, struct window *w)
{
	w->progress = team_progress(team);
	for (unsigned i = 0; i < team->n; i++)
		w->cpu[i] = running(&team->threads[i]) ? cpu_ns(&team->threads[i]) : -1;
}

/* How the team spent a window in which no participant passed a sync point:
 * some thread worked (used the CPU outside a lock wait); some thread could
 * have moved but did not run (outside a lock wait without CPU time, or
 * waiting for a lock that nobody holds: starved or asleep); or every one
 * is dead, finished, or waits for a lock another one holds. */
enum silence { SILENT_WORKING, SILENT_ASLEEP, SILENT_BLOCKED };

static enum silence silence_of(const struct stress_team *team, const struct window *w,
			       int64_t window_ns)
{
	unsigned members = rh__stress_members(team);
	enum silence what = SILENT_BLOCKED;

	for (unsigned i = 0; i < members; i++) {
		const struct stress_thread *th = &team->threads[i];
		int64_t now;

		if (atomic_load(&th->dead) || atomic_load(&th->finished))
			continue;
		if (atomic_load(&th->waiting.obj) != NULL) {
			if (rh__stress_blockers(team, th) == 0)
				what = SILENT_ASLEEP;
			continue;
		}
		if (th->guest || w->cpu[i] < 0 || (now = cpu_ns(th)) < 0) {
			what = SILENT_ASLEEP;
			continue;
		}
		if (now - w->cpu[i] >= window_ns / RH_WORKING_SHARE)
			return SILENT_WORKING;
		what = SILENT_ASLEEP;
	}
	return what;
}

/* "T1 blocked acquiring content_lock, after lock index_lock=0, holding
 * index_lock": what the thread does now, its last sync point, its locks. */
static int describe_state(const struct stress_thread *th, char *buf, size_t cap)
{
	const char *guest = th->guest ? " (a thread of the scenario's own)" : "";
	const char *waiting = atomic_load(&th->waiting.obj) ? atomic_load(&th->waiting.name) : NULL;

	if (atomic_load(&th->dead))
		return snprintf(buf, cap, "T%u%s died after ", th->tid, guest);
	if (waiting != NULL)
		return snprintf(buf, cap, "T%u%s blocked acquiring %s, after ", th->tid, guest,
				waiting);
	return snprintf(buf, cap, "T%u%s %s, after ", th->tid, guest,
			atomic_load(&th->finished) ? "finished" : "running");
}

static void describe_thread(const struct stress_thread *th, char *buf, size_t cap)
{
	const char *name = atomic_load(&th->last_name);
	int op = atomic_load(&th->last_op);
	uint64_t value = atomic_load(&th->last_value);
	unsigned held_n;
	int n = describe_state(th, buf, cap);

	if (n < 0 || (size_t)n >= cap)
		return;
	if (name == NULL)
		n += snprintf(buf + n, cap - (size_t)n, "no sync point");
	else
		n += snprintf(buf + n, cap - (size_t)n, "%s %s=%llu", rh_op_name((rh_op)op), name,
			      (unsigned long long)value);
	held_n = atomic_load(&th->n_holding);
	for (unsigned i = 0; i < held_n && i < RH_HELD_MAX && (size_t)n < cap; i++)
		n += snprintf(buf + n, cap - (size_t)n, "%s%s", i ? ", " : ", holding ",
			      atomic_load(&th->holding[i].name));
}

static void report_hang(struct stress_team *team, unsigned round, unsigned ms)
{
	char msg[RH_MSG_MAX], line[240];
	unsigned members = rh__stress_members(team);
	size_t at;

	at = (size_t)snprintf(msg, sizeof(msg),
			      "round %u hung: no thread passed a sync point for %u ms:", round, ms);
	for (unsigned i = 0; i < members && at < sizeof(msg); i++) {
		describe_thread(&team->threads[i], line, sizeof(line));
		at += (size_t)snprintf(msg + at, sizeof(msg) - at, "%s %s", i ? ";" : "", line);
	}
	rh_violation(team->trial, RH_HANG, "%s", msg);
}

bool rh__stress_wait_round(struct stress_team *team, unsigned round, unsigned started,
			   unsigned ms)
{
	int64_t window_ns = (int64_t)ms * 1000000;
	unsigned asleep_ms = rh_timeout_ms(RH_ASLEEP_MS), silent = 0;
	bool done = false, hung = false;
	struct window w;

	pthread_mutex_lock(&team->mu);
	for (;;) {
		struct timespec deadline;

		window_start(team, &w);
		rh__stress_deadline_in(&deadline, (long)window_ns);
		while (team->done < started && !atomic_load(&team->deadlocked) &&
		       pthread_cond_timedwait(&team->done_cv, &team->mu, &deadline) != ETIMEDOUT)
			;
		done = team->done >= started;
		if (done || atomic_load(&team->deadlocked))
			break;
		if (team_progress(team) != w.progress) {
			silent = 0;
			continue;
		}
		switch (silence_of(team, &w, window_ns)) {
		case SILENT_WORKING:
			silent = 0;
			continue;
		case SILENT_ASLEEP:
			if (++silent < RH_STARVED_WINDOWS_MAX || (uint64_t)silent * ms < asleep_ms)
				continue;
			hung = true;
			break;
		case SILENT_BLOCKED:
			silent++;
			hung = true;
		}
		break;
	}
	pthread_mutex_unlock(&team->mu);
	if (hung)
		report_hang(team, round, ms * silent);
	return done;
}
