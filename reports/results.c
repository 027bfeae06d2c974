/*
 * The results model and its three text outputs (see results.h).
 *
 * results.json is the machine-readable record: stable key order, one entry per requirement with
 * status, measured value, threshold, unit and evidence, so two runs can be diffed and re-scored.
 * junit.xml gives CI systems one testcase per requirement (a failure's message is its first line of
 * evidence, the body all of it). summary.md is for a CI step summary: the verdict first, then the
 * failing ids each with one line of evidence, then the full table.
 */
#define _POSIX_C_SOURCE 200809L
#include "results.h"

#include "error.h"
#include "files.h"
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {"PASS", "FAIL", "NOT_SUPPORTED", "CRASH", "TIMEOUT", "INTERNAL_ERROR",
                                           "WAIVED"};

const char *wakecert_status_name(enum wakecert_status status)
{
    return (unsigned)status < sizeof status_names / sizeof status_names[0] ? status_names[status] : "UNKNOWN";
}

struct wakecert_requirement_result *wakecert_results_add(struct wakecert_results *results, const char *id)
{
    if (results->requirement_count == results->requirement_capacity) {
        size_t capacity = results->requirement_capacity ? 2 * results->requirement_capacity : 16;
        struct wakecert_requirement_result *grown =
            realloc(results->requirements, capacity * sizeof *results->requirements);
        if (!grown)
            return NULL;
        results->requirements = grown;
        results->requirement_capacity = capacity;
    }
    struct wakecert_requirement_result *requirement = &results->requirements[results->requirement_count++];
    memset(requirement, 0, sizeof *requirement);
    snprintf(requirement->id, sizeof requirement->id, "%s", id);
    snprintf(requirement->comparison, sizeof requirement->comparison, "<=");
    requirement->evidence = cJSON_CreateArray();
    requirement->status = WAKECERT_STATUS_PASS;
    return requirement;
}

void wakecert_requirement_add_evidence(struct wakecert_requirement_result *requirement, cJSON *evidence, size_t limit)
{
    if (!evidence)
        return;
    if ((size_t)cJSON_GetArraySize(requirement->evidence) < limit) {
        cJSON_AddItemToArray(requirement->evidence, evidence);
        return;
    }
    cJSON_Delete(evidence);
    if (!requirement->details)
        requirement->details = cJSON_CreateObject();
    cJSON *omitted = cJSON_GetObjectItemCaseSensitive(requirement->details, "evidence_omitted");
    if (omitted)
        cJSON_SetNumberValue(omitted, omitted->valuedouble + 1);
    else
        cJSON_AddNumberToObject(requirement->details, "evidence_omitted", 1);
}

enum wakecert_status wakecert_results_verdict(const struct wakecert_results *results)
{
    for (size_t i = 0; i < results->requirement_count; i++) {
        const struct wakecert_requirement_result *requirement = &results->requirements[i];
        if (requirement->mustpass && requirement->status != WAKECERT_STATUS_PASS &&
            requirement->status != WAKECERT_STATUS_WAIVED)
            return WAKECERT_STATUS_FAIL;
    }
    return WAKECERT_STATUS_PASS;
}

int wakecert_results_exit_code(const struct wakecert_results *results)
{
    return wakecert_results_verdict(results) == WAKECERT_STATUS_PASS ? 0 : 1;
}

/* Numbers are rounded to 6 significant digits in outputs so that results repeat byte for byte
 * across compilers and shard merges (a float summed in another order differs in its last bits). */
static double stable_number(double value)
{
    if (!isfinite(value) || value == 0)
        return value;
    char text[64];
    snprintf(text, sizeof text, "%.6g", value);
    return strtod(text, NULL);
}

static void add_number_or_null(cJSON *object, const char *name, bool present, double value)
{
    if (present && isfinite(value))
        cJSON_AddNumberToObject(object, name, stable_number(value));
    else
        cJSON_AddNullToObject(object, name);
}

cJSON *wakecert_results_to_json(const struct wakecert_results *results)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", WAKECERT_RESULTS_SCHEMA);
    cJSON_AddStringToObject(root, "kind", results->kind[0] ? results->kind : "engine");
    cJSON_AddStringToObject(root, "verdict", wakecert_status_name(wakecert_results_verdict(results)));
    cJSON *wakecert = cJSON_AddObjectToObject(root, "wakecert");
    cJSON_AddStringToObject(wakecert, "version", WAKECERT_VERSION);
    cJSON_AddStringToObject(wakecert, "revision", WAKECERT_REVISION);
    cJSON *engine = cJSON_AddObjectToObject(root, "engine");
    cJSON_AddStringToObject(engine, "name", results->engine_name);
    cJSON_AddStringToObject(engine, "version", results->engine_version);
    cJSON_AddStringToObject(engine, "path", results->engine_path);
    cJSON_AddStringToObject(engine, "sha256", results->engine_sha256);
    cJSON *corpus = cJSON_AddObjectToObject(root, "corpus");
    cJSON_AddStringToObject(corpus, "name", results->corpus_name);
    cJSON_AddStringToObject(corpus, "sha256", results->corpus_sha256);
    cJSON *profile = cJSON_AddObjectToObject(root, "profile");
    cJSON_AddStringToObject(profile, "name", results->profile);
    cJSON_AddStringToObject(profile, "version", results->profile_version);
    cJSON_AddStringToObject(profile, "sha256", results->profile_sha256);
    cJSON *timing = cJSON_AddObjectToObject(root, "timing");
    cJSON_AddStringToObject(timing, "started_at", results->started_at);
    cJSON_AddNumberToObject(timing, "wall_seconds", results->wall_seconds);
    cJSON *requirements = cJSON_AddArrayToObject(root, "requirements");
    for (size_t i = 0; i < results->requirement_count; i++) {
        const struct wakecert_requirement_result *requirement = &results->requirements[i];
        cJSON *entry = cJSON_CreateObject();
        cJSON_AddStringToObject(entry, "id", requirement->id);
        cJSON_AddStringToObject(entry, "status", wakecert_status_name(requirement->status));
        cJSON_AddBoolToObject(entry, "mustpass", requirement->mustpass);
        add_number_or_null(entry, "measured", requirement->has_measurement, requirement->measured);
        add_number_or_null(entry, "threshold", true, requirement->threshold);
        cJSON_AddStringToObject(entry, "comparison", requirement->comparison);
        cJSON_AddStringToObject(entry, "unit", requirement->unit);
        cJSON_AddStringToObject(entry, "summary", requirement->summary);
        cJSON_AddItemToObject(entry, "evidence",
                              requirement->evidence ? cJSON_Duplicate(requirement->evidence, 1) : cJSON_CreateArray());
        if (requirement->details)
            cJSON_AddItemToObject(entry, "details", cJSON_Duplicate(requirement->details, 1));
        cJSON_AddItemToArray(requirements, entry);
    }
    cJSON_AddItemToObject(root, "metrics", results->metrics ? cJSON_Duplicate(results->metrics, 1) : cJSON_CreateObject());
    return root;
}

static void write_xml_escaped(FILE *stream, const char *text)
{
    for (; *text; text++) {
        switch (*text) {
        case '<': fputs("&lt;", stream); break;
        case '>': fputs("&gt;", stream); break;
        case '&': fputs("&amp;", stream); break;
        case '"': fputs("&quot;", stream); break;
        case '\'': fputs("&apos;", stream); break;
        default:
            if ((unsigned char)*text < 0x20 && *text != '\n' && *text != '\t')
                fputc(' ', stream);
            else
                fputc(*text, stream);
        }
    }
}

/* One evidence object as one readable line: "file.wav at 3.120 s (samples 49920-50080): expected ..., observed ...". */
static void format_evidence_line(const cJSON *evidence, char *out, size_t out_size)
{
    const char *file = wakecert_json_string(evidence, "file");
    const char *expected = wakecert_json_string(evidence, "expected");
    const char *observed = wakecert_json_string(evidence, "observed");
    double time_s = wakecert_json_number(evidence, "time_s", NAN);
    double sample_start = wakecert_json_number(evidence, "sample_start", NAN);
    double sample_end = wakecert_json_number(evidence, "sample_end", NAN);
    size_t used = 0;
    if (file)
        used += snprintf(out + used, out_size - used, "%s", file);
    if (used < out_size && isfinite(time_s))
        used += snprintf(out + used, out_size - used, " at %.3f s", time_s);
    if (used < out_size && isfinite(sample_start))
        used += snprintf(out + used, out_size - used, " (samples %.0f-%.0f)", sample_start,
                         isfinite(sample_end) ? sample_end : sample_start);
    if (used < out_size && expected)
        used += snprintf(out + used, out_size - used, "%sexpected %s", used ? ": " : "", expected);
    if (used < out_size && observed)
        snprintf(out + used, out_size - used, "%sobserved %s", expected ? ", " : (used ? ": " : ""), observed);
    if (!file && !expected && !observed) {
        char *printed = cJSON_PrintUnformatted(evidence);
        snprintf(out, out_size, "%s", printed ? printed : "");
        cJSON_free(printed);
    }
}

static void format_value(char *out, size_t out_size, bool present, double value, const char *unit)
{
    if (!present || !isfinite(value))
        snprintf(out, out_size, "-");
    else
        snprintf(out, out_size, "%.4g %s", value, unit);
}

static int write_junit(const struct wakecert_results *results, const char *path, char *message, size_t message_size)
{
    struct wakecert_atomic_file file;
    int status = wakecert_atomic_open(&file, path, message, message_size);
    if (status)
        return status;
    FILE *stream = file.stream;
    size_t failures = 0, errors = 0, skipped = 0;
    for (size_t i = 0; i < results->requirement_count; i++) {
        enum wakecert_status requirement_status = results->requirements[i].status;
        failures += requirement_status == WAKECERT_STATUS_FAIL;
        errors += requirement_status == WAKECERT_STATUS_CRASH || requirement_status == WAKECERT_STATUS_TIMEOUT ||
                  requirement_status == WAKECERT_STATUS_INTERNAL_ERROR;
        skipped += requirement_status == WAKECERT_STATUS_NOT_SUPPORTED || requirement_status == WAKECERT_STATUS_WAIVED;
    }
    fprintf(stream, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(stream, "<testsuites name=\"wakecert\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n",
            results->requirement_count, failures, errors, skipped);
    fprintf(stream, "  <testsuite name=\"wakecert.");
    write_xml_escaped(stream, results->profile);
    fprintf(stream, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\" timestamp=\"",
            results->requirement_count, failures, errors, skipped, results->wall_seconds);
    write_xml_escaped(stream, results->started_at);
    fprintf(stream, "\">\n    <properties>\n");
    const char *property_names[] = {"engine", "engine.version", "engine.sha256", "corpus", "corpus.sha256", "profile"};
    const char *property_values[] = {results->engine_name,  results->engine_version, results->engine_sha256,
                                     results->corpus_name,  results->corpus_sha256,  results->profile};
    for (size_t i = 0; i < sizeof property_names / sizeof property_names[0]; i++) {
        fprintf(stream, "      <property name=\"%s\" value=\"", property_names[i]);
        write_xml_escaped(stream, property_values[i]);
        fprintf(stream, "\"/>\n");
    }
    fprintf(stream, "    </properties>\n");
    for (size_t i = 0; i < results->requirement_count; i++) {
        const struct wakecert_requirement_result *requirement = &results->requirements[i];
        const char *group_end = strchr(requirement->id, '.');
        fprintf(stream, "    <testcase classname=\"wakecert.");
        if (group_end)
            fwrite(requirement->id, 1, (size_t)(group_end - requirement->id), stream);
        else
            write_xml_escaped(stream, requirement->id);
        fprintf(stream, "\" name=\"");
        write_xml_escaped(stream, requirement->id);
        fprintf(stream, "\" time=\"0\"");
        enum wakecert_status requirement_status = requirement->status;
        if (requirement_status == WAKECERT_STATUS_PASS) {
            fprintf(stream, "/>\n");
            continue;
        }
        fprintf(stream, ">\n");
        const char *element = requirement_status == WAKECERT_STATUS_FAIL ? "failure"
                              : (requirement_status == WAKECERT_STATUS_NOT_SUPPORTED ||
                                 requirement_status == WAKECERT_STATUS_WAIVED)
                                  ? "skipped"
                                  : "error";
        fprintf(stream, "      <%s type=\"%s\" message=\"", element, wakecert_status_name(requirement_status));
        write_xml_escaped(stream, requirement->summary);
        fprintf(stream, "\">");
        char line[1024];
        cJSON *evidence;
        cJSON_ArrayForEach(evidence, requirement->evidence)
        {
            format_evidence_line(evidence, line, sizeof line);
            write_xml_escaped(stream, line);
            fputc('\n', stream);
        }
        fprintf(stream, "</%s>\n    </testcase>\n", element);
    }
    fprintf(stream, "  </testsuite>\n</testsuites>\n");
    return wakecert_atomic_commit(&file, message, message_size);
}

/* For a requirement whose details carry "by_voice" (wake.false_reject_rate), a table of misses per voice
 * (rows) and condition (columns, in the order first met, at most MAX_COLUMNS of them; the "all" column
 * counts every condition), each cell "missed/wake words". Prints nothing when there is no such object.
 * Cannot fail. */
static void write_voice_table(FILE *stream, const struct wakecert_requirement_result *requirement)
{
    const cJSON *by_voice = cJSON_GetObjectItemCaseSensitive(requirement->details, "by_voice");
    if (!cJSON_IsObject(by_voice) || cJSON_GetArraySize(by_voice) == 0)
        return;
    enum { MAX_COLUMNS = 24 };
    const char *columns[MAX_COLUMNS];
    int column_count = 0;
    const cJSON *voice, *condition;
    cJSON_ArrayForEach(voice, by_voice)
    {
        cJSON_ArrayForEach(condition, cJSON_GetObjectItemCaseSensitive(voice, "by_condition"))
        {
            int c = 0;
            while (c < column_count && strcmp(columns[c], condition->string) != 0)
                c++;
            if (c == column_count && column_count < MAX_COLUMNS)
                columns[column_count++] = condition->string;
        }
    }
    fprintf(stream, "\n## `%s` by voice\n\nMissed / labelled wake words per voice of the corpus manifest and "
                    "condition.\n\n| voice | all |", requirement->id);
    for (int c = 0; c < column_count; c++)
        fprintf(stream, " %s |", columns[c]);
    fprintf(stream, "\n|---|---:|");
    for (int c = 0; c < column_count; c++)
        fprintf(stream, "---:|");
    fprintf(stream, "\n");
    cJSON_ArrayForEach(voice, by_voice)
    {
        fprintf(stream, "| `%s` | %.0f/%.0f |", voice->string,
                cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(voice, "misses")),
                cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(voice, "positives")));
        const cJSON *per_condition = cJSON_GetObjectItemCaseSensitive(voice, "by_condition");
        for (int c = 0; c < column_count; c++) {
            condition = cJSON_GetObjectItemCaseSensitive(per_condition, columns[c]);
            if (condition)
                fprintf(stream, " %.0f/%.0f |", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(condition, "misses")),
                        cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(condition, "positives")));
            else
                fprintf(stream, " – |");
        }
        fprintf(stream, "\n");
    }
}

static int write_summary(const struct wakecert_results *results, const char *path, char *message, size_t message_size)
{
    struct wakecert_atomic_file file;
    int status = wakecert_atomic_open(&file, path, message, message_size);
    if (status)
        return status;
    FILE *stream = file.stream;
    enum wakecert_status verdict = wakecert_results_verdict(results);
    fprintf(stream, "# wakecert %s: %s\n\n", results->kind[0] ? results->kind : "engine", wakecert_status_name(verdict));
    fprintf(stream, "%s **%s** %s under profile `%s` on `%s` (corpus sha256 `%.12s`).\n\n",
            verdict == WAKECERT_STATUS_PASS ? "✅" : "❌", results->engine_name, results->engine_version,
            results->profile, results->corpus_name, results->corpus_sha256);
    size_t failing = 0;
    for (size_t i = 0; i < results->requirement_count; i++)
        failing += results->requirements[i].status != WAKECERT_STATUS_PASS &&
                   results->requirements[i].status != WAKECERT_STATUS_WAIVED;
    if (failing) {
        fprintf(stream, "## Not passing\n\n");
        for (size_t i = 0; i < results->requirement_count; i++) {
            const struct wakecert_requirement_result *requirement = &results->requirements[i];
            if (requirement->status == WAKECERT_STATUS_PASS || requirement->status == WAKECERT_STATUS_WAIVED)
                continue;
            char line[1024] = "";
            const cJSON *first = cJSON_GetArrayItem(requirement->evidence, 0);
            if (first)
                format_evidence_line(first, line, sizeof line);
            fprintf(stream, "- `%s` %s%s: %s%s%s\n", requirement->id, wakecert_status_name(requirement->status),
                    requirement->mustpass ? " (mustpass)" : "", requirement->summary, line[0] ? " — " : "", line);
        }
        fprintf(stream, "\n");
    }
    fprintf(stream, "## Requirements\n\n| requirement | status | measured | threshold |\n|---|---|---|---|\n");
    for (size_t i = 0; i < results->requirement_count; i++) {
        const struct wakecert_requirement_result *requirement = &results->requirements[i];
        char measured[64], threshold[64];
        format_value(measured, sizeof measured, requirement->has_measurement, requirement->measured, requirement->unit);
        format_value(threshold, sizeof threshold, true, requirement->threshold, requirement->unit);
        fprintf(stream, "| `%s`%s | %s | %s | %s %s |\n", requirement->id, requirement->mustpass ? "" : " (optional)",
                wakecert_status_name(requirement->status), measured, requirement->comparison, threshold);
    }
    for (size_t i = 0; i < results->requirement_count; i++)
        write_voice_table(stream, &results->requirements[i]);
    if (cJSON_GetArraySize(results->metrics) > 0) {
        fprintf(stream, "\n**Metrics:**");
        const cJSON *metric;
        bool first = true;
        cJSON_ArrayForEach(metric, results->metrics)
        {
            if (!cJSON_IsNumber(metric))
                continue;
            fprintf(stream, "%s %s %.4g", first ? "" : " ·", metric->string, metric->valuedouble);
            first = false;
        }
        fprintf(stream, "\n");
    }
    fprintf(stream, "\nwakecert %s (%s); engine sha256 `%s`; profile `%s` %s.\n", WAKECERT_VERSION, WAKECERT_REVISION,
            results->engine_sha256, results->profile, results->profile_version);
    return wakecert_atomic_commit(&file, message, message_size);
}

int wakecert_results_write(const struct wakecert_results *results, const char *directory, char *message,
                           size_t message_size)
{
    int status = wakecert_make_directories(directory, message, message_size);
    if (status)
        return status;
    char path[4096];
    cJSON *tree = wakecert_results_to_json(results);
    if (!tree)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "results: out of memory");
    snprintf(path, sizeof path, "%s/results.json", directory);
    status = wakecert_json_write_file(path, tree, message, message_size);
    cJSON_Delete(tree);
    if (status)
        return status;
    snprintf(path, sizeof path, "%s/junit.xml", directory);
    status = write_junit(results, path, message, message_size);
    if (status)
        return status;
    snprintf(path, sizeof path, "%s/summary.md", directory);
    return write_summary(results, path, message, message_size);
}

void wakecert_results_print_table(const struct wakecert_results *results, void *stream_pointer)
{
    FILE *stream = stream_pointer;
    fprintf(stream, "%-44s %-15s %-18s %s\n", "requirement", "status", "measured", "threshold");
    for (size_t i = 0; i < results->requirement_count; i++) {
        const struct wakecert_requirement_result *requirement = &results->requirements[i];
        char measured[64], threshold[64];
        format_value(measured, sizeof measured, requirement->has_measurement, requirement->measured, requirement->unit);
        format_value(threshold, sizeof threshold, true, requirement->threshold, requirement->unit);
        fprintf(stream, "%-44s %-15s %-18s %s %s%s\n", requirement->id, wakecert_status_name(requirement->status),
                measured, requirement->comparison, threshold, requirement->mustpass ? "" : "  (optional)");
    }
    fprintf(stream, "verdict: %s\n", wakecert_status_name(wakecert_results_verdict(results)));
}

void wakecert_results_free(struct wakecert_results *results)
{
    if (!results)
        return;
    for (size_t i = 0; i < results->requirement_count; i++) {
        cJSON_Delete(results->requirements[i].evidence);
        cJSON_Delete(results->requirements[i].details);
    }
    free(results->requirements);
    cJSON_Delete(results->metrics);
    results->requirements = NULL;
    results->metrics = NULL;
    results->requirement_count = results->requirement_capacity = 0;
}
