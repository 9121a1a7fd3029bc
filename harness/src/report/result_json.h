/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * A campaign's result as the JSON object `run --json` writes, and its
 * detection rate. */
#ifndef RH_REPORT_RESULT_JSON_H
#define RH_REPORT_RESULT_JSON_H

#include <stdio.h>

#include "campaign/campaign.h"

void rh_result_json(FILE *out, const rh_campaign *c, const rh_result *r);
/* Detection rate with a 95% Wilson interval. */
void rh_result_rate(const rh_result *r, double *rate, double *lo, double *hi);

#endif
