/* SPDX-License-Identifier: MIT */
/* Structured fuzzer input: see racehunt/input.h. */
#include "racehunt/input.h"

void rh_input_init(rh_input *in, const uint8_t *data, size_t size)
{
	in->data = size ? data : NULL;
	in->size = size;
	in->pos = 0;
}

uint8_t rh_input_u8(rh_input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

uint32_t rh_input_u32(rh_input *in)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < 4; i++)
		v |= (uint32_t)rh_input_u8(in) << (8 * i);
	return v;
}

uint32_t rh_input_choice(rh_input *in, uint32_t n)
{
	uint32_t v = 0;

	if (n <= 1)
		return 0;
	/* Modulo bias is at most 1/256 relative for n <= 2^24 and does not
	 * matter to a fuzzer; what matters is that each byte means one thing. */
	for (uint64_t span = 1; span < n; span <<= 8)
		v = v << 8 | rh_input_u8(in);
	return v % n;
}

uint32_t rh_input_range(rh_input *in, uint32_t lo, uint32_t hi)
{
	if (hi <= lo)
		return lo;
	if (hi - lo == UINT32_MAX)
		return rh_input_u32(in);
	return lo + rh_input_choice(in, hi - lo + 1);
}

size_t rh_input_remaining(const rh_input *in)
{
	return in->size - in->pos;
}

void rh_input_rest(rh_input *in, const uint8_t **data, size_t *len)
{
	*data = in->data ? in->data + in->pos : NULL;
	*len = in->size - in->pos;
	in->pos = in->size;
}
