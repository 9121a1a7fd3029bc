/* racehunt hunt --html: the report page. Everything is inline (CSS, SVG) and
 * there is no script, so the file renders the same offline, from a CI
 * artifact store, or in a mail client's preview. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ci.h"
#include "html.h"
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
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].result);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* ---- page building blocks ---------------------------------------------- */

static void esc(FILE *out, const char *s)
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
static void esc_cut(FILE *out, const char *s, size_t max)
{
	char buf[256];
	size_t n = strlen(s);

	if (n <= max || max < 2 || max >= sizeof(buf)) {
		esc(out, s);
		return;
	}
	memcpy(buf, s, max - 1);
	buf[max - 1] = '\0';
	esc(out, buf);
	fputs("\xe2\x80\xa6", out);
}

static const char *const kind_colors[RH_KIND_COUNT_] = {
#define KIND_COLOUR(name, colour, what) [RH_##name] = colour,
	RH_KIND_MAP(KIND_COLOUR)
#undef KIND_COLOUR
};
#define CLEAN_COLOR "#8fc9a3"

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
	".lanes{display:inline-block;max-width:100%;overflow:auto;max-height:620px;"
	"border:1px solid #e7eaf0;border-radius:6px;"
	"margin:6px 0}"
	"svg text{font-family:system-ui,'DejaVu Sans',sans-serif}"
	"svg .mono{font-family:ui-monospace,'DejaVu Sans Mono',monospace}"
	"details summary{cursor:pointer;color:#4b5466;font-size:12.5px}";

/* ---- rows: one scenario x variant, its cells by detector ----------------- */

#define MAX_DETECTORS 16

typedef struct row {
	const rh_scenario *scenario;
	unsigned variant;
	const rh_hunt_cell *cell[MAX_DETECTORS]; /* NULL: detector not run */
} row;

typedef struct report {
	const rh_hunt_cells *cells;
	const char *detectors[MAX_DETECTORS];
	unsigned n_detectors;
	row *rows;
	size_t n_rows;
} report;

static bool expects_detection(const row *r)
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

typedef enum row_verdict { AS_DECLARED, MISSED, FLAGGED, HARNESS_FAILED } row_verdict;

static row_verdict verdict_of(const row *r, const report *rep)
{
	bool detected = false;

	for (unsigned d = 0; d < rep->n_detectors; d++) {
		if (r->cell[d] == NULL)
			continue;
		if (r->cell[d]->result->harness_failed)
			return HARNESS_FAILED;
		detected |= r->cell[d]->result->failed_trials > 0;
	}
	if (detected == expects_detection(r))
		return AS_DECLARED;
	return detected ? FLAGGED : MISSED;
}

static void ms_text(FILE *out, double ms)
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
		good += verdict_of(&rep->rows[i], rep) == AS_DECLARED;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	fputs("<header><h1>racehunt hunt</h1><p><code>", out);
	for (int i = 0; i < argc; i++) {
		esc(out, argv[i]);
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
	bool buggy = expects_detection(r);

	if (res->harness_failed) {
		fputs("<td class=\"c fail\"><b>FAILED</b><small>", out);
		esc_cut(out, res->harness_error, 80);
		fputs("</small></td>", out);
	} else if (res->failed_trials) {
		fprintf(out, "<td class=\"c %s\"><b>%s %s</b><small>", buggy ? "hit" : "flag",
			buggy ? "detected" : "FLAGGED", rh_kind_name(res->first.kind));
		fprintf(out, "trial %llu &middot; ", (unsigned long long)res->first.trial + 1);
		ms_text(out, res->first.at_ms);
		fputs("</small></td>", out);
	} else {
		fprintf(out, "<td class=\"c %s\"><b>%s</b><small>", buggy ? "miss" : "ok",
			buggy ? "missed" : "clean");
		if (c->campaign.mode == RH_MODE_CONTROLLED && res->exhausted)
			fprintf(out, "all %llu schedules", (unsigned long long)res->schedules);
		else
			fprintf(out, "%llu trials", (unsigned long long)res->trials_run);
		fputs(" &middot; ", out);
		ms_text(out, res->elapsed_ms);
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
		esc(out, rep->detectors[d]);
		fputs("</th>", out);
	}
	fputs("<th>verdict</th></tr></thead><tbody>\n", out);
	for (size_t i = 0; i < rep->n_rows; i++) {
		const row *r = &rep->rows[i];
		size_t span = 1;
		row_verdict v = verdict_of(r, rep);

		fputs("<tr>", out);
		if (i == 0 || rep->rows[i - 1].scenario != r->scenario) {
			while (i + span < rep->n_rows && rep->rows[i + span].scenario == r->scenario)
				span++;
			fprintf(out, "<td class=\"scn\" rowspan=\"%zu\">", span);
			esc(out, r->scenario->name);
			fputs("</td>", out);
		}
		fputs("<td>", out);
		esc(out, r->scenario->variants[r->variant].name);
		fprintf(out, "</td><td>%s</td>", expects_detection(r) ? "detected" : "clean");
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
			if (expects_detection(&rep->rows[i])) {
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

/* ---- detection rates --------------------------------------------------- */

#define LABEL_W 215
#define PLOT_W 260
#define VALUE_W 125
#define BAR_ROW 22

static void write_rate_chart(FILE *out, const report *rep, unsigned d)
{
	size_t n = 0, y;
	const char *strategy = NULL;

	for (size_t i = 0; i < rep->n_rows; i++)
		if (rep->rows[i].cell[d] != NULL) {
			n++;
			strategy = rep->rows[i].cell[d]->campaign.strategy;
		}
	if (n == 0)
		return;
	fputs("<figure><figcaption>", out);
	esc(out, rep->detectors[d]);
	if (strategy != NULL && strcmp(strategy, rep->detectors[d]) != 0) {
		fputs(" <span class=\"note\">(", out);
		esc(out, strategy);
		fputs(")</span>", out);
	}
	fprintf(out,
		"</figcaption><svg width=\"%d\" "
		"height=\"%zu\" role=\"img\">",
		LABEL_W + PLOT_W + VALUE_W, n * BAR_ROW + 26);
	for (int t = 0; t <= 4; t++) {
		int x = LABEL_W + PLOT_W * t / 4;

		fprintf(out,
			"<line x1=\"%d\" y1=\"0\" x2=\"%d\" y2=\"%zu\" stroke=\"#e3e6ec\"/>"
			"<text x=\"%d\" y=\"%zu\" font-size=\"11\" fill=\"#5b6478\" "
			"text-anchor=\"middle\">%d%%</text>",
			x, x, n * BAR_ROW, x, n * BAR_ROW + 16, t * 25);
	}
	y = 0;
	for (size_t i = 0; i < rep->n_rows; i++) {
		const row *r = &rep->rows[i];
		const rh_hunt_cell *c = r->cell[d];
		double rate, lo, hi;
		size_t mid = y + BAR_ROW / 2;

		if (c == NULL)
			continue;
		rh_result_rate(c->result, &rate, &lo, &hi);
		fprintf(out, "<text x=\"%d\" y=\"%zu\" font-size=\"12\" text-anchor=\"end\">",
			LABEL_W - 8, mid + 4);
		esc_cut(out, r->scenario->name, 22);
		fputs(" <tspan fill=\"#5b6478\">", out);
		esc_cut(out, r->scenario->variants[r->variant].name, 14);
		fputs("</tspan></text>", out);
		fprintf(out,
			"<rect x=\"%d\" y=\"%zu\" width=\"%.1f\" height=\"12\" rx=\"2\" "
			"fill=\"%s\"/>",
			LABEL_W, mid - 6, rate * PLOT_W,
			expects_detection(r) ? "#d1495b" : "#3f9a68");
		/* The 95% interval as a whisker, so a clean 0/20 reads as "at most
		 * 16%" and not as "never". */
		fprintf(out,
			"<path d=\"M%.1f %zu V%zu M%.1f %zu H%.1f M%.1f %zu V%zu\" "
			"stroke=\"#1c2230\" stroke-width=\"1.2\" fill=\"none\"/>",
			LABEL_W + lo * PLOT_W, mid - 5, mid + 5, LABEL_W + lo * PLOT_W, mid,
			LABEL_W + hi * PLOT_W, LABEL_W + hi * PLOT_W, mid - 5, mid + 5);
		fprintf(out,
			"<text x=\"%d\" y=\"%zu\" font-size=\"12\">%.3g%% "
			"<tspan fill=\"#5b6478\">(%llu/%llu)</tspan></text>",
			LABEL_W + PLOT_W + 8, mid + 4, rate * 100,
			(unsigned long long)c->result->failed_trials,
			(unsigned long long)c->result->trials_run);
		y += BAR_ROW;
	}
	fputs("</svg></figure>\n", out);
}

static void write_rates(FILE *out, const report *rep)
{
	bool stopped = false;

	for (size_t i = 0; i < rep->cells->n; i++)
		stopped |= rep->cells->items[i].campaign.stop_on_first;
	fputs("<section id=\"rates\"><h2>Detection rate per detector</h2><p class=\"note\">Share of trials "
	      "(controlled: schedules) that found a violation, with the 95% Wilson interval as a "
	      "whisker. Red bars: variants declared <i>detected</i>; green: declared "
	      "<i>clean</i>.",
	      out);
	if (stopped)
		fputs(" This hunt stopped each detector at its first detection, so a detected "
		      "rate is 1 / trials-to-first; run <code>hunt --full</code> to measure rates "
		      "over the whole budget.",
		      out);
	fputs("</p><div class=\"charts\">\n", out);
	for (unsigned d = 0; d < rep->n_detectors; d++)
		write_rate_chart(out, rep, d);
	fputs("</div></section>\n", out);
}

/* ---- outcome histograms (jcstress style) --------------------------------- */

#define HIST_W 220

static void write_histogram(FILE *out, const report *rep, size_t first, size_t end)
{
	bool seen[RH_KIND_COUNT_] = {false};

	fputs("<div class=\"hist\"><h3>", out);
	esc(out, rep->rows[first].scenario->name);
	fputs("</h3><table>", out);
	for (size_t i = first; i < end; i++) {
		const row *r = &rep->rows[i];

		for (unsigned d = 0; d < rep->n_detectors; d++) {
			const rh_hunt_cell *c = r->cell[d];
			const rh_result *res;
			double x = 0, total;

			if (c == NULL)
				continue;
			res = c->result;
			total = res->trials_run ? (double)res->trials_run : 1;
			fputs("<tr><td>", out);
			esc(out, r->scenario->variants[r->variant].name);
			fputs("</td><td>", out);
			esc(out, rep->detectors[d]);
			fprintf(out,
				"</td><td><svg width=\"%d\" "
				"height=\"14\"><rect width=\"%d\" height=\"14\" rx=\"2\" "
				"fill=\"#eef0f4\"/>",
				HIST_W, HIST_W);
			for (int k = -1; k < RH_KIND_COUNT_; k++) {
				uint64_t count =
					k < 0 ? res->trials_run - res->failed_trials : res->hist[k];
				double w = (double)count / total * HIST_W;

				if (count == 0)
					continue;
				if (k >= 0)
					seen[k] = true;
				fprintf(out,
					"<rect x=\"%.1f\" width=\"%.1f\" height=\"14\" fill=\"%s\">"
					"<title>%s %llu</title></rect>",
					x, w < 1.5 ? 1.5 : w, k < 0 ? CLEAN_COLOR : kind_colors[k],
					k < 0 ? "clean" : rh_kind_name((rh_kind)k),
					(unsigned long long)count);
				x += w;
			}
			fprintf(out, "</svg></td><td>clean %llu",
				(unsigned long long)(res->trials_run - res->failed_trials));
			for (int k = 0; k < RH_KIND_COUNT_; k++)
				if (res->hist[k])
					fprintf(out, " &middot; <b style=\"color:%s\">%s %llu</b>",
						kind_colors[k], rh_kind_name((rh_kind)k),
						(unsigned long long)res->hist[k]);
			fputs("</td></tr>", out);
		}
	}
	fputs("</table><p class=\"legend\"><i style=\"background:" CLEAN_COLOR "\"></i>clean", out);
	for (int k = 0; k < RH_KIND_COUNT_; k++)
		if (seen[k])
			fprintf(out, "<i style=\"background:%s\"></i>%s", kind_colors[k],
				rh_kind_name((rh_kind)k));
	fputs("</p></div>\n", out);
}

static void write_histograms(FILE *out, const report *rep)
{
	fputs("<section id=\"outcomes\"><h2>Outcomes per scenario</h2><p class=\"note\">How often each outcome "
	      "occurred over the trials each detector ran: clean, or the kind of the trial's "
	      "first violation.</p><div class=\"hists\">\n",
	      out);
	for (size_t i = 0, end; i < rep->n_rows; i = end) {
		end = i + 1;
		while (end < rep->n_rows && rep->rows[end].scenario == rep->rows[i].scenario)
			end++;
		write_histogram(out, rep, i, end);
	}
	fputs("</div></section>\n", out);
}

/* ---- interleavings as swimlanes ------------------------------------------ */

#define GUTTER 44
#define LANE_W 260
#define LANE_HEAD 30
#define STEP_H 26

static const char *op_fill(unsigned op)
{
	switch (op) {
	case RH_OP_LOAD:
	case RH_OP_STORE:
	case RH_OP_FETCH_ADD:
	case RH_OP_CAS:
		return "#fde7c8"; /* shared memory */
	case RH_OP_LOCK:
	case RH_OP_UNLOCK:
	case RH_OP_RDLOCK:
	case RH_OP_WRLOCK:
	case RH_OP_RWUNLOCK:
		return "#d9e6f7"; /* synchronisation */
	case RH_OP_EXIT:
		return "#eceef2";
	default:
		return "#e5f1e8"; /* labelled points */
	}
}

static void write_swimlanes(FILE *out, const rh_first *f, unsigned id)
{
	uint16_t tids[RH_TRACE_MAX];
	unsigned n_lanes = 0, n = f->n_events < RH_TRACE_MAX ? f->n_events : RH_TRACE_MAX;
	unsigned lane_of[RH_TRACE_MAX];
	int width, height;

	/* One lane per thread that took a step, in thread order. */
	for (unsigned i = 0; i < n; i++) {
		unsigned j = 0;

		while (j < n_lanes && tids[j] != f->events[i].tid)
			j++;
		if (j == n_lanes)
			tids[n_lanes++] = f->events[i].tid;
	}
	for (unsigned a = 1; a < n_lanes; a++)
		for (unsigned b = a; b > 0 && tids[b - 1] > tids[b]; b--) {
			uint16_t t = tids[b];

			tids[b] = tids[b - 1];
			tids[b - 1] = t;
		}
	for (unsigned i = 0; i < n; i++)
		for (lane_of[i] = 0; tids[lane_of[i]] != f->events[i].tid; lane_of[i]++)
			;
	width = GUTTER + (int)n_lanes * LANE_W;
	height = LANE_HEAD + (int)n * STEP_H + 6;
	fprintf(out,
		"<div class=\"lanes\"><svg width=\"%d\" "
		"height=\"%d\" role=\"img\"><defs><marker id=\"arrow%u\" viewBox=\"0 0 8 8\" "
		"refX=\"7\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
		"<path d=\"M0 0L8 4L0 8z\" fill=\"#7a8599\"/></marker></defs>",
		width, height, id);
	for (unsigned l = 0; l < n_lanes; l++) {
		int x = GUTTER + (int)l * LANE_W;

		fprintf(out,
			"<rect x=\"%d\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"%s\"/>"
			"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#c9ced8\" "
			"stroke-dasharray=\"3 4\"/>"
			"<text x=\"%d\" y=\"20\" font-size=\"13\" font-weight=\"600\" "
			"text-anchor=\"middle\">T%u</text>",
			x, LANE_W, height, l % 2 ? "#ffffff" : "#f6f7fa", x + LANE_W / 2, LANE_HEAD,
			x + LANE_W / 2, height, x + LANE_W / 2, tids[l]);
	}
	for (unsigned i = 0; i < n; i++) {
		const rh_trace_event *e = &f->events[i];
		int x = GUTTER + (int)lane_of[i] * LANE_W + 8, y = LANE_HEAD + (int)i * STEP_H + 3;
		char label[sizeof(e->name) + 1];

		memcpy(label, e->name, sizeof(e->name));
		label[sizeof(e->name)] = '\0';
		/* A switch to another thread is where the interleaving happens:
		 * draw it as an arrow from the last step to this one. */
		if (i > 0 && lane_of[i] != lane_of[i - 1]) {
			int px = GUTTER + (int)lane_of[i - 1] * LANE_W + LANE_W / 2;
			int right = lane_of[i] > lane_of[i - 1];

			fprintf(out,
				"<path d=\"M%d %d L%d %d\" stroke=\"#7a8599\" stroke-width=\"1.2\" "
				"fill=\"none\" marker-end=\"url(#arrow%u)\"/>",
				px + (right ? 60 : -60), y - 6, right ? x : x + LANE_W - 16, y + 6, id);
		}
		fprintf(out,
			"<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#7a8599\" "
			"text-anchor=\"end\">%u</text>",
			GUTTER - 8, y + 14, i + 1);
		fprintf(out,
			"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"20\" rx=\"4\" fill=\"%s\" "
			"stroke=\"#b8c0cd\"><title>",
			x, y, LANE_W - 16, op_fill(e->op));
		fprintf(out, "step %u, T%u: ", i + 1, e->tid);
		esc(out, label);
		fprintf(out, "</title></rect><text class=\"mono\" x=\"%d\" y=\"%d\" "
			     "font-size=\"11.5\">",
			x + 7, y + 14);
		esc_cut(out, label, 33);
		fputs("</text>", out);
	}
	fputs("</svg></div>\n", out);
}

/* How much a detecting cell can show: its steps drawn beats a schedule that
 * `racehunt replay` prints step by step, which beats a stress replay. */
static int trace_score(const rh_hunt_cell *c)
{
	return (c->result->first.n_events > 0) * 2 + (c->result->first.schedule[0] != '\0');
}

/* The detecting cell to draw: the most it can show, then the fewest steps
 * (the most shrunk). */
static const rh_hunt_cell *trace_cell(const row *r, const report *rep)
{
	const rh_hunt_cell *best = NULL;

	for (unsigned d = 0; d < rep->n_detectors; d++) {
		const rh_hunt_cell *c = r->cell[d];

		if (c == NULL || !c->result->have_first)
			continue;
		if (best == NULL || trace_score(c) > trace_score(best) ||
		    (trace_score(c) == trace_score(best) &&
		     c->result->first.n_events < best->result->first.n_events))
			best = c;
	}
	return best;
}

static void write_traces(FILE *out, const report *rep)
{
	unsigned id = 0;

	fputs("<section id=\"traces\"><h2>First failing interleaving of each seeded bug</h2><p class=\"note\">"
	      "One lane per thread, one box per scheduling step, top to bottom in the order they "
	      "ran; arrows mark switches between threads. Controlled mode records the (shrunk) "
	      "steps; stress mode records none, so its replay command is shown instead.</p>\n",
	      out);
	for (size_t i = 0; i < rep->n_rows; i++) {
		const row *r = &rep->rows[i];
		const rh_hunt_cell *c;
		const rh_first *f;

		if (!expects_detection(r))
			continue;
		fputs("<div class=\"trace\"><h3>", out);
		esc(out, r->scenario->name);
		fputs(" &middot; ", out);
		esc(out, r->scenario->variants[r->variant].name);
		c = trace_cell(r, rep);
		if (c == NULL) {
			fputs("</h3><p class=\"msg\">No detector caught this seeded bug.</p></div>\n",
			      out);
			continue;
		}
		f = &c->result->first;
		fprintf(out, " &mdash; %s, found by ", rh_kind_name(f->kind));
		esc(out, c->detector);
		fprintf(out, " at trial %llu (", (unsigned long long)f->trial + 1);
		ms_text(out, f->at_ms);
		fputs(")</h3><div class=\"msg\">", out);
		esc(out, f->message);
		fputs("</div>", out);
		if (f->n_events >= RH_TRACE_MAX)
			fprintf(out, "<p class=\"note\">The first %d steps; the replay command "
				     "prints them all.</p>",
				RH_TRACE_MAX);
		if (f->n_events > 0)
			write_swimlanes(out, f, id++);
		else if (f->schedule[0])
			fputs("<p class=\"note\">No steps recorded with this result; the replay "
			      "command prints them:</p>",
			      out);
		else
			fputs("<p class=\"note\">No step trace: stress mode runs real threads. "
			      "Replay the failing trial with:</p>",
			      out);
		fputs("<pre>", out);
		esc(out, f->replay);
		fputs("</pre>", out);
		/* A controlled replay command already holds the schedule. */
		if (f->schedule[0] && strstr(f->replay, f->schedule) == NULL) {
			fputs("<details><summary>schedule string</summary><pre>", out);
			esc(out, f->schedule);
			fputs("</pre></details>", out);
		}
		fputs("</div>\n", out);
	}
	fputs("</section>\n", out);
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
	rh_regressions_html(out, l); /* report/regressions.c: the rows to act on, first */
	write_matrix(out, &rep);
	write_rates(out, &rep);
	write_histograms(out, &rep);
	write_traces(out, &rep);
	fputs("</main></body></html>\n", out);
	free(rep.rows);
}
