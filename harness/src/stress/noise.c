/* SPDX-License-Identifier: MIT */
/* The stress strategy string: noise:P. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stress.h"

bool rh_stress_parse_strategy(const char *spec, double *noise_p, char *err, size_t errcap)
{
	char *end;
	double p;

	if (strncmp(spec, "noise:", 6) != 0) {
		snprintf(err, errcap, "unknown stress strategy '%s' (expected noise:P)", spec);
		return false;
	}
	errno = 0;
	p = strtod(spec + 6, &end);
	if (errno != 0 || end == spec + 6 || *end != '\0' || !(p >= 0 && p <= 1)) {
		snprintf(err, errcap, "bad noise probability in '%s' (expected 0..1)", spec);
		return false;
	}
	*noise_p = p;
	return true;
}
