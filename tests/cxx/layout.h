/* SPDX-License-Identifier: MIT */
/* Sizes and alignments of the public structs, listed once for the C and the
 * C++ side of the packaging.cxx test. ALIGNOF is _Alignof in C, alignof in C++. */
#ifndef RH_TEST_LAYOUT_H
#define RH_TEST_LAYOUT_H

#include <stddef.h>

#define RH_LAYOUT_N 12
#define RH_LAYOUT_VALUES(ALIGNOF)                                                          \
	sizeof(rh_mutex), ALIGNOF(rh_mutex), sizeof(rh_rwlock), ALIGNOF(rh_rwlock),        \
		sizeof(rh_atomic_u64), ALIGNOF(rh_atomic_u64), sizeof(rh_scenario),        \
		ALIGNOF(rh_scenario), sizeof(rh_prop_result), ALIGNOF(rh_prop_result),     \
		sizeof(rh_lin_op), ALIGNOF(rh_lin_op)
#define RH_LAYOUT_NAMES                                                                    \
	"sizeof(rh_mutex)", "alignof(rh_mutex)", "sizeof(rh_rwlock)", "alignof(rh_rwlock)", \
		"sizeof(rh_atomic_u64)", "alignof(rh_atomic_u64)", "sizeof(rh_scenario)",  \
		"alignof(rh_scenario)", "sizeof(rh_prop_result)", "alignof(rh_prop_result)", \
		"sizeof(rh_lin_op)", "alignof(rh_lin_op)"

#ifdef __cplusplus
extern "C" {
#endif
void rh_layout_in_c(size_t out[RH_LAYOUT_N]);
#ifdef __cplusplus
}
#endif

#endif
