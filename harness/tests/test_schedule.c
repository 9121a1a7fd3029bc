/* SPDX-License-Identifier: MIT */
/* Schedule strings: round trip, and refusal of anything truncated or altered. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "controlled/sched.h"

static rh_dev sample_devs[] = {{0, 1}, {7, 0}, {8, 25}, {40, 26}, {41, 51}, {1000, 63}};

static rh_sched_spec sample(void)
{
	rh_sched_spec sp = {
		.params = {.threads = 64, .ops = 12, .rounds = 3, .size = 4096},
		.seed = UINT64_MAX,
		.index = 123456789,
		.devs = sample_devs,
		.n_devs = sizeof(sample_devs) / sizeof(sample_devs[0]),
		.choices = 1001,
		.fingerprint = 0xdeadbeef,
	};

	strcpy(sp.scenario, "offset.collide");
	strcpy(sp.variant, "fixed-atomic");
	strcpy(sp.strategy, "pct:3");
	return sp;
}

static char *format_ok(const rh_sched_spec *sp)
{
	char err[256];
	char *s = rh_schedule_format(sp, err, sizeof(err));

	RH_ASSERT_NOT_NULL(s);
	return s;
}

static void test_schedule_round_trip(void **state)
{
	rh_sched_spec sp = sample(), back;
	char err[256];
	char *s = format_ok(&sp);

	RH_ASSERT_TRUE(rh_schedule_parse(s, &back, err, sizeof(err)));
	RH_ASSERT_STR_EQ(back.scenario, "offset.collide");
	RH_ASSERT_STR_EQ(back.variant, "fixed-atomic");
	RH_ASSERT_STR_EQ(back.strategy, "pct-3");
	RH_ASSERT_EQ(back.params.threads, 64);
	RH_ASSERT_EQ(back.params.ops, 12);
	RH_ASSERT_EQ(back.params.rounds, 3);
	RH_ASSERT_EQ(back.params.size, 4096);
	RH_ASSERT_EQ(back.seed, UINT64_MAX);
	RH_ASSERT_EQ(back.index, 123456789);
	RH_ASSERT_EQ(back.choices, 1001);
	RH_ASSERT_EQ(back.fingerprint, 0xdeadbeef);
	RH_ASSERT_EQ(back.n_devs, sp.n_devs);
	for (size_t i = 0; i < sp.n_devs; i++) {
		RH_ASSERT_EQ(back.devs[i].at, sp.devs[i].at);
		RH_ASSERT_EQ(back.devs[i].tid, sp.devs[i].tid);
	}
	rh_schedule_spec_free(&back);
	free(s);
}

static void test_schedule_is_one_shell_safe_line(void **state)
{
	rh_sched_spec sp = sample();
	char *s = format_ok(&sp);

	RH_ASSERT_EQ(strncmp(s, "rh1:", 4), 0);
	for (const char *c = s; *c; c++)
		RH_ASSERT_NOT_NULL(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "0123456789:.-_+",
				       *c));
	free(s);
}

static void test_schedule_without_deviations(void **state)
{
	rh_sched_spec sp = sample(), back;
	char err[256];
	char *s;

	sp.n_devs = 0;
	s = format_ok(&sp);
	RH_ASSERT_TRUE(rh_schedule_parse(s, &back, err, sizeof(err)));
	RH_ASSERT_EQ(back.n_devs, 0);
	free(s);
}

static void test_schedule_truncation_rejected(void **state)
{
	rh_sched_spec sp = sample(), back;
	char err[256];
	char *s = format_ok(&sp);
	size_t len = strlen(s);

	for (size_t cut = 0; cut < len; cut++) {
		char *t = strndup(s, cut);

		RH_ASSERT_FALSE(rh_schedule_parse(t, &back, err, sizeof(err)));
		RH_ASSERT_NULL(strchr(err, '\n'));
		RH_ASSERT_GT(strlen(err), 0);
		free(t);
	}
	free(s);
}

static void test_schedule_any_edit_rejected(void **state)
{
	static const char alphabet[] = "abz09AZ:.-_+x";
	rh_sched_spec sp = sample(), back;
	char err[256];
	char *s = format_ok(&sp);
	size_t len = strlen(s);

	for (size_t i = 0; i < len; i++)
		for (const char *a = alphabet; *a; a++) {
			char keep = s[i];

			if (*a == keep)
				continue;
			s[i] = *a;
			RH_ASSERT_FALSE(rh_schedule_parse(s, &back, err, sizeof(err)));
			s[i] = keep;
		}
	free(s);
}

static void test_schedule_garbage_and_versions_rejected(void **state)
{
	rh_sched_spec back;
	char err[256];

	RH_ASSERT_FALSE(rh_schedule_parse("garbage", &back, err, sizeof(err)));
	RH_ASSERT_CONTAINS(err, "not a racehunt schedule");
	RH_ASSERT_FALSE(rh_schedule_parse("", &back, err, sizeof(err)));
	RH_ASSERT_FALSE(rh_schedule_parse("rh2:a:b:t1o1r1z1:s1i1:x:-:n0f00000000:00000000", &back,
				       err, sizeof(err)));
	RH_ASSERT_CONTAINS(err, "version");
	RH_ASSERT_FALSE(rh_schedule_parse("rh1:", &back, err, sizeof(err)));
	RH_ASSERT_FALSE(rh_schedule_parse("rh1:a:b:c:00000000", &back, err, sizeof(err)));
	RH_ASSERT_CONTAINS(err, "checksum");
}

/* A string whose checksum matches but whose fields lie is still refused. */
static void test_schedule_checksummed_nonsense_rejected(void **state)
{
	static const char *const bodies[] = {
		"rh1:a.b:v:t0o1r1z1:s1i1:random:-:n0f00000000",	 /* zero threads */
		"rh1:a.b:v:t65o1r1z1:s1i1:random:-:n0f00000000", /* too many threads */
		"rh1:a.b:v:t2o1r0z1:s1i1:random:-:n0f00000000",	 /* zero rounds */
		"rh1:a.b:v:t2o1r1z1:s1i1:random:3c:n9f00000000", /* thread 2 of 2 */
		"rh1:a.b:v:t2o1r1z1:s1i1:random:3b:n3f00000000", /* choice past the end */
		"rh1:a.b:v:t2o1r1z1:s1i1:random:3b0a:n9f00000000", /* repeated index */
		"rh1:a.b:v:t2o1r1z1:s1i1:random:b:n9f00000000",	 /* no index */
		"rh1:a.b:v:t2o1r1z1:s1:random:-:n0f00000000",	 /* no trial */
		"rh1:a.b:v:t2o1r1z1:s1i1:random:-:n0f0000000",	 /* short fingerprint */
		"rh1:a.b:v:t2o1r1z1:s1i1:random:-:n0f00000000:x", /* extra field */
	};
	char err[256], str[256];
	rh_sched_spec back;

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		snprintf(str, sizeof(str), "%s:%08x", bodies[i],
			 rh_fnv1a(RH_FNV_BASIS, bodies[i], strlen(bodies[i])));
		RH_ASSERT_FALSE(rh_schedule_parse(str, &back, err, sizeof(err)));
		RH_ASSERT_CONTAINS(err, "malformed");
	}
}

/* How the run ended round-trips; a string from before the field parses
 * with it unrecorded, and one written unrecorded has none. */
static void test_schedule_end_recorded(void **state)
{
	static const struct {
		rh_sched_end end;
		rh_kind kind;
		const char *field;
	} ends[] = {
		{RH_END_FAILED, RH_LIVELOCK, ":vLIVELOCK:"},
		{RH_END_CLEAN, RH_CORRUPTION, ":v-:"},
		{RH_END_UNRECORDED, RH_CORRUPTION, NULL},
	};
	rh_sched_spec sp = sample(), back;
	char err[256];

	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		char *s;

		sp.end = ends[i].end;
		sp.end_kind = ends[i].kind;
		s = format_ok(&sp);
		if (ends[i].field != NULL)
			RH_ASSERT_NOT_NULL(strstr(s, ends[i].field));
		else
			RH_ASSERT_NULL(strstr(s, ":v"));
		RH_ASSERT_TRUE(rh_schedule_parse(s, &back, err, sizeof(err)));
		RH_ASSERT_EQ(back.end, ends[i].end);
		RH_ASSERT_EQ(back.end_kind, ends[i].kind);
		rh_schedule_spec_free(&back);
		free(s);
	}
}

static void test_schedule_unsafe_names_not_formatted(void **state)
{
	rh_sched_spec sp = sample();
	char err[256];

	strcpy(sp.variant, "fixed atomic");
	RH_ASSERT_NULL(rh_schedule_format(&sp, err, sizeof(err)));
	RH_ASSERT_CONTAINS(err, "fixed atomic");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule_round_trip),
		cmocka_unit_test(test_schedule_is_one_shell_safe_line),
		cmocka_unit_test(test_schedule_without_deviations),
		cmocka_unit_test(test_schedule_truncation_rejected),
		cmocka_unit_test(test_schedule_any_edit_rejected),
		cmocka_unit_test(test_schedule_garbage_and_versions_rejected),
		cmocka_unit_test(test_schedule_checksummed_nonsense_rejected),
		cmocka_unit_test(test_schedule_end_recorded),
		cmocka_unit_test(test_schedule_unsafe_names_not_formatted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
