/* SPDX-License-Identifier: MIT */
/* racehunt's side of a controlled exec trial's run record (racehunt/exec.h):
 * the choices it forces on a trial, the schedule string of the run a trial
 * made, whether a forced run retraced the recorded one, and its steps as
 * text. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controlled/strategy.h"
#include "core/limits.h"
#include "core/util.h"
#include "exec.h"

void rh_exec_record_reset(struct rh_exec_record *rec, const rh_sched_spec *force)
{
	rec->n_forced = 0;
	rec->ask_from = 0;
	for (size_t i = 0; force != NULL && i < force->n_devs; i++)
		rec->forced[rec->n_forced++] = (typeof(rec->forced[0])){force->devs[i].at,
									force->devs[i].tid};
	rec->steps = 0;
	rec->n_choices = 0;
	rec->diverged = 0;
	rec->n_ops = 0;
}

bool rh_exec_schedule_fits(const rh_sched_spec *sp, char *err, size_t errcap)
{
	char **argv = rh_schedule_argv_decode(sp->argv, RH_EXEC_MAX_ARGS);
	uint64_t hash;
	bool ok;

	if (argv == NULL) {
		snprintf(err, errcap, "schedule names more than %d program words", RH_EXEC_MAX_ARGS);
		return false;
	}
	if (sp->n_devs > RH_EXEC_FORCED_MAX)
		snprintf(err, errcap, "schedule forces %zu choices, an exec trial takes at most %d",
			 sp->n_devs, RH_EXEC_FORCED_MAX);
	ok = sp->n_devs <= RH_EXEC_FORCED_MAX && rh_trials_fit(sp->index, 1, err, errcap) &&
	     rh_exec_check_file(argv[0], &sp->program_hash, &hash, err, errcap);
	free(argv);
	return ok;
}

/* A choice a replay must be told: not the default, and not a fairness
 * switch (the replay makes that one by itself). */
static bool deviates(const struct rh_exec_choice *c)
{
	return c->chosen != rh_default_choice(c->enabled, c->cur) && !c->fair;
}

bool rh_exec_record_spec(const rh_exec *e, const struct rh_exec_record *rec, uint64_t trial,
			 rh_kind kind, rh_sched_spec *out)
{
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (rec->n_choices > RH_EXEC_CHOICES_MAX)
		return false;
	for (uint32_t j = 0; j < rec->n_choices; j++)
		n += deviates(&rec->choice[j]);
	if (n > RH_EXEC_FORCED_MAX)
		return false;
	out->devs = n ? malloc(n * sizeof(*out->devs)) : NULL;
	out->argv = rh_schedule_argv_encode(e->argv);
	if ((n && out->devs == NULL) || out->argv == NULL)
		rh_die("out of memory for the schedule of an exec trial");
	for (uint32_t j = 0; j < rec->n_choices; j++)
		if (deviates(&rec->choice[j]))
			out->devs[out->n_devs++] = (rh_dev){.at = j, .tid = rec->choice[j].chosen};
	snprintf(out->scenario, sizeof(out->scenario), "exec");
	snprintf(out->strategy, sizeof(out->strategy), "%s", e->c.strategy);
	out->params = (rh_params){.threads = RH_MAX_THREADS, .rounds = 1};
	out->seed = e->c.seed;
	out->index = trial;
	out->choices = rec->n_choices;
	out->fingerprint = (uint32_t)(rec->fingerprint ^ rec->fingerprint >> 32);
	out->program_hash = e->hash;
	out->points = e->points;
	out->watchdog_ms = e->c.stress.watchdog_ms;
	out->end = RH_END_FAILED;
	out->end_kind = kind;
	return true;
}

const char *rh_exec_record_diverged(const struct rh_exec_record *rec, const rh_sched_spec *want,
				    char *buf, size_t cap)
{
	if (rec->diverged != 0)
		snprintf(buf, cap, "the recorded thread cannot run there (choice %u)",
			 rec->diverged - 1);
	else if (rec->n_choices != want->choices)
		snprintf(buf, cap, "the run made %u choices, the recorded one %u", rec->n_choices,
			 want->choices);
	else if ((uint32_t)(rec->fingerprint ^ rec->fingerprint >> 32) != want->fingerprint)
		snprintf(buf, cap, "the run's steps differ from the recorded ones");
	else
		return NULL;
	return buf;
}

struct text {
	char *p;
	size_t len, cap;
};

static void add(struct text *t, const char *fmt, ...) RH_PRINTF(2, 3);

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->len + (size_t)n + 1) * 2;
		t->p = realloc(t->p, t->cap);
		if (t->p == NULL)
			rh_die("out of memory for an exec trace");
	}
	va_start(ap, fmt);
	vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* "{pc:0x1234}" for a call site inside the program's text (the call is the
 * byte before the return address), "{obj:0x4040}" for an object in its
 * image, as racehunt names them; else the address itself. */
static void pc_text(char *buf, size_t cap, const struct rh_exec_record *rec, uint64_t pc)
{
	if (pc > rec->image_base && pc <= rec->image_text_end)
		snprintf(buf, cap, "{pc:0x%" PRIx64 "}", pc - 1 - rec->image_base);
	else
		snprintf(buf, cap, "0x%" PRIx64, pc);
}

static void obj_text(char *buf, size_t cap, const struct rh_exec_record *rec, uint64_t a)
{
	if (a >= rec->image_base && a < rec->image_end)
		snprintf(buf, cap, "{obj:0x%" PRIx64 "}", a - rec->image_base);
	else
		snprintf(buf, cap, "0x%" PRIx64, a);
}

/* "T1 pthread_mutex_lock({obj:..}) at {pc:..}", "T2 write 8 bytes of
 * {obj:..} at {pc:..}", "T1 starts". */
static void step_text(struct text *t, const struct rh_exec_record *rec,
		      const struct rh_exec_step *s)
{
	const char *op = s->op < rec->n_ops ? rec->ops[s->op] : NULL;
	char obj[64] = "", pc[64];

	if (op == NULL) {
		add(t, "T%u starts", s->tid);
		return;
	}
	if (s->obj != 0)
		obj_text(obj, sizeof(obj), rec, s->obj);
	pc_text(pc, sizeof(pc), rec, s->pc);
	if (s->flags & RH_EXEC_STEP_ACCESS)
		add(t, "T%u %s %u bytes%s%s at %s", s->tid, op, s->size, obj[0] ? " of " : "", obj,
		    pc);
	else
		add(t, "T%u %s%s%s%s at %s", s->tid, op, obj[0] ? "(" : "", obj, obj[0] ? ")" : "",
		    pc);
}

char *rh_exec_record_trace(const struct rh_exec_record *rec, unsigned threads)
{
	struct text t = {0};
	uint64_t first = rec->steps > RH_EXEC_STEPS_MAX ? rec->steps - RH_EXEC_STEPS_MAX : 0;

	add(&t, "trace: %" PRIu64 " steps, %u choices\n", rec->steps, rec->n_choices);
	if (first > 0)
		add(&t, "  (the record keeps the last %d steps; %" PRIu64 " before them)\n",
		    RH_EXEC_STEPS_MAX, first);
	for (uint64_t i = first; i < rec->steps; i++) {
		const struct rh_exec_step *s = &rec->step[i % RH_EXEC_STEPS_MAX];

		add(&t, "  %6" PRIu64 "  ", i);
		step_text(&t, rec, s);
		add(&t, "%s\n", s->flags & RH_EXEC_STEP_BLOCKED ? "  (waits)" : "");
	}
	add(&t, "  where the run ended:\n");
	for (unsigned i = 0; i < threads && i < RH_EXEC_THREADS_MAX; i++) {
		if (rec->at[i].flags & RH_EXEC_STEP_DONE || rec->at[i].op >= rec->n_ops) {
			add(&t, "          T%u %s\n", i,
			    rec->at[i].flags & RH_EXEC_STEP_DONE ? "has ended" : "has not run");
			continue;
		}
		add(&t, "          ");
		step_text(&t, rec, &rec->at[i]);
		add(&t, "%s\n", rec->at[i].flags & RH_EXEC_STEP_BLOCKED ? "  (waits)" : "");
	}
	return t.p;
}
