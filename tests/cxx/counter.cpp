// SPDX-License-Identifier: MIT
// A scenario written in C++17: a shared counter that threads increment,
// buggy (load, then store: increments get lost) and fixed two ways. The
// racehunt headers come first and <atomic> after them, the order in which
// C11 atomics macros leaking out of a header would break the C++ library.
#include "racehunt/props.h"
#include "racehunt/scenario.h"
#include "racehunt/sync.h"

#include <atomic>
#include <cstdint>
#include <vector>

namespace {

enum variant_id { BUGGY, FIXED_ATOMIC, FIXED_LOCKED };

const rh_variant variants[] = {
	{"buggy", RH_EXPECT_DETECTED, "load, then store: an increment in between is lost"},
	{"fixed-atomic", RH_EXPECT_CLEAN, "one fetch_add per increment"},
	{"fixed-locked", RH_EXPECT_CLEAN, "load and store under one rh_mutex"},
};

struct counter {
	rh_atomic_u64 value;
	rh_mutex lock;
	variant_id variant;
	rh_params params;
	// Acknowledged increments per thread: each thread writes only its own.
	std::vector<uint64_t> acked;
};

void *setup(const rh_params *p, unsigned variant, rh_trial *)
{
	counter *c = new counter();
	rh_atomic_init(&c->value, "value", 0);
	rh_mutex_init(&c->lock, "lock", 0);
	c->variant = static_cast<variant_id>(variant);
	c->params = *p;
	c->acked.assign(p->threads, 0);
	return c;
}

void increment(counter *c)
{
	if (c->variant == FIXED_ATOMIC) {
		rh_atomic_fetch_add(&c->value, 1, RH_RELAXED);
		return;
	}
	if (c->variant == FIXED_LOCKED)
		rh_mutex_lock(&c->lock);
	uint64_t v = rh_atomic_load(&c->value, RH_RELAXED);
	rh_point("between load and store", v);
	rh_atomic_store(&c->value, v + 1, RH_RELAXED);
	if (c->variant == FIXED_LOCKED)
		rh_mutex_unlock(&c->lock);
}

void thread(void *state, unsigned tid, unsigned, rh_trial *)
{
	counter *c = static_cast<counter *>(state);
	for (unsigned i = 0; i < c->params.ops; i++) {
		increment(c);
		c->acked[tid]++;
	}
}

void check(void *state, rh_trial *t)
{
	counter *c = static_cast<counter *>(state);
	uint64_t expected = 0;
	for (uint64_t n : c->acked)
		expected += n;
	// std::atomic after the racehunt headers: their C11 macros are gone.
	std::atomic<uint64_t> got{rh_atomic_load(&c->value, RH_SEQ_CST)};
	rh_prop_result r;
	if (!rh_prop_conserved("increments", expected, std::atomic_load_explicit(&got, std::memory_order_relaxed), &r))
		rh_violation(t, r.kind, "%s", r.msg);
}

void teardown(void *state)
{
	counter *c = static_cast<counter *>(state);
	rh_mutex_destroy(&c->lock);
	delete c;
}

// Designated initializers are C++20; a constexpr builder names the fields
// instead, leaves the others zero as C would, and constexpr makes it
// constant initialisation: done before RH_SCENARIO's constructor runs.
constexpr rh_scenario make_counter()
{
	rh_scenario s{};
	s.name = "cxx.counter";
	s.summary = "C++ scenario: threads increment one shared counter";
	s.variants = variants;
	s.n_variants = sizeof(variants) / sizeof(variants[0]);
	s.defaults.threads = 4;
	s.defaults.ops = 20;
	s.defaults.rounds = 1;
	s.max_threads = 8;
	s.stress_trials = 20;
	s.setup = setup;
	s.thread = thread;
	s.check = check;
	s.teardown = teardown;
	return s;
}

constexpr rh_scenario cxx_counter = make_counter();

} // namespace

RH_SCENARIO(cxx_counter)
