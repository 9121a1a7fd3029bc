/* SPDX-License-Identifier: MIT */
/* What a controlled trial process leaves when it dies in a run: its choices
 * so far, copied into the shared result by a fatal-signal handler (or the
 * sanitizers' death callback), and the schedule string its parent writes
 * from them. A replay of that string takes the same steps up to the one the
 * process died in, so it dies there too. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign_private.h"
#include "core/util.h"
#include "racehunt/cli.h"
#include "controlled/sched.h"

#if RH_ASAN || RH_TSAN
#include <sanitizer/common_interface_defs.h>
#endif

/* Process-wide because signal handlers and the death callback take no
 * context: the trial process's result and the run in progress. */
static rh_result *capture_result;
static rh_explorer *volatile capture_x;
static volatile uint64_t capture_trial;

/* Only loads, stores and rh_default_choice (pure): async-signal-safe. */
static void capture(void)
{
	rh_explorer *x = capture_x;
	rh_crash_capture *k;
	int expected = 0;

	if (x == NULL || capture_result == NULL)
		return;
	k = &capture_result->crash;
	if (!atomic_compare_exchange_strong(&k->state, &expected, 1))
		return;
	k->trial = capture_trial;
	k->choices = (uint32_t)x->n_choices;
	k->fingerprint = (uint32_t)(x->fp ^ x->fp >> 32);
	k->n_devs = 0;
	k->truncated = false;
	for (size_t j = 0; j < x->n_choices; j++) {
		const rh_choice *c = &x->choices[j];

		if (c->chosen == rh_default_choice(c->enabled, c->cur))
			continue;
		if (k->n_devs == RH_CRASH_DEVS) {
			k->truncated = true;
			break;
		}
		k->devs[k->n_devs++] = (rh_dev){.at = (uint32_t)j, .tid = c->chosen};
	}
	atomic_store(&k->state, 2);
}

static void on_fatal(int sig)
{
	capture();
	/* SA_RESETHAND restored the default: die of the same signal. */
	raise(sig);
}

static void on_capture_request(int sig)
{
	(void)sig;
	capture();
	_exit(RH_EXIT_HARNESS);
}

void rh__crash_install(rh_result *r)
{
	static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
	static char altstack[1 << 16];
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
	struct sigaction sa;

	capture_result = r;
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_ONSTACK | SA_RESETHAND | SA_NODEFER;
	/* Under the sanitizers their own handlers report SIGSEGV and the like
	 * and then call the death callback; SIGABRT comes here either way. */
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
	sa.sa_handler = on_capture_request;
	sa.sa_flags = SA_ONSTACK;
	sigaction(RH_CRASH_CAPTURE_SIGNAL, &sa, NULL);
#if RH_ASAN || RH_TSAN
	__sanitizer_set_death_callback(capture);
#endif
}

void rh__crash_arm(rh_explorer *x, uint64_t trial)
{
	capture_trial = trial;
	capture_x = x;
}

void rh__crash_disarm(void)
{
	capture_x = NULL;
}

bool rh__crash_schedule(const rh_campaign *c, rh_result *r, char *buf, size_t cap)
{
	rh_crash_capture *k = &r->crash;
	rh_sched_spec sp = {0};
	char err[256], *str;
	bool ok = false;

	if (atomic_load(&k->state) != 2 || k->truncated || buf == NULL ||
	    k->trial != atomic_load(&r->current_trial))
		goto out;
	snprintf(sp.scenario, sizeof(sp.scenario), "%s", c->scenario->name);
	snprintf(sp.variant, sizeof(sp.variant), "%s", c->scenario->variants[c->variant].name);
	snprintf(sp.strategy, sizeof(sp.strategy), "%s", c->strategy);
	sp.params = c->params;
	sp.seed = c->seed;
	/* As the loop numbers trials: a bounded search keeps its first. */
	sp.index = rh_strategy_exhaustive(c->strategy) ? c->first_trial : k->trial;
	sp.choices = k->choices;
	sp.fingerprint = k->fingerprint;
	sp.end = RH_END_FAILED;
	sp.end_kind = r->first.kind; /* CRASH, or HANG at the harness limit */
	sp.devs = k->devs;
	sp.n_devs = k->n_devs;
	str = rh_schedule_format(&sp, err, sizeof(err));
	if (str != NULL && strlen(str) < cap) {
		memcpy(buf, str, strlen(str) + 1);
		ok = true;
	}
	free(str);
out:
	atomic_store(&k->state, 0);
	return ok;
}
