/* SPDX-License-Identifier: MIT */
#include <inttypes.h>

#include "props_private.h"

bool rh_prop_conserved(const char *what, uint64_t expected, uint64_t got, rh_prop_result *r)
{
	if (got < expected)
		return rh_prop_fail(r, RH_LOST_UPDATE,
				    "%s: expected %" PRIu64 ", got %" PRIu64 " (%" PRIu64 " lost)",
				    what, expected, got, expected - got);
	if (got > expected)
		return rh_prop_fail(r, RH_INVARIANT,
				    "%s: expected %" PRIu64 ", got %" PRIu64 " (%" PRIu64
				    " more than acknowledged)",
				    what, expected, got, got - expected);
	return rh_prop_pass(r);
}
