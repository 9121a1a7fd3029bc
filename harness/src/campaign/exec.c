/* SPDX-License-Identifier: MIT */
/* `racehunt exec` campaigns: start the program as a fork server, ask it for
 * one trial after another, and turn each trial's end (its report in shared
 * memory, its signal, its exit status, racehunt's own time limit) into a
 * verdict. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "controlled/strategy.h"
#include "core/interrupt.h"
#include "core/replay_command.h"
#include "core/util.h"
#include "exec.h"
#include "racehunt/cli.h"
#include "trial_output.h"

/* How long the program may take to reach main and say hello, and a trial to
 * report its pid, before racehunt gives up on it (times RH_TIMEOUT_MULTIPLIER). */
#define HELLO_MS 10000
/* racehunt's own limit on a trial beyond the runtime's watchdog, for a trial
 * whose monitor cannot run (the process stopped, a signal handler loops). */
#define GRACE_MS 2000

int rh_exec_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("racehunt: exec: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return RH_EXIT_USAGE;
}

bool rh_exec_check_file(const char *path, const uint64_t *want, uint64_t *hash, char *err,
			size_t errcap)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t len = strlen(RH_EXEC_MARKER), have = 0;
	char buf[65536];
	bool marked = false;
	struct stat st;
	ssize_t n;
	int fd;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || access(path, X_OK) != 0) {
		snprintf(err, errcap, "'%s' is not an executable file", path);
		return false;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errcap, "cannot read '%s': %s", path, strerror(errno));
		return false;
	}
	/* Hash the file and look for the marker, which may straddle two reads:
	 * keep the last len - 1 bytes in front of the next block. */
	while ((n = read(fd, buf + have, sizeof(buf) - have)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ (unsigned char)buf[have + (size_t)i]) * 0x100000001b3ull;
		have += (size_t)n;
		if (!marked && memmem(buf, have, RH_EXEC_MARKER, len) != NULL)
			marked = true;
		if (have >= len - 1) {
			memmove(buf, buf + have - (len - 1), len - 1);
			have = len - 1;
		}
	}
	close(fd);
	if (!marked)
		snprintf(err, errcap, "'%s' was not linked with racehunt's runtime; build it with "
			 "racehunt-cc (or racehunt_instrument in CMake)", path);
	else if (want != NULL && h != *want)
		snprintf(err, errcap, "'%s' is not the program this replay was recorded on (fnv1a64 "
			 "%016llx, recorded %016llx)",
			 path, (unsigned long long)h, (unsigned long long)*want);
	*hash = h;
	return marked && (want == NULL || h == *want);
}

int rh_exec_check_program(rh_exec *e)
{
	char err[RH_EXEC_MSG_MAX];

	if (!rh_exec_check_file(e->argv[0], e->check_hash ? &e->want_hash : NULL, &e->hash, err,
				sizeof(err)))
		return rh_exec_usage("%s", err);
	return RH_EXIT_CLEAN;
}

static void no_cloexec(int fd)
{
	fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) & ~FD_CLOEXEC);
}

/* Read n bytes within ms; 0, or -1 on timeout, -2 on end of file. With e
 * and s, the trial's questions to racehunt's strategy are answered
 * meanwhile (rh_exec_answer); one that cannot be is end of file. */
static int timed_read(int fd, void *buf, size_t n, int ms, rh_exec *e, rh_exec_server *s)
{
	size_t got = 0;
	double until = rh_now_ms() + ms;
	bool asks = e != NULL && e->explorer != NULL && e->force == NULL;

	while (got < n) {
		struct pollfd p[2] = {{fd, POLLIN, 0}, {asks ? s->ask : -1, POLLIN, 0}};
		int left = (int)(until - rh_now_ms());
		ssize_t r;

		if (left <= 0)
			return -1;
		if (poll(p, 2, left) <= 0)
			continue;
		if (p[1].revents & (POLLIN | POLLHUP)) {
			if (!rh_exec_answer(e, s))
				return -2;
			/* The trial's clock stops while it waits for an
			 * answer (its monitor's does too): so does this one. */
			until = rh_now_ms() + ms;
		}
		if (!(p[0].revents & (POLLIN | POLLHUP)))
			continue;
		r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -2;
		got += (size_t)r;
	}
	return 0;
}

bool rh_exec_start(const rh_exec *e, rh_exec_server *s, char *err, size_t cap)
{
	int shm = memfd_create("racehunt-exec", MFD_CLOEXEC);
	int out = memfd_create("racehunt-exec-output", MFD_CLOEXEC);
	int cmd[2], st[2], ask[2], answer[2];
	uint32_t hello;

	if (shm < 0 || out < 0 || ftruncate(shm, sizeof(*s->sh)) != 0 ||
	    pipe2(cmd, O_CLOEXEC) != 0 || pipe2(st, O_CLOEXEC) != 0 ||
	    pipe2(ask, O_CLOEXEC) != 0 || pipe2(answer, O_CLOEXEC) != 0)
		rh_die("cannot set up the exec channels: %s", strerror(errno));
	/* Appends from every thread of a trial land after each other, and the
	 * server's truncation between trials restarts the file. */
	fcntl(out, F_SETFL, O_APPEND);
	s->sh = mmap(NULL, sizeof(*s->sh), PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
	if (s->sh == MAP_FAILED)
		rh_die("cannot map the exec shared memory: %s", strerror(errno));
	memset(s->sh, 0, sizeof(*s->sh));
	s->sh->version = RH_EXEC_VERSION;
	fflush(NULL);
	s->pid = fork();
	if (s->pid < 0)
		rh_die("cannot fork the program: %s", strerror(errno));
	if (s->pid == 0) {
		char spec[64];

		snprintf(spec, sizeof(spec), "%d,%d,%d,%d,%d,%d", shm, cmd[0], st[1], out, ask[1],
			 answer[0]);
		no_cloexec(shm);
		no_cloexec(cmd[0]);
		no_cloexec(st[1]);
		no_cloexec(out);
		no_cloexec(ask[1]);
		no_cloexec(answer[0]);
		setenv(RH_EXEC_ENV, spec, 1);
		execv(e->argv[0], e->argv);
		fprintf(stderr, "racehunt exec: cannot execute '%s': %s\n", e->argv[0],
			strerror(errno));
		_exit(127);
	}
	close(shm);
	close(cmd[0]);
	close(st[1]);
	close(ask[1]);
	close(answer[0]);
	s->cmd = cmd[1];
	s->status = st[0];
	s->out = out;
	s->ask = ask[0];
	s->answer = answer[1];
	if (timed_read(s->status, &hello, sizeof(hello), (int)rh_timeout_ms(HELLO_MS), NULL,
		       NULL) != 0 ||
	    hello != RH_EXEC_HELLO) {
		snprintf(err, cap, "'%s' did not start as racehunt's fork server (it exited or "
			 "hung before main)", e->argv[0]);
		return false;
	}
	return true;
}

void rh_exec_stop(rh_exec_server *s)
{
	close(s->cmd);
	close(s->status);
	close(s->ask);
	close(s->answer);
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	close(s->out);
	munmap(s->sh, sizeof(*s->sh));
}

void rh_exec_output_tail(const rh_exec_server *s, char *buf, size_t cap)
{
	rh__file_tail(s->out, buf, cap);
}

static void classify(const rh_exec_server *s, int status, bool killed, rh_exec_verdict *v)
{
	uint32_t k = atomic_load_explicit(&s->sh->kind, memory_order_acquire);

	v->behind = RH_KIND_COUNT_;
	if (k != 0) {
		v->kind = (rh_kind)(k - 1);
		snprintf(v->message, sizeof(v->message), "%s", s->sh->message);
		if (WIFSIGNALED(status))
			v->behind = RH_CRASH;
		else if (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != RH_EXEC_EXIT_REPORTED)
			v->behind = RH_EXIT;
	} else if (killed) {
		v->kind = RH_HANG;
		snprintf(v->message, sizeof(v->message),
			 "the trial ran past racehunt's limit and was killed (its watchdog could "
			 "not report)");
	} else if (WIFSIGNALED(status)) {
		v->kind = RH_CRASH;
		snprintf(v->message, sizeof(v->message), "the program died on signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else {
		v->kind = RH_EXIT;
		snprintf(v->message, sizeof(v->message), "the program exited with status %d",
			 WEXITSTATUS(status));
	}
}

/* The trial number a trial's own random streams (watchpoint sampling) are
 * seeded with: its own, except under a search kept in racehunt (dfs), where
 * a run must be the same whenever its choices are, so every trial of the
 * search uses 0 (and its schedule string says so). */
static uint64_t seed_trial(const rh_exec *e, uint64_t trial)
{
	return e->explorer != NULL ? 0 : trial;
}

/* One trial; RH_EXEC_TRIAL_LOST when the server itself went away. */
rh_exec_end rh_exec_trial(rh_exec *e, rh_exec_server *s, uint64_t trial, rh_exec_verdict *v)
{
	const rh_campaign *c = &e->c;
	uint64_t cmd = trial;
	int32_t pid, status;
	bool killed = false;
	int rc;

	s->sh->mode = c->mode == RH_MODE_CONTROLLED ? RH_EXEC_CONTROLLED : RH_EXEC_STRESS;
	snprintf(s->sh->strategy, sizeof(s->sh->strategy), "%s", e->force ? "replay" : c->strategy);
	s->sh->remote = e->force == NULL ? rh_exec_remote_mode(e) : RH_EXEC_LOCAL;
	s->sh->hb = c->mode == RH_MODE_CONTROLLED && rh_exec_strategy_hb(c->strategy);
	rh_exec_record_reset(&s->sh->rec, e->force);
	if (e->force == NULL && rh_exec_dpor(e))
		rh_exec_dpor_prepare(e, &s->sh->rec);
	s->sh->points = e->points;
	s->sh->sample = e->sample;
	s->sh->watchdog_ms = rh_timeout_ms(c->stress.watchdog_ms);
	s->sh->seed = c->seed;
	s->sh->trial = seed_trial(e, trial);
	s->sh->noise = c->stress.noise;
	s->sh->threads = 0;
	s->sh->message[0] = '\0';
	atomic_store(&s->sh->kind, 0);
	atomic_store(&s->sh->claimed, 0);
	if (write(s->cmd, &cmd, sizeof(cmd)) != (ssize_t)sizeof(cmd))
		return RH_EXEC_TRIAL_LOST;
	if (timed_read(s->status, &pid, sizeof(pid), (int)rh_timeout_ms(HELLO_MS), NULL, NULL) != 0)
		return RH_EXEC_TRIAL_LOST;
	rc = timed_read(s->status, &status, sizeof(status),
			(int)(s->sh->watchdog_ms + rh_timeout_ms(GRACE_MS)), e, s);
	if (rc == -1) {
		kill(pid, SIGKILL);
		killed = true;
		rc = timed_read(s->status, &status, sizeof(status), (int)rh_timeout_ms(HELLO_MS),
				NULL, NULL);
	}
	if (rc != 0)
		return RH_EXEC_TRIAL_LOST;
	if (atomic_load(&s->sh->kind) == RH_EXEC_KIND_UNSUPPORTED) {
		snprintf(v->message, sizeof(v->message), "%s", s->sh->message);
		return RH_EXEC_TRIAL_UNSUPPORTED;
	}
	if (!killed && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    atomic_load(&s->sh->kind) == 0)
		return RH_EXEC_TRIAL_CLEAN;
	classify(s, status, killed, v);
	return RH_EXEC_TRIAL_FAILED;
}

static const char *const points_names[] = {"sync", "shared", "all"};

/* Append s to buf as one shell word: '...' with each ' written '\''. */
static int shell_word(char *buf, size_t cap, int len, const char *s)
{
	if (len < 0 || (size_t)len >= cap)
		return len;
	len += snprintf(buf + len, cap - (size_t)len, " '");
	for (; *s && (size_t)len + 5 < cap; s++)
		len += *s == '\'' ? snprintf(buf + len, cap - (size_t)len, "'\\''")
				  : snprintf(buf + len, cap - (size_t)len, "%c", *s);
	return len + snprintf(buf + len, cap - (size_t)len, "'");
}

/* The command line that runs this one trial again: trials are seeded by
 * their number in both modes, so it reproduces the run (a stress rerun; a
 * controlled run whose record overflowed). */
static void rerun_line(const rh_exec *e, uint64_t trial, char *buf, size_t cap)
{
	const rh_campaign *c = &e->c;
	int len = snprintf(buf, cap,
			   "%s exec --mode %s --strategy %s --points %s --sample %u "
			   "--watchdog %u --seed %llu --first-trial %llu --trials 1 "
			   "--program-hash %016llx --",
			   rh_program, c->mode == RH_MODE_CONTROLLED ? "controlled" : "stress",
			   c->strategy, points_names[e->points], e->sample,
			   c->stress.watchdog_ms, (unsigned long long)c->seed,
			   (unsigned long long)trial, (unsigned long long)e->hash);

	for (char *const *a = e->argv; *a != NULL; a++)
		len = shell_word(buf, cap, len, *a);
}

/* The first failure's schedule string, its replay command and its trace;
 * false when the string would not fit a result (the record had that many
 * choices off the default). */
static bool first_schedule(rh_exec *e, rh_result *r, const struct rh_exec_shared *sh)
{
	char err[256], *str = rh_schedule_format(&e->first_spec, err, sizeof(err));

	if (str == NULL)
		rh_die("cannot write the schedule of an exec trial: %s", err);
	if (strlen(str) >= sizeof(r->first.schedule)) {
		free(str);
		rh_schedule_spec_free(&e->first_spec);
		return false;
	}
	snprintf(r->first.schedule, sizeof(r->first.schedule), "%s", str);
	rh_replay_command(r->first.replay, sizeof(r->first.replay), str);
	free(str);
	e->first_trace = rh_exec_record_trace(&sh->rec, sh->threads);
	return true;
}

static void record(rh_exec *e, rh_result *r, uint64_t trial, const rh_exec_verdict *v,
		   const rh_exec_server *s, double start_ms)
{
	r->failed_trials++;
	r->hist[v->kind]++;
	if (v->behind != RH_KIND_COUNT_)
		r->behind[v->behind]++;
	if (r->have_first)
		return;
	r->have_first = true;
	r->first.trial = trial;
	r->first.kind = v->kind;
	r->first.at_ms = rh_now_ms() - start_ms;
	snprintf(e->message, sizeof(e->message), "%s", v->message);
	snprintf(r->first.message, sizeof(r->first.message), "%.*s",
		 (int)sizeof(r->first.message) - 1, v->message);
	rh_exec_output_tail(s, e->output_tail, sizeof(e->output_tail));
	if (e->c.mode != RH_MODE_CONTROLLED ||
	    !rh_exec_record_spec(e, &s->sh->rec, seed_trial(e, trial), v->kind, &e->first_spec) ||
	    !first_schedule(e, r, s->sh))
		rerun_line(e, trial, r->first.replay, sizeof(r->first.replay));
}

/* A forced trial: whether it followed the schedule, and its steps. */
static void retraced(rh_exec *e, const struct rh_exec_shared *sh)
{
	const char *why = rh_exec_record_diverged(&sh->rec, e->force, e->why_diverged,
						  sizeof(e->why_diverged));

	if (why == NULL)
		e->why_diverged[0] = '\0';
	free(e->last_trace);
	e->last_trace = rh_exec_record_trace(&sh->rec, sh->threads);
}

void rh_exec_fini(rh_exec *e)
{
	rh_schedule_spec_free(&e->first_spec);
	free(e->first_trace);
	free(e->last_trace);
	e->first_trace = e->last_trace = NULL;
}

static bool budget_left(const rh_campaign *c, uint64_t trial, double start_ms)
{
	/* SIGINT/SIGTERM asked the run to stop (where a handler is installed:
	 * the hunt's exec rows). */
	if (rh_interrupted())
		return false;
	if (c->trials && trial >= c->first_trial + c->trials)
		return false;
	return !(c->time_budget_s > 0 && rh_now_ms() - start_ms >= c->time_budget_s * 1e3);
}

/* An exhaustive strategy's explorer, kept here for the campaign; false
 * with the reason in r->harness_error for a spec it refuses. */
static bool open_search(rh_exec *e, rh_result *r)
{
	if (e->c.mode != RH_MODE_CONTROLLED || e->force != NULL ||
	    !rh_strategy_exhaustive(e->c.strategy))
		return true;
	e->explorer = rh_explorer_new(e->c.strategy, e->c.seed, r->harness_error,
				      sizeof(r->harness_error));
	return e->explorer != NULL;
}

int rh_exec_run(rh_exec *e, rh_result *r)
{
	const rh_campaign *c = &e->c;
	double start_ms = rh_now_ms();
	rh_exec_verdict v;
	rh_exec_server s;
	int rc = RH_EXIT_CLEAN;

	memset(r, 0, sizeof(*r));
	/* A fork server that dies (the program killed its parent, the OOM
	 * killer) must end the campaign with a message, not kill racehunt
	 * with SIGPIPE on the next command. */
	signal(SIGPIPE, SIG_IGN);
	if (!rh_exec_start(e, &s, r->harness_error, sizeof(r->harness_error))) {
		rh_exec_stop(&s);
		/* The program's own doing (it crashed or hung in a constructor). */
		return rh_exec_usage("%s", r->harness_error);
	}
	if (!open_search(e, r)) {
		rh_exec_stop(&s);
		return rh_exec_usage("%s", r->harness_error);
	}
	for (uint64_t i = c->first_trial; budget_left(c, i, start_ms); i++) {
		rh_exec_end end;

		if (e->explorer != NULL && !rh_exec_remote_begin(e, &s, i))
			break; /* the bounded space is exhausted */
		end = rh_exec_trial(e, &s, i, &v);
		if (e->explorer != NULL)
			rh_exec_remote_end(e, &s);
		if (end == RH_EXEC_TRIAL_LOST) {
			r->harness_failed = 1;
			snprintf(r->harness_error, sizeof(r->harness_error),
				 "of '%s' (the fork server) went away during trial %llu", e->argv[0],
				 (unsigned long long)i);
			rc = RH_EXIT_HARNESS;
			break;
		}
		if (end == RH_EXEC_TRIAL_UNSUPPORTED) {
			rc = rh_exec_usage("%s: %s", e->argv[0], v.message);
			break;
		}
		r->trials_run++;
		if (e->force != NULL)
			retraced(e, s.sh);
		if (end == RH_EXEC_TRIAL_FAILED)
			record(e, r, i, &v, &s, start_ms);
		if (c->stop_on_first && r->have_first)
			break;
	}
	r->elapsed_ms = rh_now_ms() - start_ms;
	/* Controlled: one schedule per trial, less those a dpor search cut
	 * as equivalent to one explored. */
	r->schedules = r->trials_run;
	snprintf(r->points, sizeof(r->points), "%s", points_names[e->points]);
	if (e->explorer != NULL) {
		r->exhausted = rh_explorer_exhausted(e->explorer) &&
			       !rh_exec_search_diverged(e->explorer);
		r->pruned = rh_explorer_pruned(e->explorer);
		r->schedules -= r->pruned;
		rh_explorer_free(e->explorer);
		e->explorer = NULL;
	}
	rh_exec_stop(&s);
	if (rc != RH_EXIT_CLEAN)
		return rc;
	return r->failed_trials ? RH_EXIT_VIOLATION : RH_EXIT_CLEAN;
}
