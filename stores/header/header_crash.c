/* SPDX-License-Identifier: MIT */
/* header.crash — a writer process is SIGKILLed at a seeded point; the file it
 * leaves behind is reopened and every put it acknowledged must be there.
 *
 * setup() starts the writer process. It runs the header.checkpoint workload
 * (thread 0 alternates checkpoint and put, the others put, all released by
 * one barrier) on its own OS threads and, after each put returns (data and
 * WAL entry written), sends an acknowledgement down a pipe. The thread that
 * sends the N-th, N drawn from the trial seed, SIGKILLs the process at once,
 * wherever the other threads are: the parent reading the pipe would lag the
 * writer by a pipe's worth of acknowledgements. Thread 0 of the scenario
 * reads every acknowledgement that made it into the pipe, and check()
 * reopens the file with the reader and reports what was lost.
 *
 * The writer is this binary executed afresh (/proc/self/exe) with
 * RH_HEADER_CRASH_WRITER in its environment, which a constructor below turns
 * into the writer's main. A plain fork would not do: the trial process may
 * hold controlled-mode fibers, which ThreadSanitizer counts as threads and
 * then refuses thread creation in the child ("multi-threaded fork"), and a
 * fresh process has no harness runtime attached, so its sync points are the
 * raw primitives. The harness schedules only the parent side: in controlled
 * mode the kill point N is replayed exactly, the writer's interleaving is not.
 *
 * Durable means "survives the death of the process": the page cache outlives
 * it, so no fsync is issued; power loss is outside this scenario. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pthread.h>

#include "header_check.h"
#include "header_store.h"
#include "racehunt/props.h"
#include "racehunt/scenario.h"
#include "racehunt/sync.h"

#define MAX_PAYLOAD 4096u
#define WRITER_ENV "RH_HEADER_CRASH_WRITER"

extern char **environ;

/* One acknowledgement as it travels through the pipe (< PIPE_BUF: atomic). */
typedef struct crash_ack {
	uint64_t id, seq, data_off, rec_len;
	uint32_t tid, op, len, pad;
} crash_ack;

typedef struct crash_run {
	hdr_mgr *m;
	rh_params p;
	pid_t child;
	int ack_fd;	  /* read end in the parent */
	uint64_t kill_at; /* the writer SIGKILLs itself at this acknowledgement */
	uint64_t child_seed;
	/* Filled by thread 0. */
	hs_put *acks;
	size_t n_acks, cap_acks;
	bool killed;
	int child_status;
	char monitor_error[160];
} crash_run;

/* What the writer process is told through its environment. */
typedef struct writer_spec {
	unsigned variant, threads, ops, rounds, size;
	uint64_t seed, kill_at;
	int ack_fd;
	char path[256];
	hdr_mgr *m;
	rh_atomic_u64 acked;
} writer_spec;

typedef struct child_thread {
	writer_spec *r;
	unsigned tid;
	int ack_fd;
	pthread_barrier_t *start;
	pthread_t handle;
} child_thread;

static const hdr_variant variant_of[] = {HDR_BUGGY, HDR_PATCHED, HDR_FIXED};

static bool write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* ---- the writer process --------------------------------------------------- */

static void *child_main(void *arg)
{
	child_thread *ct = arg;
	writer_spec *r = ct->r;
	unsigned tid = ct->tid;
	uint64_t total = (uint64_t)r->ops * r->rounds;
	rh_rng rng;
	rh_rng_seed(&rng, rh_seed_mix(r->seed, tid, 0));
	uint8_t buf[MAX_PAYLOAD];
	pthread_barrier_wait(ct->start);
	for (unsigned op = 0; op < total; op++) {
		hdr_err err;
		if (tid == 0 && op % 2 == 0) {
			hdr_mgr_checkpoint(r->m, &err);
			continue;
		}
		crash_ack a = {.id = hs_make_id(tid, op), .tid = tid, .op = op};
		a.len = hs_payload_len(&rng, r->size);
		rh_payload_sign(buf, a.len, tid, op);
		hdr_ack ack;
		if (hdr_mgr_put(r->m, a.id, buf, a.len, &ack, &err) != HDR_OK)
			continue; /* not acknowledged: nothing is owed */
		a.seq = ack.seq;
		a.data_off = ack.data_off;
		a.rec_len = ack.rec_len;
		if (!write_all(ct->ack_fd, &a, sizeof a))
			_exit(3);
		if (rh_atomic_fetch_add(&r->acked, 1, RH_RELAXED) + 1 == r->kill_at)
			kill(getpid(), SIGKILL);
	}
	return NULL;
}

/* The writer's main. Never returns: the process ends with _exit. The writers
 * start together behind a barrier, as the harness's own threads do (staggered
 * start-up would serialise most of the work); no runtime is attached in this
 * process, so raw pthreads are the primitives here. */
static RH_NORETURN void writer_run(writer_spec *r)
{
	child_thread ct[64];
	unsigned n = r->threads;
	pthread_barrier_t start;
	hdr_err err;
	if (hdr_mgr_open(&r->m, variant_of[r->variant], r->path, &err) != HDR_OK) {
		fprintf(stderr, "header.crash writer: %s\n", err.msg);
		_exit(6);
	}
	if (pthread_barrier_init(&start, NULL, n) != 0)
		_exit(4);
	for (unsigned i = 0; i < n; i++) {
		ct[i] = (child_thread){.r = r, .tid = i, .ack_fd = r->ack_fd, .start = &start};
		if (pthread_create(&ct[i].handle, NULL, child_main, &ct[i]) != 0)
			_exit(4);
	}
	for (unsigned i = 0; i < n; i++)
		pthread_join(ct[i].handle, NULL);
	_exit(hdr_mgr_close(r->m, &err) == HDR_OK ? 0 : 5);
}

__attribute__((constructor)) static void writer_entry(void)
{
	const char *spec = getenv(WRITER_ENV);
	if (!spec)
		return;
	writer_spec r = {0};
	int used = 0;
	if (sscanf(spec, "%u:%u:%u:%u:%u:%" SCNu64 ":%" SCNu64 ":%d:%n", &r.variant, &r.threads,
		   &r.ops, &r.rounds, &r.size, &r.seed, &r.kill_at, &r.ack_fd, &used) != 8 ||
	    r.variant >= 3 || r.threads == 0 || r.threads > 64 || r.size > MAX_PAYLOAD ||
	    snprintf(r.path, sizeof r.path, "%s", spec + used) >= (int)sizeof r.path) {
		fprintf(stderr, "header.crash writer: bad %s=%s\n", WRITER_ENV, spec);
		_exit(2);
	}
	rh_atomic_init(&r.acked, "acknowledged", 0);
	writer_run(&r);
}

/* ---- the scenario ------------------------------------------------------- */

static void teardown(void *state)
{
	crash_run *r = state;
	if (r->child > 0) {
		kill(r->child, SIGKILL);
		waitpid(r->child, NULL, 0);
	}
	if (r->ack_fd >= 0)
		close(r->ack_fd);
	hdr_mgr_destroy(r->m);
	free(r->acks);
	free(r);
}

static void *setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	crash_run *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->p = *p;
	r->ack_fd = -1;
	if (r->p.size > MAX_PAYLOAD)
		r->p.size = MAX_PAYLOAD;
	if (r->p.threads > 64)
		r->p.threads = 64;
	uint64_t total = (uint64_t)r->p.threads * p->ops * p->rounds;
	rh_rng *rng = rh_trial_rng(t, 0);
	r->kill_at = 1 + rh_rng_below(rng, total ? total : 1);
	r->child_seed = rh_rng_next(rng);
	hdr_err err;
	int fds[2];
	if (hdr_mgr_create(&r->m, variant_of[variant], hs_temp_dir(), total + 1, &err) != HDR_OK ||
	    pipe(fds) != 0) {
		hdr_mgr_destroy(r->m);
		free(r);
		return NULL;
	}
	/* Everything the writer needs, prepared before the fork: the child only
	 * closes a descriptor and calls execve. */
	char spec[400];
	snprintf(spec, sizeof spec, "%s=%u:%u:%u:%u:%u:%" PRIu64 ":%" PRIu64 ":%d:%s", WRITER_ENV,
		 variant, r->p.threads, p->ops, p->rounds, r->p.size, r->child_seed, r->kill_at,
		 fds[1], hdr_mgr_path(r->m));
	size_t n_env = 0;
	while (environ[n_env])
		n_env++;
	char **envp = malloc((n_env + 2) * sizeof *envp);
	if (!envp) {
		close(fds[0]);
		close(fds[1]);
		teardown(r);
		return NULL;
	}
	envp[0] = spec;
	memcpy(envp + 1, environ, (n_env + 1) * sizeof *envp);
	char *argv[] = {"racehunt-header-crash-writer", NULL};
	fflush(stdout);
	fflush(stderr);
	r->child = fork();
	if (r->child == 0) {
		close(fds[0]);
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	free(envp);
	close(fds[1]);
	r->ack_fd = fds[0];
	if (r->child < 0) {
		r->child = 0;
		teardown(r);
		return NULL;
	}
	return r;
}

static bool record(crash_run *r, const crash_ack *a)
{
	if (r->n_acks == r->cap_acks) {
		size_t cap = r->cap_acks ? 2 * r->cap_acks : 256;
		hs_put *v = realloc(r->acks, cap * sizeof *v);
		if (!v)
			return false;
		r->acks = v;
		r->cap_acks = cap;
	}
	r->acks[r->n_acks++] = (hs_put){.id = a->id,
					.tid = a->tid,
					.op = a->op,
					.len = a->len,
					.ack = {.seq = a->seq,
						.data_off = a->data_off,
						.rec_len = a->rec_len}};
	return true;
}

/* Thread 0 reads acknowledgements until the writer is gone. */
static void monitor(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	crash_run *r = state;
	if (tid != 0 || round != 0)
		return;
	crash_ack a;
	size_t have = 0;
	for (;;) {
		ssize_t got = read(r->ack_fd, (char *)&a + have, sizeof a - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break; /* writer gone: every acknowledgement has been read */
		have += (size_t)got;
		if (have < sizeof a)
			continue;
		have = 0;
		if (!record(r, &a)) {
			snprintf(r->monitor_error, sizeof r->monitor_error,
				 "out of memory recording acknowledgements");
			kill(r->child, SIGKILL);
			break;
		}
	}
	waitpid(r->child, &r->child_status, 0);
	r->child = 0;
	r->killed = WIFSIGNALED(r->child_status) && WTERMSIG(r->child_status) == SIGKILL;
}

static void check(void *state, rh_trial *t)
{
	crash_run *r = state;
	if (r->monitor_error[0]) {
		rh_violation(t, RH_INVARIANT, "header.crash monitor: %s", r->monitor_error);
		return;
	}
	/* A writer that died on its own proves nothing about the file: say so
	 * rather than call an empty run clean. Exit 5 is a failed final Close,
	 * which the reopen below judges; 66 is ThreadSanitizer's exit status
	 * after it reported races in the writer, whose file is judged too. */
	int st = r->child_status;
	bool finished = WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 5 ||
					  WEXITSTATUS(st) == 66);
	if (!r->killed && WIFEXITED(st) && WEXITSTATUS(st) == 66)
		rh_violation(t, RH_INVARIANT,
			     "ThreadSanitizer reported data races in the writer process (exit 66; "
			     "its reports are above)");
	if (!r->killed && !finished) {
		rh_violation(t, RH_INVARIANT,
			     "writer process ended on its own (%s %d) after %zu acknowledgements, "
			     "before the kill point %llu",
			     WIFSIGNALED(st) ? "signal" : "exit status",
			     WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), r->n_acks,
			     (unsigned long long)r->kill_at);
		return;
	}
	char when[160];
	if (r->killed)
		snprintf(when, sizeof when, "after SIGKILL at acknowledgement %llu",
			 (unsigned long long)r->kill_at);
	else if (WEXITSTATUS(st) == 0)
		snprintf(when, sizeof when, "after the writer finished and closed the file");
	else if (WEXITSTATUS(st) == 5)
		snprintf(when, sizeof when, "after the writer's failed final Close");
	else
		snprintf(when, sizeof when, "after the writer finished");

	hdr_image img;
	hdr_err err = {0};
	hdr_status ost = hdr_open_file(hdr_mgr_path(r->m), &img, &err);
	if (hs_resource_failure(t, ost, &err, "reopen after the writer died"))
		return;
	if (ost != HDR_OK) {
		rh_violation(t, RH_CORRUPTION,
			     "reopen %s failed: %s; all %zu acknowledged entities lost", when,
			     err.msg, r->n_acks);
		return;
	}
	char whence[288];
	if (img.closed)
		snprintf(whence, sizeof whence, "%s (file closed, read from its index)", when);
	else
		snprintf(whence, sizeof whence,
			 "%s (file left open, replayed from its WAL; %zu unfinished WAL writes "
			 "dropped)",
			 when, img.n_torn);
	hs_check_wal(&img, r->acks, r->n_acks, "", t);
	hs_check_readback(&img, r->acks, r->n_acks, whence, "", t);
	hdr_image_free(&img);
}

static const rh_variant crash_variants[] = {
	{"buggy", RH_EXPECT_DETECTED,
	 "racing header updates and the zero-header checkpoint leave a file that loses or "
	 "cannot reopen acknowledged entities"},
	{"patched", RH_EXPECT_DETECTED,
	 "puts on the writer a checkpoint closes reuse WAL slots and data: acknowledged "
	 "entities are gone after the crash"},
	{"fixed", RH_EXPECT_CLEAN,
	 "reopens without error with every acknowledged entity, closed or not"},
};

static const rh_scenario header_crash = {
	.name = "header.crash",
	.summary = "a writer process (checkpointing thread 0 + putters) is SIGKILLed after a "
		   "seeded number of acknowledged puts; the reopened file must hold them all",
	.variants = crash_variants,
	.n_variants = sizeof crash_variants / sizeof crash_variants[0],
	.defaults = {.threads = 4, .ops = 200, .rounds = 1, .size = 64},
	.max_threads = 64,
	.stress_trials = 150,
	/* Each trial forks and kills a writer process that does every op in
	 * round 0, with no sync point for the watchdog to see meanwhile. */
	.limits = {.max_ops = 1u << 10, .max_size = MAX_PAYLOAD},
	.setup = setup,
	.thread = monitor,
	.check = check,
	.teardown = teardown,
};
RH_SCENARIO(header_crash)
