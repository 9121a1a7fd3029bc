/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * A campaign set up from command-line options: the defaults every command
 * (run, hunt, the benchmarks) starts from, and the checks once all options
 * are read. */
#ifndef RH_CLI_CAMPAIGN_OPTIONS_H
#define RH_CLI_CAMPAIGN_OPTIONS_H

#include <stdbool.h>

#include "campaign/campaign.h"
#include "controlled/strategy.h"

#define RH_DEFAULT_NOISE "noise:0.1"
#define RH_DEFAULT_CONTROLLED RH_STRATEGY_DEFAULT
#define RH_DEFAULT_TRIALS 100
#define RH_DEFAULT_WATCHDOG_MS 1000

void rh_campaign_defaults(rh_campaign *c, const rh_scenario *s, unsigned variant);
/* Validate strategy and parameters once every option is read; 0 or exit 2. */
int rh_campaign_finish(rh_campaign *c, bool strategy_given);
int rh_validate_strategy(rh_mode mode, const char *spec);
int rh_check_params(const rh_scenario *s, const rh_params *p);

#endif
