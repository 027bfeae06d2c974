/*
 * Tests of the HTML report and its plots, from a fixed results.json + trace.jsonl (tests/data, made
 * by make_fixture.py and scored by the real scorer): every plot is drawn (valid SVG inline, PNG with
 * the expected size), titles and series are the expected ones, the page references nothing outside
 * itself, the no-gnuplot path still writes a page, --compare shows deltas, the plot data agree with
 * the scorer's numbers, and junit.xml validates against the JUnit schema subset in tests/junit.xsd.
 * Plot tests need gnuplot; xmllint checks need libxml2-utils (both are CI dependencies).
 */
#define _POSIX_C_SOURCE 200809L
#include "files.h"
#include "json.h"
#include "report_command.h"
#include "report_data.h"
#include "results.h"
#include "trace.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char work[4096];

static void make_work_directory(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(work, sizeof work, "%s/report-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    cr_assert_not_null(mkdtemp(work));
}

static void copy_fixture(const char *name, const char *directory)
{
    char source[4200], target[4200], *data = NULL;
    size_t size = 0;
    snprintf(source, sizeof source, "%s/reports/tests/data/%s", WAKECERT_SOURCE_DIR, name);
    snprintf(target, sizeof target, "%s/%s", directory, name);
    cr_assert_eq(wakecert_read_file(source, &data, &size, NULL, 0), 0, "cannot read %s", source);
    cr_assert_eq(wakecert_write_file_atomic(target, data, size, NULL, 0), 0);
    free(data);
}

static char *read_text(const char *directory, const char *name)
{
    char path[4200], *data = NULL;
    snprintf(path, sizeof path, "%s/%s", directory, name);
    cr_assert_eq(wakecert_read_file(path, &data, NULL, NULL, 0), 0, "cannot read %s", path);
    return data;
}

static int run_command(const char *format, const char *argument)
{
    char command[17000];
    snprintf(command, sizeof command, format, argument);
    return system(command);
}

static void write_report_from_fixture(void)
{
    make_work_directory();
    copy_fixture("results.json", work);
    copy_fixture("trace.jsonl", work);
    char message[1024] = "";
    cr_assert_eq(wakecert_report_write(work, NULL, message, sizeof message), 0, "%s", message);
}

static void cleanup(void)
{
    if (work[0])
        run_command("rm -rf '%s'", work);
    work[0] = '\0';
}

TestSuite(reports_html, .fini = cleanup, .timeout = 60);

/* The PNG file's signature and IHDR width and height. */
static void assert_png(const char *directory, const char *name, uint32_t width, uint32_t height)
{
    char path[4200], *data = NULL;
    size_t size = 0;
    snprintf(path, sizeof path, "%s/plots/%s.png", directory, name);
    cr_assert_eq(wakecert_read_file(path, &data, &size, NULL, 0), 0, "missing plot %s", path);
    const unsigned char *bytes = (const unsigned char *)data;
    cr_assert_geq(size, 33u);
    cr_assert_eq(memcmp(bytes, "\x89PNG\r\n\x1a\n", 8), 0, "%s is not a PNG", path);
    cr_assert_eq(memcmp(bytes + 12, "IHDR", 4), 0);
    uint32_t png_width = (uint32_t)bytes[16] << 24 | (uint32_t)bytes[17] << 16 | (uint32_t)bytes[18] << 8 | bytes[19];
    uint32_t png_height = (uint32_t)bytes[20] << 24 | (uint32_t)bytes[21] << 16 | (uint32_t)bytes[22] << 8 | bytes[23];
    cr_assert_eq(png_width, width, "%s: width %u", name, png_width);
    cr_assert_eq(png_height, height, "%s: height %u", name, png_height);
    free(data);
}

static const struct {
    const char *plot;       /* PNG stem */
    const char *title;      /* in the inline SVG */
    const char *series[3];  /* key entries that must be in the SVG */
} expected_plots[] = {
    {"scores", "Wake score distribution", {"positives: hit a wake word (n=5)", "negatives: false wakes (n=2)"}},
    {"latency_cdf", "Detection latency", {"detections (n=5)", "p95 450 ms", "avs bound 1000 ms"}},
    {"preroll", "Pre-roll: audio uploaded before the wake word",
     {"reported start - first uploaded sample (n=7)", "avs: 500 ms +/- 10 ms"}},
    {"false_wakes_by_kind", "False wakes per hour by kind of audio", {"false wakes per hour", "music", "negative"}},
    {"false_rejects_by_condition", "False reject rate by condition", {"noise_10db", "avs bound per condition"}},
    {"det", "DET curve: false rejects against false wakes",
     {"operating point (FRR 0.167, 185 FW/h)", "avs false wakes bound 0.125/h", "avs false reject bound 0.2"}},
    {"timeline-04-wake_004.wav", "Timeline of wake_004.wav",
     {"uploaded (claimed samples)", "wake detection", "upload.preroll_bounds"}},
    {"timeline-01-wake_001.wav", "Timeline of wake_001.wav", {"wake word (label)", "wake.false_reject_rate"}},
    {"timeline-07-wake_mic_off.wav", "Timeline of wake_mic_off.wav", {"microphone off", "indicator: muted", "button"}},
};

Test(reports_html, every_plot_is_drawn_with_its_titles_and_series)
{
    write_report_from_fixture();
    char *html = read_text(work, "report.html");
    for (size_t i = 0; i < sizeof expected_plots / sizeof expected_plots[0]; i++) {
        bool timeline = strncmp(expected_plots[i].plot, "timeline", 8) == 0;
        assert_png(work, expected_plots[i].plot, timeline ? 1000 : 900, timeline ? 420 : 480);
        char anchor[160];
        snprintf(anchor, sizeof anchor, "<figure id=\"%s\"", expected_plots[i].plot);
        const char *figure = strstr(html, anchor);
        cr_assert_not_null(figure, "no figure %s in report.html", expected_plots[i].plot);
        const char *svg_end = strstr(figure, "</svg>");
        cr_assert_not_null(svg_end, "figure %s has no inline SVG", expected_plots[i].plot);
        size_t length = (size_t)(svg_end - figure);
        char *svg = strndup(figure, length);
        cr_assert(strstr(svg, expected_plots[i].title), "%s: title \"%s\" missing", expected_plots[i].plot,
                  expected_plots[i].title);
        for (int s = 0; s < 3 && expected_plots[i].series[s]; s++)
            cr_assert(strstr(svg, expected_plots[i].series[s]), "%s: series \"%s\" missing", expected_plots[i].plot,
                      expected_plots[i].series[s]);
        free(svg);
    }
    free(html);
}

Test(reports_html, inline_svgs_are_well_formed_xml)
{
    write_report_from_fixture();
    char *html = read_text(work, "report.html");
    size_t count = 0;
    for (const char *cursor = strstr(html, "<svg"); cursor; cursor = strstr(cursor + 1, "<svg")) {
        const char *end = strstr(cursor, "</svg>");
        cr_assert_not_null(end);
        char path[4200];
        snprintf(path, sizeof path, "%s/extracted-%zu.svg", work, count++);
        cr_assert_eq(wakecert_write_file_atomic(path, cursor, (size_t)(end + 6 - cursor), NULL, 0), 0);
        cr_assert_eq(run_command("xmllint --noout '%s'", path), 0, "%s is not well-formed XML", path);
    }
    cr_assert_geq(count, 9u, "only %zu inline SVGs", count);
    free(html);
}

Test(reports_html, page_is_self_contained)
{
    write_report_from_fixture();
    char *html = read_text(work, "report.html");
    static const char *const forbidden[] = {"src=\"http", "href=\"http", "src='http", "href='http", "<script",
                                            "@import", "url(http", "<link", "<iframe", "<img src=\"http"};
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
        cr_assert_null(strstr(html, forbidden[i]), "report.html contains %s", forbidden[i]);
    cr_assert(strstr(html, "<meta name=\"viewport\""));
    /* Verdict first: the header comes before the requirement table. */
    const char *verdict = strstr(html, "<header class=\"verdict fail\"><h1>FAIL</h1>");
    cr_assert_not_null(verdict);
    cr_assert_lt(verdict, strstr(html, "id=\"requirements\""));
    /* Evidence links to the failing file's timeline. */
    cr_assert(strstr(html, "<a href=\"#timeline-04-wake_004.wav\""));
    cr_assert(strstr(html, "<a href=\"#req-wake.false_reject_rate\">"));
    /* Provenance. */
    cr_assert(strstr(html, "fixture-engine 1.2.3"));
    cr_assert(strstr(html, "abababababababababababababababababababababababababababababababab"));
    cr_assert(strstr(html, "machine ("));
    free(html);
}

Test(reports_html, without_gnuplot_the_report_has_tables_and_a_warning)
{
    cr_redirect_stderr();
    make_work_directory();
    copy_fixture("results.json", work);
    copy_fixture("trace.jsonl", work);
    setenv("WAKECERT_GNUPLOT", "/nonexistent", 1);
    char message[1024] = "";
    int status = wakecert_report_write(work, NULL, message, sizeof message);
    unsetenv("WAKECERT_GNUPLOT");
    cr_assert_eq(status, 0, "%s", message);
    char *html = read_text(work, "report.html");
    cr_assert(strstr(html, "No plots: WAKECERT_GNUPLOT=/nonexistent is not an executable file"));
    cr_assert(strstr(html, "<code>wake.false_reject_rate</code>"));
    cr_assert_null(strstr(html, "<svg"));
    char path[4200];
    snprintf(path, sizeof path, "%s/plots/scores.png", work);
    cr_assert_neq(access(path, F_OK), 0, "a plot was written without gnuplot");
    free(html);
    fflush(stderr);
    cr_assert_stderr_eq_str("wakecert report: warning: no plots drawn: WAKECERT_GNUPLOT=/nonexistent is not an "
                            "executable file; the report has tables only\n");
}

Test(reports_html, a_failing_gnuplot_costs_pictures_not_the_report)
{
    cr_redirect_stderr();
    make_work_directory();
    copy_fixture("results.json", work);
    copy_fixture("trace.jsonl", work);
    char fake[4200];
    snprintf(fake, sizeof fake, "%s/fake-gnuplot", work);
    FILE *script = fopen(fake, "w");
    cr_assert_not_null(script);
    fputs("#!/bin/sh\ncat >/dev/null\necho 'line 1: simulated failure' >&2\nexit 1\n", script);
    fclose(script);
    chmod(fake, 0755);
    setenv("WAKECERT_GNUPLOT", fake, 1);
    char message[1024] = "";
    int status = wakecert_report_write(work, NULL, message, sizeof message);
    unsetenv("WAKECERT_GNUPLOT");
    cr_assert_eq(status, 0, "%s", message);
    char *html = read_text(work, "report.html");
    cr_assert(strstr(html, "Plot not drawn: gnuplot"));
    cr_assert(strstr(html, "simulated failure"));
    free(html);
}

Test(reports_html, compare_shows_both_runs_and_deltas)
{
    make_work_directory();
    copy_fixture("results.json", work);
    copy_fixture("trace.jsonl", work);
    /* The other run: false reject rate 0.1 and passing. */
    char path[4200], other[4200];
    snprintf(path, sizeof path, "%s/results.json", work);
    snprintf(other, sizeof other, "%s/other.json", work);
    cJSON *tree = NULL;
    cr_assert_eq(wakecert_json_load_file(path, &tree, NULL, 0), 0);
    cJSON *entry;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(tree, "requirements"))
    if (strcmp(wakecert_json_string(entry, "id"), "wake.false_reject_rate") == 0) {
        cJSON_ReplaceItemInObjectCaseSensitive(entry, "measured", cJSON_CreateNumber(0.1));
        cJSON_ReplaceItemInObjectCaseSensitive(entry, "status", cJSON_CreateString("PASS"));
    }
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(tree, "engine"), "version",
                                           cJSON_CreateString("1.2.2"));
    cr_assert_eq(wakecert_json_write_file(other, tree, NULL, 0), 0);
    cJSON_Delete(tree);
    char out[4200];
    snprintf(out, sizeof out, "%s/compared", work);
    char *argv[] = {"report", path, "--compare", other, "--out", out, NULL};
    cr_redirect_stdout();
    cr_assert_eq(wakecert_report_main(6, argv), 0);
    char *html = read_text(out, "report.html");
    const char *section = strstr(html, "<section id=\"comparison\">");
    cr_assert_not_null(section);
    cr_assert(strstr(section, "fixture-engine 1.2.2"));
    const char *row = strstr(section, "<code>wake.false_reject_rate</code>");
    cr_assert_not_null(row);
    cr_assert(strstr(row, "<td class=\"num worse\">+0.4</td>"), "no +0.4 delta marked worse");
    cr_assert_lt(section, strstr(html, "id=\"requirements\""));
    assert_png(out, "det", 900, 480);
    free(html);
}

Test(reports_html, command_usage_errors_exit_2)
{
    cr_redirect_stderr();
    char *no_arguments[] = {"report", NULL};
    cr_assert_eq(wakecert_report_main(1, no_arguments), 2);
    char *missing[] = {"report", "/nonexistent/results.json", NULL};
    cr_assert_eq(wakecert_report_main(2, missing), 2);
    char *bad_option[] = {"report", "x.json", "--bogus", NULL};
    cr_assert_eq(wakecert_report_main(3, bad_option), 2);
}

/* The plot data follow the scorer's rules: counts agree with the fixture's results.json. */
Test(reports_html, plot_data_agree_with_the_scorer)
{
    char path[4200], message[1024];
    snprintf(path, sizeof path, "%s/reports/tests/data/trace.jsonl", WAKECERT_SOURCE_DIR);
    struct trace trace;
    cr_assert_eq(trace_read(path, &trace, message, sizeof message), 0, "%s", message);
    snprintf(path, sizeof path, "%s/reports/tests/data/results.json", WAKECERT_SOURCE_DIR);
    cJSON *results = NULL;
    cr_assert_eq(wakecert_json_load_file(path, &results, NULL, 0), 0);
    struct report_detection_stats stats;
    cr_assert_eq(report_detection_stats(&trace, -INFINITY, &stats), 0);
    const cJSON *entry;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(results, "requirements"))
    {
        const char *id = wakecert_json_string(entry, "id");
        const cJSON *details = cJSON_GetObjectItemCaseSensitive(entry, "details");
        if (strcmp(id, "wake.false_reject_rate") == 0) {
            cr_assert_eq((double)stats.positives, wakecert_json_number(details, "positives", -1));
            cr_assert_eq((double)stats.misses, wakecert_json_number(details, "misses", -1));
        } else if (strcmp(id, "wake.false_wakes_per_hour") == 0) {
            cr_assert_eq((double)stats.false_wakes, wakecert_json_number(details, "false_wakes", -1));
        } else if (strcmp(id, "wake.detection_latency") == 0) {
            cr_assert_eq((double)stats.latencies_ms.count, wakecert_json_number(details, "detections", -1));
            cr_assert_float_eq(stats.latencies_ms.values[stats.latencies_ms.count - 1],
                               wakecert_json_number(entry, "measured", NAN), 1e-6);
        }
    }
    /* The DET curve starts at the operating point and ends with every detection dropped. */
    struct report_det_point *points = NULL;
    size_t count = 0;
    cr_assert_eq(report_det_curve(&trace, &points, &count), 0);
    cr_assert_geq(count, 3u);
    cr_assert_float_eq(points[0].false_reject_rate, (double)stats.misses / (double)stats.positives, 1e-12);
    cr_assert_float_eq(points[0].false_wakes_per_hour, (double)stats.false_wakes / stats.hours, 1e-9);
    cr_assert_float_eq(points[count - 1].false_reject_rate, 1.0, 1e-12);
    for (size_t i = 1; i < count; i++) {
        cr_assert_geq(points[i].false_reject_rate, points[i - 1].false_reject_rate, "FRR falls at point %zu", i);
        cr_assert_leq(points[i].false_wakes_per_hour, points[i - 1].false_wakes_per_hour, "FW/h rises at point %zu", i);
    }
    free(points);
    report_detection_stats_free(&stats);
    cJSON_Delete(results);
    trace_free(&trace);
}

/* junit.xml as written by results.c validates against the JUnit schema subset CI systems read. */
Test(reports_html, junit_validates_against_the_schema)
{
    make_work_directory();
    struct wakecert_results results = {0};
    snprintf(results.profile, sizeof results.profile, "avs");
    snprintf(results.engine_name, sizeof results.engine_name, "engine <&> \"quoted\"");
    snprintf(results.started_at, sizeof results.started_at, "2024-01-01T00:00:00Z");
    static const enum wakecert_status statuses[] = {WAKECERT_STATUS_PASS,    WAKECERT_STATUS_FAIL,
                                                    WAKECERT_STATUS_NOT_SUPPORTED, WAKECERT_STATUS_CRASH,
                                                    WAKECERT_STATUS_TIMEOUT, WAKECERT_STATUS_INTERNAL_ERROR,
                                                    WAKECERT_STATUS_WAIVED};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        char id[64];
        snprintf(id, sizeof id, "group%zu.requirement_%zu", i % 2, i);
        struct wakecert_requirement_result *requirement = wakecert_results_add(&results, id);
        requirement->status = statuses[i];
        requirement->mustpass = true;
        snprintf(requirement->summary, sizeof requirement->summary, "summary with <markup> & \"quotes\"");
        cJSON *evidence = cJSON_CreateObject();
        cJSON_AddStringToObject(evidence, "file", "a&b.wav");
        cJSON_AddStringToObject(evidence, "observed", "]]> <not a tag>");
        wakecert_requirement_add_evidence(requirement, evidence, 4);
    }
    char message[1024];
    cr_assert_eq(wakecert_results_write(&results, work, message, sizeof message), 0, "%s", message);
    wakecert_results_free(&results);
    char command_argument[8400];
    snprintf(command_argument, sizeof command_argument, "%s/reports/tests/junit.xsd' '%s/junit.xml", WAKECERT_SOURCE_DIR,
             work);
    cr_assert_eq(run_command("xmllint --noout --schema '%s' 2>/dev/null", command_argument), 0,
                 "junit.xml does not validate against tests/junit.xsd");
    /* And the schema is not vacuous: a testcase with two outcomes is rejected. */
    char bad[4200];
    snprintf(bad, sizeof bad, "%s/bad.xml", work);
    const char bad_xml[] = "<testsuites><testsuite name=\"x\" tests=\"1\"><testcase name=\"a\" classname=\"b\">"
                           "<failure/><error/></testcase></testsuite></testsuites>\n";
    cr_assert_eq(wakecert_write_file_atomic(bad, bad_xml, sizeof bad_xml - 1, NULL, 0), 0);
    snprintf(command_argument, sizeof command_argument, "%s/reports/tests/junit.xsd' '%s", WAKECERT_SOURCE_DIR, bad);
    cr_assert_neq(run_command("xmllint --noout --schema '%s' 2>/dev/null", command_argument), 0);
}
