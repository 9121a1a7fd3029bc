/* SPDX-License-Identifier: MIT */
/* This file is private to the props tests: includes and assertions they share. */
#ifndef RACEHUNT_PROP_TEST_H
#define RACEHUNT_PROP_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "racehunt/props.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* The checker returned ok and left an ok result. */
static inline void expect_silent(bool ret, const rh_prop_result *r)
{
	assert_true(ret);
	assert_true(r->ok);
	assert_string_equal(r->msg, "");
}

/* The checker fired with exactly this kind and message. */
static inline void expect_fired(bool ret, const rh_prop_result *r, rh_kind kind, const char *msg)
{
	assert_false(ret);
	assert_false(r->ok);
	assert_int_equal(r->kind, kind);
	assert_string_equal(r->msg, msg);
}

#endif
