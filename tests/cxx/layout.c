/* SPDX-License-Identifier: MIT */
/* The C side of the layout comparison: compiled by the C compiler that built
 * the racehunt libraries. */
#include "layout.h"

#include "racehunt/props.h"
#include "racehunt/scenario.h"
#include "racehunt/sync.h"

void rh_layout_in_c(size_t out[RH_LAYOUT_N])
{
	const size_t v[RH_LAYOUT_N] = {RH_LAYOUT_VALUES(_Alignof)};

	for (int i = 0; i < RH_LAYOUT_N; i++)
		out[i] = v[i];
}
