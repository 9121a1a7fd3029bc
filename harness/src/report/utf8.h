/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * UTF-8 checking for reports: what a violation message holds is whatever
 * bytes a store produced, while XML and JSON readers accept only well-formed
 * UTF-8. */
#ifndef RH_REPORT_UTF8_H
#define RH_REPORT_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length (1..4) of the well-formed UTF-8 sequence at s and its code
 * point; 0 when s does not start one (stray continuation, overlong form,
 * surrogate, past U+10FFFF, truncated). s is NUL-terminated; NUL is no
 * continuation byte, so this never reads past the end. */
size_t rh_utf8_seq(const unsigned char *s, uint32_t *cp);

/* A malloc'd copy of s in which every byte that starts no well-formed
 * sequence is the four characters \xHH (upper-case hex). */
char *rh_utf8_clean(const char *s);

#endif
