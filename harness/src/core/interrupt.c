/* SPDX-License-Identifier: MIT */
/* SIGINT and SIGTERM: a stop request, then a hard stop. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "core/atomic_file.h"
#include "core/interrupt.h"

/* Process-wide because a signal handler has no context argument; one run
 * per process reads it. */
static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t installed;

static void on_signal(int sig)
{
	if (stop_signal != 0) {
		/* Asked twice: no more waiting for the run to wind down. */
		rh_atomic_file_abort_all();
		_exit(128 + sig);
	}
	stop_signal = sig;
}

void rh_interrupt_install(void)
{
	static const int sigs[] = {SIGINT, SIGTERM};
	struct sigaction sa, old;

	if (installed)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a wait or a sleep returns at once with EINTR. A
	 * signal ignored at start (nohup, a background job of a script)
	 * stays ignored. */
	for (int i = 0; i < 2; i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	installed = 1;
}

int rh_interrupted(void)
{
	return stop_signal;
}

void rh_interrupt_default(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	installed = 0;
}
