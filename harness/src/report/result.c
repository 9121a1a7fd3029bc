/* SPDX-License-Identifier: MIT */
/* Campaign results: detection rate and the JSON summary of DESIGN.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign/campaign.h"
#include "json.h"
#include "core/util.h"
#include "racehunt/props.h"
#include "racehunt/version.h"
#include "result_json.h"
#include "utf8.h"

/* Always valid UTF-8, whatever bytes a store put in a message: a byte that
 * starts no well-formed sequence is written as the text \xHH (JSON "\\xHH"),
 * as report/utf8.c does for XML, so every JSON reader (and compare) takes
 * the file. */
void rh_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	while (*p) {
		uint32_t cp;
		size_t n = rh_utf8_seq(p, &cp);

		if (n == 0)
			fprintf(out, "\\\\x%02X", *p);
		else if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fwrite(p, 1, n, out);
		p += n ? n : 1;
	}
	fputc('"', out);
}

void rh_result_rate(const rh_result *r, double *rate, double *lo, double *hi)
{
	double n = (double)r->trials_run, z = 1.96, p, centre, half;

	if (r->trials_run == 0) {
		*rate = *lo = *hi = 0;
		return;
	}
	p = (double)r->failed_trials / n;
	centre = (p + z * z / (2 * n)) / (1 + z * z / n);
	half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n);
	*rate = p;
	*lo = centre - half < 0 ? 0 : centre - half;
	*hi = centre + half > 1 ? 1 : centre + half;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* p50/p99/p999 by the one percentile definition (rh_percentile_index,
 * nearest rank, racehunt/props.h): (n - 1) * q rounded down, used here
 * before, gave the smaller of two samples as their p99. */
static void latency_json(FILE *out, const rh_result *r)
{
	size_t n = r->samples_seen < RH_RESERVOIR ? r->samples_seen : RH_RESERVOIR;
	uint64_t *v;

	if (n == 0)
		return;
	v = malloc(n * sizeof(*v));
	if (v == NULL)
		rh_die("out of memory for latency percentiles");
	memcpy(v, r->reservoir, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_u64);
	fprintf(out, ",\"latency_ns\":{\"samples\":%llu,\"p50\":%llu,\"p99\":%llu,\"p999\":%llu}",
		(unsigned long long)r->samples_seen,
		(unsigned long long)v[rh_percentile_index(n, 0.5)],
		(unsigned long long)v[rh_percentile_index(n, 0.99)],
		(unsigned long long)v[rh_percentile_index(n, 0.999)]);
	free(v);
}

void rh_result_json(FILE *out, const rh_campaign *c, const rh_result *r)
{
	double rate, lo, hi;

	rh_result_rate(r, &rate, &lo, &hi);
	fputs("{\"schema\":\"" RH_JSON_SCHEMA "\",\"scenario\":", out);
	rh_json_string(out, c->scenario->name);
	fputs(",\"variant\":", out);
	rh_json_string(out, c->scenario->variants[c->variant].name);
	fprintf(out, ",\"expected\":\"%s\"",
		c->scenario->variants[c->variant].expect == RH_EXPECT_DETECTED ? "detected"
										 : "clean");
	fprintf(out, ",\"racehunt_version\":\"%s\",\"build\":\"%s\",\"mode\":\"%s\",\"strategy\":",
		RH_VERSION, RH_BUILD_FLAVOUR,
		c->mode == RH_MODE_STRESS ? "stress" : "controlled");
	rh_json_string(out, c->strategy);
	fprintf(out,
		",\"seed\":%llu,\"threads\":%u,\"ops\":%u,\"rounds\":%u,\"size\":%u,"
		"\"trials_run\":%llu,\"violations\":%llu,\"detected\":%s,\"rate\":%.6f,"
		"\"rate_ci95\":[%.6f,%.6f],\"elapsed_ms\":%.1f,\"sanitizer_trials\":%llu",
		(unsigned long long)c->seed, c->params.threads, c->params.ops, c->params.rounds,
		c->params.size, (unsigned long long)r->trials_run,
		(unsigned long long)r->failed_trials, r->failed_trials ? "true" : "false", rate, lo,
		hi, r->elapsed_ms, (unsigned long long)r->sanitizer_trials);
	if (c->shard_count)
		fprintf(out, ",\"shard\":{\"index\":%u,\"count\":%u,\"first_trial\":%llu,\"trials\":%llu}",
			c->shard_index, c->shard_count, (unsigned long long)c->first_trial,
			(unsigned long long)c->trials);
	if (c->mode == RH_MODE_CONTROLLED)
		fprintf(out, ",\"schedules\":%llu,\"exhausted\":%s,\"pruned\":%llu,\"points\":\"%s\"",
			(unsigned long long)r->schedules, r->exhausted ? "true" : "false",
			(unsigned long long)r->pruned, r->points);
	fprintf(out, ",\"outcomes\":{\"clean\":%llu",
		(unsigned long long)(r->trials_run - r->failed_trials));
	for (int k = 0; k < RH_KIND_COUNT_; k++)
		if (r->hist[k])
			fprintf(out, ",\"%s\":%llu", rh_kind_name((rh_kind)k),
				(unsigned long long)r->hist[k]);
	fputc('}', out);
	fputs(",\"behind_first\":{", out);
	for (int k = 0, n = 0; k < RH_KIND_COUNT_; k++)
		if (r->behind[k])
			fprintf(out, "%s\"%s\":%llu", n++ ? "," : "", rh_kind_name((rh_kind)k),
				(unsigned long long)r->behind[k]);
	fputc('}', out);
	latency_json(out, r);
	if (r->harness_failed) {
		fputs(",\"harness_error\":", out);
		rh_json_string(out, r->harness_error);
	}
	if (r->have_first) {
		fprintf(out, ",\"first\":{\"trial\":%llu,\"kind\":\"%s\",\"at_ms\":%.1f,\"message\":",
			(unsigned long long)r->first.trial, rh_kind_name(r->first.kind),
			r->first.at_ms);
		rh_json_string(out, r->first.message);
		fputs(",\"schedule\":", out);
		rh_json_string(out, r->first.schedule);
		fputs(",\"replay\":", out);
		rh_json_string(out, r->first.replay);
		if (r->first.output[0]) {
			fputs(",\"output\":", out);
			rh_json_string(out, r->first.output);
		}
		fputc('}', out);
	} else {
		fputs(",\"first\":null", out);
	}
	fputc('}', out);
}
