// SPDX-License-Identifier: MIT
// The racehunt command line over the C++ scenario, after checking that C++
// sees the public structs exactly as the C library built them: in C++ the
// headers drop _Atomic (see racehunt/c11_atomics.h), so a size or alignment
// that differed would corrupt every lock a C++ scenario hands to racehunt.
// <atomic> comes before the racehunt headers here, the other order.
#include <atomic>
#include <cstddef>
#include <cstdio>

#include "racehunt/cli.h"
#include "racehunt/props.h"
#include "racehunt/scenario.h"
#include "racehunt/sync.h"

#include "layout.h"

int main(int argc, char **argv)
{
	std::size_t in_c[RH_LAYOUT_N];
	const std::size_t in_cxx[RH_LAYOUT_N] = {RH_LAYOUT_VALUES(alignof)};
	static const char *const names[RH_LAYOUT_N] = {RH_LAYOUT_NAMES};

	rh_layout_in_c(in_c);
	for (int i = 0; i < RH_LAYOUT_N; i++)
		if (in_c[i] != in_cxx[i]) {
			std::fprintf(stderr, "cxx: %s is %zu in C++ but %zu in C\n", names[i],
				     in_cxx[i], in_c[i]);
			return RH_EXIT_HARNESS;
		}
	return rh_main(argc, argv);
}
