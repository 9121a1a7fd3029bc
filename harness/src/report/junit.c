/* SPDX-License-Identifier: MIT */
/* JUnit XML for CI systems: a testsuite per scenario, a testcase per cell
 * (scenario x variant x detector), failures carrying the violation, the
 * command that replays it and, for controlled runs, the shrunk interleaving.
 * The dialect is the common one Jenkins, GitLab and GitHub reporters read
 * (testsuites > testsuite > testcase > failure | error | system-out). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ci.h"
#include "racehunt/version.h"
#include "utf8.h"

/* XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
static bool xml_char(uint32_t cp)
{
	return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
	       (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
}

void rh_xml_text(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		uint32_t cp;
		size_t n = rh_utf8_seq(p, &cp);

		if (n == 0 || !xml_char(cp)) {
			/* One escaped byte; a bad sequence is resynchronised byte by byte. */
			fprintf(out, "\\x%02X", *p);
			p += n ? n : 1;
			continue;
		}
		switch (cp) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		/* Kept through attribute-value normalisation. */
		case '\n': fputs("&#10;", out); break;
		case '\r': fputs("&#13;", out); break;
		case '\t': fputs("&#9;", out); break;
		default: fwrite(p, 1, n, out);
		}
		p += n;
	}
}

typedef struct counts {
	size_t tests, failures, errors;
	double ms;
} counts;

typedef enum case_state { CASE_PASSED, CASE_FAILED, CASE_ERROR } case_state;

static case_state case_of(const rh_hunt_cell *c, rh_row_verdict row)
{
	if (c->result->harness_failed)
		return CASE_ERROR;
	if (row == RH_ROW_MISSED)
		return CASE_FAILED;
	if (row == RH_ROW_FLAGGED && c->result->failed_trials > 0)
		return CASE_FAILED;
	return CASE_PASSED;
}

static void count_cells(const rh_hunt_cells *l, size_t first, size_t end, counts *k)
{
	memset(k, 0, sizeof(*k));
	for (size_t i = first, row_end; i < end; i = row_end) {
		rh_row_verdict v = rh_hunt_row(l, i, &row_end);

		for (size_t j = i; j < row_end; j++) {
			case_state s = case_of(&l->items[j], v);

			k->tests++;
			k->failures += s == CASE_FAILED;
			k->errors += s == CASE_ERROR;
			k->ms += l->items[j].result->elapsed_ms;
		}
	}
}

/* What the cell saw, as text: the first violation with its replay command
 * and interleaving, or how much clean work it did. */
static void cell_report(FILE *out, const rh_hunt_cell *c, const char *message)
{
	const rh_result *r = c->result;
	const rh_first *f = &r->first;

	if (r->harness_failed) {
		fputs("harness failure: ", out);
		rh_xml_text(out, r->harness_error);
		fputs("\n", out);
	}
	if (!r->have_first) {
		fprintf(out, "no violation in %llu trials (rate &lt; %.2g%% at 95%%)",
			(unsigned long long)r->trials_run, rh_clean_upper95(r->trials_run) * 100);
		if (c->campaign.mode == RH_MODE_CONTROLLED)
			fprintf(out, " (%llu schedules%s)", (unsigned long long)r->schedules,
				r->exhausted ? ", bounded space exhausted" : "");
		fputs("\n", out);
		return;
	}
	fprintf(out, "%s in %llu of %llu trials, first at trial %llu: ", rh_kind_name(f->kind),
		(unsigned long long)r->failed_trials, (unsigned long long)r->trials_run,
		(unsigned long long)f->trial);
	rh_xml_text(out, message);
	fputs("\nreplay: ", out);
	rh_xml_text(out, f->replay);
	fputs("\n", out);
	if (f->n_events > 0)
		fputs("interleaving:\n", out);
	for (unsigned e = 0; e < f->n_events; e++) {
		fprintf(out, "  %u T%u ", f->events[e].step, f->events[e].tid);
		rh_xml_text(out, f->events[e].name);
		fputs("\n", out);
	}
}

static void write_case(FILE *out, const rh_hunt_cell *c, rh_row_verdict row)
{
	const rh_scenario *s = c->campaign.scenario;
	const rh_result *r = c->result;
	case_state st = case_of(c, row);
	char *message = r->have_first ? rh_cell_message(c) : NULL;

	fputs("    <testcase classname=\"", out);
	rh_xml_text(out, s->name);
	fputc('.', out);
	rh_xml_text(out, s->variants[c->campaign.variant].name);
	fputs("\" name=\"", out);
	rh_xml_text(out, c->detector);
	fprintf(out, "\" time=\"%.3f\">\n", r->elapsed_ms / 1000);
	if (st == CASE_ERROR) {
		fputs("      <error type=\"HARNESS_FAILURE\" message=\"", out);
		rh_xml_text(out, r->harness_error);
		fputs("\">", out);
	} else if (st == CASE_FAILED && r->have_first) {
		fprintf(out, "      <failure type=\"%s\" message=\"declared clean, found %s: ",
			rh_kind_name(r->first.kind), rh_kind_name(r->first.kind));
		rh_xml_text(out, message);
		fputs("\">", out);
	} else if (st == CASE_FAILED) {
		fputs("      <failure type=\"MISSED\" message=\"declared detected, no detector "
		      "found a violation\">",
		      out);
	} else {
		fputs("      <system-out>", out);
	}
	cell_report(out, c, message);
	free(message);
	fputs(st == CASE_ERROR	  ? "</error>\n"
	      : st == CASE_FAILED ? "</failure>\n"
				  : "</system-out>\n",
	      out);
	if (c->err != NULL) { /* a sanitizer's report, as the trials wrote it */
		fputs("      <system-err>", out);
		rh_xml_text(out, c->err);
		fputs("</system-err>\n", out);
	}
	fputs("    </testcase>\n", out);
}

void rh_junit_write(FILE *out, const rh_hunt_cells *l, const char *name)
{
	counts all;

	count_cells(l, 0, l->n, &all);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", out);
	rh_xml_text(out, name);
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n", all.tests,
		all.failures, all.errors, all.ms / 1000);
	for (size_t first = 0, end; first < l->n; first = end) {
		const rh_scenario *s = l->items[first].campaign.scenario;
		counts k;

		for (end = first; end < l->n && l->items[end].campaign.scenario == s; end++)
			;
		count_cells(l, first, end, &k);
		fputs("  <testsuite name=\"", out);
		rh_xml_text(out, s->name);
		fprintf(out,
			"\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\" "
			"time=\"%.3f\">\n",
			k.tests, k.failures, k.errors, k.ms / 1000);
		fprintf(out,
			"    <properties><property name=\"racehunt_version\" value=\"%s\"/>"
			"<property name=\"build\" value=\"%s\"/><property name=\"seed\" "
			"value=\"%llu\"/></properties>\n",
			RH_VERSION, RH_BUILD_FLAVOUR,
			(unsigned long long)l->items[first].campaign.seed);
		for (size_t i = first, row_end; i < end; i = row_end) {
			rh_row_verdict v = rh_hunt_row(l, i, &row_end);

			for (size_t j = i; j < row_end; j++)
				write_case(out, &l->items[j], v);
		}
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
}
