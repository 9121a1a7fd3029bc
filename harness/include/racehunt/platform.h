/* SPDX-License-Identifier: MIT */
/* racehunt — platform and sanitizer detection, in one place.
 *
 * Every other file tests the plain macros defined here instead of repeating
 * compiler-specific feature checks. */
#ifndef RACEHUNT_PLATFORM_H
#define RACEHUNT_PLATFORM_H

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RH_TSAN 1
#endif
#if __has_feature(address_sanitizer)
#define RH_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(RH_TSAN)
#define RH_TSAN 1
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(RH_ASAN)
#define RH_ASAN 1
#endif
#ifndef RH_TSAN
#define RH_TSAN 0
#endif
#ifndef RH_ASAN
#define RH_ASAN 0
#endif

#define RH_LIKELY(x) __builtin_expect(!!(x), 1)
#define RH_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define RH_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
/* One step of a spin-wait: tells the CPU (and an SMT sibling) it spins. */
#if defined(__x86_64__) || defined(__i386__)
#define RH_CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define RH_CPU_RELAX() __asm__ __volatile__("yield")
#else
#define RH_CPU_RELAX() ((void)0)
#endif
/* The calling OS thread's thread pointer, and on which side of it the
 * static TLS blocks lie (below on x86-64, above on aarch64); 0 where unknown. */
#if defined(__x86_64__)
#define RH_THREAD_POINTER()                                                                \
	({                                                                                 \
		unsigned long tp_;                                                         \
		__asm__("mov %%fs:0, %0" : "=r"(tp_));                                     \
		tp_;                                                                       \
	})
#define RH_TLS_BELOW_TP 1
#elif defined(__aarch64__)
#define RH_THREAD_POINTER()                                                                \
	({                                                                                 \
		unsigned long tp_;                                                         \
		__asm__("mrs %0, tpidr_el0" : "=r"(tp_));                                  \
		tp_;                                                                       \
	})
#define RH_TLS_BELOW_TP 0
#else
#define RH_THREAD_POINTER() 0ul
#define RH_TLS_BELOW_TP 0
#endif
#ifdef __cplusplus
#define RH_NORETURN [[noreturn]]
#else
#define RH_NORETURN _Noreturn
#endif

/* Build flavour as reported in results, so JSON from two builds can be told apart. */
#if RH_TSAN
#define RH_BUILD_FLAVOUR "tsan"
#elif RH_ASAN
#define RH_BUILD_FLAVOUR "asan"
#else
#define RH_BUILD_FLAVOUR "default"
#endif

#endif
