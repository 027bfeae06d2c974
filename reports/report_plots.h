/*
 * The report's pictures: which plots apply to a run, the gnuplot script for each, and drawing them
 * (SVG kept in memory for report.html, PNG written to OUT/plots/). A plot applies when the run has
 * the data for it (no detection latency CDF without detections); the ones that do not apply are
 * simply absent. A plot gnuplot fails to draw is kept in the list with its error, so the report can
 * say what is missing instead of silently dropping it.
 *
 * Hooks for later issues (retention Gantt, bench history) are report_plot_gantt / report_plot_series
 * below: generic drawings from plain arrays, not tied to results.json.
 */
#ifndef WAKECERT_REPORTS_REPORT_PLOTS_H
#define WAKECERT_REPORTS_REPORT_PLOTS_H

#include "gnuplot.h"
#include "trace.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#define REPORT_TIMELINE_FAILING_LIMIT 12
#define REPORT_TIMELINE_PASSING_LIMIT 3

struct report_plot {
    char name[96];       /* file stem, unique in the run: "latency_cdf", "timeline-02-wake_000.wav" */
    char title[160];
    char caption[600];
    char file[256];      /* timelines: the trace file shown; else "" */
    bool failing;        /* timelines: the file is named in a failing requirement's evidence */
    char *svg;           /* inline-ready SVG (no prolog, ids made unique), or NULL if not drawn */
    char png[128];       /* "plots/NAME.png" relative to the output directory, or "" if not written */
    char error[400];     /* why it was not drawn, or "" */
};

struct report_plots {
    struct report_plot *items;
    size_t count, capacity;
    bool gnuplot_available;
    char gnuplot_note[1200];   /* when !gnuplot_available: why */
};

/** Draw every plot that applies to `results` (a parsed results.json) and `trace` (may be NULL: then
 *  only the results-based bar charts apply). Writes PNGs into out_directory/plots/ (atomically) when
 *  out_directory is non-NULL. corpus_directory (may be NULL) supplies waveforms for the timelines.
 *  Returns 0 (even when gnuplot is missing or some plot failed: see plots->gnuplot_available and each
 *  item's error), or WAKECERT_ERROR_NO_MEMORY / WAKECERT_ERROR_IO when out_directory/plots cannot be
 *  written. */
int report_plots_draw(const cJSON *results, const struct trace *trace, const char *corpus_directory,
                      const char *out_directory, struct report_plots *plots, char *message, size_t message_size);

/** The plot named `name`, or NULL. */
const struct report_plot *report_plots_find(const struct report_plots *plots, const char *name);

/** The timeline plot of trace file `file`, or NULL when none was drawn for it. */
const struct report_plot *report_plots_timeline_of(const struct report_plots *plots, const char *file);

void report_plots_free(struct report_plots *plots);

/** Hook (retention Gantt): horizontal bars, one row per label, each bar [start, end) in days, drawn
 *  into a gnuplot script; returns 0 or WAKECERT_ERROR_NO_MEMORY. Render with gnuplot_render. */
struct report_text;
int report_plot_gantt(struct report_text *script, const char *title, const char *const *row_labels,
                      const double *start_days, const double *end_days, size_t count);

/** Hook (bench history): one line of y against x (e.g. ns per frame against run index) into a
 *  gnuplot script; returns 0 or WAKECERT_ERROR_NO_MEMORY. */
int report_plot_series(struct report_text *script, const char *title, const char *x_label, const char *y_label,
                       const double *x, const double *y, size_t count);

#endif
