/* SPDX-License-Identifier: MIT */
/* SARIF 2.1.0 (OASIS) for code-scanning tools: one run, a rule per
 * violation kind, a result per cell that found a violation, located at the
 * source that registered the scenario (file:line of its RH_SCENARIO) until
 * traces carry source lines of their own. A finding in a variant declared
 * clean is an "error" (the regression CI must stop on), one in a variant
 * declared detected a "note" (the seeded bug, found as declared). */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ci.h"
#include "core/registry.h"
#include "json.h"
#include "racehunt/version.h"
#include "symbolize.h"
#include "utf8.h"

static const char *const kind_text[RH_KIND_COUNT_] = {
#define KIND_TEXT(name, colour, what) [RH_##name] = what,
	RH_KIND_MAP(KIND_TEXT)
#undef KIND_TEXT
};

/* A JSON string that stays valid UTF-8 whatever bytes s holds. */
static void json_text(FILE *out, const char *s)
{
	char *clean = rh_utf8_clean(s);

	rh_json_string(out, clean);
	free(clean);
}

/* The source tree this harness was built from: __FILE__ minus its path
 * inside the tree; 0 when that is not an absolute path. */
static size_t source_root_len(void)
{
	static const char tail[] = "harness/src/report/sarif.c";
	const char *me = __FILE__;
	size_t n = strlen(me), t = sizeof(tail) - 1;

	if (me[0] != '/' || n < t || strcmp(me + n - t, tail) != 0)
		return 0;
	return n - t;
}

/* s percent-encoded for a URI path, inside a JSON string. */
static void uri_text(FILE *out, const char *s, size_t n)
{
	static const char keep[] = "-._~/!$&'()*+,;=:@";

	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || (ch != 0 && strchr(keep, ch) != NULL))
			fputc(ch, out);
		else
			fprintf(out, "%%%02X", ch);
	}
}

/* The top frame of the first stack in a sanitizer's report ("    #0 fn
 * /src/file.c:67:11 (prog+0x..)") as file and line; false when none. */
static bool sanitizer_frame(const char *err, char *file, size_t cap, unsigned *line)
{
	for (const char *p = err ? strstr(err, "#0 ") : NULL; p; p = strstr(p + 3, "#0 ")) {
		char fn[256], where[1024], *colon;

		if (sscanf(p, "#0 %255s %1023s", fn, where) != 2)
			continue;
		/* file:line:column or file:line */
		colon = strrchr(where, ':');
		if (colon == NULL || !isdigit((unsigned char)colon[1]))
			continue;
		*line = (unsigned)atoi(colon + 1);
		*colon = '\0';
		colon = strrchr(where, ':');
		if (colon != NULL && isdigit((unsigned char)colon[1])) {
			*line = (unsigned)atoi(colon + 1);
			*colon = '\0';
		}
		if (*line > 0 && where[0] == '/') {
			snprintf(file, cap, "%s", where);
			return true;
		}
	}
	return false;
}

/* Where a cell's finding points: the exec program's source line of the
 * first address the symbolizer resolves, or the top frame of the
 * sanitizer's first stack (*precise then), else the scenario's
 * RH_SCENARIO, else an exec program itself. NULL when nothing is known. */
static const char *cell_source(const rh_hunt_cell *c, char *found, size_t cap, unsigned *line,
			       bool *precise)
{
	const char *file = rh_scenario_source(c->campaign.scenario, line);
	const char *program = rh_cell_program(c);

	*precise = true;
	if (rh_cell_has_addresses(c) &&
	    rh_symbolize_source(program, c->result->first.message, found, cap, line))
		return found;
	if (sanitizer_frame(c->err, found, cap, line))
		return found;
	*precise = false;
	if (file == NULL && access(program, F_OK) == 0) {
		*line = 0;
		return program; /* exec without a source line: the program itself */
	}
	return file;
}

/* {"artifactLocation":..., "region":...} for file:line (line 0: none). */
static void write_physical(FILE *out, const char *file, unsigned line)
{
	size_t root = source_root_len();

	fputs("{\"artifactLocation\":{\"uri\":\"", out);
	if (root > 0 && strncmp(file, __FILE__, root) == 0) {
		uri_text(out, file + root, strlen(file + root));
		fputs("\",\"uriBaseId\":\"SRCROOT\"}", out);
	} else {
		if (file[0] == '/')
			fputs("file://", out);
		uri_text(out, file, strlen(file));
		fputs("\"}", out);
	}
	if (line > 0)
		fprintf(out, ",\"region\":{\"startLine\":%u}", line);
	fputc('}', out);
}

/* The shrunk interleaving as a code flow, a thread flow per thread, each
 * step at the finding's location with its text ("T0 load counter=0"):
 * code-scanning tools show it as the result's path. */
static void write_code_flow(FILE *out, const rh_first *f, const char *file, unsigned line)
{
	unsigned threads = 0;

	for (unsigned e = 0; e < f->n_events; e++)
		if (f->events[e].tid + 1u > threads)
			threads = f->events[e].tid + 1u;
	fprintf(out, ",\"codeFlows\":[{\"message\":{\"text\":\"shrunk interleaving, %u steps\"},"
		     "\"threadFlows\":[",
		f->n_events);
	for (unsigned t = 0, n = 0; t < threads; t++) {
		bool any = false;

		for (unsigned e = 0; e < f->n_events; e++) {
			char text[64];

			if (f->events[e].tid != t)
				continue;
			fprintf(out, "%s", any ? "," : n++ ? "]},{" : "{");
			if (!any)
				fprintf(out, "\"id\":\"T%u\",\"locations\":[", t);
			any = true;
			snprintf(text, sizeof(text), "T%u %s", t, f->events[e].name);
			fprintf(out, "{\"executionOrder\":%u,\"location\":{\"message\":{\"text\":", e + 1);
			json_text(out, text);
			fputs("},\"physicalLocation\":", out);
			write_physical(out, file, line);
			fputs("}}", out);
		}
	}
	fputs("]}]}]", out);
}

static void write_location(FILE *out, const rh_hunt_cell *c)
{
	const rh_scenario *s = c->campaign.scenario;
	unsigned line = 0;
	char found[4096];
	bool precise;
	const char *file = cell_source(c, found, sizeof(found), &line, &precise);

	if (file == NULL)
		return;
	fputs(",\"locations\":[{\"physicalLocation\":", out);
	write_physical(out, file, line);
	fputs(",\"message\":{\"text\":", out);
	json_text(out, precise ? "first access" : s->summary ? s->summary : s->name);
	fputs("}}]", out);
	if (c->result->first.n_events > 0)
		write_code_flow(out, &c->result->first, file, line);
}

static void write_rules(FILE *out)
{
	fputs("\"rules\":[", out);
	for (int k = 0; k < RH_KIND_COUNT_; k++) {
		fprintf(out, "%s{\"id\":\"%s\",\"shortDescription\":{\"text\":", k ? "," : "",
			rh_kind_name((rh_kind)k));
		json_text(out, kind_text[k] ? kind_text[k] : rh_kind_name((rh_kind)k));
		fputs("},\"defaultConfiguration\":{\"level\":\"error\"}}", out);
	}
	fputc(']', out);
}

static void write_result(FILE *out, const rh_hunt_cell *c, bool *first)
{
	const rh_scenario *s = c->campaign.scenario;
	const rh_variant *v = &s->variants[c->campaign.variant];
	const rh_first *f = &c->result->first;
	bool declared = v->expect == RH_EXPECT_DETECTED;
	char text[RH_MSG_MAX + 4096], *message;

	fprintf(out, "%s\n{\"ruleId\":\"%s\",\"ruleIndex\":%d,\"level\":\"%s\",\"message\":{\"text\":",
		*first ? "" : ",", rh_kind_name(f->kind), (int)f->kind, declared ? "note" : "error");
	*first = false;
	message = rh_cell_message(c);
	snprintf(text, sizeof(text), "%s in %s [%s] (declared %s) under %s, trial %llu: %s",
		 rh_kind_name(f->kind), s->name, v->name, declared ? "detected" : "clean",
		 c->detector, (unsigned long long)f->trial, message);
	free(message);
	json_text(out, text);
	fputc('}', out);
	write_location(out, c);
	fputs(",\"partialFingerprints\":{\"racehuntCell/v1\":", out);
	snprintf(text, sizeof(text), "%s/%s/%s/%s", s->name, v->name, c->detector,
		 rh_kind_name(f->kind));
	json_text(out, text);
	fputs("},\"properties\":{\"scenario\":", out);
	json_text(out, s->name);
	fputs(",\"variant\":", out);
	json_text(out, v->name);
	fputs(",\"detector\":", out);
	json_text(out, c->detector);
	fprintf(out, ",\"expected\":\"%s\",\"trial\":%llu,\"violations\":%llu,\"trials_run\":%llu",
		declared ? "detected" : "clean", (unsigned long long)f->trial,
		(unsigned long long)c->result->failed_trials,
		(unsigned long long)c->result->trials_run);
	fputs(",\"schedule\":", out);
	json_text(out, f->schedule);
	fputs(",\"replay\":", out);
	json_text(out, f->replay);
	if (c->err != NULL) {
		fputs(",\"stderr\":", out);
		json_text(out, c->err);
	}
	fputs("}}", out);
}

void rh_sarif_write(FILE *out, const rh_hunt_cells *l, int argc, char **argv)
{
	size_t root = source_root_len();
	bool first = true, ok = true;
	char cmd[4096];
	size_t used = 0;

	fputs("{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\","
	      "\"runs\":[{\"tool\":{\"driver\":{\"name\":\"racehunt\",\"version\":\"" RH_VERSION
	      "\",\"semanticVersion\":\"" RH_VERSION "\",",
	      out);
	write_rules(out);
	fputs("}}", out);
	if (root > 0) {
		fputs(",\"originalUriBaseIds\":{\"SRCROOT\":{\"uri\":\"file://", out);
		uri_text(out, __FILE__, root);
		fputs("\"}}", out);
	}
	fputs(",\"results\":[", out);
	for (size_t i = 0; i < l->n; i++) {
		ok &= !l->items[i].result->harness_failed;
		if (l->items[i].result->have_first)
			write_result(out, &l->items[i], &first);
	}
	cmd[0] = '\0';
	for (int i = 0; i < argc && used < sizeof(cmd); i++)
		used += (size_t)snprintf(cmd + used, sizeof(cmd) - used, "%s%s", i ? " " : "",
					 argv[i]);
	fprintf(out, "],\"invocations\":[{\"executionSuccessful\":%s,\"commandLine\":",
		ok ? "true" : "false");
	json_text(out, cmd);
	fputs("}]}]}\n", out);
}
