/*
 * `wakecert bench history`: the benchmark figures of every recorded revision, and their plot.
 *
 * The history is a JSON Lines file, by default bench/history/bench.jsonl in the source tree, one line
 * per recorded revision (schema wakecert-bench-history/1):
 *   {"schema", "revision", "recorded" (UTC ISO 8601), "machine": {...}, "compiler",
 *    "benchmarks": {"NAME": {"unit", "median", "min", "max", "instructions"}, ...}}
 * Lines are appended by `ci/bench-record` (which runs the benchmarks, merges the instruction counts
 * and calls `history --append`), never by hand; recording a revision that already has a line
 * replaces that line, so the file keeps one line per revision in the order revisions were first
 * recorded. The file is rewritten atomically on every append (it stays small: ~5 KB a line).
 *
 * The plot is one PNG with a panel per benchmark (gnuplot multiplot, drawn through a pipe by
 * reports/gnuplot.c with the report's own series style, reports/report_plots.c), x = the recorded
 * revisions in order, y = the chosen metric: instruction counts by default (the figures that mean
 * something across runs), or timed medians with --metric time. Times from different machines are
 * not comparable; each line records its machine, and --machine-filter is left for when CI records
 * from more than one.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "error.h"
#include "files.h"
#include "gnuplot.h"
#include "json.h"
#include "report_plots.h"
#include "report_text.h"

#ifndef WAKECERT_BENCH_SOURCE_DIR
#define WAKECERT_BENCH_SOURCE_DIR "."
#endif

struct history {
    cJSON **lines; /* parsed records */
    size_t count;
};

static void history_free(struct history *history)
{
    for (size_t i = 0; i < history->count; i++)
        cJSON_Delete(history->lines[i]);
    free(history->lines);
    history->lines = NULL;
    history->count = 0;
}

/* Read the history; a missing file is an empty history. Returns 0 or 2 with a message naming the
 * file and line on stderr. */
static int history_read(const char *path, struct history *history)
{
    char *text = NULL;
    size_t size = 0;
    char message[1024];
    memset(history, 0, sizeof *history);
    FILE *probe = fopen(path, "r");
    if (!probe)
        return 0;
    fclose(probe);
    if (wakecert_read_file(path, &text, &size, message, sizeof message) != 0) {
        fprintf(stderr, "wakecert bench history: %s\n", message);
        return 2;
    }
    int line_number = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line_number++;
        if (!*line)
            continue;
        char source[1100];
        snprintf(source, sizeof source, "%s:%d", path, line_number);
        cJSON *record = NULL;
        const char *schema = NULL;
        if (wakecert_json_parse(line, source, &record, message, sizeof message) != 0 ||
            !(schema = wakecert_json_string(record, "schema")) || strcmp(schema, "wakecert-bench-history/1") != 0 ||
            !wakecert_json_string(record, "revision") ||
            !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(record, "benchmarks"))) {
            fprintf(stderr, "wakecert bench history: %s\n",
                    record ? "not a wakecert-bench-history/1 record (schema, revision, benchmarks)" : message);
            if (record)
                fprintf(stderr, "  at %s\n", source);
            cJSON_Delete(record);
            free(text);
            history_free(history);
            return 2;
        }
        cJSON **grown = realloc(history->lines, (history->count + 1) * sizeof *grown);
        if (!grown) {
            cJSON_Delete(record);
            free(text);
            history_free(history);
            fprintf(stderr, "wakecert bench history: out of memory\n");
            return 2;
        }
        history->lines = grown;
        history->lines[history->count++] = record;
    }
    free(text);
    return 0;
}

/* The compact record of a wakecert-bench/1 document; NULL (message on stderr) when it is not one. */
static cJSON *make_record(const char *result_path, const char *revision)
{
    char message[1024];
    cJSON *document = NULL;
    if (wakecert_json_load_file(result_path, &document, message, sizeof message) != 0) {
        fprintf(stderr, "wakecert bench history: %s\n", message);
        return NULL;
    }
    const char *schema = wakecert_json_string(document, "schema");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(document, "benchmarks");
    if (!schema || strcmp(schema, "wakecert-bench/1") != 0 || !cJSON_IsArray(list)) {
        fprintf(stderr, "wakecert bench history: %s: not a wakecert-bench/1 document\n", result_path);
        cJSON_Delete(document);
        return NULL;
    }
    cJSON *record = cJSON_CreateObject();
    cJSON_AddStringToObject(record, "schema", "wakecert-bench-history/1");
    const char *own = wakecert_json_string(document, "revision");
    cJSON_AddStringToObject(record, "revision", revision ? revision : own ? own : "unknown");
    char stamp[32];
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    cJSON_AddStringToObject(record, "recorded", stamp);
    cJSON *machine = cJSON_GetObjectItemCaseSensitive(document, "machine");
    if (machine)
        cJSON_AddItemToObject(record, "machine", cJSON_Duplicate(machine, true));
    const char *compiler = wakecert_json_string(document, "compiler");
    cJSON_AddStringToObject(record, "compiler", compiler ? compiler : "");
    cJSON *benchmarks = cJSON_AddObjectToObject(record, "benchmarks");
    const cJSON *item;
    cJSON_ArrayForEach(item, list) {
        const char *name = wakecert_json_string(item, "name");
        if (!name || cJSON_GetObjectItemCaseSensitive(benchmarks, name))
            continue;
        cJSON *entry = cJSON_AddObjectToObject(benchmarks, name);
        static const char *const fields[] = {"median", "min", "max", "instructions"};
        const char *unit = wakecert_json_string(item, "unit");
        if (unit)
            cJSON_AddStringToObject(entry, "unit", unit);
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
            if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(item, fields[f])))
                cJSON_AddNumberToObject(entry, fields[f], wakecert_json_number(item, fields[f], 0));
    }
    cJSON_Delete(document);
    return record;
}

/* Rewrite the history with `record` replacing the line of its revision, or appended. Returns 0 or 2. */
static int history_append(const char *path, struct history *history, cJSON *record)
{
    const char *revision = wakecert_json_string(record, "revision");
    bool replaced = false;
    for (size_t i = 0; i < history->count; i++) {
        const char *other = wakecert_json_string(history->lines[i], "revision");
        if (other && strcmp(other, revision) == 0) {
            cJSON_Delete(history->lines[i]);
            history->lines[i] = record;
            replaced = true;
            break;
        }
    }
    if (!replaced) {
        cJSON **grown = realloc(history->lines, (history->count + 1) * sizeof *grown);
        if (!grown) {
            cJSON_Delete(record);
            return 2;
        }
        history->lines = grown;
        history->lines[history->count++] = record;
    }
    struct report_text text = {0};
    for (size_t i = 0; i < history->count; i++) {
        char *line = cJSON_PrintUnformatted(history->lines[i]);
        if (!line) {
            report_text_free(&text);
            return 2;
        }
        report_text_printf(&text, "%s\n", line);
        cJSON_free(line);
    }
    char message[1024];
    int status = text.failed ? WAKECERT_ERROR_NO_MEMORY
                             : wakecert_write_file_atomic(path, report_text_string(&text), text.length, message,
                                                          sizeof message);
    report_text_free(&text);
    if (status != 0) {
        fprintf(stderr, "wakecert bench history: %s\n", status == WAKECERT_ERROR_NO_MEMORY ? "out of memory" : message);
        return 2;
    }
    printf("%s revision %s in %s (%zu revisions recorded)\n", replaced ? "replaced" : "recorded", revision, path,
           history->count);
    return 0;
}

/* The metric of one benchmark in one record, or NAN. */
static double record_value(const cJSON *record, const char *name, const char *field)
{
    const cJSON *entry = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(record, "benchmarks"), name);
    return entry ? wakecert_json_number(entry, field, NAN) : NAN;
}

/* Plot every benchmark that has `field` in some record (and contains `match`, when given) into one
 * PNG. Returns 0, 2 when nothing is to be plotted, 3 when gnuplot fails or the file cannot be written. */
static int history_plot(const struct history *history, const char *field, const char *match, const char *out_path)
{
    const char *names[512];
    size_t name_count = 0;
    for (size_t i = 0; i < history->count; i++) {
        const cJSON *entry;
        cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(history->lines[i], "benchmarks")) {
            if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(entry, field)) || (match && !strstr(entry->string, match)))
                continue;
            bool seen = false;
            for (size_t n = 0; n < name_count && !seen; n++)
                seen = strcmp(names[n], entry->string) == 0;
            if (!seen && name_count < sizeof names / sizeof names[0])
                names[name_count++] = entry->string;
        }
    }
    if (name_count == 0) {
        fprintf(stderr, "wakecert bench history: no benchmark has \"%s\" figures in the history%s%s\n", field,
                match ? " matching " : "", match ? match : "");
        return 2;
    }
    struct gnuplot plotter;
    if (gnuplot_find(&plotter) != 0) {
        fprintf(stderr, "wakecert bench history: %s\n", plotter.unavailable_reason);
        return 3;
    }
    const int columns = name_count > 1 ? 2 : 1;
    const int rows = (int)((name_count + (size_t)columns - 1) / (size_t)columns);
    struct report_text script = {0};
    report_text_printf(&script, "set multiplot layout %d,%d\nset xtics rotate by -30 font ',8'\nset ytics font ',8'\n"
                                "set format y '%%.4g'\nset offsets graph 0.05, graph 0.05, graph 0.1, graph 0.1\n",
                       rows, columns);
    double *x = malloc(history->count * sizeof *x), *y = malloc(history->count * sizeof *y);
    int status = x && y ? 0 : 3;
    for (size_t n = 0; n < name_count && status == 0; n++) {
        size_t points = 0;
        report_text_printf(&script, "set xtics (");
        for (size_t i = 0; i < history->count; i++) {
            double value = record_value(history->lines[i], names[n], field);
            const char *revision = wakecert_json_string(history->lines[i], "revision");
            report_text_printf(&script, "%s\"%.10s\" %zu", i ? ", " : "", revision ? revision : "?", i + 1);
            if (!isnan(value)) {
                x[points] = (double)(i + 1);
                y[points++] = value;
            }
        }
        report_text_printf(&script, ")\nset xrange [0.5:%zu.5]\n", history->count);
        const cJSON *entry = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(history->lines[history->count - 1], "benchmarks"), names[n]);
        const char *unit = entry ? wakecert_json_string(entry, "unit") : NULL;
        char y_label[64];
        snprintf(y_label, sizeof y_label, "%s", strcmp(field, "instructions") == 0 ? "instructions" : unit ? unit : "");
        if (report_plot_series(&script, names[n], "", y_label, x, y, points) != 0)
            status = 3;
    }
    report_text_printf(&script, "unset multiplot\n");
    free(x);
    free(y);
    struct gnuplot_output output = {0};
    char message[1024] = "";
    if (status == 0 && !script.failed &&
        gnuplot_render(&plotter, report_text_string(&script), 1100, 60 + 260 * rows, &output, message,
                       sizeof message) == 0) {
        if (wakecert_write_file_atomic(out_path, output.png, output.png_size, message, sizeof message) != 0)
            status = 3;
    } else {
        status = 3;
    }
    gnuplot_output_free(&output);
    report_text_free(&script);
    if (status != 0) {
        fprintf(stderr, "wakecert bench history: could not draw %s: %s\n", out_path, message[0] ? message : "gnuplot failed");
        return 3;
    }
    printf("plotted %zu benchmarks over %zu revisions into %s\n", name_count, history->count, out_path);
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: wakecert bench history [--history FILE] [--append RESULT.json [--revision REV]]\n"
                 "                              [--plot OUT.png [--metric instructions|time] [--match TEXT]]\n"
                 "  --history FILE   the history (default %s/bench/history/bench.jsonl)\n"
                 "  --append FILE    record a wakecert-bench/1 document as the line of its revision\n"
                 "  --revision REV   the revision to record it under (default: the document's own)\n"
                 "  --plot OUT.png   one panel per benchmark over the recorded revisions\n"
                 "  --metric M       instructions (default) or time (the timed medians)\n"
                 "  --match TEXT     only benchmarks whose name contains TEXT\n",
            WAKECERT_BENCH_SOURCE_DIR);
}

int wakecert_bench_history_main(int argc, char **argv)
{
    const char *history_path = WAKECERT_BENCH_SOURCE_DIR "/bench/history/bench.jsonl";
    const char *append = NULL, *revision = NULL, *plot = NULL, *metric = "instructions", *match = NULL;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--history") == 0 && value) {
            history_path = argv[++i];
        } else if (strcmp(argv[i], "--append") == 0 && value) {
            append = argv[++i];
        } else if (strcmp(argv[i], "--revision") == 0 && value) {
            revision = argv[++i];
        } else if (strcmp(argv[i], "--plot") == 0 && value) {
            plot = argv[++i];
        } else if (strcmp(argv[i], "--match") == 0 && value) {
            match = argv[++i];
        } else if (strcmp(argv[i], "--metric") == 0 && value &&
                   (strcmp(value, "instructions") == 0 || strcmp(value, "time") == 0)) {
            metric = argv[++i];
        } else if (strcmp(argv[i], "--bench-history") == 0) {
            continue; /* accepted so `wakecert report --bench-history ...` can pass its arguments through */
        } else {
            fprintf(stderr, "wakecert bench history: bad argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!append && !plot) {
        fprintf(stderr, "wakecert bench history: nothing to do (give --append and/or --plot)\n");
        usage(stderr);
        return 2;
    }
    struct history history;
    int status = history_read(history_path, &history);
    if (status == 0 && append) {
        cJSON *record = make_record(append, revision);
        status = record ? history_append(history_path, &history, record) : 2;
    }
    if (status == 0 && plot) {
        if (history.count == 0) {
            fprintf(stderr, "wakecert bench history: %s holds no records (record one with ci/bench-record)\n",
                    history_path);
            status = 2;
        } else {
            status = history_plot(&history, strcmp(metric, "time") == 0 ? "median" : "instructions", match, plot);
        }
    }
    history_free(&history);
    return status;
}
