/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "props_private.h"
#include "racehunt/rng.h"

/* Header layout, little-endian 32-bit words: check, thread, op, length. */
enum { OFF_CHECK = 0, OFF_THREAD = 4, OFF_OP = 8, OFF_LEN = 12, HEADER = 16 };

static uint64_t mix(uint64_t x)
{
	return rh_splitmix64(&x);
}

/* Everything about a payload derives from this, so two payloads that differ
 * in any of thread, op or length differ in (almost) every byte. */
static uint64_t payload_seed(unsigned thread, unsigned op, uint32_t len)
{
	return mix(((uint64_t)thread << 32 | op) ^ mix(len));
}

static uint32_t header_check(uint64_t seed)
{
	/* The constant keeps an all-zero header from checking out. */
	return (uint32_t)mix(seed ^ 0x5241434548554e54ull);
}

static uint8_t pattern_byte(uint64_t seed, size_t i)
{
	return (uint8_t)(mix(seed + i / 8) >> (8 * (i % 8)));
}

static void put32(uint8_t *p, uint32_t x)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(x >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool rh_payload_sign(uint8_t *buf, size_t len, unsigned thread, unsigned op)
{
	uint64_t seed;

	if (len < RH_PAYLOAD_MIN || len > RH_PAYLOAD_MAX)
		return false;
	seed = payload_seed(thread, op, (uint32_t)len);
	put32(buf + OFF_CHECK, header_check(seed));
	put32(buf + OFF_THREAD, thread);
	put32(buf + OFF_OP, op);
	put32(buf + OFF_LEN, (uint32_t)len);
	for (size_t i = HEADER; i < len; i++)
		buf[i] = pattern_byte(seed, i);
	return true;
}

bool rh_payload_decode(const uint8_t *buf, size_t len, unsigned *thread, unsigned *op,
		       size_t *signed_len)
{
	uint32_t t, o, l;

	if (len < HEADER)
		return false;
	t = get32(buf + OFF_THREAD);
	o = get32(buf + OFF_OP);
	l = get32(buf + OFF_LEN);
	if (l < RH_PAYLOAD_MIN || get32(buf + OFF_CHECK) != header_check(payload_seed(t, o, l)))
		return false;
	*thread = t;
	*op = o;
	*signed_len = l;
	return true;
}

/* Index of the first body byte in [HEADER, end) that is not the pattern of
 * (thread, op, signed_len); end when there is none. */
static size_t first_foreign(const uint8_t *buf, size_t end, unsigned thread, unsigned op,
			    size_t signed_len)
{
	uint64_t seed = payload_seed(thread, op, (uint32_t)signed_len);

	for (size_t i = HEADER; i < end; i++)
		if (buf[i] != pattern_byte(seed, i))
			return i;
	return end;
}

/* "N bytes: all zero" or "N bytes: 8 hex bytes ..." (the start is what tells
 * an unwritten block from an overwritten one). */
static void describe_unsigned(char *out, size_t size, const uint8_t *buf, size_t len)
{
	size_t shown = len < 8 ? len : 8, zero = 0, at;

	while (zero < len && buf[zero] == 0)
		zero++;
	if (len == 0 || zero == len) {
		snprintf(out, size, "%zu bytes%s", len, len ? ": all zero" : "");
		return;
	}
	at = (size_t)snprintf(out, size, "%zu bytes:", len);
	for (size_t i = 0; i < shown && at < size; i++)
		at += (size_t)snprintf(out + at, size - at, " %02x", buf[i]);
	if (len > shown && at < size)
		snprintf(out + at, size - at, " ...");
}

bool rh_payload_verify(const uint8_t *buf, size_t len, unsigned want_thread, unsigned want_op,
		       size_t want_len, rh_prop_result *r)
{
	unsigned thread, op;
	size_t signed_len, end, torn;
	char got[128], read_as[48] = "", torn_at[48] = "";

	if (!rh_payload_decode(buf, len, &thread, &op, &signed_len)) {
		describe_unsigned(got, sizeof(got), buf, len);
		return rh_prop_fail(r, RH_CORRUPTION,
				    "expected thread %u op %u (%zu bytes), got unsigned bytes (%s)",
				    want_thread, want_op, want_len, got);
	}
	end = len < signed_len ? len : signed_len;
	torn = first_foreign(buf, end, thread, op, signed_len);
	if (thread == want_thread && op == want_op && signed_len == want_len && len == want_len &&
	    torn == end)
		return rh_prop_pass(r);
	if (len != signed_len)
		snprintf(read_as, sizeof(read_as), " read as %zu bytes%s", len,
			 torn < end ? "," : "");
	if (torn < end)
		snprintf(torn_at, sizeof(torn_at), " torn at byte %zu", torn);
	return rh_prop_fail(r, RH_CORRUPTION,
			    "expected thread %u op %u (%zu bytes), got thread %u op %u (%zu bytes)%s%s",
			    want_thread, want_op, want_len, thread, op, signed_len, read_as, torn_at);
}
