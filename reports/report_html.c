/*
 * The HTML page (see report_html.h). Styling is a small inline stylesheet with one breakpoint: on a
 * phone tables scroll sideways inside their box and less important columns hide, figures scale to
 * the width (gnuplot's SVG carries a viewBox), and nothing is wider than the screen. Colours come
 * with text (PASS/FAIL are words, not just green/red) so the page reads in black and white.
 */
#define _POSIX_C_SOURCE 200809L
#include "report_html.h"

#include "cpu.h"
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char stylesheet[] =
    ":root{--pass:#1b7f3b;--fail:#c62828;--warn:#b26a00;--muted:#666;--line:#ddd;--bg:#fafafa}"
    "*{box-sizing:border-box}"
    "body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;line-height:1.45;color:#222;"
    "background:var(--bg)}"
    "main{max-width:1120px;margin:0 auto;padding:16px}"
    "h1,h2,h3{line-height:1.2}h2{margin-top:2em;border-bottom:2px solid var(--line);padding-bottom:.2em}"
    "a{color:#1a55b5}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em}"
    ".verdict{border-radius:10px;padding:16px 20px;color:#fff}"
    ".verdict h1{margin:0;font-size:2.2em;letter-spacing:.04em}.verdict p{margin:.3em 0 0}"
    ".verdict.pass{background:var(--pass)}.verdict.fail{background:var(--fail)}"
    ".notes{background:#fff4e0;border-left:4px solid var(--warn);padding:8px 12px;margin:12px 0}"
    "nav{margin:12px 0;display:flex;flex-wrap:wrap;gap:6px 14px}"
    ".table-wrap{overflow-x:auto;background:#fff;border:1px solid var(--line);border-radius:6px}"
    "table{border-collapse:collapse;width:100%;font-size:.95em}"
    "th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}"
    "th{background:#f0f0f0;white-space:nowrap}td.num{text-align:right;white-space:nowrap}"
    "tr.not-passing td{background:#fff5f5}"
    ".badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.85em;font-weight:600;color:#fff;"
    "white-space:nowrap}"
    ".badge.PASS{background:var(--pass)}.badge.FAIL{background:var(--fail)}.badge.WAIVED,.badge.NOT_SUPPORTED{"
    "background:#777}.badge.CRASH,.badge.TIMEOUT,.badge.INTERNAL_ERROR{background:var(--warn)}"
    ".better{color:var(--pass)}.worse{color:var(--fail)}"
    "article.evidence{background:#fff;border:1px solid var(--line);border-left:4px solid var(--fail);"
    "border-radius:6px;padding:8px 14px;margin:12px 0}"
    "article.evidence ol{padding-left:1.4em;margin:.4em 0}article.evidence li{margin:.25em 0;overflow-wrap:anywhere}"
    "figure{margin:18px 0;background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px}"
    "figure svg{display:block;width:100%;height:auto}"
    "figcaption{color:#444;font-size:.92em;margin-top:6px}"
    "figure.failing{border-left:4px solid var(--fail)}"
    "dl.provenance{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;background:#fff;"
    "border:1px solid var(--line);border-radius:6px;padding:12px}"
    "dl.provenance dt{font-weight:600}dl.provenance dd{margin:0;overflow-wrap:anywhere}"
    "footer{color:var(--muted);font-size:.85em;margin:32px 0 8px}"
    "@media (max-width:640px){main{padding:8px}.verdict h1{font-size:1.7em}th,td{padding:5px 6px}"
    ".wide-only{display:none}"
    ".req thead{display:none}.req tr{display:grid;grid-template-columns:1fr auto auto;align-items:baseline;"
    "border-bottom:1px solid var(--line)}.req td{border:0;padding:3px 6px}.req td.id{grid-column:1/3}"
    ".req td.status{grid-column:3}.req td.measured{grid-column:1;text-align:left}"
    ".req td.measured::before{content:'measured ';color:var(--muted)}"
    ".req td.bound{grid-column:2/4;text-align:left}.req td.bound::before{content:'bound ';color:var(--muted)}"
    ".req td.summary{grid-column:1/4;font-size:.92em;color:#444}dl.provenance{grid-template-columns:1fr}dl.provenance dd{margin-bottom:6px}}"
    "@media print{nav{display:none}figure{break-inside:avoid}}";

static const char *string_or(const cJSON *object, const char *name, const char *fallback)
{
    const char *value = wakecert_json_string(object, name);
    return value && *value ? value : fallback;
}

static const cJSON *member(const cJSON *object, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(object, name);
}

static bool is_passing(const char *status)
{
    return status && (strcmp(status, "PASS") == 0 || strcmp(status, "WAIVED") == 0);
}

/* A measured value or threshold as text: "-" when null. */
static void format_number(char *out, size_t out_size, const cJSON *value)
{
    if (cJSON_IsNumber(value) && isfinite(value->valuedouble))
        snprintf(out, out_size, "%.4g", value->valuedouble);
    else
        snprintf(out, out_size, "-");
}

static void badge(struct report_text *html, const char *status)
{
    report_text_printf(html, "<span class=\"badge ");
    report_text_escape_html(html, status ? status : "UNKNOWN");
    report_text_printf(html, "\">");
    report_text_escape_html(html, status ? status : "UNKNOWN");
    report_text_printf(html, "</span>");
}

/* An id usable as an HTML fragment: requirement ids are dotted words, so "req-" + id is valid. */
static void anchor_for(struct report_text *html, const char *prefix, const char *id)
{
    report_text_printf(html, "%s", prefix);
    report_text_escape_html(html, id);
}

static void evidence_line(struct report_text *html, const cJSON *evidence, const struct report_plots *plots)
{
    const char *file = wakecert_json_string(evidence, "file");
    const struct report_plot *timeline = plots ? report_plots_timeline_of(plots, file) : NULL;
    if (file) {
        if (timeline && timeline->svg) {
            report_text_printf(html, "<a href=\"#");
            report_text_escape_html(html, timeline->name);
            report_text_printf(html, "\" title=\"timeline of this file\"><code>");
            report_text_escape_html(html, file);
            report_text_printf(html, "</code></a>");
        } else {
            report_text_printf(html, "<code>");
            report_text_escape_html(html, file);
            report_text_printf(html, "</code>");
        }
    }
    double time_s = wakecert_json_number(evidence, "time_s", NAN);
    double start = wakecert_json_number(evidence, "sample_start", NAN), end = wakecert_json_number(evidence, "sample_end", NAN);
    if (isfinite(time_s))
        report_text_printf(html, " at %.3f s", time_s);
    if (isfinite(start))
        report_text_printf(html, " (samples %.0f&ndash;%.0f)", start, isfinite(end) ? end : start);
    const char *expected = wakecert_json_string(evidence, "expected"), *observed = wakecert_json_string(evidence, "observed");
    if (expected) {
        report_text_printf(html, "<br>expected: ");
        report_text_escape_html(html, expected);
    }
    if (observed) {
        report_text_printf(html, "<br>observed: <strong>");
        report_text_escape_html(html, observed);
        report_text_printf(html, "</strong>");
    }
    if (!file && !expected && !observed) {
        char *printed = cJSON_PrintUnformatted(evidence);
        report_text_printf(html, "<code>");
        report_text_escape_html(html, printed ? printed : "");
        report_text_printf(html, "</code>");
        cJSON_free(printed);
    }
}

static void requirement_table(struct report_text *html, const cJSON *results)
{
    report_text_printf(html, "<section id=\"requirements\"><h2>Requirements</h2><div class=\"table-wrap\"><table class=\"req\">\n"
                             "<thead><tr><th>requirement</th><th>status</th><th class=\"num\">measured</th>"
                             "<th class=\"num\">bound</th><th class=\"wide-only\">unit</th><th>summary</th></tr></thead><tbody>\n");
    const cJSON *entry;
    cJSON_ArrayForEach(entry, member(results, "requirements"))
    {
        const char *id = string_or(entry, "id", "?"), *status = wakecert_json_string(entry, "status");
        bool passing = is_passing(status);
        char measured[32], threshold[32];
        format_number(measured, sizeof measured, member(entry, "measured"));
        format_number(threshold, sizeof threshold, member(entry, "threshold"));
        report_text_printf(html, "<tr class=\"%s\"><td class=\"id\">", passing ? "passing" : "not-passing");
        if (!passing && cJSON_GetArraySize(member(entry, "evidence")) > 0) {
            report_text_printf(html, "<a href=\"#");
            anchor_for(html, "req-", id);
            report_text_printf(html, "\"><code>");
            report_text_escape_html(html, id);
            report_text_printf(html, "</code></a>");
        } else {
            report_text_printf(html, "<code>");
            report_text_escape_html(html, id);
            report_text_printf(html, "</code>");
        }
        if (!cJSON_IsTrue(member(entry, "mustpass")))
            report_text_printf(html, " <small>(optional)</small>");
        report_text_printf(html, "</td><td class=\"status\">");
        badge(html, status);
        report_text_printf(html, "</td><td class=\"num measured\">%s</td><td class=\"num bound\">", measured);
        report_text_escape_html(html, string_or(entry, "comparison", ""));
        report_text_printf(html, " %s</td><td class=\"wide-only unit\">", threshold);
        report_text_escape_html(html, string_or(entry, "unit", ""));
        report_text_printf(html, "</td><td class=\"summary\">");
        report_text_escape_html(html, string_or(entry, "summary", ""));
        report_text_printf(html, "</td></tr>\n");
    }
    report_text_printf(html, "</tbody></table></div></section>\n");
}

static void failures(struct report_text *html, const cJSON *results, const struct report_plots *plots)
{
    size_t shown = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, member(results, "requirements"))
    {
        const char *status = wakecert_json_string(entry, "status");
        if (is_passing(status))
            continue;
        if (shown++ == 0)
            report_text_printf(html, "<section id=\"failures\"><h2>Not passing: the evidence</h2>\n");
        const char *id = string_or(entry, "id", "?");
        report_text_printf(html, "<article class=\"evidence\" id=\"");
        anchor_for(html, "req-", id);
        report_text_printf(html, "\"><h3><code>");
        report_text_escape_html(html, id);
        report_text_printf(html, "</code> ");
        badge(html, status);
        report_text_printf(html, "</h3><p>");
        report_text_escape_html(html, string_or(entry, "summary", ""));
        report_text_printf(html, "</p>");
        const cJSON *evidence = member(entry, "evidence");
        if (cJSON_GetArraySize(evidence) > 0) {
            report_text_printf(html, "<ol>");
            const cJSON *item;
            cJSON_ArrayForEach(item, evidence)
            {
                report_text_printf(html, "<li>");
                evidence_line(html, item, plots);
                report_text_printf(html, "</li>");
            }
            report_text_printf(html, "</ol>");
        }
        double omitted = wakecert_json_number(member(entry, "details"), "evidence_omitted", 0);
        if (omitted > 0)
            report_text_printf(html, "<p><small>%.0f more occurrences not listed (see results.json / trace.jsonl).</small></p>",
                               omitted);
        report_text_printf(html, "</article>\n");
    }
    if (shown)
        report_text_printf(html, "</section>\n");
}

static void figure(struct report_text *html, const struct report_plot *plot)
{
    report_text_printf(html, "<figure id=\"");
    report_text_escape_html(html, plot->name);
    report_text_printf(html, "\"%s>", plot->failing ? " class=\"failing\"" : "");
    if (plot->svg) {
        /* role and label for screen readers; the SVG itself came from gnuplot. */
        const char *after_tag = plot->svg + 4;
        report_text_printf(html, "<svg role=\"img\" aria-label=\"");
        report_text_escape_html(html, plot->title);
        report_text_printf(html, "\"");
        report_text_append(html, after_tag, strlen(after_tag));
    } else {
        report_text_printf(html, "<p class=\"notes\">Plot not drawn: ");
        report_text_escape_html(html, plot->error[0] ? plot->error : "unknown reason");
        report_text_printf(html, "</p>");
    }
    report_text_printf(html, "<figcaption><strong>");
    report_text_escape_html(html, plot->title);
    report_text_printf(html, ".</strong> ");
    report_text_escape_html(html, plot->caption);
    if (plot->png[0]) {
        report_text_printf(html, " <small>(PNG: <code>");
        report_text_escape_html(html, plot->png);
        report_text_printf(html, "</code>)</small>");
    }
    report_text_printf(html, "</figcaption></figure>\n");
}

static void plot_sections(struct report_text *html, const struct report_plots *plots)
{
    if (!plots)
        return;
    size_t summary = 0, timelines = 0;
    for (size_t i = 0; i < plots->count; i++)
        plots->items[i].file[0] ? timelines++ : summary++;
    if (summary) {
        report_text_printf(html, "<section id=\"plots\"><h2>Plots</h2>\n");
        for (size_t i = 0; i < plots->count; i++)
            if (!plots->items[i].file[0])
                figure(html, &plots->items[i]);
        report_text_printf(html, "</section>\n");
    }
    if (timelines) {
        report_text_printf(html, "<section id=\"timelines\"><h2>Stream timelines</h2><p>Every file named in the evidence "
                                 "of a failing requirement (up to %d), then a few passing files for comparison.</p>\n",
                           REPORT_TIMELINE_FAILING_LIMIT);
        for (size_t i = 0; i < plots->count; i++)
            if (plots->items[i].file[0])
                figure(html, &plots->items[i]);
        report_text_printf(html, "</section>\n");
    }
}

static void metrics(struct report_text *html, const cJSON *results)
{
    const cJSON *metrics = member(results, "metrics");
    if (cJSON_GetArraySize(metrics) == 0)
        return;
    report_text_printf(html, "<section id=\"metrics\"><h2>Metrics</h2><div class=\"table-wrap\"><table><tbody>\n");
    const cJSON *item;
    cJSON_ArrayForEach(item, metrics)
    {
        report_text_printf(html, "<tr><th>");
        report_text_escape_html(html, item->string);
        report_text_printf(html, "</th><td class=\"num\">");
        if (cJSON_IsNumber(item))
            report_text_printf(html, "%.6g", item->valuedouble);
        else if (cJSON_IsString(item))
            report_text_escape_html(html, item->valuestring);
        else {
            char *printed = cJSON_PrintUnformatted(item);
            report_text_escape_html(html, printed ? printed : "");
            cJSON_free(printed);
        }
        report_text_printf(html, "</td></tr>\n");
    }
    report_text_printf(html, "</tbody></table></div></section>\n");
}

static void provenance_row(struct report_text *html, const char *name, const char *value, bool monospace)
{
    report_text_printf(html, "<dt>");
    report_text_escape_html(html, name);
    report_text_printf(html, "</dt><dd%s>", monospace ? " class=\"mono\"" : "");
    report_text_escape_html(html, value && *value ? value : "-");
    report_text_printf(html, "</dd>\n");
}

static void provenance(struct report_text *html, const cJSON *results)
{
    const cJSON *wakecert = member(results, "wakecert"), *engine = member(results, "engine"),
                *corpus = member(results, "corpus"), *profile = member(results, "profile"),
                *timing = member(results, "timing"), *machine = member(results, "machine");
    char line[512];
    report_text_printf(html, "<section id=\"provenance\"><h2>Provenance</h2><dl class=\"provenance\">\n");
    snprintf(line, sizeof line, "%s (revision %s)", string_or(wakecert, "version", "?"), string_or(wakecert, "revision", "?"));
    provenance_row(html, "wakecert", line, false);
    snprintf(line, sizeof line, "%s %s", string_or(engine, "name", "?"), string_or(engine, "version", ""));
    provenance_row(html, "engine", line, false);
    provenance_row(html, "engine sha256", wakecert_json_string(engine, "sha256"), true);
    provenance_row(html, "engine path", wakecert_json_string(engine, "path"), true);
    provenance_row(html, "corpus", wakecert_json_string(corpus, "name"), false);
    provenance_row(html, "corpus sha256", wakecert_json_string(corpus, "sha256"), true);
    snprintf(line, sizeof line, "%s %s", string_or(profile, "name", "?"), string_or(profile, "version", ""));
    provenance_row(html, "profile", line, false);
    provenance_row(html, "profile sha256", wakecert_json_string(profile, "sha256"), true);
    provenance_row(html, "started at", wakecert_json_string(timing, "started_at"), false);
    double wall = wakecert_json_number(timing, "wall_seconds", NAN);
    if (isfinite(wall)) {
        snprintf(line, sizeof line, "%.2f s", wall);
        provenance_row(html, "wall time", line, false);
    }
    /* The run's machine when results.json records it; else the machine this report was made on. */
    const char *run_cpu = wakecert_json_string(machine, "cpu");
    if (run_cpu)
        provenance_row(html, "machine (run)", run_cpu, false);
    provenance_row(html, run_cpu ? "machine (report)" : "machine (this report was made on)", wakecert_cpu_model(), false);
    report_text_printf(html, "</dl></section>\n");
}

static const cJSON *requirement_in(const cJSON *results, const char *id)
{
    const cJSON *entry;
    cJSON_ArrayForEach(entry, member(results, "requirements"))
    {
        const char *entry_id = wakecert_json_string(entry, "id");
        if (entry_id && strcmp(entry_id, id) == 0)
            return entry;
    }
    return NULL;
}

static void comparison(struct report_text *html, const cJSON *results, const cJSON *other, const char *other_label)
{
    report_text_printf(html, "<section id=\"comparison\"><h2>Compared with another run</h2><p>This run: <strong>");
    report_text_escape_html(html, string_or(member(results, "engine"), "name", "?"));
    report_text_printf(html, " ");
    report_text_escape_html(html, string_or(member(results, "engine"), "version", ""));
    report_text_printf(html, "</strong> (%s). Other run: <strong>", string_or(results, "verdict", "?"));
    report_text_escape_html(html, string_or(member(other, "engine"), "name", "?"));
    report_text_printf(html, " ");
    report_text_escape_html(html, string_or(member(other, "engine"), "version", ""));
    report_text_printf(html, "</strong> (");
    report_text_escape_html(html, string_or(other, "verdict", "?"));
    report_text_printf(html, ") from <code>");
    report_text_escape_html(html, other_label ? other_label : "other");
    report_text_printf(html, "</code>. Delta is this run minus the other; green is better under the bound's direction.</p>"
                             "<div class=\"table-wrap\"><table><thead><tr><th>requirement</th><th>this run</th>"
                             "<th>other run</th><th class=\"num\">this</th><th class=\"num\">other</th><th class=\"num\">delta</th>"
                             "<th class=\"wide-only\">unit</th></tr></thead><tbody>\n");
    /* Every id of this run, then the ids only the other run has. */
    for (int side = 0; side < 2; side++) {
        const cJSON *entry;
        cJSON_ArrayForEach(entry, member(side == 0 ? results : other, "requirements"))
        {
            const char *id = string_or(entry, "id", "?");
            if (side == 1 && requirement_in(results, id))
                continue;
            const cJSON *mine = side == 0 ? entry : NULL;
            const cJSON *theirs = side == 0 ? requirement_in(other, id) : entry;
            const char *my_status = mine ? wakecert_json_string(mine, "status") : "absent";
            const char *their_status = theirs ? wakecert_json_string(theirs, "status") : "absent";
            char my_value[32], their_value[32], delta[48] = "-";
            format_number(my_value, sizeof my_value, mine ? member(mine, "measured") : NULL);
            format_number(their_value, sizeof their_value, theirs ? member(theirs, "measured") : NULL);
            const char *delta_class = "";
            const cJSON *a = mine ? member(mine, "measured") : NULL, *b = theirs ? member(theirs, "measured") : NULL;
            if (cJSON_IsNumber(a) && cJSON_IsNumber(b)) {
                double difference = a->valuedouble - b->valuedouble;
                snprintf(delta, sizeof delta, "%+.4g", difference);
                bool higher_is_better = strcmp(string_or(mine, "comparison", "<="), ">=") == 0;
                if (difference != 0)
                    delta_class = (difference < 0) != higher_is_better ? "better" : "worse";
            }
            bool changed = strcmp(my_status ? my_status : "", their_status ? their_status : "") != 0;
            report_text_printf(html, "<tr%s><td><code>", changed ? " class=\"not-passing\"" : "");
            report_text_escape_html(html, id);
            report_text_printf(html, "</code></td><td>");
            badge(html, my_status);
            report_text_printf(html, "</td><td>");
            badge(html, their_status);
            report_text_printf(html, "</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num %s\">%s</td>"
                                     "<td class=\"wide-only\">",
                               my_value, their_value, delta_class, delta);
            report_text_escape_html(html, string_or(mine ? mine : theirs, "unit", ""));
            report_text_printf(html, "</td></tr>\n");
        }
    }
    report_text_printf(html, "</tbody></table></div></section>\n");
}

void report_html_build(const struct report_html_input *input, struct report_text *html)
{
    const cJSON *results = input->results;
    const char *verdict = string_or(results, "verdict", "UNKNOWN");
    bool pass = strcmp(verdict, "PASS") == 0;
    const cJSON *engine = member(results, "engine"), *profile = member(results, "profile"),
                *corpus = member(results, "corpus");
    report_text_printf(html, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                             "<meta name=\"generator\" content=\"wakecert report\">\n<title>wakecert ");
    report_text_escape_html(html, verdict);
    report_text_printf(html, ": ");
    report_text_escape_html(html, string_or(engine, "name", "engine"));
    report_text_printf(html, " under ");
    report_text_escape_html(html, string_or(profile, "name", "profile"));
    report_text_printf(html, "</title>\n<style>%s</style>\n</head><body><main>\n", stylesheet);

    size_t total = 0, not_passing = 0, mustpass_failing = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, member(results, "requirements"))
    {
        total++;
        if (!is_passing(wakecert_json_string(entry, "status"))) {
            not_passing++;
            mustpass_failing += cJSON_IsTrue(member(entry, "mustpass"));
        }
    }
    report_text_printf(html, "<header class=\"verdict %s\"><h1>%s</h1><p><strong>", pass ? "pass" : "fail",
                       pass ? "PASS" : verdict);
    report_text_escape_html(html, string_or(engine, "name", "?"));
    report_text_printf(html, " ");
    report_text_escape_html(html, string_or(engine, "version", ""));
    report_text_printf(html, "</strong> under profile <strong>");
    report_text_escape_html(html, string_or(profile, "name", "?"));
    report_text_printf(html, "</strong> on corpus <strong>");
    report_text_escape_html(html, string_or(corpus, "name", "?"));
    report_text_printf(html, "</strong></p><p>%zu of %zu requirements passing", total - not_passing, total);
    if (not_passing)
        report_text_printf(html, "; %zu not passing (%zu mustpass)", not_passing, mustpass_failing);
    report_text_printf(html, ".</p></header>\n");

    bool any_note = false;
    for (size_t i = 0; i < sizeof input->notes / sizeof input->notes[0] && input->notes[i]; i++) {
        if (!any_note)
            report_text_printf(html, "<div class=\"notes\">");
        any_note = true;
        report_text_printf(html, "<p>");
        report_text_escape_html(html, input->notes[i]);
        report_text_printf(html, "</p>");
    }
    if (any_note)
        report_text_printf(html, "</div>\n");

    report_text_printf(html, "<nav>%s<a href=\"#requirements\">Requirements</a>%s",
                       input->compare ? "<a href=\"#comparison\">Comparison</a>" : "",
                       not_passing ? "<a href=\"#failures\">Evidence</a>" : "");
    bool has_summary_plots = false, has_timelines = false;
    for (size_t i = 0; input->plots && i < input->plots->count; i++) {
        has_summary_plots |= !input->plots->items[i].file[0];
        has_timelines |= input->plots->items[i].file[0] != '\0';
    }
    report_text_printf(html, "%s%s<a href=\"#metrics\">Metrics</a><a href=\"#provenance\">Provenance</a></nav>\n",
                       has_summary_plots ? "<a href=\"#plots\">Plots</a>" : "",
                       has_timelines ? "<a href=\"#timelines\">Timelines</a>" : "");

    if (input->compare)
        comparison(html, results, input->compare, input->compare_label);
    requirement_table(html, results);
    failures(html, results, input->plots);
    plot_sections(html, input->plots);
    metrics(html, results);
    provenance(html, results);
    report_text_printf(html, "<footer>Written by <code>wakecert report</code> from results.json (schema ");
    report_text_escape_html(html, string_or(results, "schema", "?"));
    report_text_printf(html, ") and trace.jsonl. This page is self-contained: it loads nothing.</footer>\n"
                             "</main></body></html>\n");
}
