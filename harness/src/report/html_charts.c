/* SPDX-License-Identifier: MIT */
/* The hunt report page: detection rates with their 95% intervals and
 * outcome histograms, as inline SVG. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "html_private.h"
#include "result_json.h"

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
	rh__html_esc(out, rep->detectors[d]);
	if (strategy != NULL && strcmp(strategy, rep->detectors[d]) != 0) {
		fputs(" <span class=\"note\">(", out);
		rh__html_esc(out, strategy);
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
		rh__html_esc_cut(out, r->scenario->name, 22);
		fputs(" <tspan fill=\"#5b6478\">", out);
		rh__html_esc_cut(out, r->scenario->variants[r->variant].name, 14);
		fputs("</tspan></text>", out);
		fprintf(out,
			"<rect x=\"%d\" y=\"%zu\" width=\"%.1f\" height=\"12\" rx=\"2\" "
			"fill=\"%s\"/>",
			LABEL_W, mid - 6, rate * PLOT_W,
			rh__html_expects_detection(r) ? "#d1495b" : "#3f9a68");
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

void rh__html_rates(FILE *out, const report *rep)
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
	rh__html_esc(out, rep->rows[first].scenario->name);
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
			rh__html_esc(out, r->scenario->variants[r->variant].name);
			fputs("</td><td>", out);
			rh__html_esc(out, rep->detectors[d]);
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
					x, w < 1.5 ? 1.5 : w, k < 0 ? CLEAN_COLOR : rh__html_kind_colors[k],
					k < 0 ? "clean" : rh_kind_name((rh_kind)k),
					(unsigned long long)count);
				x += w;
			}
			fprintf(out, "</svg></td><td>clean %llu",
				(unsigned long long)(res->trials_run - res->failed_trials));
			for (int k = 0; k < RH_KIND_COUNT_; k++)
				if (res->hist[k])
					fprintf(out, " &middot; <b style=\"color:%s\">%s %llu</b>",
						rh__html_kind_colors[k], rh_kind_name((rh_kind)k),
						(unsigned long long)res->hist[k]);
			fputs("</td></tr>", out);
		}
	}
	fputs("</table><p class=\"legend\"><i style=\"background:" CLEAN_COLOR "\"></i>clean", out);
	for (int k = 0; k < RH_KIND_COUNT_; k++)
		if (seen[k])
			fprintf(out, "<i style=\"background:%s\"></i>%s", rh__html_kind_colors[k],
				rh_kind_name((rh_kind)k));
	fputs("</p></div>\n", out);
}

void rh__html_histograms(FILE *out, const report *rep)
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
