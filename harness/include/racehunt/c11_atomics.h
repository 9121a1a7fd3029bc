/* SPDX-License-Identifier: MIT */
/* racehunt — C11 atomics for the public headers, in C and in C++.
 *
 * Included where a header would include <stdatomic.h>, and paired with
 * "racehunt/c11_atomics_end.h" at that header's end. No include guard: each
 * header opens and closes its own use.
 *
 * C++ before C++23 has neither _Atomic nor <stdatomic.h> (g++ rejects both;
 * clang++ takes them as an extension whose macros then break <atomic>). So
 * in C++ the few C11 names the headers use are macros, from here to the end
 * file, which removes them again so that none leaks into the user's code:
 *   - _Atomic is dropped: the objects keep the layout C gives them (an
 *     atomic int, uint64_t or pointer is laid out as the plain type on every
 *     target racehunt builds for; the packaging.cxx test compares the two);
 *   - the inline fast paths reach them through the __atomic builtins, which
 *     are what C's <stdatomic.h> is made of in gcc and clang alike, so C and
 *     C++ code touch the same objects with the same atomic instructions. */
#ifdef __cplusplus
#pragma push_macro("_Atomic")
#pragma push_macro("memory_order")
#pragma push_macro("memory_order_relaxed")
#pragma push_macro("memory_order_acquire")
#pragma push_macro("memory_order_release")
#pragma push_macro("memory_order_acq_rel")
#pragma push_macro("memory_order_seq_cst")
#pragma push_macro("atomic_load_explicit")
#pragma push_macro("atomic_store_explicit")
#pragma push_macro("atomic_fetch_add_explicit")
#pragma push_macro("atomic_compare_exchange_strong_explicit")
#undef _Atomic
#undef memory_order
#undef memory_order_relaxed
#undef memory_order_acquire
#undef memory_order_release
#undef memory_order_acq_rel
#undef memory_order_seq_cst
#undef atomic_load_explicit
#undef atomic_store_explicit
#undef atomic_fetch_add_explicit
#undef atomic_compare_exchange_strong_explicit
#define _Atomic
#define memory_order int
#define memory_order_relaxed __ATOMIC_RELAXED
#define memory_order_acquire __ATOMIC_ACQUIRE
#define memory_order_release __ATOMIC_RELEASE
#define memory_order_acq_rel __ATOMIC_ACQ_REL
#define memory_order_seq_cst __ATOMIC_SEQ_CST
#define atomic_load_explicit(p, mo) __atomic_load_n((p), (mo))
#define atomic_store_explicit(p, v, mo) __atomic_store_n((p), (v), (mo))
#define atomic_fetch_add_explicit(p, v, mo) __atomic_fetch_add((p), (v), (mo))
#define atomic_compare_exchange_strong_explicit(p, e, d, s, f)                             \
	__atomic_compare_exchange_n((p), (e), (d), false, (s), (f))
#else
#include <stdatomic.h>
#endif
