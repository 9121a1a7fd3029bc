/* SPDX-License-Identifier: MIT */
/* racehunt — the end of a public header's use of "racehunt/c11_atomics.h":
 * in C++, its macros give way to whatever those names meant before. */
#ifdef __cplusplus
#pragma pop_macro("_Atomic")
#pragma pop_macro("memory_order")
#pragma pop_macro("memory_order_relaxed")
#pragma pop_macro("memory_order_acquire")
#pragma pop_macro("memory_order_release")
#pragma pop_macro("memory_order_acq_rel")
#pragma pop_macro("memory_order_seq_cst")
#pragma pop_macro("atomic_load_explicit")
#pragma pop_macro("atomic_store_explicit")
#pragma pop_macro("atomic_fetch_add_explicit")
#pragma pop_macro("atomic_compare_exchange_strong_explicit")
#endif
