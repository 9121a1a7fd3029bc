/* SPDX-License-Identifier: MIT */
/* Shrinking a failing controlled exec run: the program decides its threads
 * and its work, so only the schedule shrinks, to fewer choices off the
 * default (and so fewer preemptions). Delta debugging (Zeller's ddmin) over
 * the list of those choices, then each one moved as early as it still fails
 * (a shorter run before the failure). Each candidate is a trial with the
 * choices forced (one that cannot apply falls back to the default) on one fork
 * server, and it counts only when it fails with the same kind and the same
 * signature as the run being shrunk (shrink.c's rule: the message with its
 * numbers masked; here the call sites it names are kept, so a failure at
 * another line is another failure). What is kept is the schedule the
 * candidate's run took, read from its record. */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "racehunt/cli.h"
#include "exec.h"
#include "shrink.h"

/* Candidate runs one shrink may spend; each is one trial of the program. */
#define BUDGET 2000
/* Earlier places tried for one choice (advance()). */
#define ADVANCE_TRIES 200

struct xshrink {
	rh_exec *e;
	rh_exec_server srv;
	rh_kind kind;
	char sig[RH_EXEC_MSG_MAX];
	unsigned runs;
	uint64_t trial;
	uint64_t best_steps; /* steps of the run best made */
};

/* The message's {pc:0xOFF} and {obj:0xOFF} tokens with their digits as
 * letters (0-f as g-v), so masking keeps where it happened; then masked. */
static void exec_signature(const char *msg, char *sig, size_t cap)
{
	char *kept = strdup(msg);

	if (kept == NULL)
		rh_die("out of memory shrinking an exec run");
	for (char *p = kept; (p = strchr(p, '{')) != NULL; p++) {
		char *hex = strncmp(p, "{pc:0x", 6) == 0 ? p + 4
			    : strncmp(p, "{obj:0x", 7) == 0 ? p + 5 : NULL;

		if (hex == NULL)
			continue;
		hex[0] = 'x';
		hex[1] = 'x';
		for (char *h = hex + 2; *h && strchr("0123456789abcdef", *h); h++)
			*h = (char)('g' + (*h <= '9' ? *h - '0' : *h - 'a' + 10));
	}
	rh_shrink_signature(kept, sig, cap);
	free(kept);
}

/* Preemptions in a run: choices that switched away from a thread that
 * could have gone on (not counting fairness switches). */
static unsigned preemptions(const struct rh_exec_record *rec)
{
	unsigned n = 0;

	for (uint32_t j = 0; j < rec->n_choices && j < RH_EXEC_CHOICES_MAX; j++) {
		const struct rh_exec_choice *c = &rec->choice[j];

		n += (c->enabled >> c->cur & 1) && c->chosen != c->cur && !c->fair;
	}
	return n;
}

/* One trial with devs forced: whether it failed the way being shrunk, and
 * then the schedule it took in *got. RH_EXEC_TRIAL_LOST or _UNSUPPORTED end
 * the shrink (*end). */
static bool attempt(struct xshrink *sh, const rh_dev *devs, size_t n, rh_sched_spec *got,
		    rh_exec_end *end)
{
	rh_sched_spec force = {.devs = (rh_dev *)devs, .n_devs = n};
	rh_exec_verdict v;
	char sig[RH_EXEC_MSG_MAX];

	sh->runs++;
	sh->e->force = &force;
	*end = rh_exec_trial(sh->e, &sh->srv, sh->trial, &v);
	sh->e->force = NULL;
	if (*end != RH_EXEC_TRIAL_FAILED || v.kind != sh->kind)
		return false;
	exec_signature(v.message, sig, sizeof(sig));
	return strcmp(sig, sh->sig) == 0 &&
	       rh_exec_record_spec(sh->e, &sh->srv.sh->rec, sh->trial, v.kind, got);
}

/* Whether trials still run: a clean or failing one, not a lost server or a
 * program the runtime cannot model. */
static bool going(rh_exec_end end)
{
	return end == RH_EXEC_TRIAL_CLEAN || end == RH_EXEC_TRIAL_FAILED;
}

static void ddmin(struct xshrink *sh, rh_sched_spec *best, rh_exec_end *end)
{
	size_t parts = 2;

	while (best->n_devs > 0 && sh->runs < BUDGET && going(*end)) {
		size_t len = best->n_devs, chunk = (len + parts - 1) / parts;
		rh_dev *cand = malloc(len * sizeof(*cand));
		bool reduced = false;

		if (cand == NULL)
			rh_die("out of memory shrinking an exec run");
		for (size_t start = 0; start < len && sh->runs < BUDGET && going(*end);
		     start += chunk) {
			size_t n = 0, stop = start + chunk < len ? start + chunk : len;
			rh_sched_spec got;

			for (size_t i = 0; i < len; i++)
				if (i < start || i >= stop)
					cand[n++] = best->devs[i];
			if (!attempt(sh, cand, n, &got, end))
				continue;
			if (got.n_devs < len) {
				sh->best_steps = sh->srv.sh->rec.steps;
				rh_schedule_spec_free(best);
				*best = got;
				reduced = true;
				break;
			}
			rh_schedule_spec_free(&got);
		}
		free(cand);
		if (reduced)
			parts = parts > 2 ? parts - 1 : 2;
		else if (parts >= len)
			break;
		else
			parts = parts * 2 < len ? parts * 2 : len;
	}
}

/* Each choice off the default as early as it still fails the same way,
 * with no more such choices: the run before the failure gets shorter (a
 * loop that ran a dozen times before the switch now runs once). */
static void advance(struct xshrink *sh, rh_sched_spec *best, rh_exec_end *end)
{
	for (size_t i = 0; i < best->n_devs && sh->runs < BUDGET && going(*end); i++) {
		uint32_t lo = i > 0 ? best->devs[i - 1].at + 1 : 0;
		uint32_t at = best->devs[i].at;
		unsigned tries = 0;

		for (uint32_t to = lo; to < at && tries < ADVANCE_TRIES && sh->runs < BUDGET &&
				       going(*end);
		     to++, tries++) {
			rh_dev *cand = malloc(best->n_devs * sizeof(*cand));
			rh_sched_spec got;
			bool hit;

			if (cand == NULL)
				rh_die("out of memory shrinking an exec run");
			memcpy(cand, best->devs, best->n_devs * sizeof(*cand));
			cand[i].at = to;
			hit = attempt(sh, cand, best->n_devs, &got, end);
			free(cand);
			if (!hit)
				continue;
			if (got.n_devs <= best->n_devs && sh->srv.sh->rec.steps < sh->best_steps) {
				sh->best_steps = sh->srv.sh->rec.steps;
				rh_schedule_spec_free(best);
				*best = got;
				break;
			}
			rh_schedule_spec_free(&got);
		}
	}
}

/* The shrunk run once more for its record: trace, preemptions. */
static void final_run(struct xshrink *sh, const rh_sched_spec *best, rh_exec_shrunk *out)
{
	rh_exec_verdict v;
	rh_exec_end end;

	sh->e->force = best;
	end = rh_exec_trial(sh->e, &sh->srv, sh->trial, &v);
	sh->e->force = NULL;
	out->preempt_after = preemptions(&sh->srv.sh->rec);
	out->trace = rh_exec_record_trace(&sh->srv.sh->rec, sh->srv.sh->threads);
	snprintf(out->message, sizeof(out->message), "%s",
		 end == RH_EXEC_TRIAL_FAILED ? v.message : "");
	rh_exec_output_tail(&sh->srv, out->output_tail, sizeof(out->output_tail));
}

int rh_exec_shrink_run(rh_exec *e, const rh_sched_spec *found, rh_exec_shrunk *out)
{
	struct xshrink sh = {.e = e, .trial = found->index};
	rh_exec_verdict v;
	rh_exec_end end;
	int rc = RH_EXIT_VIOLATION;

	memset(out, 0, sizeof(*out));
	if (!rh_exec_start(e, &sh.srv, out->why, sizeof(out->why))) {
		rh_exec_stop(&sh.srv);
		return RH_EXIT_USAGE;
	}
	e->force = found;
	end = rh_exec_trial(e, &sh.srv, sh.trial, &v);
	e->force = NULL;
	if (end == RH_EXEC_TRIAL_CLEAN || end == RH_EXEC_TRIAL_FAILED) {
		if (rh_exec_record_diverged(&sh.srv.sh->rec, found, out->why, sizeof(out->why)))
			end = RH_EXEC_TRIAL_UNSUPPORTED;
	} else {
		snprintf(out->why, sizeof(out->why), "%s", end == RH_EXEC_TRIAL_LOST
			 ? "the program's fork server went away" : v.message);
	}
	if (end != RH_EXEC_TRIAL_FAILED) {
		rh_exec_stop(&sh.srv);
		return end == RH_EXEC_TRIAL_CLEAN ? RH_EXIT_CLEAN
		       : end == RH_EXEC_TRIAL_LOST ? RH_EXIT_HARNESS : RH_EXIT_USAGE;
	}
	sh.kind = out->kind = v.kind;
	exec_signature(v.message, sh.sig, sizeof(sh.sig));
	snprintf(out->signature, sizeof(out->signature), "%s", sh.sig);
	out->preempt_before = preemptions(&sh.srv.sh->rec);
	if (!rh_exec_record_spec(e, &sh.srv.sh->rec, sh.trial, v.kind, &out->best))
		rh_die("the run to shrink overflowed its record");
	out->devs_before = out->best.n_devs;
	sh.best_steps = sh.srv.sh->rec.steps;
	ddmin(&sh, &out->best, &end);
	advance(&sh, &out->best, &end);
	if (going(end))
		final_run(&sh, &out->best, out);
	else
		rc = end == RH_EXEC_TRIAL_LOST ? RH_EXIT_HARNESS : RH_EXIT_USAGE;
	out->runs = sh.runs;
	rh_exec_stop(&sh.srv);
	return rc;
}

void rh_exec_shrunk_free(rh_exec_shrunk *s)
{
	rh_schedule_spec_free(&s->best);
	free(s->trace);
	s->trace = NULL;
}
