/* SPDX-License-Identifier: MIT */
/* The fork server: one trial per child, each starting from the program's
 * pristine pre-main state, and the trial's side of the report protocol
 * (racehunt/exec.h).
 *
 * racehunt-cc links with --wrap=main, so the C runtime calls __wrap_main
 * after every constructor has run. Run plainly it calls the program's main
 * at once. Under `racehunt exec` it serves trials instead: globals, heap and
 * file descriptors are those of a fresh start in every child, and a trial
 * costs a fork, not an execve. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt.h"

int rh__rt_on;
struct rh_exec_shared *rh__rt_shared;
int rh__rt_ask_fd = -1, rh__rt_answer_fd = -1;

/* racehunt looks for this string in the executable before starting it. */
__attribute__((used)) static const char marker[] = RH_EXEC_MARKER;

/* Linker-defined bounds of the executable's image: addresses inside it are
 * reported as file offsets racehunt can symbolise. */
extern const char __ehdr_start[], etext[], _end[];

void rh__rt_image_bounds(uint64_t *base, uint64_t *text_end, uint64_t *end)
{
	*base = (uintptr_t)__ehdr_start;
	*text_end = (uintptr_t)etext;
	*end = (uintptr_t)_end;
}

void rh__rt_fmt_pc(char *buf, size_t cap, uintptr_t pc)
{
	uintptr_t base = (uintptr_t)__ehdr_start;

	/* A return address: the call is the byte before it. */
	if (pc > base && pc <= (uintptr_t)etext)
		snprintf(buf, cap, "{pc:0x%lx}", (unsigned long)(pc - 1 - base));
	else
		snprintf(buf, cap, "0x%lx", (unsigned long)pc);
}

void rh__rt_fmt_obj(char *buf, size_t cap, const void *obj)
{
	uintptr_t base = (uintptr_t)__ehdr_start, a = (uintptr_t)obj;

	if (a >= base && a < (uintptr_t)_end)
		snprintf(buf, cap, "{obj:0x%lx}", (unsigned long)(a - base));
	else
		snprintf(buf, cap, "%p", obj);
}

static void vreport(uint32_t kind, const char *fmt, va_list ap)
{
	uint32_t free_claim = 0;

	if (rh__rt_shared == NULL ||
	    !atomic_compare_exchange_strong(&rh__rt_shared->claimed, &free_claim, 1))
		return;
	vsnprintf(rh__rt_shared->message, sizeof(rh__rt_shared->message), fmt, ap);
	atomic_store_explicit(&rh__rt_shared->kind, kind, memory_order_release);
}

void rh__rt_report(rh_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport((uint32_t)kind + 1, fmt, ap);
	va_end(ap);
}

void rh__rt_report_exit(rh_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport((uint32_t)kind + 1, fmt, ap);
	va_end(ap);
	_exit(RH_EXEC_EXIT_REPORTED);
}

void rh__rt_unsupported(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(RH_EXEC_KIND_UNSUPPORTED, fmt, ap);
	va_end(ap);
	_exit(RH_EXEC_EXIT_REPORTED);
}

static void die(const char *what)
{
	fprintf(stderr, "racehunt intercept: %s: %s\n", what, strerror(errno));
	_exit(2);
}

static int full_read(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static void put32(int fd, uint32_t v)
{
	while (write(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		if (errno != EINTR)
			_exit(0); /* racehunt went away */
}

/* Serve trials until racehunt closes the command pipe; returns only in a
 * trial's child, with its standard streams redirected. */
static void serve(const char *spec)
{
	int shm, cmd, status_fd, out;

	if (sscanf(spec, "%d,%d,%d,%d,%d,%d", &shm, &cmd, &status_fd, &out, &rh__rt_ask_fd,
		   &rh__rt_answer_fd) != 6) {
		fprintf(stderr, "racehunt intercept: malformed %s='%s'\n", RH_EXEC_ENV, spec);
		_exit(2);
	}
	/* What the program itself starts (fork + exec) runs plainly, and
	 * without racehunt's pipes. */
	unsetenv(RH_EXEC_ENV);
	fcntl(rh__rt_ask_fd, F_SETFD, FD_CLOEXEC);
	fcntl(rh__rt_answer_fd, F_SETFD, FD_CLOEXEC);
	rh__rt_shared = mmap(NULL, sizeof(*rh__rt_shared), PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
	if (rh__rt_shared == MAP_FAILED)
		die("cannot map racehunt's shared memory");
	if (rh__rt_shared->version != RH_EXEC_VERSION) {
		fprintf(stderr, "racehunt intercept: this program's runtime does not match racehunt "
				"(rebuild it with this racehunt-cc)\n");
		_exit(2);
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	put32(status_fd, RH_EXEC_HELLO);
	for (;;) {
		uint64_t trial;
		int status;
		pid_t pid;

		if (full_read(cmd, &trial, sizeof(trial)) != 0)
			_exit(0);
		if (ftruncate(out, 0) != 0 || lseek(out, 0, SEEK_SET) != 0)
			die("cannot reset the output capture");
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			die("cannot fork a trial");
		if (pid == 0) {
			int nul = open("/dev/null", O_RDONLY);

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(cmd);
			close(status_fd);
			close(shm);
			if (nul < 0 || dup2(nul, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
				die("cannot redirect the trial's streams");
			close(nul);
			close(out);
			return;
		}
		put32(status_fd, (uint32_t)pid);
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				die("cannot wait for a trial");
		put32(status_fd, (uint32_t)status);
	}
}

int __real_main(int argc, char **argv, char **envp);
int __wrap_main(int argc, char **argv, char **envp);
int __wrap_main(int argc, char **argv, char **envp)
{
	const char *spec = getenv(RH_EXEC_ENV);

	if (spec == NULL)
		return __real_main(argc, argv, envp);
	serve(spec);
	rh__rt_on = 1;
	rh__rt_trial_start();
	exit(__real_main(argc, argv, envp));
}
