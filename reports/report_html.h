/*
 * report.html from a parsed results.json and drawn plots. The page is one file with everything
 * inline — CSS, SVG — and no script: it opens from a CI artefact, an e-mail attachment or a file
 * share, offline, and shows the same thing in ten years. Order follows the reader's questions:
 * verdict; which requirements failed and the evidence (each evidence line linking to the timeline of
 * its file); the plots; metrics; where the numbers came from (provenance).
 */
#ifndef WAKECERT_REPORTS_REPORT_HTML_H
#define WAKECERT_REPORTS_REPORT_HTML_H

#include "report_plots.h"
#include "report_text.h"

#include <cjson/cJSON.h>

struct report_html_input {
    const cJSON *results;              /* parsed results.json (required) */
    const cJSON *compare;              /* another run's results.json to set beside it, or NULL */
    const char *compare_label;         /* how to name the other run (its path) */
    const struct report_plots *plots;  /* may be NULL */
    const char *notes[8];              /* warnings to show at the top (e.g. "gnuplot not found"), NULL-ended */
};

/** Build the whole page into html. Cannot fail except by running out of memory (html->failed). */
void report_html_build(const struct report_html_input *input, struct report_text *html);

#endif
