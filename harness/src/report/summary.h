/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * The text summary of one campaign. */
#ifndef RH_REPORT_SUMMARY_H
#define RH_REPORT_SUMMARY_H

#include <stdio.h>

#include "campaign/campaign.h"

void rh_print_summary(FILE *out, const rh_campaign *c, const rh_result *r);

#endif
