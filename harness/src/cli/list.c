/* SPDX-License-Identifier: MIT */
/* racehunt list [--json FILE|-]: every scenario, its workload defaults and
 * limits, and each variant's declared outcome (docs/json.md, "List JSON"). */
#include <inttypes.h>
#include <stdio.h>

#include "cli_private.h"
#include "core/limits.h"
#include "core/registry.h"
#include "options.h"
#include "output.h"
#include "racehunt/cli.h"
#include "racehunt/version.h"
#include "report/json.h"

enum { O_JSON, O_N };

static const rh_option list_opts[O_N] = {
	[O_JSON] = {"json", "FILE|-", "write the list as JSON (docs/json.md); '-' = stdout", 0},
};

static const rh_command list_command = {
	.name = "list",
	.usage = "[options]",
	.intro = "  every scenario, its workload defaults, and each variant's declared outcome\n",
	.options = list_opts,
	.n_options = O_N,
};

static const char *expect_name(rh_expect e)
{
	return e == RH_EXPECT_DETECTED ? "detected" : "clean";
}

static void list_text(FILE *out)
{
	for (unsigned i = 0; i < rh_scenario_count(); i++) {
		const rh_scenario *s = rh_scenario_at(i);
		rh_limits lim = rh_limits_of(s);

		fprintf(out, "%-22s %s\n", s->name, s->summary);
		fprintf(out, "%-22s threads %u, ops %u, rounds %u, size %u\n", "", s->defaults.threads,
			s->defaults.ops, s->defaults.rounds, s->defaults.size);
		fprintf(out,
			"%-22s limits: threads %u, threads x ops x rounds %" PRIu64
			", rounds %u, size %u\n",
			"", rh_max_threads(s), lim.max_ops, lim.max_rounds, lim.max_size);
		for (unsigned v = 0; v < s->n_variants; v++)
			fprintf(out, "    %-16s expect %-9s %s\n", s->variants[v].name,
				expect_name(s->variants[v].expect), s->variants[v].what);
	}
}

static void scenario_json(FILE *f, const rh_scenario *s)
{
	rh_limits lim = rh_limits_of(s);

	fputs("{\"name\": ", f);
	rh_json_string(f, s->name);
	fputs(", \"summary\": ", f);
	rh_json_string(f, s->summary ? s->summary : "");
	fprintf(f, ", \"defaults\": {\"threads\": %u, \"ops\": %u, \"rounds\": %u, \"size\": %u}",
		s->defaults.threads, s->defaults.ops, s->defaults.rounds, s->defaults.size);
	fprintf(f, ", \"max_threads\": %u, \"stress_trials\": %u", rh_max_threads(s),
		s->stress_trials);
	fprintf(f, ", \"limits\": {\"max_ops\": %" PRIu64 ", \"max_rounds\": %u, \"max_size\": %u}",
		lim.max_ops, lim.max_rounds, lim.max_size);
	fputs(", \"variants\": [", f);
	for (unsigned v = 0; v < s->n_variants; v++) {
		fputs(v ? ",\n      {\"name\": " : "\n      {\"name\": ", f);
		rh_json_string(f, s->variants[v].name);
		fprintf(f, ", \"expected\": \"%s\", \"what\": ", expect_name(s->variants[v].expect));
		rh_json_string(f, s->variants[v].what ? s->variants[v].what : "");
		fputc('}', f);
	}
	fputs("]}", f);
}

static void list_json(FILE *f)
{
	fputs("{\"schema\": \"" RH_JSON_LIST_SCHEMA "\", \"racehunt_version\": \"" RH_VERSION
	      "\",\n \"scenarios\": [",
	      f);
	for (unsigned i = 0; i < rh_scenario_count(); i++) {
		fputs(i ? ",\n  " : "\n  ", f);
		scenario_json(f, rh_scenario_at(i));
	}
	fputs("\n ]}\n", f);
}

int rh_cmd_list(int argc, char **argv)
{
	rh_opts o;
	rh_output json;
	int rc = rh_options_parse(&list_command, argc, argv, 2, &o);

	if (rc != RH_EXIT_CLEAN)
		return rc == RH_OPTIONS_HELP ? RH_EXIT_CLEAN : rc;
	if (!o.count[O_JSON]) {
		list_text(stdout);
		return RH_EXIT_CLEAN;
	}
	rc = rh_output_open(&json, "--json", o.value[O_JSON]);
	if (rc != RH_EXIT_CLEAN)
		return rc;
	list_json(json.f);
	return rh_output_commit(&json);
}
