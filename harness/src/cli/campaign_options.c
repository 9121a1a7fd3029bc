/* SPDX-License-Identifier: MIT */
/* A campaign's options: the defaults every command starts from, and the
 * checks once every option is read. */
#include <string.h>

#include "campaign_options.h"
#include "controlled/controlled.h"
#include "core/limits.h"
#include "core/trial.h"
#include "options.h"
#include "racehunt/cli.h"
#include "suggest.h"
#include "stress/stress.h"

int rh_validate_strategy(rh_mode mode, const char *spec)
{
	char err[256], hint[160];

	if (mode == RH_MODE_STRESS) {
		double p;

		if (!rh_stress_parse_strategy(spec, &p, err, sizeof(err))) {
			rh_suggest_strategy(mode, spec, hint, sizeof(hint));
			return rh_usage_error("%s%s", err, hint);
		}
	} else {
		rh_explorer *x = rh_explorer_new(spec, 1, err, sizeof(err));

		if (x == NULL) {
			rh_suggest_strategy(mode, spec, hint, sizeof(hint));
			return rh_usage_error("%s%s", err, hint);
		}
		rh_explorer_free(x);
	}
	return RH_EXIT_CLEAN;
}

int rh_check_params(const rh_scenario *s, const rh_params *p)
{
	char err[512];

	if (!rh_params_fit(s, p, err, sizeof(err)))
		return rh_usage_error("%s", err);
	return RH_EXIT_CLEAN;
}

void rh_campaign_defaults(rh_campaign *c, const rh_scenario *s, unsigned variant)
{
	memset(c, 0, sizeof(*c));
	c->scenario = s;
	c->variant = variant;
	c->params = s->defaults;
	c->mode = RH_MODE_STRESS;
	c->strategy = RH_DEFAULT_NOISE;
	c->seed = 1;
	c->trials = RH_DEFAULT_TRIALS;
	c->isolate = true;
	c->shrink = true;
	c->stress.noise = 0.1;
	c->stress.watchdog_ms = RH_DEFAULT_WATCHDOG_MS;
}

/* Fill in what depends on the mode once all options are read. */
int rh_campaign_finish(rh_campaign *c, bool strategy_given)
{
	char err[256];
	int rc;

	if (!strategy_given)
		c->strategy = c->mode == RH_MODE_STRESS ? RH_DEFAULT_NOISE : RH_DEFAULT_CONTROLLED;
	rc = rh_validate_strategy(c->mode, c->strategy);
	if (rc != RH_EXIT_CLEAN)
		return rc;
	if (c->mode == RH_MODE_STRESS)
		rh_stress_parse_strategy(c->strategy, &c->stress.noise, err, sizeof(err));
	rc = rh_check_params(c->scenario, &c->params);
	if (rc != RH_EXIT_CLEAN)
		return rc;
	if (!rh_trials_fit(c->first_trial, c->trials, err, sizeof(err)))
		return rh_usage_error("%s", err);
	return RH_EXIT_CLEAN;
}

