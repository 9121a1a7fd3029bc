/* SPDX-License-Identifier: MIT */
/* Private to racehunt's tests: assertions over cmocka that say what they saw.
 *
 * A failing `assert_true(a == b)` prints "a == b" and nothing else; a failing
 * RH_ASSERT_EQ(a, b) prints both expressions and both values, as libuv's
 * test/task.h ASSERT_EQ does. Every macro here is a plain `if`: NDEBUG does
 * not remove it, and each operand is evaluated exactly once.
 *
 *   RH_ASSERT_TRUE(e) / RH_ASSERT_FALSE(e)        the expression's text
 *   RH_ASSERT_EQ NE LT LE GT GE (a, b)            integers, compared as C
 *                                                 compares them (the common
 *                                                 type of a + b decides
 *                                                 signed or unsigned)
 *   RH_ASSERT_DBL_EQ(a, b) / RH_ASSERT_DBL_NEAR(a, b, eps)
 *   RH_ASSERT_STR_EQ / RH_ASSERT_STR_NE (a, b)    NULL-safe, escaped on output
 *   RH_ASSERT_CONTAINS / RH_ASSERT_NOT_CONTAINS (haystack, needle)
 *   RH_ASSERT_NULL(p) / RH_ASSERT_NOT_NULL(p) / RH_ASSERT_PTR_EQ(a, b)
 *   RH_ASSERT_MEM_EQ(a, b, n)                     the first differing byte
 *
 * Like cmocka's own asserts these stop the test (longjmp): call them from the
 * test's thread only. Worker threads record what they saw; the main thread
 * asserts on it (cmocka is not thread-safe).
 *
 * Include this instead of <cmocka.h>: it brings the headers cmocka needs. */
#ifndef RH_TEST_H
#define RH_TEST_H

#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* Long operands (a whole HTML page) are cut to this many bytes on output. */
#define RH_TEST_SHOW_MAX 1200

/* Prints s as one C-string literal: control bytes and non-ASCII escaped, so a
 * failure message stays one readable block whatever the operand holds. */
static inline void rh__test_show(const char *label, const char *expr, const char *s)
{
	char buf[4 * RH_TEST_SHOW_MAX + 64];
	size_t n = 0, len, i;

	if (s == NULL) {
		print_error("  %s %s = NULL\n", label, expr);
		return;
	}
	len = strlen(s);
	for (i = 0; i < len && i < RH_TEST_SHOW_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\n");
		else if (c == '\t')
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\t");
		else if (c == '"' || c == '\\')
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
	if (len > RH_TEST_SHOW_MAX)
		print_error("  %s %s = \"%s\"... (%zu bytes, first %d shown)\n", label, expr, buf,
			    len, RH_TEST_SHOW_MAX);
	else
		print_error("  %s %s = \"%s\"\n", label, expr, buf);
}

static inline void rh__test_fail_int(const char *file, int line, const char *a, const char *op,
				     const char *b, intmax_t va, intmax_t vb)
{
	print_error("%s:%d: RH_ASSERT failed: %s %s %s\n  %s = %jd\n  %s = %jd\n", file, line, a, op,
		    b, a, va, b, vb);
	_fail(file, line);
}

static inline void rh__test_fail_uint(const char *file, int line, const char *a, const char *op,
				      const char *b, uintmax_t va, uintmax_t vb)
{
	print_error("%s:%d: RH_ASSERT failed: %s %s %s\n  %s = %ju (0x%jx)\n  %s = %ju (0x%jx)\n",
		    file, line, a, op, b, a, va, va, b, vb, vb);
	_fail(file, line);
}

static inline void rh__test_fail_dbl(const char *file, int line, const char *a, const char *b,
				     double va, double vb, double eps)
{
	print_error("%s:%d: RH_ASSERT failed: %s == %s (within %g)\n  %s = %.17g\n  %s = %.17g\n",
		    file, line, a, b, eps, a, va, b, vb);
	_fail(file, line);
}

static inline void rh__test_fail_expr(const char *file, int line, const char *what,
				      const char *expr)
{
	print_error("%s:%d: RH_ASSERT failed: %s(%s)\n", file, line, what, expr);
	_fail(file, line);
}

static inline void rh__test_fail_ptr(const char *file, int line, const char *what, const char *a,
				     const char *b, const void *va, const void *vb)
{
	print_error("%s:%d: RH_ASSERT failed: %s(%s%s%s)\n  %s = %p\n", file, line, what, a,
		    b ? ", " : "", b ? b : "", a, va);
	if (b)
		print_error("  %s = %p\n", b, vb);
	_fail(file, line);
}

static inline void rh__test_str(const char *file, int line, const char *what, int want_equal,
				const char *ea, const char *eb, const char *a, const char *b)
{
	int equal = (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;

	if (equal == want_equal)
		return;
	print_error("%s:%d: RH_ASSERT failed: %s(%s, %s)\n", file, line, what, ea, eb);
	rh__test_show("", ea, a);
	rh__test_show("", eb, b);
	_fail(file, line);
}

static inline void rh__test_contains(const char *file, int line, int want, const char *eh,
				     const char *en, const char *h, const char *n)
{
	int found = h != NULL && n != NULL && strstr(h, n) != NULL;

	if (found == want && h != NULL && n != NULL)
		return;
	print_error("%s:%d: RH_ASSERT failed: %s(%s, %s)\n", file, line,
		    want ? "RH_ASSERT_CONTAINS" : "RH_ASSERT_NOT_CONTAINS", eh, en);
	rh__test_show("needle  ", en, n);
	rh__test_show("haystack", eh, h);
	_fail(file, line);
}

static inline void rh__test_mem(const char *file, int line, const char *ea, const char *eb,
				const void *a, const void *b, size_t n)
{
	const unsigned char *pa = a, *pb = b;
	size_t i;

	for (i = 0; i < n && pa[i] == pb[i]; i++)
		;
	if (i == n)
		return;
	print_error("%s:%d: RH_ASSERT failed: RH_ASSERT_MEM_EQ(%s, %s, %zu)\n"
		    "  first difference at byte %zu: 0x%02x != 0x%02x\n",
		    file, line, ea, eb, n, i, pa[i], pb[i]);
	_fail(file, line);
}

/* 1 when arithmetic on x is unsigned (x is the common type of both operands). */
#define RH__UNSIGNED(x)                                                                            \
	_Generic((x), unsigned char: 1, unsigned short: 1, unsigned int: 1, unsigned long: 1,      \
		 unsigned long long: 1, default: 0)

/* The common type is read from an unevaluated _Generic controlling
 * expression, so a and b are evaluated once, in the branch taken. */
#define RH__CMP(a, op, b)                                                                          \
	do {                                                                                       \
		if (RH__UNSIGNED((a) + (b))) {                                                     \
			uintmax_t rh_a_ = (uintmax_t)(a), rh_b_ = (uintmax_t)(b);                  \
			if (!(rh_a_ op rh_b_))                                                     \
				rh__test_fail_uint(__FILE__, __LINE__, #a, #op, #b, rh_a_, rh_b_); \
		} else {                                                                           \
			intmax_t rh_a_ = (intmax_t)(a), rh_b_ = (intmax_t)(b);                     \
			if (!(rh_a_ op rh_b_))                                                     \
				rh__test_fail_int(__FILE__, __LINE__, #a, #op, #b, rh_a_, rh_b_);  \
		}                                                                                  \
	} while (0)

#define RH_ASSERT_EQ(a, b) RH__CMP(a, ==, b)
#define RH_ASSERT_NE(a, b) RH__CMP(a, !=, b)
#define RH_ASSERT_LT(a, b) RH__CMP(a, <, b)
#define RH_ASSERT_LE(a, b) RH__CMP(a, <=, b)
#define RH_ASSERT_GT(a, b) RH__CMP(a, >, b)
#define RH_ASSERT_GE(a, b) RH__CMP(a, >=, b)

#define RH_ASSERT_TRUE(e)                                                                          \
	do {                                                                                       \
		if (!(e))                                                                          \
			rh__test_fail_expr(__FILE__, __LINE__, "RH_ASSERT_TRUE", #e);              \
	} while (0)
#define RH_ASSERT_FALSE(e)                                                                         \
	do {                                                                                       \
		if (e)                                                                             \
			rh__test_fail_expr(__FILE__, __LINE__, "RH_ASSERT_FALSE", #e);             \
	} while (0)

#define RH_ASSERT_DBL_NEAR(a, b, eps)                                                              \
	do {                                                                                       \
		double rh_a_ = (a), rh_b_ = (b), rh_e_ = (eps);                                    \
		if (!(fabs(rh_a_ - rh_b_) <= rh_e_) && !(rh_a_ == rh_b_))                          \
			rh__test_fail_dbl(__FILE__, __LINE__, #a, #b, rh_a_, rh_b_, rh_e_);        \
	} while (0)
#define RH_ASSERT_DBL_EQ(a, b) RH_ASSERT_DBL_NEAR(a, b, 0.0)

#define RH_ASSERT_STR_EQ(a, b) rh__test_str(__FILE__, __LINE__, "RH_ASSERT_STR_EQ", 1, #a, #b, a, b)
#define RH_ASSERT_STR_NE(a, b) rh__test_str(__FILE__, __LINE__, "RH_ASSERT_STR_NE", 0, #a, #b, a, b)
#define RH_ASSERT_CONTAINS(h, n) rh__test_contains(__FILE__, __LINE__, 1, #h, #n, h, n)
#define RH_ASSERT_NOT_CONTAINS(h, n) rh__test_contains(__FILE__, __LINE__, 0, #h, #n, h, n)
#define RH_ASSERT_MEM_EQ(a, b, n) rh__test_mem(__FILE__, __LINE__, #a, #b, a, b, n)

#define RH_ASSERT_NULL(p)                                                                          \
	do {                                                                                       \
		const void *rh_p_ = (p);                                                           \
		if (rh_p_ != NULL)                                                                 \
			rh__test_fail_ptr(__FILE__, __LINE__, "RH_ASSERT_NULL", #p, NULL, rh_p_,   \
					  NULL);                                                   \
	} while (0)
#define RH_ASSERT_NOT_NULL(p)                                                                      \
	do {                                                                                       \
		if ((p) == NULL)                                                                   \
			rh__test_fail_expr(__FILE__, __LINE__, "RH_ASSERT_NOT_NULL", #p);          \
	} while (0)
#define RH_ASSERT_PTR_EQ(a, b)                                                                     \
	do {                                                                                       \
		const void *rh_a_ = (a), *rh_b_ = (b);                                             \
		if (rh_a_ != rh_b_)                                                                \
			rh__test_fail_ptr(__FILE__, __LINE__, "RH_ASSERT_PTR_EQ", #a, #b, rh_a_,   \
					  rh_b_);                                                  \
	} while (0)

#endif
