/* SPDX-License-Identifier: MIT */
/* Trials in forked trial processes: a trial that crashes, hangs past every
 * watchdog or fails inside the harness takes down only its process. Each
 * trial process is a process group of its own that dies with the campaign
 * (PR_SET_PDEATHSIG), runs with its own TMPDIR that the campaign empties
 * after it, and is stopped within one poll on SIGINT/SIGTERM. The deadline
 * covers its whole life: each trial, each step of a follow-up, and its own
 * part between and after them (a process stuck there is killed: exit 3). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "campaign_private.h"
#include "core/interrupt.h"
#include "core/replay_command.h"
#include "core/util.h"
#include "racehunt/cli.h"

/* How often the campaign looks at its trial process, and how long one that
 * was asked to write its run down gets before it is killed. */
#define RH_POLL_MS 2
#define RH_CAPTURE_GRACE_MS 500

static void describe_death(int status, char *buf, size_t cap)
{
	if (WIFSIGNALED(status))
		snprintf(buf, cap, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, cap, "exited with status %d (a sanitizer report above says why)",
			 WEXITSTATUS(status));
}

/* The schedule of a controlled run its process died in, or the command that
 * re-runs the campaign up to it. */
static void death_replay(const rh_campaign *c, rh_result *r, uint64_t trial)
{
	if (c->mode == RH_MODE_CONTROLLED &&
	    rh__crash_schedule(c, r, r->first.schedule, sizeof(r->first.schedule))) {
		rh_replay_command(r->first.replay, sizeof(r->first.replay), r->first.schedule);
		return;
	}
	rh__trial_replay_command(c, trial, r->first.replay, sizeof(r->first.replay));
}

/* The trial process died inside a trial: that trial crashed. */
static void record_crash(const rh_campaign *c, rh_result *r, uint64_t trial, int status,
			 double start_ms)
{
	char how[128];

	describe_death(status, how, sizeof(how));
	if (c->mode == RH_MODE_CONTROLLED)
		r->schedules++; /* the run it died in */
	r->trials_run++;
	r->failed_trials++;
	r->hist[RH_CRASH]++;
	/* Sanitizers report and then exit; a bare crash dies on a signal. */
	if (WIFEXITED(status))
		r->sanitizer_trials++;
	if (r->have_first) {
		rh__crash_schedule(c, r, NULL, 0);
		return;
	}
	r->first.trial = trial;
	r->first.kind = RH_CRASH;
	r->first.at_ms = rh_now_ms() - start_ms;
	if (trial == atomic_load(&r->current_trial))
		snprintf(r->first.message, sizeof(r->first.message), "trial %llu died: %s",
			 (unsigned long long)trial, how);
	else
		snprintf(r->first.message, sizeof(r->first.message),
			 "threads that hung trial %llu left running later took the process down: "
			 "%s",
			 (unsigned long long)trial, how);
	death_replay(c, r, trial);
	r->first_died = true;
	r->have_first = true;
}

static void record_timeout(const rh_campaign *c, rh_result *r, double start_ms)
{
	if (c->mode == RH_MODE_CONTROLLED)
		r->schedules++;
	r->trials_run++;
	r->failed_trials++;
	r->hist[RH_HANG]++;
	if (r->have_first) {
		rh__crash_schedule(c, r, NULL, 0);
		return;
	}
	r->have_first = true;
	r->first.trial = atomic_load(&r->current_trial);
	r->first.kind = RH_HANG;
	r->first.at_ms = rh_now_ms() - start_ms;
	snprintf(r->first.message, sizeof(r->first.message),
		 "trial %llu ran past the harness limit of %u ms and was killed",
		 (unsigned long long)r->first.trial, rh_timeout_ms(RH_TRIAL_LIMIT_MS));
	death_replay(c, r, r->first.trial);
	r->first_died = true;
}

#if RH_ASAN
int __lsan_do_recoverable_leak_check(void);

/* Leaks are checked once, when the trial process is done, not at its exit:
 * a buggy variant that leaks has been caught doing it (its race lost the
 * memory), while a leak in a run that found nothing flags the variant. */
static void check_leaks(const rh_campaign *c, rh_result *r)
{
	if (!__lsan_do_recoverable_leak_check())
		return;
	r->sanitizer_trials++;
	if (r->failed_trials)
		return;
	r->failed_trials++;
	r->hist[RH_INVARIANT]++;
	r->have_first = true;
	r->first.trial = atomic_load(&r->current_trial);
	r->first.kind = RH_INVARIANT;
	r->first.at_ms = 0;
	snprintf(r->first.message, sizeof(r->first.message),
		 "LeakSanitizer: memory leaked over trials up to %llu (report printed above)",
		 (unsigned long long)r->first.trial);
	rh__trial_replay_command(c, r->first.trial, r->first.replay, sizeof(r->first.replay));
}
#else
static void check_leaks(const rh_campaign *c, rh_result *r)
{
	(void)c;
	(void)r;
}
#endif

/* rh_die in a trial process: the reason goes to the parent, which reports a
 * harness failure (exit 3) instead of a crashed trial. The child's result
 * is process-wide there because rh_die's hook has no context argument (nor
 * has rh__alive, called deep in shrinking). */
static rh_result *child_result;

static void die_to_parent(const char *msg)
{
	snprintf(child_result->harness_error, sizeof(child_result->harness_error), "failed: %s",
		 msg);
	child_result->harness_failed = 1;
	fflush(NULL);
	_exit(RH_EXIT_HARNESS);
}

/* What every process forked to run the scenario does first: its own process
 * group (killed whole), dies with the parent (or exits if that already
 * happened), default signals, the campaign's TMPDIR, results to r. */
static void become_child(rh_result *r, const char *tmpdir, pid_t parent)
{
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(RH_EXIT_HARNESS);
	rh_interrupt_default();
	if (tmpdir != NULL)
		setenv("TMPDIR", tmpdir, 1);
	child_result = r;
}

RH_NORETURN static void trial_process(const rh_campaign *c, rh_result *r, uint64_t next,
				      double start_ms, const char *tmpdir, pid_t parent,
				      const rh_trial_output *out)
{
	become_child(r, tmpdir, parent);
	rh_set_die_hook(die_to_parent);
	if (c->mode == RH_MODE_CONTROLLED)
		rh__crash_install(r);
	rh__campaign_loop(c, r, next, start_ms, out);
	check_leaks(c, r);
	fflush(NULL);
	/* Sanitizers' exit-time verdicts are already counted. */
	_exit(0);
}

static void stop_group(pid_t pid, int sig)
{
	kill(-pid, sig);
	kill(pid, sig);
}

void rh__alive(void)
{
	if (child_result != NULL)
		atomic_store(&child_result->phase_ms, (uint64_t)rh_now_ms());
}

/* What the trial process may spend on what it does now: a trial or a step
 * of a follow-up gets the trial limit, its own part the idle limit. */
static unsigned phase_limit(const rh_campaign *c, const rh_result *r)
{
	unsigned idle = c->stress.watchdog_ms < RH_TRIAL_LIMIT_MS / RH_IDLE_WATCHDOGS
				? c->stress.watchdog_ms * RH_IDLE_WATCHDOGS
				: RH_TRIAL_LIMIT_MS;

	if (atomic_load(&r->in_trial) || atomic_load(&r->following_up))
		return rh_timeout_ms(RH_TRIAL_LIMIT_MS);
	return rh_timeout_ms(idle > RH_IDLE_MIN_MS ? idle : RH_IDLE_MIN_MS);
}

/* The campaign's stdout or stderr is a pipe its reader let fill (a paused
 * pager): a trial process writing to it waits for that reader, not hung. */
static bool output_full(void)
{
	for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++) {
		int unread, size = fcntl(fd, F_GETPIPE_SZ);

		if (size > 0 && ioctl(fd, FIONREAD, &unread) == 0 && unread + PIPE_BUF > size)
			return true;
	}
	return false;
}

typedef enum wait_end { WAIT_EXITED, WAIT_TRIAL_LIMIT, WAIT_IDLE_LIMIT } wait_end;

/* Wait for the trial process. Past the limit of what it does (phase_limit)
 * it is killed: in a trial, asked first to write its run down
 * (WAIT_TRIAL_LIMIT); elsewhere at once (WAIT_IDLE_LIMIT, *limit_ms says
 * after how long). On SIGINT/SIGTERM it is killed at once (r->interrupted).
 * Either way its whole group goes. */
static int wait_trial_process(const rh_campaign *c, pid_t pid, rh_result *r, wait_end *end,
			      unsigned *limit_ms)
{
	double asked_ms = 0, waited_on_reader = 0;
	int status;

	*end = WAIT_EXITED;
	for (;;) {
		pid_t got = waitpid(pid, &status, WNOHANG);
		struct timespec nap = {0, RH_POLL_MS * 1000000L};
		double now = rh_now_ms(), since = (double)atomic_load(&r->phase_ms);

		if (got == pid) {
			stop_group(pid, SIGKILL); /* what it left behind in its group */
			return status;
		}
		if (got < 0 && errno != EINTR)
			rh_die("waiting for the trial process failed: %s", strerror(errno));
		if (rh_interrupted() && !r->interrupted) {
			r->interrupted = rh_interrupted();
			stop_group(pid, SIGKILL);
		}
		*limit_ms = phase_limit(c, r);
		if (waited_on_reader > since)
			since = waited_on_reader;
		if (*end == WAIT_EXITED && now - since > *limit_ms) {
			if (output_full()) {
				waited_on_reader = now;
			} else if (atomic_load(&r->in_trial)) {
				stop_group(pid, RH_CRASH_CAPTURE_SIGNAL);
				*end = WAIT_TRIAL_LIMIT;
				asked_ms = now;
			} else {
				stop_group(pid, SIGKILL);
				*end = WAIT_IDLE_LIMIT;
			}
		}
		if (*end == WAIT_TRIAL_LIMIT && now - asked_ms > RH_CAPTURE_GRACE_MS)
			stop_group(pid, SIGKILL);
		nanosleep(&nap, NULL);
	}
}

/* A directory for the trial processes' temporary files, emptied after each. */
static char *make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir;

	if (base == NULL || *base == 0)
		base = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
	if (asprintf(&dir, "%s/racehunt-%d-XXXXXX", base, (int)getpid()) < 0)
		return NULL;
	if (mkdtemp(dir) == NULL) {
		free(dir);
		return NULL;
	}
	return dir;
}

static void empty_tmpdir(const char *dir, bool remove)
{
	DIR *d;
	struct dirent *e;
	char path[4096];

	if (dir == NULL || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	if (remove)
		rmdir(dir);
}

/* The trial process was stuck outside any trial: no verdict. */
static void record_stuck(rh_result *r, unsigned limit_ms)
{
	char when[64];

	if (!atomic_load(&r->began))
		snprintf(when, sizeof(when), "before its first trial");
	else
		snprintf(when, sizeof(when), "after trial %llu",
			 (unsigned long long)atomic_load(&r->current_trial));
	r->harness_failed = 1;
	snprintf(r->harness_error, sizeof(r->harness_error),
		 "was stuck for %u ms outside any trial, %s (in its leak check or exit, or held "
		 "up by a thread the scenario left running), and was killed",
		 limit_ms, when);
	fflush(stdout);
	fprintf(stderr, "racehunt: the trial process %s: no verdict\n", r->harness_error);
}

/* After the trial process that ran trials is done: what its end means. */
static bool after_trial_process(const rh_campaign *c, rh_result *r, int status, wait_end end,
				unsigned limit_ms, double start_ms)
{
	if (r->interrupted || r->harness_failed)
		return false;
	if (end == WAIT_IDLE_LIMIT) {
		record_stuck(r, limit_ms);
		return false;
	}
	if (!atomic_load(&r->in_trial)) {
		/* Exit 66 is ThreadSanitizer's verdict at exit; its reports
		 * were already counted per trial. */
		bool clean_exit = WIFEXITED(status) &&
				  (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 66);

		if (!clean_exit && r->abandoned_trial) {
			record_crash(c, r, r->abandoned_trial - 1, status, start_ms);
		} else if (!clean_exit) {
			r->harness_failed = 1;
			describe_death(status, r->harness_error, sizeof(r->harness_error));
		}
		return false;
	}
	atomic_store(&r->in_trial, 0);
	if (end == WAIT_TRIAL_LIMIT) {
		record_timeout(c, r, start_ms);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == RH_EXIT_HARNESS) {
		/* The harness stopped the trial (its line is above): no verdict. */
		r->harness_failed = 1;
		snprintf(r->harness_error, sizeof(r->harness_error),
			 "trial %llu stopped on a harness error (see the line above)",
			 (unsigned long long)atomic_load(&r->current_trial));
		return false;
	} else {
		record_crash(c, r, atomic_load(&r->current_trial), status, start_ms);
	}
	return true;
}

static void quiet_stdout(void)
{
	int null = open("/dev/null", O_WRONLY);

	if (null >= 0) {
		dup2(null, STDOUT_FILENO);
		close(null);
	}
}

/* The first violation, followed up in a fresh process forked from this one,
 * where no trial has run: it must fail alone there, as a replay will. */
static void follow_up(const rh_campaign *c, rh_result *r, const char *tmpdir, pid_t self)
{
	unsigned limit_ms;
	wait_end end;
	int status;
	pid_t pid;

	if (!r->have_first || r->interrupted)
		return;
	atomic_store(&r->in_trial, 0);
	atomic_store(&r->phase_ms, (uint64_t)rh_now_ms());
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		rh_die("cannot fork the follow-up process: %s", strerror(errno));
	if (pid == 0) {
		become_child(r, tmpdir, self);
		/* Quiet, it prints nothing of its own; what the re-runs of the
		 * bug print went with the trial that found it. */
		if (c->quiet)
			quiet_stdout();
		rh__follow_up_fresh(c, r);
		fflush(NULL);
		_exit(0);
	}
	status = wait_trial_process(c, pid, r, &end, &limit_ms);
	empty_tmpdir(tmpdir, false);
	if (r->interrupted || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
		return;
	/* Shrinking or tracing re-ran the bug and it took the process down or
	 * hung it: the violation itself is recorded. */
	if (!c->quiet && end != WAIT_EXITED)
		printf("(following up the violation made no progress for %u ms and was killed; "
		       "the schedule is unshrunk)\n",
		       limit_ms);
	else if (!c->quiet)
		printf("(following up the violation re-ran the bug and the process died; the "
		       "schedule is unshrunk)\n");
	atomic_store(&r->following_up, 0);
	rh__print_first(c, r, NULL);
}

int rh__campaign_isolated(const rh_campaign *c, rh_result *out, double start_ms,
			  const rh_trial_output *trial_out)
{
	uint64_t next = c->first_trial;
	char *tmpdir = make_tmpdir();
	pid_t self = getpid();
	rh_result *r;

	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		rh_die("cannot map shared result memory: %s", strerror(errno));
	memset(r, 0, sizeof(*r));
	for (;;) {
		unsigned limit_ms;
		wait_end end;
		int status;
		pid_t pid;

		/* Every stream, not just stdout: the child's exit flushes what
		 * it inherited, and a half-written file would be written twice. */
		fflush(NULL);
		atomic_store(&r->phase_ms, (uint64_t)rh_now_ms());
		atomic_store(&r->began, 0);
		pid = fork();
		if (pid < 0)
			rh_die("cannot fork the trial process: %s", strerror(errno));
		if (pid == 0)
			trial_process(c, r, next, start_ms, tmpdir, self, trial_out);
		setpgid(pid, pid);
		status = wait_trial_process(c, pid, r, &end, &limit_ms);
		empty_tmpdir(tmpdir, false);
		/* What a trial that died there wrote, its report's if it is
		 * the first violation. */
		rh__output_collect(trial_out,
				   atomic_load(&r->in_trial) && !r->have_first ? r->first.output : NULL,
				   sizeof(r->first.output));
		if (!after_trial_process(c, r, status, end, limit_ms, start_ms))
			break;
		if (c->stop_on_first)
			break;
		/* A bounded search's tree died with the process: it cannot go on
		 * without covering the same schedules again. */
		if (c->mode == RH_MODE_CONTROLLED && rh_strategy_exhaustive(c->strategy)) {
			if (!c->quiet)
				printf("(the bounded search died with its trial process after %llu "
				       "schedules; replay the schedule above, fix, and search "
				       "again)\n",
				       (unsigned long long)r->schedules);
			break;
		}
		next = atomic_load(&r->current_trial) + 1;
		if (!rh__budget_left(c, next, start_ms) || rh_interrupted())
			break;
	}
	if (!r->interrupted && rh_interrupted())
		r->interrupted = rh_interrupted();
	follow_up(c, r, tmpdir, self);
	empty_tmpdir(tmpdir, true);
	free(tmpdir);
	r->elapsed_ms = rh_now_ms() - start_ms;
	rh__progress(c, r, start_ms, true);
	memcpy(out, r, sizeof(*out));
	munmap(r, sizeof(*r));
	return 0;
}
