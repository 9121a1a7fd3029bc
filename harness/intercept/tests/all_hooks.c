/* SPDX-License-Identifier: MIT */
/* Every kind of access and atomic the instrumentation turns into a hook,
 * each checked for its result: plain accesses of 1 to 16 bytes, unaligned
 * ones (a packed struct), volatile ones, C11 atomics of 8 to 64 bits with
 * every operation and memory order, __atomic and __sync builtins, fences. It must link
 * (every hook the compiler emitted is defined) and exit 0, run plainly and
 * under exec alike. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* assert() would vanish under the NDEBUG of a release build. */
#define CHECK(x)                                                                        \
	do {                                                                               \
		if (!(x)) {                                                                \
			fprintf(stderr, "all_hooks.c:%d: %s is false\n", __LINE__, #x);    \
			abort();                                                           \
		}                                                                          \
	} while (0)

struct __attribute__((packed)) packed {
	char c;
	short s;
	int i;
	long l;
};

static struct {
	char c;
	short s;
	int i;
	long l;
	__int128 q;
} plain;
static struct packed unaligned;
static volatile int vol;

#define CHECK_ATOMICS(type, var)                                                           \
	do {                                                                               \
		static _Atomic type var;                                                   \
		type expected = 5;                                                         \
		atomic_store_explicit(&var, 5, memory_order_release);                      \
		CHECK(atomic_load_explicit(&var, memory_order_acquire) == 5);             \
		CHECK(atomic_exchange(&var, 7) == 5);                                     \
		CHECK(atomic_fetch_add_explicit(&var, 3, memory_order_relaxed) == 7);     \
		CHECK(atomic_fetch_sub(&var, 2) == 10);                                   \
		CHECK(atomic_fetch_and(&var, 12) == 8);                                   \
		CHECK(atomic_fetch_or(&var, 3) == 8);                                     \
		CHECK(atomic_fetch_xor(&var, 1) == 11);                                   \
		CHECK(!atomic_compare_exchange_strong(&var, &expected, 1) && expected == 10); \
		CHECK(atomic_compare_exchange_strong(&var, &expected, 1));                \
		expected = 1;                                                              \
		while (!atomic_compare_exchange_weak_explicit(&var, &expected, 2,          \
							      memory_order_acq_rel,        \
							      memory_order_acquire))       \
			;                                                                  \
		CHECK(atomic_load(&var) == 2);                                            \
	} while (0)

int main(int argc, char **argv)
{
	static int sync_word = 6;
	char buf[64], src[64];

	plain.c = 1, plain.s = 2, plain.i = 3, plain.l = 4, plain.q = 5;
	CHECK(plain.c + plain.s + plain.i + plain.l + (long)plain.q == 15);
	unaligned.c = 1, unaligned.s = 2, unaligned.i = 3, unaligned.l = 4;
	CHECK(unaligned.c + unaligned.s + unaligned.i + unaligned.l == 10);
	vol = argc;
	CHECK(vol == argc);
	memset(src, argc, sizeof(src));
	memcpy(buf, src, sizeof(buf));
	CHECK(buf[63] == (char)argc && argv != NULL);

	CHECK_ATOMICS(char, a8);
	CHECK_ATOMICS(short, a16);
	CHECK_ATOMICS(int, a32);
	CHECK_ATOMICS(long, a64);
	CHECK(__atomic_fetch_nand(&sync_word, 3, __ATOMIC_SEQ_CST) == 6 && sync_word == ~(6 & 3));
	CHECK(__sync_val_compare_and_swap(&sync_word, ~(6 & 3), 9) == ~(6 & 3));
	CHECK(__sync_bool_compare_and_swap(&sync_word, 9, 10) && sync_word == 10);
	atomic_thread_fence(memory_order_seq_cst);
	atomic_signal_fence(memory_order_seq_cst);
	return 0;
}
