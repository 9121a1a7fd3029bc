/* SPDX-License-Identifier: MIT */
/* racehunt — reading structured values out of fuzzer bytes.
 *
 * A fuzz target decodes its input through one reader, front to back: first
 * the workload (thread count, ops, sizes), then whatever is left feeds the
 * scheduler. Every read succeeds: past the end it yields 0, so any byte
 * string, the empty one included, decodes to a valid (smallest) case, and
 * a mutation that drops bytes shrinks the case instead of rejecting it. */
#ifndef RACEHUNT_INPUT_H
#define RACEHUNT_INPUT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rh_input {
	const uint8_t *data;
	size_t size;
	size_t pos;
} rh_input;

/* A reader over data[0..size); data is not copied. */
void rh_input_init(rh_input *in, const uint8_t *data, size_t size);
/* The next byte, 0 when exhausted. */
uint8_t rh_input_u8(rh_input *in);
/* The next four bytes little-endian; missing bytes read as 0. */
uint32_t rh_input_u32(rh_input *in);
/* A value in [0, n), n >= 1, from as few bytes as n needs (one byte for
 * n <= 256, so a choice costs libFuzzer a single byte mutation); 0 when
 * exhausted or when n is 0 or 1 (no byte is consumed then). */
uint32_t rh_input_choice(rh_input *in, uint32_t n);
/* lo + rh_input_choice(hi - lo + 1); lo when hi <= lo. */
uint32_t rh_input_range(rh_input *in, uint32_t lo, uint32_t hi);
size_t rh_input_remaining(const rh_input *in);
/* The unread bytes (possibly none); the reader is exhausted afterwards. */
void rh_input_rest(rh_input *in, const uint8_t **data, size_t *len);

#ifdef __cplusplus
}
#endif

#endif
