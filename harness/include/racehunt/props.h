/* SPDX-License-Identifier: MIT */
/* racehunt — property checkers over recorded histories.
 *
 * Pure functions: a scenario records what its threads did and saw, then its
 * check() hands the history to a checker. None of them touches the harness
 * runtime or shared state, so they are safe to call from any one thread and
 * trivially unit-testable. Each fills an rh_prop_result and returns its ok:
 *
 *	rh_prop_result r;
 *	if (!rh_prop_disjoint(ranges, n, &r))
 *		rh_violation(t, r.kind, "%s", r.msg);
 *
 * Messages are one line, say expected vs got and whose data it was. A checker
 * reports the first violation it finds (in the order its comment states), so
 * the same history always yields the same message. Checkers that need scratch
 * memory abort the process when malloc fails: a harness that cannot check is
 * not allowed to report "clean". */
#ifndef RACEHUNT_PROPS_H
#define RACEHUNT_PROPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "racehunt/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RH_PROP_MSG_MAX 512

typedef struct rh_prop_result {
	bool ok;
	rh_kind kind; /* meaningful only when !ok */
	char msg[RH_PROP_MSG_MAX];
} rh_prop_result;

/* ---- ranges ------------------------------------------------------------ */

/* Bytes [start, start + len) owned by op number `op` of thread `thread`. */
typedef struct rh_range {
	uint64_t start, len;
	unsigned thread, op;
} rh_range;

/* No two ranges share a byte. Empty ranges own no bytes and overlap nothing;
 * start + len may exceed UINT64_MAX (such a range reaches the top of the
 * space). Reports the first range, in start order, that overlaps an earlier
 * one, after that earlier one:
 *   "thread 3 op 1 [6464,6528) overlaps thread 7 op 0 [6464,6528)".
 * RH_OVERLAP. The array is not modified (a copy is sorted). */
bool rh_prop_disjoint(const rh_range *v, size_t n, rh_prop_result *r);

/* Every range lies inside [lo, hi); an empty range may sit at hi. Reports
 * the first offender in array order. RH_OUT_OF_BOUNDS. */
bool rh_prop_within(const rh_range *v, size_t n, uint64_t lo, uint64_t hi, rh_prop_result *r);

/* ---- order and uniqueness ---------------------------------------------- */

/* A value recorded by op `op` of thread `thread`. */
typedef struct rh_value {
	uint64_t value;
	unsigned thread, op;
} rh_value;

/* v[0..n) in the order it was produced (offsets in allocation order, WAL
 * sequence numbers in file order) increases: strictly, or non-strictly when
 * !strict. `what` names the values in the message. Reports the first
 * offending index. RH_MONOTONICITY. */
bool rh_prop_increasing(const char *what, const uint64_t *v, size_t n, bool strict,
			rh_prop_result *r);

/* Per observer: each thread's own values, taken in its program order (by op;
 * equal ops keep array order), increase strictly or non-strictly. The array
 * may interleave threads arbitrarily. Reports the offence that comes first in
 * the array. RH_MONOTONICITY. */
bool rh_prop_increasing_per_thread(const char *what, const rh_value *v, size_t n, bool strict,
				   rh_prop_result *r);

/* No value appears twice. Reports the smallest duplicated value with its
 * first two owners in array order. RH_DUPLICATE. */
bool rh_prop_unique(const char *what, const rh_value *v, size_t n, rh_prop_result *r);

/* ---- signed payloads --------------------------------------------------- */

/* A signed payload is a 16-byte header (check word, thread, op, length; all
 * little-endian 32-bit) followed by a byte pattern derived from the three, so
 * every byte says whose it is. Lengths outside [MIN, MAX] cannot be signed. */
#define RH_PAYLOAD_MIN 16u
#define RH_PAYLOAD_MAX UINT32_MAX

/* Fills buf[0..len) with the payload of (thread, op, len). False, and buf
 * untouched, when len is outside [RH_PAYLOAD_MIN, RH_PAYLOAD_MAX]. */
bool rh_payload_sign(uint8_t *buf, size_t len, unsigned thread, unsigned op);

/* Reads the header only: true when buf starts with a well-formed header, whose
 * fields are stored in *thread, *op, *signed_len (which may differ from len). */
bool rh_payload_decode(const uint8_t *buf, size_t len, unsigned *thread, unsigned *op,
		       size_t *signed_len);

/* buf[0..len) is exactly the payload signed for (want_thread, want_op,
 * want_len). Otherwise RH_CORRUPTION saying whose bytes arrived instead:
 *   "expected thread 0 op 0 (34 bytes), got thread 6 op 4 (40 bytes)"
 *   "..., got thread 6 op 4 (40 bytes) torn at byte 17"   first foreign byte
 *   "..., got thread 0 op 0 (34 bytes) read as 40 bytes"  wrong length read
 *   "..., got unsigned bytes (34 bytes: all zero)"        no valid header
 *   "..., got unsigned bytes (34 bytes: de ad 01 ...)"    (first 8 shown) */
bool rh_payload_verify(const uint8_t *buf, size_t len, unsigned want_thread, unsigned want_op,
		       size_t want_len, rh_prop_result *r);

/* ---- conservation and exactly-once ------------------------------------- */

/* What the store says (got) equals what was acknowledged (expected), e.g.
 * EntityCount vs entities acknowledged, DataSize vs the sum of their sizes.
 * got < expected: RH_LOST_UPDATE; got > expected: RH_INVARIANT (more than
 * anyone acknowledged; nothing proves which work was counted twice). */
bool rh_prop_conserved(const char *what, uint64_t expected, uint64_t got, rh_prop_result *r);

/* Exactly-once accounting over (key, who) pairs, e.g. (item id, consumer):
 * declare how many times each event must happen, record what happened, then
 * check. Not thread-safe: workers keep their own logs, check() feeds them. */
typedef struct rh_once rh_once;

/* Labels for messages, e.g. ("dequeue", "item", "consumer"). Kept by
 * pointer: they must outlive the counter. */
rh_once *rh_once_new(const char *event, const char *key_name, const char *who_name);
void rh_once_free(rh_once *o);
/* Adds `times` to the expected count of (key, who). */
void rh_once_expect(rh_once *o, uint64_t key, unsigned who, unsigned times);
void rh_once_record(rh_once *o, uint64_t key, unsigned who);

/* Every (key, who) happened exactly as often as expected. Reports the pair
 * with the smallest (key, who) that did not, plus totals:
 *   "dequeue of item 17 by consumer 3: expected 1, got 0; 2 lost, 1 extra in all"
 * RH_LOST_UPDATE if that pair fell short, RH_DUPLICATE if it happened too
 * often (an event never expected counts as expected 0). */
bool rh_prop_once(const rh_once *o, rh_prop_result *r);

/* ---- linearizability --------------------------------------------------- */

/* One operation on a key-value store seen as one register per key: a put of
 * value, or a get that returned value (RH_LIN_ABSENT: found nothing). call
 * and ret are when it was invoked and when it returned, read from one clock
 * shared by all threads (a counter is enough: only their order matters);
 * call < ret. */
typedef enum rh_lin_kind { RH_LIN_PUT, RH_LIN_GET } rh_lin_kind;
#define RH_LIN_ABSENT UINT64_MAX

typedef struct rh_lin_op {
	uint64_t key, value;
	uint64_t call, ret;
	rh_lin_kind kind;
	unsigned thread, op;
} rh_lin_op;

/* Some order of all operations, each placed between its call and its return,
 * makes every get return the value of the latest put on its key before it,
 * or `initial` when there is none (Wing & Gong's search with Lowe's cache,
 * key by key). Reports the smallest key without such an order and where the
 * deepest attempt got stuck:
 *   "key 3: no order of its 6 operations is a register history: at most 4
 *    fit before T1 op 2 get -> 7"
 * RH_NOT_LINEARIZABLE; RH_INVARIANT for an entry with ret <= call, or a key
 * whose search outgrows its step budget (then the message says undecided). */
bool rh_prop_linearizable(const rh_lin_op *v, size_t n, uint64_t initial, rh_prop_result *r);

/* ---- latency ----------------------------------------------------------- */

/* Nearest-rank q-quantile (q in [0, 1], clamped) of v[0..n); 0 when n == 0.
 * Sorts v in place unless it is already sorted, so asking p50, p99 and p999
 * in a row sorts once. */
uint64_t rh_percentile(uint64_t *v, size_t n, double q);

/* The one percentile definition, for code that holds its samples sorted
 * already (racehunt's reports use it without linking props): the index in
 * v[0..n) of the nearest-rank q-quantile, the smallest value with at least
 * q*n values at or below it; n >= 1. */
static inline size_t rh_percentile_index(size_t n, double q)
{
	/* The epsilon keeps 0.999 * 1000 from rounding up to rank 1000. */
	double x = q * (double)n - 1e-9;
	size_t rank;

	if (!(x > 0)) /* rank 1; also a NaN q */
		return 0;
	if (x >= (double)n)
		return n - 1;
	rank = (size_t)x;
	if ((double)rank < x)
		rank++;
	return rank - 1;
}

#ifdef __cplusplus
}
#endif

#endif
