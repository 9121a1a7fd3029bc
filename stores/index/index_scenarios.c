/* SPDX-License-Identifier: MIT */
/* index.* scenarios: written once, run against every variant.
 *
 * Every entity id has one owning writer thread, so its versions are written
 * in order 1, 2, ... A writer publishes started[id] = v before writing
 * version v and committed[id] = v after. A read that loaded committed[id] = lo
 * before GetEntity and started[id] = hi after it must get an entry carrying
 * the id, inside the data file, pointing at a record of version v in
 * [lo, hi] (the old or the new one, never a stranger) whose payload is the
 * one signed for that version (rh_payload_sign with thread = entity id,
 * op = version). A committed entity is never "not found". The integrity
 * check and the orphan finder must report what is there: no bad entries (the
 * index is consistent at every locked moment), every entity committed before
 * the walk, and exactly the orphans planted at setup. Where threads both put
 * and get, the whole history (setup included) must also be linearizable,
 * each entity a register holding its version. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "index_scenarios.h"

static const rh_variant index_variants[] = {
	[IX_BUGGY] = {"buggy", RH_EXPECT_DETECTED,
		      "GetEntity reads the entry through its pointer after releasing the read "
		      "lock; WAL replay updates the index unlocked; integrity check and orphan "
		      "finder walk the live map unlocked"},
	[IX_FIXED] = {"fixed", RH_EXPECT_CLEAN,
		      "defensive copy of the entry under the read lock; replay under the write "
		      "lock; both checks over a snapshot copied under the read lock"},
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint32_t ix__payload_len(const ixstate *s, uint64_t id, uint64_t version)
{
	return RH_PAYLOAD_MIN + (uint32_t)(rh_seed_mix(0x1de8, id, version) % (s->len_span + 1u));
}

uint64_t ix__tick(ixstate *s)
{
	return atomic_fetch_add(&s->clock, 1) + 1;
}

/* Logs one operation of thread `log` (IX_MAX_THREADS: setup). */
void ix__record(ixstate *s, unsigned log, rh_lin_kind kind, uint64_t id, uint64_t value,
		   uint64_t call, unsigned op)
{
	if (s->hist[log] == NULL)
		return;
	s->hist[log][s->n_hist[log]++] =
		(rh_lin_op){.key = id, .value = value, .call = call, .ret = ix__tick(s), .kind = kind,
			    .thread = log, .op = op};
}

#define ENTRY_FMT "{EntityID %llu, offset %llu, size %u, flags %#x}"
#define ENTRY_ARGS(e)                                                                      \
	(unsigned long long)(e).entity_id, (unsigned long long)(e).offset, (e).size, (e).flags

/* ---- the operations ---- */

/* Writes the next version of id (which thread tid owns), or logs it to the
 * WAL when wal is set; *version receives it. False after a violation. */
bool ix__write_version(ixstate *s, rh_trial *t, unsigned tid, uint64_t id, bool wal,
			  uint64_t *version)
{
	uint64_t v = rh_atomic_load(&s->started[id], RH_RELAXED) + 1;
	uint32_t len = ix__payload_len(s, id, v);
	ix_status st;

	rh_payload_sign(s->buf[tid], len, (unsigned)id, (unsigned)v);
	if (v == 1)
		rh_atomic_fetch_add(&s->begun, 1, RH_ACQ_REL);
	rh_atomic_store(&s->started[id], v, RH_RELEASE);
	st = wal ? ix_wal_log(s->store, id, v, s->buf[tid], len)
		 : ix_put(s->store, id, v, s->buf[tid], len, NULL);
	if (st != IX_OK) {
		rh_violation(t, RH_INVARIANT, "%s of entity %llu version %llu failed: %s",
			     wal ? "WAL log" : "write", (unsigned long long)id,
			     (unsigned long long)v, ix_status_name(st));
		return false;
	}
	*version = v;
	return true;
}

void ix__commit_version(ixstate *s, uint64_t id, uint64_t v)
{
	rh_atomic_store(&s->committed[id], v, RH_RELEASE);
	if (v == 1)
		rh_atomic_fetch_add(&s->created, 1, RH_ACQ_REL);
}

/* An entity thread tid owns: an existing one, or a new one it creates. */
static uint64_t pick_own(ixstate *s, unsigned tid, rh_rng *r)
{
	unsigned wi = tid - s->first_writer, nw = s->n_writers;
	uint64_t pre = s->keys > wi ? (s->keys - wi - 1) / nw + 1 : 0;
	uint64_t owned = pre + s->n_new[tid];

	if (owned == 0 || rh_rng_below(r, 1000) < s->create_permille)
		return s->keys + 1 + wi + (uint64_t)nw * s->n_new[tid]++;
	uint64_t j = rh_rng_below(r, owned);
	return j < pre ? wi + 1 + j * nw : s->keys + 1 + wi + (uint64_t)nw * (j - pre);
}

/* Mostly a pre-existing entity; sometimes any id, which may not exist yet. */
static uint64_t pick_read(const ixstate *s, rh_rng *r)
{
	if (rh_rng_below(r, 8) != 0)
		return 1 + rh_rng_below(r, s->keys);
	return 1 + rh_rng_below(r, s->max_ids);
}

static void write_one(ixstate *s, rh_trial *t, unsigned tid, rh_rng *r, unsigned op)
{
	uint64_t id = pick_own(s, tid, r), v, call = ix__tick(s);

	if (!ix__write_version(s, t, tid, id, false, &v))
		return;
	ix__commit_version(s, id, v);
	ix__record(s, tid, RH_LIN_PUT, id, v, call, op);
}

/* GetEntity(id) and the record it points at, checked against the versions
 * committed before (lo) and begun after (hi). `when` prefixes messages;
 * tid < 0: not a scenario thread, no latency sample. */
static void read_one(ixstate *s, rh_trial *t, int tid, uint64_t id, const char *when,
		     unsigned op)
{
	uint8_t *buf = s->buf[tid < 0 ? 0 : tid];
	uint64_t lo = rh_atomic_load(&s->committed[id], RH_ACQUIRE);
	uint64_t call = ix__tick(s);
	uint64_t t0 = now_ns();
	ix_entry e;
	ix_record h;
	ix_status st = ix_get_entry(s->store, id, &e);

	if (st == IX_OK)
		st = ix_read(s->store, &e, &h, buf, RH_PAYLOAD_MIN + s->len_span);
	if (tid >= 0)
		rh_trial_sample(t, (unsigned)tid, now_ns() - t0);
	uint64_t hi = rh_atomic_load(&s->started[id], RH_ACQUIRE);
	unsigned long long uid = (unsigned long long)id;

	switch (st) {
	case IX_OK:
		break;
	case IX_NOT_FOUND:
		if (tid >= 0)
			ix__record(s, (unsigned)tid, RH_LIN_GET, id, RH_LIN_ABSENT, call, op);
		if (lo > 0)
			rh_violation(t, RH_NOT_FOUND,
				     "%sGetEntity(%llu): entity not found in index, though its "
				     "version %llu was committed before the read",
				     when, uid, (unsigned long long)lo);
		return;
	case IX_EBOUNDS:
		rh_violation(t, RH_OUT_OF_BOUNDS,
			     "%sGetEntity(%llu) returned an entry outside the data file (%llu "
			     "bytes): " ENTRY_FMT,
			     when, uid, (unsigned long long)ix_data_size(s->store), ENTRY_ARGS(e));
		return;
	default:
		if (e.entity_id != id) {
			rh_violation(t, RH_CORRUPTION,
				     "%sGetEntity(%llu) returned another entity's entry: " ENTRY_FMT,
				     when, uid, ENTRY_ARGS(e));
			return;
		}
		if (st == IX_ESTRANGER)
			rh_violation(t, RH_CORRUPTION,
				     "%sGetEntity(%llu) returned an entry pointing at a record of "
				     "entity %llu version %llu (%u bytes): " ENTRY_FMT,
				     when, uid, (unsigned long long)h.entity_id,
				     (unsigned long long)h.version, h.size, ENTRY_ARGS(e));
		else
			rh_violation(t, RH_CORRUPTION, "%sGetEntity(%llu): %s: " ENTRY_FMT, when, uid,
				     ix_status_name(st), ENTRY_ARGS(e));
		return;
	}
	if (e.entity_id != id) {
		rh_violation(t, RH_CORRUPTION,
			     "%sGetEntity(%llu) returned another entity's entry: " ENTRY_FMT, when,
			     uid, ENTRY_ARGS(e));
		return;
	}
	if (tid >= 0)
		ix__record(s, (unsigned)tid, RH_LIN_GET, id, h.version, call, op);
	if (h.version < lo) {
		rh_violation(t, RH_MONOTONICITY,
			     "%sGetEntity(%llu) returned version %llu after version %llu had been "
			     "committed: " ENTRY_FMT,
			     when, uid, (unsigned long long)h.version, (unsigned long long)lo,
			     ENTRY_ARGS(e));
		return;
	}
	if (h.version > hi) {
		rh_violation(t, RH_CORRUPTION,
			     "%sGetEntity(%llu) returned version %llu; versions up to %llu were "
			     "ever written: " ENTRY_FMT,
			     when, uid, (unsigned long long)h.version, (unsigned long long)hi,
			     ENTRY_ARGS(e));
		return;
	}
	rh_prop_result pr;
	if (!rh_payload_verify(buf, h.size, (unsigned)id, (unsigned)h.version,
			       ix__payload_len(s, id, h.version), &pr))
		rh_violation(t, pr.kind,
			     "%sGetEntity(%llu) version %llu payload (signed as thread = entity, "
			     "op = version): %s",
			     when, uid, (unsigned long long)h.version, pr.msg);
}

/* The integrity check saw entries; lo entities were committed before it
 * began and hi begun by its end. */
static void check_integrity(ixstate *s, rh_trial *t, const char *when, uint64_t lo, uint64_t hi,
			    const ix_integrity *r)
{
	if (r->bad > 0)
		rh_violation(t, r->first_status == IX_EBOUNDS ? RH_OUT_OF_BOUNDS : RH_CORRUPTION,
			     "%sintegrity check reports %llu of %llu entries bad; the first, under "
			     "entity %llu: %s: " ENTRY_FMT " (data file %llu bytes)",
			     when, (unsigned long long)r->bad, (unsigned long long)r->entries,
			     (unsigned long long)r->first_key, ix_status_name(r->first_status),
			     ENTRY_ARGS(r->first_entry), (unsigned long long)ix_data_size(s->store));
	if (r->entries < lo)
		rh_violation(t, RH_NOT_FOUND,
			     "%sintegrity check walked %llu entries; %llu entities were committed "
			     "before it began",
			     when, (unsigned long long)r->entries, (unsigned long long)lo);
	else if (r->entries > hi)
		rh_violation(t, RH_INVARIANT,
			     "%sintegrity check walked %llu entries; only %llu entities were ever "
			     "written",
			     when, (unsigned long long)r->entries, (unsigned long long)hi);
}

static void integrity_once(ixstate *s, rh_trial *t, const char *when)
{
	uint64_t lo = rh_atomic_load(&s->created, RH_ACQUIRE);
	ix_integrity r;
	ix_status st = ix_check_integrity(s->store, &r);
	uint64_t hi = rh_atomic_load(&s->begun, RH_ACQUIRE);

	if (st != IX_OK)
		rh_violation(t, RH_INVARIANT, "%sintegrity check failed: %s", when,
			     ix_status_name(st));
	else
		check_integrity(s, t, when, lo, hi, &r);
}

/* The orphan finder must report exactly the planted orphans. */
static void orphans_once(ixstate *s, rh_trial *t, const char *when)
{
	uint64_t ids[IX_ORPHANS + 8];
	size_t n, matched = 0;
	ix_status st = ix_find_orphans(s->store, ids, sizeof ids / sizeof ids[0], &n);

	if (st != IX_OK) {
		rh_violation(t, RH_INVARIANT, "%sorphan finder failed: %s", when,
			     ix_status_name(st));
		return;
	}
	for (size_t i = 0; i < n && i < sizeof ids / sizeof ids[0]; i++) {
		bool planted = false;
		for (unsigned k = 0; k < IX_ORPHANS; k++)
			planted |= ids[i] == s->orphan_ids[k];
		if (!planted) {
			rh_violation(t, RH_INVARIANT,
				     "%sorphan finder reports %zu orphaned records (%u planted), "
				     "among them entity %llu, which is indexed",
				     when, n, IX_ORPHANS, (unsigned long long)ids[i]);
			return;
		}
		matched++;
	}
	if (matched != IX_ORPHANS)
		rh_violation(t, RH_INVARIANT,
			     "%sorphan finder reports %zu orphaned records; %u were planted", when,
			     n, IX_ORPHANS);
}

/* Writes one WAL replay applies at most per key: every put of a replay is
 * open from its log until the replay ends, so the linearizability check
 * (a search over orders of overlapping puts) must see few on one key. */
#define IX_REPLAY_PER_KEY 8

/* Thread 0 of index.replay: a round's writes go through the WAL, then a
 * replay applies them while the other threads read; past
 * IX_REPLAY_PER_KEY writes per key, the round replays in several batches. */
static void replay_round(ixstate *s, rh_trial *t, rh_rng *r, unsigned round_op0)
{
	size_t batch = (size_t)s->keys * IX_REPLAY_PER_KEY;
	uint64_t *ids = malloc(((size_t)s->p.ops + 1) * 3 * sizeof *ids);
	unsigned n = 0, done = 0;
	size_t applied;

	if (ids == NULL) {
		rh_violation(t, RH_INVARIANT, "replay round: out of memory");
		return;
	}
	while (done < s->p.ops) {
		unsigned first = n;
		bool failed = false;

		for (unsigned k = done; k < s->p.ops && k - done < batch; k++) {
			uint64_t id = pick_own(s, 0, r), v, call = ix__tick(s);
			if (!ix__write_version(s, t, 0, id, true, &v)) {
				failed = true;
				break;
			}
			ids[3 * n] = id;
			ids[3 * n + 1] = v;
			ids[3 * n + 2] = call;
			n++;
		}
		done = failed ? s->p.ops : done + (unsigned)(n - first);
		ix_status st = ix_wal_replay(s->store, &applied);
		if (st != IX_OK || applied != n - first) {
			rh_violation(t, RH_INVARIANT, "WAL replay of %u records applied %zu: %s",
				     n - first, applied, ix_status_name(st));
			break;
		}
		for (unsigned k = first; k < n; k++) {
			/* Logged at call, visible from the replay on: both inside. */
			ix__commit_version(s, ids[3 * k], ids[3 * k + 1]);
			ix__record(s, 0, RH_LIN_PUT, ids[3 * k], ids[3 * k + 1], ids[3 * k + 2],
			       round_op0 + k);
		}
		if (n == first)
			break;
	}
	free(ids);
}

static void index_thread(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	ixstate *s = state;
	rh_rng *r = rh_trial_rng(t, tid);
	bool writer = tid >= s->first_writer && tid - s->first_writer < s->n_writers;
	unsigned op0 = round * s->p.ops;

	switch (s->w) {
	case W_READERS:
	case W_INTEGRITY:
		for (unsigned k = 0; k < s->p.ops; k++) {
			if (writer)
				write_one(s, t, tid, r, op0 + k);
			else if (s->w == W_READERS)
				read_one(s, t, (int)tid, pick_read(s, r), "", op0 + k);
			else {
				integrity_once(s, t, "");
				orphans_once(s, t, "");
			}
		}
		return;
	case W_MIXED:
	case W_PROPS:
		for (unsigned k = 0; k < s->p.ops; k++) {
			if (rh_rng_below(r, 1000) < s->write_permille)
				write_one(s, t, tid, r, op0 + k);
			else
				read_one(s, t, (int)tid, pick_read(s, r), "", op0 + k);
		}
		return;
	case W_REPLAY:
		if (writer) {
			replay_round(s, t, r, op0);
			return;
		}
		for (unsigned k = 0; k < s->p.ops; k++)
			read_one(s, t, (int)tid, pick_read(s, r), "", op0 + k);
		return;
	}
}

/* Every thread's puts and gets, and setup's puts, as one history: each
 * entity a register of versions, absent until its first put. */
static void check_history(ixstate *s, rh_trial *t)
{
	size_t n = 0;
	rh_lin_op *all;
	rh_prop_result pr;

	if (s->hist[IX_MAX_THREADS] == NULL)
		return;
	for (unsigned i = 0; i <= IX_MAX_THREADS; i++)
		n += s->n_hist[i];
	all = malloc((n ? n : 1) * sizeof *all);
	if (all == NULL) {
		rh_violation(t, RH_INVARIANT, "no memory to check a history of %zu operations", n);
		return;
	}
	n = 0;
	for (unsigned i = 0; i <= IX_MAX_THREADS; i++)
		for (size_t j = 0; j < s->n_hist[i]; j++)
			all[n++] = s->hist[i][j];
	if (!rh_prop_linearizable(all, n, RH_LIN_ABSENT, &pr))
		rh_violation(t, pr.kind, "history of %zu puts and gets (entity = key, version = "
				       "value, T%u = setup): %s",
			     n, IX_MAX_THREADS, pr.msg);
	free(all);
}

/* After the run: every committed entity is found at its last version, the
 * integrity check counts exactly the committed entities, and the orphan
 * finder finds the planted ones. */
static void index_check(void *state, rh_trial *t)
{
	ixstate *s = state;
	uint64_t n = 0;

	for (uint64_t id = 1; id <= s->max_ids; id++) {
		if (rh_atomic_load(&s->committed[id], RH_ACQUIRE) == 0)
			continue;
		n++;
		read_one(s, t, -1, id, "after the run: ", 0);
	}
	ix_integrity r;
	ix_status st = ix_check_integrity(s->store, &r);
	if (st != IX_OK)
		rh_violation(t, RH_INVARIANT, "after the run: integrity check failed: %s",
			     ix_status_name(st));
	else
		check_integrity(s, t, "after the run: ", n, n, &r);
	orphans_once(s, t, "after the run: ");
	check_history(s, t);
}

static void *setup_readers(const rh_params *p, unsigned v, rh_trial *t)
{
	return ix__setup(W_READERS, p, v, t);
}

static void *setup_mixed(const rh_params *p, unsigned v, rh_trial *t)
{
	return ix__setup(W_MIXED, p, v, t);
}

static void *setup_replay(const rh_params *p, unsigned v, rh_trial *t)
{
	return ix__setup(W_REPLAY, p, v, t);
}

static void *setup_integrity(const rh_params *p, unsigned v, rh_trial *t)
{
	return ix__setup(W_INTEGRITY, p, v, t);
}

static void *setup_props(const rh_params *p, unsigned v, rh_trial *t)
{
	return ix__setup(W_PROPS, p, v, t);
}

#define INDEX_SCENARIO(sym, nm, sum, setupfn, thr, ops_, rounds_, size_, trials, limits_)            \
	static const rh_scenario sym = {                                                   \
		.name = nm,                                                                \
		.summary = sum,                                                            \
		.variants = index_variants,                                                \
		.n_variants = IX_VARIANT_COUNT_,                                           \
		.defaults = {.threads = thr, .ops = ops_, .rounds = rounds_, .size = size_}, \
		.max_threads = IX_MAX_THREADS,                                             \
		.stress_trials = trials,                                                   \
		.limits = {.max_ops = limits_, .max_size = IX_MAX_KEYS},                                                   \
		.setup = setupfn,                                                          \
		.thread = index_thread,                                                    \
		.check = index_check,                                                      \
		.teardown = ix__teardown,                                                \
	};                                                                                 \
	RH_SCENARIO(sym)

INDEX_SCENARIO(index_readers, "index.readers",
	       "thread 0 rewrites entities (replacing and freeing their index entries) while "
	       "the other threads GetEntity and read them; read latency sampled",
	       setup_readers, 4, 200, 4, 8, 200, 16384)
INDEX_SCENARIO(index_mixed, "index.mixed",
	       "every thread reads any entity and writes or creates its own",
	       setup_mixed, 4, 200, 4, 16, 100, 16384)
INDEX_SCENARIO(index_replay, "index.replay",
	       "thread 0 logs writes and new entities to the WAL and replays them into the "
	       "index while the other threads read",
	       setup_replay, 4, 64, 4, 8, 200, 4096)
INDEX_SCENARIO(index_integrity, "index.integrity",
	       "thread 0 runs the integrity check and the orphan finder while the others "
	       "rewrite and create entities",
	       setup_integrity, 4, 20, 4, 16, 100, 1024)
INDEX_SCENARIO(index_props, "index.props",
	       "mixed reads and writes with generated key count, payload sizes, write and "
	       "create ratios",
	       setup_props, 4, 100, 4, 32, 100, 16384)
