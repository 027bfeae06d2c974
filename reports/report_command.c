/*
 * `wakecert report` and the certify report step (see report_command.h). The work is: load
 * results.json (required) and the trace (optional), draw the plots, build the page, write it
 * atomically. Everything that can go wrong with pictures becomes a note on the page and a warning on
 * stderr; only unreadable results or an unwritable output directory are errors.
 */
#define _POSIX_C_SOURCE 200809L
#include "report_command.h"

#include "error.h"
#include "files.h"
#include "json.h"
#include "report_html.h"
#include "report_plots.h"
#include "report_text.h"
#include "trace.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char report_usage[] =
    "usage: wakecert report RESULTS.json [--trace TRACE] [--corpus DIR] [--out DIR] [--compare OTHER.json]\n"
    "\n"
    "Write report.html (one self-contained page: verdict, requirements, evidence, plots, provenance)\n"
    "and PNG plots in DIR/plots/ from a saved results.json.\n"
    "\n"
    "options:\n"
    "  --trace FILE        the run's trace.jsonl; default: trace.jsonl beside RESULTS.json\n"
    "  --corpus DIR        the corpus directory, to draw waveforms in the stream timelines\n"
    "  --out DIR           where to write; default: the directory of RESULTS.json\n"
    "  --compare FILE      another run's results.json to show side by side, with deltas\n"
    "  -h, --help          this text\n"
    "\n"
    "Plots need gnuplot (Debian: gnuplot-nox) on PATH or in $WAKECERT_GNUPLOT; without it the report\n"
    "has tables only.\n"
    "exit status: 0 written, 2 bad usage or input, 3 an output could not be written\n";

static bool file_exists(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 && S_ISREG(info.st_mode);
}

static void directory_of(const char *path, char *out, size_t out_size)
{
    snprintf(out, out_size, "%s", path);
    char *slash = strrchr(out, '/');
    if (!slash)
        snprintf(out, out_size, ".");
    else if (slash == out)
        out[1] = '\0';
    else
        *slash = '\0';
}

int wakecert_report_generate(const char *results_path, const char *trace_path, const char *corpus_directory,
                             const char *out_directory, const char *compare_path, char *message, size_t message_size)
{
    cJSON *results = NULL, *compare = NULL;
    int status = wakecert_json_load_file(results_path, &results, message, message_size);
    if (status)
        return status;
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(results, "requirements"))) {
        cJSON_Delete(results);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: not a wakecert results file (no \"requirements\" array)", results_path);
    }
    if (compare_path) {
        status = wakecert_json_load_file(compare_path, &compare, message, message_size);
        if (status) {
            cJSON_Delete(results);
            return status;
        }
    }
    char notes_storage[3][1400];
    const char *notes[8] = {0};
    size_t note_count = 0;

    struct trace trace;
    bool have_trace = false;
    if (trace_path) {
        char trace_message[1024];
        have_trace = trace_read(trace_path, &trace, trace_message, sizeof trace_message) == 0;
        if (have_trace)
            trace_keep_pass(&trace, "main"); /* the engine-check passes replay the same files */
        if (!have_trace) {
            fprintf(stderr, "wakecert report: warning: trace not read, trace-based plots left out: %s\n", trace_message);
            snprintf(notes_storage[note_count], sizeof notes_storage[0], "Trace not read (%s): plots that need it are left out.",
                     trace_message);
            notes[note_count] = notes_storage[note_count];
            note_count++;
        }
    }
    struct report_plots plots;
    status = wakecert_make_directories(out_directory, message, message_size);
    if (!status)
        status = report_plots_draw(results, have_trace ? &trace : NULL, corpus_directory, out_directory, &plots, message,
                                   message_size);
    if (have_trace)
        trace_free(&trace);
    if (status) {
        cJSON_Delete(results);
        cJSON_Delete(compare);
        return status;
    }
    if (!plots.gnuplot_available) {
        fprintf(stderr, "wakecert report: warning: no plots drawn: %s; the report has tables only\n", plots.gnuplot_note);
        snprintf(notes_storage[note_count], sizeof notes_storage[0], "No plots: %s.", plots.gnuplot_note);
        notes[note_count] = notes_storage[note_count];
        note_count++;
    }
    size_t failed_plots = 0;
    for (size_t i = 0; i < plots.count; i++)
        if (!plots.items[i].svg) {
            failed_plots++;
            fprintf(stderr, "wakecert report: warning: plot %s not drawn: %s\n", plots.items[i].name, plots.items[i].error);
        }
    if (failed_plots) {
        snprintf(notes_storage[note_count], sizeof notes_storage[0], "%zu plot(s) could not be drawn; see each for why.",
                 failed_plots);
        notes[note_count] = notes_storage[note_count];
        note_count++;
    }

    struct report_html_input input = {results, compare, compare_path, &plots, {0}};
    memcpy(input.notes, notes, sizeof notes);
    struct report_text html = {0};
    report_html_build(&input, &html);
    char path[4200];
    snprintf(path, sizeof path, "%s/report.html", out_directory);
    if (html.failed)
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "%s: out of memory", path);
    else
        status = wakecert_write_file_atomic(path, html.data, html.length, message, message_size);
    report_text_free(&html);
    report_plots_free(&plots);
    cJSON_Delete(results);
    cJSON_Delete(compare);
    return status;
}

int wakecert_report_write(const char *out_directory, const char *corpus_directory_or_null, char *message,
                          size_t message_size)
{
    char results_path[4200], trace_path[4200];
    snprintf(results_path, sizeof results_path, "%s/results.json", out_directory);
    snprintf(trace_path, sizeof trace_path, "%s/trace.jsonl", out_directory);
    return wakecert_report_generate(results_path, file_exists(trace_path) ? trace_path : NULL, corpus_directory_or_null,
                                    out_directory, NULL, message, message_size);
}

int wakecert_report_main(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"trace", required_argument, NULL, 't'},   {"corpus", required_argument, NULL, 'c'},
        {"out", required_argument, NULL, 'o'},     {"compare", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *trace_path = NULL, *corpus = NULL, *out = NULL, *compare = NULL;
    optind = 1;
    opterr = 0;
    int option;
    while ((option = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        switch (option) {
        case 't': trace_path = optarg; break;
        case 'c': corpus = optarg; break;
        case 'o': out = optarg; break;
        case 'm': compare = optarg; break;
        case 'h': fputs(report_usage, stdout); return 0;
        default:
            fprintf(stderr, "wakecert report: unknown or incomplete option \"%s\"\n%s", argv[optind - 1], report_usage);
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "wakecert report: %s\n%s", optind >= argc ? "RESULTS.json is required" : "one RESULTS.json only",
                report_usage);
        return 2;
    }
    const char *results_path = argv[optind];
    char results_directory[4096], default_trace[4200];
    directory_of(results_path, results_directory, sizeof results_directory);
    if (!trace_path) {
        snprintf(default_trace, sizeof default_trace, "%s/trace.jsonl", results_directory);
        if (file_exists(default_trace))
            trace_path = default_trace;
        else
            fprintf(stderr, "wakecert report: warning: no trace.jsonl beside %s; plots that need it are left out "
                            "(give one with --trace)\n",
                    results_path);
    } else if (!file_exists(trace_path)) {
        fprintf(stderr, "wakecert report: --trace %s: no such file\n", trace_path);
        return 2;
    }
    if (corpus && !wakecert_is_directory(corpus)) {
        fprintf(stderr, "wakecert report: --corpus %s: not a directory\n", corpus);
        return 2;
    }
    char message[1024];
    int status = wakecert_report_generate(results_path, trace_path, corpus, out ? out : results_directory, compare,
                                          message, sizeof message);
    if (status) {
        fprintf(stderr, "wakecert report: %s\n", message);
        return status == WAKECERT_ERROR_IO && file_exists(results_path) && (!compare || file_exists(compare)) ? 3
                                                                                                           : wakecert_exit_code_for(status);
    }
    printf("report: %s/report.html\n", out ? out : results_directory);
    return 0;
}
