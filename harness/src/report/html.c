/* SPDX-License-Identifier: MIT */
/* racehunt hunt --html: the report page. Everything is inline (CSS, SVG) and
 * there is no script, so the file renders the same offline, from a CI
 * artifact store, or in a mail client's preview. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ci.h"
#include "html.h"
#include "html_private.h"
#include "racehunt/sync.h"
#include "core/util.h"
#include "racehunt/version.h"
#include "result_json.h"

void rh_hunt_cells_add(rh_hunt_cells *l, const char *detector, const rh_campaign *c,
		       const rh_result *r)
{
	rh_hunt_cell *cell;

	if (l->n == l->cap)
		l->items = rh_grow(l->items, &l->cap, sizeof(*l->items), 64, "hunt results");
	cell = &l->items[l->n];
	cell->detector = detector;
	cell->campaign = *c;
	cell->err = NULL;
	cell->program = NULL;
	cell->result = malloc(sizeof(*r));
	if (cell->result == NULL)
		rh_die("out of memory keeping %zu hunt results for --html", l->n);
	memcpy(cell->result, r, sizeof(*r));
	l->n++;
}

void rh_hunt_cells_add_doc(rh_hunt_cells *l, const char *detector, const rh_scenario *s,
			   unsigned variant, const rh_result_doc *d)
{
	rh_campaign c;

	if (d == NULL)
		return;
	memset(&c, 0, sizeof(c));
	c.scenario = s;
	c.variant = variant;
	c.mode = d->mode && strcmp(d->mode, "controlled") == 0 ? RH_MODE_CONTROLLED
							       : RH_MODE_STRESS;
	c.strategy = d->strategy ? d->strategy : detector;
	c.seed = d->seed;
	rh_hunt_cells_add(l, detector, &c, d->result);
}

void rh_hunt_cells_add_json(rh_hunt_cells *l, const char *detector, const rh_scenario *s,
			    unsigned variant, const rh_jvalue *result)
{
	rh_result_doc d;
	char err[256];

	if (result == NULL)
		return;
	if (rh_result_decode(result, &d, err, sizeof(err))) {
		rh_hunt_cells_add_doc(l, detector, s, variant, &d);
		rh_result_doc_free(&d);
		return;
	}
	/* A result the decoder refuses is shown as what it is: no verdict. */
	d.result = calloc(1, sizeof(*d.result));
	if (d.result == NULL)
		rh_die("out of memory keeping %zu hunt results for --html", l->n);
	d.result->harness_failed = 1;
	snprintf(d.result->harness_error, sizeof(d.result->harness_error),
		 "bad result JSON: %.220s", err);
	rh_hunt_cells_add_doc(l, detector, s, variant, &d);
	rh_result_doc_free(&d);
}

void rh_hunt_cells_free(rh_hunt_cells *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].result);
		free(l->items[i].err);
		free(l->items[i].program);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* ---- page building blocks ---------------------------------------------- */

void rh__html_esc(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out);
		}
	}
}

/* s cut to at most max characters (bytes; labels are ASCII) with an
 * ellipsis, escaped. */
void rh__html_esc_cut(FILE *out, const char *s, size_t max)
{
	char buf[256];
	size_t n = strlen(s);

	if (n <= max || max < 2 || max >= sizeof(buf)) {
		rh__html_esc(out, s);
		return;
	}
	/* Back off to a character boundary: never half a UTF-8 sequence. */
	while (max > 1 && ((unsigned char)s[max - 1] & 0xc0) == 0x80)
		max--;
	memcpy(buf, s, max - 1);
	buf[max - 1] = '\0';
	rh__html_esc(out, buf);
	fputs("\xe2\x80\xa6", out);
}

const char *const rh__html_kind_colors[RH_KIND_COUNT_] = {
#define KIND_COLOUR(name, colour, what) [RH_##name] = colour,
	RH_KIND_MAP(KIND_COLOUR)
#undef KIND_COLOUR
};

static const char css[] =
	"*{box-sizing:border-box}"
	"body{margin:0;background:#f4f5f7;color:#1c2230;"
	"font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif}"
	"header{background:#1c2230;color:#fff;padding:18px 32px}"
	"header h1{margin:0;font-size:22px;font-weight:600}"
	"header p{margin:4px 0 0;color:#b9c1d0;font-size:13px}"
	"header code{color:#e6e9ef}"
	".banner{display:inline-block;margin-top:10px;padding:5px 12px;border-radius:14px;"
	"font-weight:600}"
	".banner.good{background:#2f8f5b}.banner.bad{background:#c0392b}"
	"main{padding:4px 32px 40px}"
	"section{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:16px 20px;"
	"margin:18px 0}"
	"h2{font-size:17px;margin:0 0 4px}"
	".note{color:#5b6478;font-size:12.5px;margin:0 0 12px}"
	"table{border-collapse:collapse}"
	"th{font-size:12.5px;color:#5b6478;"
	"text-align:left;font-weight:600}"
	"th,td{padding:6px 10px;border-bottom:1px solid #e7eaf0;vertical-align:top}"
	"td.scn{font-weight:600}"
	"td.c{min-width:150px}"
	"td.c b{display:block;font-size:13px}"
	"td.c small,td.v small{display:block;color:#4b5466;font-size:12px}"
	"td.hit{background:#e3f3e8}td.hit b{color:#1e6b3f}"
	"td.ok{background:#f1f8f3}td.ok b{color:#2f6f49}"
	"td.miss{background:#fdf1dc}td.miss b{color:#9a5b00}"
	"td.flag{background:#fbe3e1}td.flag b{color:#a12a1f}"
	"td.fail{background:#e9e4f2}td.fail b{color:#4b2a80}"
	".badge{display:inline-block;padding:2px 9px;border-radius:11px;font-size:12px;"
	"font-weight:600;color:#fff;white-space:nowrap}"
	".badge.good{background:#2f8f5b}.badge.bad{background:#c0392b}"
	".badge.fail{background:#6b4fa0}"
	"tfoot td{color:#4b5466;font-size:12.5px;border-bottom:0}"
	".charts,.hists{display:flex;flex-wrap:wrap;gap:18px}"
	"figure{margin:0}figcaption{font-weight:600;margin-bottom:4px}"
	".hist{border:1px solid #e7eaf0;border-radius:6px;padding:10px 12px}"
	".hist h3,.trace h3{font-size:14px;margin:0 0 6px}"
	".hist td{padding:3px 8px;font-size:12.5px}"
	".legend{font-size:12px;color:#4b5466;margin:6px 0 0}"
	".legend i{display:inline-block;width:10px;height:10px;border-radius:2px;"
	"margin:0 4px 0 10px;vertical-align:-1px}"
	".trace{border-top:1px solid #e7eaf0;padding:12px 0 4px}"
	".trace:first-of-type{border-top:0}"
	".msg{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:12.5px;"
	"background:#fbe3e1;border-radius:4px;padding:6px 10px;margin:4px 0 8px}"
	"pre{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:12px;"
	"background:#f4f5f7;border-radius:4px;padding:6px 10px;margin:4px 0;"
	"white-space:pre-wrap;word-break:break-all;max-height:140px;overflow:auto}"
	".lanes{display:inline-block;max-width:100%;overflow-x:auto;"
	"border:1px solid #e7eaf0;border-radius:6px;"
	"margin:6px 0}"
	"svg text{font-family:system-ui,'DejaVu Sans',sans-serif}"
	"svg .mono{font-family:ui-monospace,'DejaVu Sans Mono',monospace}"
	"details summary{cursor:pointer;color:#4b5466;font-size:12.5px}"
	"p.conflict{color:#a12a1f;font-weight:600;font-size:13px;margin:2px 0 8px}"
	"nav#contents ul{margin:4px 0;padding-left:20px;columns:3 220px}"
	"nav#contents li{font-size:13px}td.c a{color:inherit}"
	".trace:target{outline:2px solid #2f7ebf;outline-offset:4px}"
	"@media print{body{background:#fff}main{padding:0 8px}"
	".lanes,pre{max-height:none;overflow:visible;max-width:none}"
	"pre{white-space:pre-wrap}.trace{break-inside:avoid-page}"
	"section{border:0;padding:8px 0}header{background:#fff;color:#000}}";

/* ---- rows: one scenario x variant, its cells by detector ----------------- */

bool rh__html_expects_detection(const row *r)
{
	return r->scenario->variants[r->variant].expect == RH_EXPECT_DETECTED;
}

static unsigned detector_index(report *rep, const char *name)
{
	for (unsigned d = 0; d < rep->n_detectors; d++)
		if (strcmp(rep->detectors[d], name) == 0)
			return d;
	if (rep->n_detectors == MAX_DETECTORS)
		rh_die("--html: more than %d detectors", MAX_DETECTORS);
	rep->detectors[rep->n_detectors] = name;
	return rep->n_detectors++;
}

static void build_rows(report *rep, const rh_hunt_cells *l)
{
	rep->cells = l;
	rep->rows = calloc(l->n ? l->n : 1, sizeof(*rep->rows));
	if (rep->rows == NULL)
		rh_die("out of memory drawing the --html report");
	for (size_t i = 0; i < l->n; i++) {
		const rh_hunt_cell *c = &l->items[i];
		row *r = rep->n_rows ? &rep->rows[rep->n_rows - 1] : NULL;

		if (r == NULL || r->scenario != c->campaign.scenario ||
		    r->variant != c->campaign.variant) {
			r = &rep->rows[rep->n_rows++];
			r->scenario = c->campaign.scenario;
			r->variant = c->campaign.variant;
		}
		r->cell[detector_index(rep, c->detector)] = c;
	}
}


row_verdict rh__html_verdict_of(const row *r, const report *rep)
{
	bool detected = false;

	for (unsigned d = 0; d < rep->n_detectors; d++) {
		if (r->cell[d] == NULL)
			continue;
		if (r->cell[d]->result->harness_failed)
			return HARNESS_FAILED;
		detected |= r->cell[d]->result->failed_trials > 0;
	}
	if (detected == rh__html_expects_detection(r))
		return AS_DECLARED;
	return detected ? FLAGGED : MISSED;
}

void rh__html_ms_text(FILE *out, double ms)
{
	if (ms < 10)
		fprintf(out, "%.1f ms", ms);
	else if (ms < 10000)
		fprintf(out, "%.0f ms", ms);
	else
		fprintf(out, "%.1f s", ms / 1000);
}

/* ---- header and matrix ------------------------------------------------- */

static void write_header(FILE *out, const report *rep, int argc, char **argv)
{
	size_t good = 0;
	char when[64];
	time_t now = time(NULL);

	for (size_t i = 0; i < rep->n_rows; i++)
		good += rh__html_verdict_of(&rep->rows[i], rep) == AS_DECLARED;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	fputs("<header><h1>racehunt hunt</h1><p><code>", out);
	for (int i = 0; i < argc; i++) {
		rh__html_esc(out, argv[i]);
		fputc(i + 1 < argc ? ' ' : '\n', out);
	}
	fprintf(out, "</code> &middot; racehunt %s, build %s &middot; seed %llu &middot; %s</p>",
		RH_VERSION, RH_BUILD_FLAVOUR,
		rep->cells->n ? (unsigned long long)rep->cells->items[0].campaign.seed : 0ULL, when);
	fprintf(out, "<div class=\"banner %s\">%zu of %zu variants behaved as declared</div>",
		good == rep->n_rows ? "good" : "bad", good, rep->n_rows);
	fputs("</header>\n<main>\n", out);
}

static void matrix_cell(FILE *out, const row *r, const rh_hunt_cell *c)
{
	const rh_result *res = c->result;
	bool buggy = rh__html_expects_detection(r);

	if (res->harness_failed) {
		fputs("<td class=\"c fail\"><b>FAILED</b><small>", out);
		rh__html_esc_cut(out, res->harness_error, 80);
		fputs("</small></td>", out);
	} else if (res->failed_trials) {
		fprintf(out, "<td class=\"c %s\">", buggy ? "hit" : "flag");
		if (buggy) /* seeded bugs have a trace below (html_swimlanes.c) */
			rh__html_trace_link(out, r);
		fprintf(out, "<b>%s %s</b>%s<small>", buggy ? "detected" : "FLAGGED",
			rh_kind_name(res->first.kind), buggy ? "</a>" : "");
		fprintf(out, "trial %llu &middot; ", (unsigned long long)res->first.trial);
		rh__html_ms_text(out, res->first.at_ms);
		fputs("</small></td>", out);
	} else {
		fprintf(out, "<td class=\"c %s\"><b>%s</b><small>", buggy ? "miss" : "ok",
			buggy ? "missed" : "clean");
		if (c->campaign.mode == RH_MODE_CONTROLLED && res->exhausted)
			fprintf(out, "all %llu schedules", (unsigned long long)res->schedules);
		else
			fprintf(out, "%llu trials", (unsigned long long)res->trials_run);
		fputs(" &middot; ", out);
		rh__html_ms_text(out, res->elapsed_ms);
		fputs("</small></td>", out);
	}
}

static void write_matrix(FILE *out, const report *rep)
{
	fputs("<section id=\"matrix\"><h2>Detector matrix</h2><p class=\"note\">Each variant under each "
	      "detector: what it found, at which trial and after how long. A variant declared "
	      "<i>detected</i> must be caught by at least one detector, one declared "
	      "<i>clean</i> by none. <b style=\"color:#9a5b00\">missed</b> marks a seeded bug "
	      "this detector did not see.</p>\n<table><thead><tr><th>scenario</th>"
	      "<th>variant</th><th>declared</th>",
	      out);
	for (unsigned d = 0; d < rep->n_detectors; d++) {
		fputs("<th>", out);
		rh__html_esc(out, rep->detectors[d]);
		fputs("</th>", out);
	}
	fputs("<th>verdict</th></tr></thead><tbody>\n", out);
	for (size_t i = 0; i < rep->n_rows; i++) {
		const row *r = &rep->rows[i];
		size_t span = 1;
		row_verdict v = rh__html_verdict_of(r, rep);

		fputs("<tr>", out);
		if (i == 0 || rep->rows[i - 1].scenario != r->scenario) {
			while (i + span < rep->n_rows && rep->rows[i + span].scenario == r->scenario)
				span++;
			fprintf(out, "<td class=\"scn\" rowspan=\"%zu\" id=\"scn-", span);
			rh__html_esc(out, r->scenario->name);
			fputs("\">", out);
			rh__html_esc(out, r->scenario->name);
			fputs("</td>", out);
		}
		fputs("<td>", out);
		rh__html_esc(out, r->scenario->variants[r->variant].name);
		fprintf(out, "</td><td>%s</td>", rh__html_expects_detection(r) ? "detected" : "clean");
		for (unsigned d = 0; d < rep->n_detectors; d++) {
			if (r->cell[d] == NULL)
				fputs("<td class=\"c\">&ndash;</td>", out);
			else
				matrix_cell(out, r, r->cell[d]);
		}
		fprintf(out, "<td class=\"v\">%s</td></tr>\n",
			v == AS_DECLARED      ? "<span class=\"badge good\">as declared</span>"
			: v == MISSED	      ? "<span class=\"badge bad\">MISMATCH</span>"
						"<small>missed a seeded bug</small>"
			: v == FLAGGED	      ? "<span class=\"badge bad\">MISMATCH</span>"
						"<small>flagged a clean variant</small>"
					      : "<span class=\"badge fail\">HARNESS FAILURE</span>");
	}
	/* Per detector: what it caught and what it missed, the point of running
	 * several. */
	fputs("</tbody><tfoot><tr><td colspan=\"3\">seeded bugs caught</td>", out);
	for (unsigned d = 0; d < rep->n_detectors; d++) {
		unsigned caught = 0, bugs = 0, flagged = 0;

		for (size_t i = 0; i < rep->n_rows; i++) {
			const rh_hunt_cell *c = rep->rows[i].cell[d];

			if (c == NULL)
				continue;
			if (rh__html_expects_detection(&rep->rows[i])) {
				bugs++;
				caught += c->result->failed_trials > 0;
			} else {
				flagged += c->result->failed_trials > 0;
			}
		}
		fprintf(out, "<td>%u of %u%s", caught, bugs, flagged ? "," : "");
		if (flagged)
			fprintf(out, " <b style=\"color:#a12a1f\">%u fixed flagged</b>", flagged);
		fputs("</td>", out);
	}
	fputs("<td></td></tr></tfoot></table></section>\n", out);
}

void rh__html_trace_link(FILE *out, const row *r)
{
	fputs("<a href=\"#", out);
	rh__html_trace_id(out, r);
	fputs("\">", out);
}

void rh__html_trace_id(FILE *out, const row *r)
{
	fputs("trace-", out);
	rh__html_esc(out, r->scenario->name);
	fputc('-', out);
	rh__html_esc(out, r->scenario->variants[r->variant].name);
}

/* Contents: the sections, then every scenario (its row in the matrix). */
static void write_contents(FILE *out, const report *rep)
{
	bool mismatch = false;

	for (size_t i = 0; i < rep->n_rows; i++)
		mismatch |= rh__html_verdict_of(&rep->rows[i], rep) != AS_DECLARED;
	fputs("<nav id=\"contents\"><section><h2>Contents</h2><ul>", out);
	if (mismatch)
		fputs("<li><a href=\"#not-as-declared\">Not as declared</a></li>", out);
	fputs("<li><a href=\"#matrix\">Detector matrix</a></li>"
	      "<li><a href=\"#rates\">Detection rate per detector</a></li>"
	      "<li><a href=\"#outcomes\">Outcomes per scenario</a></li>"
	      "<li><a href=\"#traces\">First failing interleavings</a></li></ul>"
	      "<p class=\"note\">Scenarios:</p><ul>",
	      out);
	for (size_t i = 0; i < rep->n_rows; i++) {
		if (i > 0 && rep->rows[i - 1].scenario == rep->rows[i].scenario)
			continue;
		fputs("<li><a href=\"#scn-", out);
		rh__html_esc(out, rep->rows[i].scenario->name);
		fputs("\">", out);
		rh__html_esc(out, rep->rows[i].scenario->name);
		fputs("</a></li>", out);
	}
	fputs("</ul></section></nav>\n", out);
}

void rh_html_write(FILE *out, const rh_hunt_cells *l, int argc, char **argv)
{
	report rep;

	memset(&rep, 0, sizeof(rep));
	build_rows(&rep, l);
	/* The empty icon keeps the browser from asking for /favicon.ico. */
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		     "<meta name=\"viewport\" content=\"width=device-width\">"
		     "<link rel=\"icon\" href=\"data:,\"><title>racehunt hunt report</title>"
		     "<style>%s</style></head><body>\n",
		css);
	write_header(out, &rep, argc, argv);
	write_contents(out, &rep);
	rh_regressions_html(out, l); /* report/regressions.c: the rows to act on, first */
	write_matrix(out, &rep);
	rh__html_rates(out, &rep);
	rh__html_histograms(out, &rep);
	rh__html_traces(out, &rep);
	fputs("</main></body></html>\n", out);
	free(rep.rows);
}
