/* Campaigns: the trial loop, crash isolation in a forked child, reports and
 * the JSON summary. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "campaign.h"
#include "core/replay_command.h"
#include "core/util.h"
#include "shrink.h"
#include "racehunt/cli.h"
#include "controlled/sched.h"
#include "stress/stress.h"

/* A trial that runs this long (before RH_TIMEOUT_MULTIPLIER) is killed: the
 * last resort against a hang no watchdog sees (a loop without sync points). */
#define RH_TRIAL_LIMIT_MS 60000

static void strategy_of(const rh_campaign *c, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s %s", c->mode == RH_MODE_STRESS ? "stress" : "controlled",
		 c->strategy);
}

static void stress_replay_command(const rh_campaign *c, uint64_t trial, char *buf, size_t cap)
{
	const rh_params *p = &c->params;

	snprintf(buf, cap,
		 "%s run %s --variant %s --mode stress --strategy %s --threads %u --ops %u "
		 "--rounds %u --size %u --seed %llu --first-trial %llu --trials 1%s",
		 rh_program, c->scenario->name, c->scenario->variants[c->variant].name,
		 c->strategy, p->threads, p->ops, p->rounds, p->size,
		 (unsigned long long)c->seed, (unsigned long long)trial,
		 c->stress.pin ? " --pin" : "");
}

/* A trial that died left no schedule behind: the command that re-runs the
 * campaign up to it, in this process so a debugger can catch it. */
static void trial_replay_command(const rh_campaign *c, uint64_t trial, char *buf, size_t cap)
{
	if (c->mode == RH_MODE_STRESS) {
		stress_replay_command(c, trial, buf, cap);
		return;
	}
	snprintf(buf, cap,
		 "%s run %s --variant %s --mode controlled --strategy %s --threads %u --ops %u "
		 "--rounds %u --size %u --seed %llu --trials %llu --no-fork",
		 rh_program, c->scenario->name, c->scenario->variants[c->variant].name,
		 c->strategy, c->params.threads, c->params.ops, c->params.rounds, c->params.size,
		 (unsigned long long)c->seed, (unsigned long long)(trial + 1));
}

static void print_first(const rh_campaign *c, const rh_result *r, const rh_trial *t)
{
	char strategy[128];

	if (c->quiet)
		return;
	strategy_of(c, strategy, sizeof(strategy));
	printf("VIOLATION %s in %s [%s] (%s, seed %llu, trial %llu)\n",
	       rh_kind_name(r->first.kind), c->scenario->name,
	       c->scenario->variants[c->variant].name, strategy, (unsigned long long)c->seed,
	       (unsigned long long)r->first.trial);
	printf("  %s\n", r->first.message);
	if (t != NULL && atomic_load(&t->violations) > 1) {
		printf("  this trial also saw:");
		for (int k = 0; k < RH_KIND_COUNT_; k++) {
			unsigned n = atomic_load(&t->kind_counts[k]) - (k == (int)r->first.kind);
			if (n)
				printf(" %u %s", n, rh_kind_name((rh_kind)k));
		}
		printf("\n");
	}
	if (r->first.schedule[0])
		printf("  schedule: %s\n", r->first.schedule);
	printf("  replay: %s\n", r->first.replay);
	fflush(stdout);
}

static void keep_samples(rh_result *r, rh_trial *t, rh_rng *rng)
{
	for (unsigned i = 0; i < RH_MAX_THREADS; i++)
		for (unsigned j = 0; j < t->sample_count[i]; j++) {
			uint64_t v = t->samples[(size_t)i * RH_SAMPLES_PER_THREAD + j];
			uint64_t seen = r->samples_seen++;

			if (seen < RH_RESERVOIR)
				r->reservoir[seen] = v;
			else if (rh_rng_below(rng, seen + 1) < RH_RESERVOIR)
				r->reservoir[rh_rng_below(rng, RH_RESERVOIR)] = v;
		}
}

static void campaign_loop(const rh_campaign *c, rh_result *r, uint64_t start_trial,
			  double start_ms);

/* Trials a shrinking candidate gets to fail in stress mode. */
#define RH_SHRINK_TRIALS 100

static bool still_fails(const rh_campaign *c, rh_kind kind, rh_result *tmp)
{
	memset(tmp, 0, sizeof(*tmp));
	campaign_loop(c, tmp, 0, rh_now_ms());
	return tmp->have_first && tmp->first.kind == kind;
}

/* A stress failure has no schedule to shrink, but its workload shrinks: the
 * smallest threads, ops, rounds and size that still fail the same way within
 * a budget, printed with the command that runs it. */
static void shrink_stress(const rh_campaign *c, const rh_first *f)
{
	rh_campaign best = *c, cand;
	rh_result *tmp = malloc(sizeof(*tmp));
	rh_first *found = malloc(sizeof(*found));
	unsigned *dims[4], floors[4] = {1, 1, 1, 16};
	bool progress = true, shrunk = false;
	char replay[RH_SCHEDULE_MAX];

	if (tmp == NULL || found == NULL)
		rh_die("out of memory shrinking");
	best.isolate = best.shrink_workload = false;
	best.quiet = best.stop_on_first = true;
	best.trials = RH_SHRINK_TRIALS;
	best.first_trial = 0;
	best.time_budget_s = 0;
	printf("shrinking the failing workload (up to %d trials per candidate)...\n",
	       RH_SHRINK_TRIALS);
	while (progress) {
		progress = false;
		for (int d = 0; d < 4 && !progress; d++) {
			cand = best;
			dims[0] = &cand.params.threads;
			dims[1] = &cand.params.ops;
			dims[2] = &cand.params.rounds;
			dims[3] = &cand.params.size;
			unsigned now = *dims[d], tries[3] = {floors[d], now / 2, now - 1};

			for (int k = 0; k < 3 && !progress; k++) {
				if (tries[k] >= now || tries[k] < floors[d])
					continue;
				*dims[d] = tries[k];
				if (still_fails(&cand, f->kind, tmp)) {
					best = cand;
					memcpy(found, &tmp->first, sizeof(*found));
					progress = shrunk = true;
				}
			}
		}
	}
	if (shrunk) {
		stress_replay_command(&best, found->trial, replay, sizeof(replay));
		printf("smallest failing workload: threads %u -> %u, ops %u -> %u, rounds %u -> %u, "
		       "size %u -> %u\n  %s\n  run: %s\n",
		       c->params.threads, best.params.threads, c->params.ops, best.params.ops,
		       c->params.rounds, best.params.rounds, c->params.size, best.params.size,
		       found->message, replay);
	} else {
		printf("the workload does not shrink: no smaller one failed within the budget\n");
	}
	free(found);
	free(tmp);
}

static void record_first(const rh_campaign *c, rh_result *r, rh_trial *t, uint64_t trial,
			 rh_explorer *x, double start_ms)
{
	rh_first *f = &r->first;

	f->trial = trial;
	f->kind = rh_trial_first_kind(t);
	f->at_ms = rh_now_ms() - start_ms;
	snprintf(f->message, sizeof(f->message), "%s", rh_trial_first_msg(t));
	if (c->mode == RH_MODE_CONTROLLED) {
		const char *sched = rh_explorer_schedule(x, c->scenario, c->variant, &t->params);
		char *shrunk = NULL;

		/* The violation is recorded before the follow-up work re-runs the
		 * buggy code: if that takes the process down (a sanitizer abort),
		 * what was found is kept. */
		snprintf(f->schedule, sizeof(f->schedule), "%s", sched);
		rh_replay_command(f->replay, sizeof(f->replay), f->schedule);
		r->have_first = true;
		atomic_store(&r->following_up, 1);
		/* Shrinking prints the shrunk trace; the raw one is noise then. A
		 * race TSan already reported here would not be reported again. */
		bool shrink = c->shrink && f->kind != RH_SANITIZER;

		if (!c->quiet && !shrink)
			(c->full_trace ? rh_explorer_print_full_trace : rh_explorer_print_trace)(x, stdout);
		if (!c->quiet && c->shrink && !shrink)
			printf("%s\n", rh_sanitizer_unshrinkable);
		if (shrink) {
			if (!c->quiet)
				printf("shrinking the failing schedule...\n");
			shrunk = rh_controlled_shrink(sched, c->quiet ? NULL : stdout);
		}
		if (shrunk != NULL) {
			snprintf(f->schedule, sizeof(f->schedule), "%s", shrunk);
			rh_replay_command(f->replay, sizeof(f->replay), f->schedule);
		}
		free(shrunk);
		rh_first_record_trace(f, c->scenario, c->variant);
	} else {
		stress_replay_command(c, t->index, f->replay, sizeof(f->replay));
		r->have_first = true;
		atomic_store(&r->following_up, 1);
		if (c->shrink_workload && !c->quiet)
			shrink_stress(c, f);
	}
	atomic_store(&r->following_up, 0);
}

static void progress(const rh_campaign *c, const rh_result *r, double start_ms, bool final)
{
	static double last;
	double now = rh_now_ms();

	if (c->quiet || !isatty(STDERR_FILENO) || (!final && now - last < 100))
		return;
	last = now;
	fprintf(stderr, "\r  %s [%s]: %llu trials, %llu failed, %.1f s%s", c->scenario->name,
		c->scenario->variants[c->variant].name, (unsigned long long)r->trials_run,
		(unsigned long long)r->failed_trials, (now - start_ms) / 1e3,
		final ? "          \n" : "   ");
}

static bool budget_left(const rh_campaign *c, uint64_t trial, double start_ms)
{
	if (c->trials && trial >= c->first_trial + c->trials)
		return false;
	/* A time budget runs at least one trial: no trial is no verdict. */
	if (c->time_budget_s > 0 && trial > c->first_trial &&
	    rh_now_ms() - start_ms >= c->time_budget_s * 1e3)
		return false;
	return true;
}

/* The trial loop, in whichever process runs trials. */
static void campaign_loop(const rh_campaign *c, rh_result *r, uint64_t start_trial,
			  double start_ms)
{
	char err[256];
	rh_explorer *x = NULL;
	rh_rng reservoir_rng;
	rh_trial *t = malloc(sizeof(*t));
	uint64_t *samples = malloc((size_t)RH_MAX_THREADS * RH_SAMPLES_PER_THREAD *
				   sizeof(uint64_t));

	if (t == NULL || samples == NULL)
		rh_die("out of memory for a trial");
	bool searching = c->mode == RH_MODE_CONTROLLED && rh_strategy_exhaustive(c->strategy);

	rh_rng_seed(&reservoir_rng, c->seed);
	if (c->mode == RH_MODE_CONTROLLED) {
		x = rh_explorer_new(c->strategy, c->seed, err, sizeof(err));
		if (x == NULL)
			rh_die("%s", err);
	}
	for (uint64_t i = start_trial; budget_left(c, i, start_ms); i++) {
		bool ran;

		/* A bounded search must see one workload under every schedule; the
		 * other strategies vary the workload with the trial too. */
		rh_trial_init(t, c->scenario, c->variant, &c->params, c->seed,
			      searching ? c->first_trial : i);
		t->samples = samples;
		atomic_store(&r->current_trial, i);
		atomic_store(&r->trial_started_ms, (uint64_t)rh_now_ms());
		atomic_store(&r->in_trial, 1);
		ran = rh_trial_execute(t, c->mode, &c->stress, x);
		atomic_store(&r->in_trial, 0);
		/* A hung stress trial leaves threads behind; if they later take
		 * the process down, that is still this trial's doing. */
		if (c->mode == RH_MODE_STRESS && atomic_load(&t->kind_counts[RH_HANG]))
			r->abandoned_trial = i + 1;
		if (!ran)
			break;
		if (x != NULL && rh_explorer_diverged(x) != NULL) {
			snprintf(r->diverged, sizeof(r->diverged), "%s", rh_explorer_diverged(x));
			break;
		}
		if (atomic_load(&t->kind_counts[RH_SANITIZER]))
			r->sanitizer_trials++;
		if (c->trace && x != NULL && !rh_trial_failed(t)) {
			(c->full_trace ? rh_explorer_print_full_trace : rh_explorer_print_trace)(x, stdout);
			char cmd[RH_SCHEDULE_MAX + 1024];

			printf("replay: %s\n",
			       rh_replay_command(cmd, sizeof(cmd),
						 rh_explorer_schedule(x, c->scenario, c->variant,
								      &t->params)));
		}
		r->trials_run++;
		keep_samples(r, t, &reservoir_rng);
		if (rh_trial_failed(t)) {
			r->failed_trials++;
			r->hist[rh_trial_first_kind(t)]++;
			for (int k = 0; k < RH_KIND_COUNT_; k++)
				if (k != (int)rh_trial_first_kind(t) &&
				    atomic_load(&t->kind_counts[k]))
					r->behind[k]++;
			if (!r->have_first) {
				record_first(c, r, t, i, x, start_ms);
				print_first(c, r, t);
			}
		}
		progress(c, r, start_ms, false);
		if (c->stop_on_first && r->have_first)
			break;
	}
	if (x != NULL) {
		r->pruned = rh_explorer_pruned(x);
		r->schedules = rh_explorer_runs(x) - r->pruned;
		r->exhausted = rh_explorer_exhausted(x);
		snprintf(r->points, sizeof(r->points), "%s", rh_explorer_points(x));
		rh_explorer_free(x);
	}
	free(samples);
	free(t);
}

static void describe_death(int status, char *buf, size_t cap)
{
	if (WIFSIGNALED(status))
		snprintf(buf, cap, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, cap, "exited with status %d (a sanitizer report above says why)",
			 WEXITSTATUS(status));
}

/* The child died inside a trial: that trial crashed. */
static void record_crash(const rh_campaign *c, rh_result *r, uint64_t trial, int status,
			 double start_ms)
{
	char how[128];

	describe_death(status, how, sizeof(how));
	r->trials_run++;
	r->failed_trials++;
	r->hist[RH_CRASH]++;
	/* Sanitizers report and then exit; a bare crash dies on a signal. */
	if (WIFEXITED(status))
		r->sanitizer_trials++;
	if (r->have_first)
		return;
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
	trial_replay_command(c, trial, r->first.replay, sizeof(r->first.replay));
	r->have_first = true;
	print_first(c, r, NULL);
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
	trial_replay_command(c, r->first.trial, r->first.replay, sizeof(r->first.replay));
	print_first(c, r, NULL);
}
#else
static void check_leaks(const rh_campaign *c, rh_result *r)
{
}
#endif

/* Wait for the child, killing it when one trial outlives every watchdog. */
static int wait_child(pid_t pid, rh_result *r, bool *timed_out)
{
	unsigned limit = rh_timeout_ms(RH_TRIAL_LIMIT_MS);
	int status;

	*timed_out = false;
	for (;;) {
		pid_t got = waitpid(pid, &status, WNOHANG);
		struct timespec nap = {0, 20000000L};

		if (got == pid)
			return status;
		if (got < 0 && errno != EINTR)
			rh_die("waiting for the trial process failed: %s", strerror(errno));
		if (atomic_load(&r->in_trial) &&
		    rh_now_ms() - (double)atomic_load(&r->trial_started_ms) > limit) {
			kill(pid, SIGKILL);
			*timed_out = true;
		}
		nanosleep(&nap, NULL);
	}
}

static int verdict(const rh_result *r)
{
	if (r->harness_failed)
		return RH_EXIT_HARNESS;
	return r->failed_trials ? 1 : 0;
}

int rh_campaign_run(const rh_campaign *c, rh_result *out)
{
	double start_ms = rh_now_ms();
	uint64_t next = c->first_trial;
	rh_result *r;

	if (!c->isolate) {
		memset(out, 0, sizeof(*out));
		campaign_loop(c, out, next, start_ms);
		out->elapsed_ms = rh_now_ms() - start_ms;
		progress(c, out, start_ms, true);
		return verdict(out);
	}
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		rh_die("cannot map shared result memory: %s", strerror(errno));
	memset(r, 0, sizeof(*r));
	for (;;) {
		bool timed_out;
		int status;
		pid_t pid;

		/* Every stream, not just stdout: the child's exit flushes what
		 * it inherited, and a half-written --json file would be written
		 * twice. */
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			rh_die("cannot fork the trial process: %s", strerror(errno));
		if (pid == 0) {
			campaign_loop(c, r, next, start_ms);
			check_leaks(c, r);
			fflush(NULL);
			/* Sanitizers' exit-time verdicts are already counted. */
			_exit(0);
		}
		status = wait_child(pid, r, &timed_out);
		if (!atomic_load(&r->in_trial)) {
			/* Exit 66 is ThreadSanitizer's verdict at exit; its reports
			 * were already counted per trial. */
			bool clean_exit = WIFEXITED(status) &&
					  (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 66);

			if (!clean_exit && atomic_load(&r->following_up)) {
				/* Shrinking or tracing re-ran the bug and it took the
				 * process down: the violation itself is recorded. */
				if (!c->quiet)
					printf("(following up the violation re-ran the bug and "
					       "the process died; the schedule is unshrunk)\n");
				print_first(c, r, NULL);
			} else if (!clean_exit && r->abandoned_trial) {
				record_crash(c, r, r->abandoned_trial - 1, status, start_ms);
			} else if (!clean_exit) {
				r->harness_failed = 1;
				describe_death(status, r->harness_error, sizeof(r->harness_error));
			}
			break;
		}
		atomic_store(&r->in_trial, 0);
		if (timed_out) {
			r->trials_run++;
			r->failed_trials++;
			r->hist[RH_HANG]++;
			if (!r->have_first) {
				r->have_first = true;
				r->first.trial = atomic_load(&r->current_trial);
				r->first.kind = RH_HANG;
				r->first.at_ms = rh_now_ms() - start_ms;
				snprintf(r->first.message, sizeof(r->first.message),
					 "trial %llu ran past the harness limit of %u ms and was "
					 "killed",
					 (unsigned long long)r->first.trial,
					 rh_timeout_ms(RH_TRIAL_LIMIT_MS));
				trial_replay_command(c, r->first.trial, r->first.replay,
						     sizeof(r->first.replay));
				print_first(c, r, NULL);
			}
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == RH_EXIT_HARNESS) {
			/* The harness stopped the trial (its line is above): no verdict. */
			r->harness_failed = 1;
			snprintf(r->harness_error, sizeof(r->harness_error),
				 "trial %llu stopped on a harness error (see the line above)",
				 (unsigned long long)atomic_load(&r->current_trial));
			break;
		} else {
			record_crash(c, r, atomic_load(&r->current_trial), status, start_ms);
		}
		/* A controlled search's progress died with the child. */
		if (c->stop_on_first || c->mode == RH_MODE_CONTROLLED)
			break;
		next = atomic_load(&r->current_trial) + 1;
		if (!budget_left(c, next, start_ms))
			break;
	}
	r->elapsed_ms = rh_now_ms() - start_ms;
	progress(c, r, start_ms, true);
	memcpy(out, r, sizeof(*out));
	munmap(r, sizeof(*r));
	return verdict(out);
}
