/* This file is private to the racehunt harness.
 *
 * Pieces the commands share: campaign set-up from options, summaries, and the
 * commands living in files of their own. */
#ifndef RH_CLI_PRIVATE_H
#define RH_CLI_PRIVATE_H

#include <stdbool.h>
#include <stdio.h>

#include "campaign.h"

void rh_campaign_defaults(rh_campaign *c, const rh_scenario *s, unsigned variant);
/* Validate strategy and parameters once every option is read; 0 or exit 2. */
int rh_campaign_finish(rh_campaign *c, bool strategy_given);
int rh_validate_strategy(rh_mode mode, const char *spec);
int rh_check_params(const rh_scenario *s, const rh_params *p);
void rh_print_summary(FILE *out, const rh_campaign *c, const rh_result *r);

int rh_cmd_hunt(int argc, char **argv);
int rh_cmd_compare(int argc, char **argv);

#endif
