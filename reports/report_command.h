/*
 * `wakecert report` and the report step of `wakecert certify`: results.json (+ trace.jsonl, + the
 * corpus for waveforms) -> report.html, one self-contained page (inline SVG and CSS, nothing fetched),
 * and PNG plots in plots/ for everything that is not a browser (CI artefacts, chat, slides).
 *
 * The report is always written after results.json, junit.xml and summary.md, and only reads them, so
 * a failing or missing gnuplot can cost pictures but never results: without gnuplot the page carries
 * the tables and a note, and a warning goes to stderr.
 */
#ifndef WAKECERT_REPORTS_REPORT_COMMAND_H
#define WAKECERT_REPORTS_REPORT_COMMAND_H

#include <stddef.h>

/** `wakecert report RESULTS.json [--trace TRACE] [--corpus DIR] [--out DIR] [--compare OTHER.json]`
 *  with argv[0] == "report". Returns the exit code: 0 written, 2 bad usage or unreadable input,
 *  3 an output could not be written. */
int wakecert_report_main(int argc, char **argv);

/** The certify step: read out_directory/results.json and out_directory/trace.jsonl (a missing trace
 *  only drops the trace-based plots), write out_directory/report.html and out_directory/plots/NAME.png.
 *  corpus_directory_or_null gives the timelines their waveforms. Returns 0, or a negative wakecert_error
 *  with message set (results.json unreadable: IO/FORMAT; report not writable: IO). A missing gnuplot
 *  is not an error: a warning is printed on stderr and the report has tables only. */
int wakecert_report_write(const char *out_directory, const char *corpus_directory_or_null, char *message,
                          size_t message_size);

/** The general form both use. trace_path may be NULL (no trace-based plots); compare_path may be NULL.
 *  Same contract as wakecert_report_write; writes out_directory/report.html. */
int wakecert_report_generate(const char *results_path, const char *trace_path, const char *corpus_directory,
                             const char *out_directory, const char *compare_path, char *message, size_t message_size);

#endif
