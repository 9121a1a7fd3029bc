/* SPDX-License-Identifier: MIT */
/* Exhaustive strategies for controlled exec trials. dfs keeps what it has
 * covered from one run to the next, and a trial is a fresh child that could
 * not: so the explorer lives here in racehunt, and the trial asks it at each
 * choice over the ask and answer pipes (racehunt/exec.h). Each trial is one
 * run of the search: rh_strategy_begin before it (false: the bounded space
 * is exhausted, the campaign ends), rh_strategy_end after it. */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "controlled/sched.h"
#include "exec.h"

rh_exec_remote rh_exec_remote_mode(const rh_exec *e)
{
	if (e->explorer == NULL)
		return RH_EXEC_LOCAL;
	return (e->explorer->strategy->flags & RH_STRATEGY_EVERY_STEP) ? RH_EXEC_ASK_STEPS
									: RH_EXEC_ASK_CHOICES;
}

bool rh_exec_remote_begin(rh_exec *e, rh_exec_server *s, uint64_t trial)
{
	rh_explorer *x = e->explorer;
	struct rh_exec_ask stale;
	struct pollfd p = {s->ask, POLLIN, 0};

	/* A question a killed trial left unanswered is not the next one's. */
	while (poll(&p, 1, 0) == 1 && (p.revents & POLLIN) &&
	       read(s->ask, &stale, sizeof(stale)) > 0)
		continue;
	x->trial_seed = e->c.seed;
	x->trial_index = trial;
	x->n_choices = 0;
	x->steps = 0;
	return rh_strategy_begin(x, RH_MAX_THREADS);
}

void rh_exec_remote_end(rh_exec *e, const rh_exec_server *s)
{
	if (rh_exec_dpor(e))
		rh_exec_dpor_end(e, s->sh);
	else
		rh_strategy_end(e->explorer);
}

bool rh_exec_answer(rh_exec *e, rh_exec_server *s)
{
	rh_explorer *x = e->explorer;
	struct rh_exec_ask q;
	uint32_t a;
	ssize_t n;

	while ((n = read(s->ask, &q, sizeof(q))) < 0 && errno == EINTR)
		continue;
	if (n != (ssize_t)sizeof(q) || q.enabled == 0)
		return false;
	if (rh_exec_dpor(e)) {
		a = rh_exec_dpor_ask(e, s->sh, q.enabled, q.cur);
	} else {
		x->steps++;
		a = rh_strategy_choose(x, q.enabled, q.cur);
	}
	if (q.enabled & (q.enabled - 1))
		x->n_choices++;
	/* A trial that died meanwhile cannot take it: its status says why. */
	while (write(s->answer, &a, sizeof(a)) < 0 && errno == EINTR)
		continue;
	return true;
}
