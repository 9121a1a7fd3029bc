/* SPDX-License-Identifier: MIT */
/* How many steps a run of the program takes, for pct's change points.
 *
 * pct draws its change points over the run's length, and a trial child has
 * seen no earlier run (learning from earlier trials would make a trial
 * depend on its predecessors: no replay by number). So the first controlled
 * trial of a campaign forks a calibration run of its own from the pristine
 * pre-main state: the program under pct:1 with seed 0 (priorities only, no
 * change point: one fixed schedule that depends on the program, its
 * arguments and --points alone), its output thrown away, its reports kept
 * in a private copy of the protocol's memory. Its step count goes into a
 * page the fork server mapped shared before any trial, so every later trial
 * reads it, and a replay in a new campaign measures the same number again.
 *
 * A calibration that takes more than CAP_STEPS steps stops there (the
 * estimate is then CAP_STEPS); one that does not end within CALIB_MS (a
 * spin with no scheduling point in it, or a long computation) leaves no
 * estimate, and the trials fall back to guessing one from (seed, trial):
 * only then does the estimate depend on time. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "controlled_rt.h"

#define CAP_STEPS (1u << 16)
/* Well under racehunt's own margin over the watchdog (2 s) for the first
 * trial, which waits for it before its own watchdog starts. */
#define CALIB_MS 1000

enum { LEN_UNKNOWN, LEN_KNOWN, LEN_NONE };

struct length {
	_Atomic uint64_t steps; /* the calibration run's steps so far */
	_Atomic int state;
};

static struct length *cache;
static bool calibrating;
/* The calibration run's own copy of the trial parameters and report. */
static struct rh_exec_shared calib_shared;

DECLARE_REAL(pid_t, fork, void);

/* In the fork server, before main: the page every trial child inherits. */
__attribute__((constructor)) static void map_cache(void)
{
	void *p;

	if (getenv(RH_EXEC_ENV) == NULL)
		return;
	p = mmap(NULL, sizeof(*cache), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		cache = p;
}

void rh__ctl_length_step(uint64_t steps)
{
	if (!calibrating)
		return;
	atomic_store_explicit(&cache->steps, steps, memory_order_relaxed);
	if (steps >= CAP_STEPS)
		_exit(0);
}

/* The calibration child: the trial's parameters with a fixed schedule, and
 * nothing it does reaches racehunt. */
static void become_calibration(void)
{
	int nul = open("/dev/null", O_RDWR);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (nul >= 0) {
		dup2(nul, 1);
		dup2(nul, 2);
		close(nul);
	}
	calib_shared = *rh__rt_shared;
	calib_shared.seed = 0;
	calib_shared.trial = 0;
	snprintf(calib_shared.strategy, sizeof(calib_shared.strategy), "pct:1");
	atomic_store(&calib_shared.claimed, 0);
	atomic_store(&calib_shared.kind, 0);
	rh__rt_shared = &calib_shared;
	calibrating = true;
}

static void calibrate(void)
{
	int fds[2], status;
	struct pollfd pfd;
	pid_t pid;
	char byte;

	atomic_store(&cache->state, LEN_NONE);
	/* The child keeps the write end until its run ends, however it ends:
	 * the parent's poll sees the end as EOF (close-on-exec: a program
	 * that execs something does not keep it open). */
	if (pipe2(fds, O_CLOEXEC) != 0)
		return;
	pid = REAL(fork)();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		become_calibration();
		return;
	}
	close(fds[1]);
	pfd = (struct pollfd){.fd = fds[0], .events = POLLIN};
	if (poll(&pfd, 1, CALIB_MS) == 1 && read(fds[0], &byte, 1) == 0)
		atomic_store(&cache->state, LEN_KNOWN);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		continue;
	close(fds[0]);
}

uint64_t rh__ctl_run_length(void)
{
	if (cache == NULL)
		return 0;
	if (atomic_load(&cache->state) == LEN_UNKNOWN)
		calibrate();
	if (calibrating)
		return 0;
	return atomic_load(&cache->state) == LEN_KNOWN ? atomic_load(&cache->steps) : 0;
}
