/*
 * `wakecert compare BASE.json NEW.json`: the verdict on two wakecert-bench/1 documents, for people
 * (a table on stdout) and for CI (the exit code, and a Markdown table for a job summary).
 *
 * Two kinds of figure, two rules, because they are two kinds of evidence:
 *   instructions  counted by callgrind, identical from run to run on the same binary and input, so any
 *                 rise is real; a rise of more than --max-regression (default 2%) fails. A count that
 *                 rises by less is reported but passes: compilers and libraries move counts a little.
 *   time          on a shared 2-vCPU VM the same loop moves by up to 2x between minutes, so a time
 *                 fails only when it leaves the measured noise: the new median lies beyond the base's
 *                 worst repetition (above its max when lower is better, below its min when higher is
 *                 better), the change exceeds the larger of the two spreads (max - min), and it exceeds
 *                 --max-regression too. Single-valued figures (repetitions 1: heap bytes, allocation
 *                 counts) are exact and follow the instruction rule.
 * Whether lower or higher is better comes from each entry's "better" (default lower).
 *
 * Every benchmark and every metric present in BASE must be present in NEW: a missing one fails (a
 * benchmark that silently disappears would otherwise pass the gate forever). Benchmarks only in NEW
 * are listed as new, for information. Bad input — unreadable file, not JSON, another schema, an
 * entry without a name — exits 2 with a message naming the file.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "error.h"
#include "files.h"
#include "json.h"

enum verdict { SAME, IMPROVED, REGRESSION, MISSING, NEW };
static const char *const verdict_names[] = {"ok", "improved", "REGRESSION", "MISSING", "new"};

struct row {
    char name[128];
    const char *metric;    /* "instructions", "time", "-" */
    double base, current;  /* NAN when absent */
    double change;         /* relative change (new - base) / base, NAN when undefined */
    enum verdict verdict;
    char note[96];
};

struct table {
    struct row *rows;
    size_t count, capacity;
};

/* Append a row; returns it, or NULL when out of memory (then the table is unchanged). */
static struct row *table_add(struct table *table)
{
    if (table->count == table->capacity) {
        size_t capacity = table->capacity ? 2 * table->capacity : 64;
        struct row *grown = realloc(table->rows, capacity * sizeof *grown);
        if (!grown)
            return NULL;
        table->rows = grown;
        table->capacity = capacity;
    }
    struct row *row = &table->rows[table->count++];
    memset(row, 0, sizeof *row);
    row->base = row->current = row->change = NAN;
    return row;
}

/* Load a document and check its shape; returns 0 or 2 with a message naming the file on stderr. */
static int load_document(const char *path, cJSON **out)
{
    char message[1024];
    cJSON *root = NULL;
    if (wakecert_json_load_file(path, &root, message, sizeof message) != 0) {
        fprintf(stderr, "wakecert compare: %s\n", message);
        return 2;
    }
    const char *schema = wakecert_json_string(root, "schema");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "benchmarks");
    const char *problem = NULL;
    if (!schema || strcmp(schema, "wakecert-bench/1") != 0)
        problem = "\"schema\" is not \"wakecert-bench/1\"";
    else if (!cJSON_IsArray(list))
        problem = "\"benchmarks\" is not an array";
    else {
        const cJSON *item;
        cJSON_ArrayForEach(item, list) {
            const cJSON *instructions = cJSON_GetObjectItemCaseSensitive(item, "instructions");
            const cJSON *median = cJSON_GetObjectItemCaseSensitive(item, "median");
            if (!cJSON_IsObject(item) || !wakecert_json_string(item, "name"))
                problem = "a benchmark entry has no \"name\"";
            else if ((instructions && !cJSON_IsNumber(instructions)) || (median && !cJSON_IsNumber(median)))
                problem = "a benchmark's \"instructions\" or \"median\" is not a number";
            if (problem)
                break;
        }
    }
    if (problem) {
        fprintf(stderr, "wakecert compare: %s: %s\n", path, problem);
        cJSON_Delete(root);
        return 2;
    }
    *out = root;
    return 0;
}

static const cJSON *find_benchmark(const cJSON *root, const char *name)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "benchmarks")) {
        const char *other = wakecert_json_string(item, "name");
        if (other && strcmp(other, name) == 0)
            return item;
    }
    return NULL;
}

static bool has_number(const cJSON *item, const char *field)
{
    return cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(item, field));
}

/* The verdict for an exact figure (instructions, single-valued): beyond the threshold either way. */
static enum verdict exact_verdict(double base, double current, bool higher_is_better, double threshold)
{
    double worse = higher_is_better ? base - current : current - base; /* > 0: got worse */
    double scale = fabs(base) > 0 ? fabs(base) : 1.0;
    if (worse > 0 && (base == 0 || worse / scale > threshold))
        return REGRESSION;
    if (worse < 0 && -worse / scale > threshold)
        return IMPROVED;
    return SAME;
}

/* The verdict for a timed figure (see the file comment); writes the noise used into note. */
static enum verdict time_verdict(const cJSON *base, const cJSON *current, bool higher_is_better, double threshold,
                                 char *note, size_t note_size)
{
    double base_median = wakecert_json_number(base, "median", NAN), median = wakecert_json_number(current, "median", NAN);
    double base_min = wakecert_json_number(base, "min", base_median), base_max = wakecert_json_number(base, "max", base_median);
    double new_min = wakecert_json_number(current, "min", median), new_max = wakecert_json_number(current, "max", median);
    int base_repetitions = (int)wakecert_json_number(base, "repetitions", 1);
    int new_repetitions = (int)wakecert_json_number(current, "repetitions", 1);
    if (base_repetitions <= 1 && new_repetitions <= 1)
        return exact_verdict(base_median, median, higher_is_better, threshold);
    double noise = fmax(base_max - base_min, new_max - new_min);
    double scale = fabs(base_median) > 0 ? fabs(base_median) : 1.0;
    snprintf(note, note_size, "noise %.3g", noise);
    double worse = higher_is_better ? base_median - median : median - base_median;
    bool beyond_worst = higher_is_better ? median < base_min : median > base_max;
    bool beyond_best = higher_is_better ? median > base_max : median < base_min;
    if (worse > noise && worse / scale > threshold && beyond_worst)
        return REGRESSION;
    if (-worse > noise && -worse / scale > threshold && beyond_best)
        return IMPROVED;
    return SAME;
}

/* Fill the table from the two documents. Returns 0 or -1 when out of memory. */
static int build_table(const cJSON *base, const cJSON *current, double threshold, struct table *table)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(base, "benchmarks")) {
        const char *name = wakecert_json_string(item, "name");
        const cJSON *other = find_benchmark(current, name);
        const char *better = wakecert_json_string(item, "better");
        bool higher = better && strcmp(better, "higher") == 0;
        if (!other) {
            struct row *row = table_add(table);
            if (!row)
                return -1;
            snprintf(row->name, sizeof row->name, "%s", name);
            row->metric = "-";
            row->verdict = MISSING;
            snprintf(row->note, sizeof row->note, "benchmark absent from NEW");
            continue;
        }
        if (has_number(item, "instructions")) {
            struct row *row = table_add(table);
            if (!row)
                return -1;
            snprintf(row->name, sizeof row->name, "%s", name);
            row->metric = "instructions";
            row->base = wakecert_json_number(item, "instructions", NAN);
            if (!has_number(other, "instructions")) {
                row->verdict = MISSING;
                snprintf(row->note, sizeof row->note, "no instruction count in NEW");
            } else {
                row->current = wakecert_json_number(other, "instructions", NAN);
                row->change = row->base != 0 ? (row->current - row->base) / row->base : NAN;
                row->verdict = exact_verdict(row->base, row->current, false, threshold);
                const char *per = wakecert_json_string(item, "instructions_per");
                if (per)
                    snprintf(row->note, sizeof row->note, "per %s", per);
            }
        }
        if (has_number(item, "median")) {
            struct row *row = table_add(table);
            if (!row)
                return -1;
            snprintf(row->name, sizeof row->name, "%s", name);
            row->metric = "time";
            row->base = wakecert_json_number(item, "median", NAN);
            if (!has_number(other, "median")) {
                row->verdict = MISSING;
                snprintf(row->note, sizeof row->note, "no timed figure in NEW");
            } else {
                row->current = wakecert_json_number(other, "median", NAN);
                row->change = row->base != 0 ? (row->current - row->base) / row->base : NAN;
                row->verdict = time_verdict(item, other, higher, threshold, row->note, sizeof row->note);
                const char *unit = wakecert_json_string(item, "unit");
                size_t used = strlen(row->note);
                if (unit && used + 4 < sizeof row->note)
                    snprintf(row->note + used, sizeof row->note - used, "%s%s%s", used ? ", " : "", unit,
                             higher ? " (higher better)" : "");
            }
        }
    }
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(current, "benchmarks")) {
        const char *name = wakecert_json_string(item, "name");
        if (find_benchmark(base, name))
            continue;
        struct row *row = table_add(table);
        if (!row)
            return -1;
        snprintf(row->name, sizeof row->name, "%s", name);
        row->metric = has_number(item, "instructions") ? "instructions" : "time";
        row->current = wakecert_json_number(item, has_number(item, "instructions") ? "instructions" : "median", NAN);
        row->verdict = NEW;
        snprintf(row->note, sizeof row->note, "not in BASE (informational)");
    }
    return 0;
}

static void format_number(char *out, size_t size, double value)
{
    if (isnan(value))
        snprintf(out, size, "-");
    else
        snprintf(out, size, "%.6g", value);
}

static void format_change(char *out, size_t size, double change)
{
    if (isnan(change))
        snprintf(out, size, "-");
    else
        snprintf(out, size, "%+.2f%%", 100.0 * change);
}

/* Write the Markdown table; returns 0 or 2 with a message naming the file on stderr. */
static int write_markdown(const char *path, const struct table *table, const char *base_path, const char *new_path,
                          double threshold, const int *counts)
{
    size_t capacity = 1024 + table->count * 400;
    char *text = malloc(capacity);
    if (!text) {
        fprintf(stderr, "wakecert compare: out of memory\n");
        return 2;
    }
    size_t length = 0;
#define APPEND(...) length += (size_t)snprintf(text + length, capacity - length, __VA_ARGS__)
    APPEND("### Benchmarks: %s\n\n", counts[REGRESSION] + counts[MISSING] ? "regression" : "no regression");
    APPEND("`%s` (base) vs `%s` (new); instruction counts fail above +%.2f%%, times only beyond their measured "
           "noise.\n\n", base_path, new_path, 100.0 * threshold);
    APPEND("| benchmark | metric | base | new | change | verdict | note |\n|---|---|---:|---:|---:|---|---|\n");
    for (size_t i = 0; i < table->count; i++) {
        const struct row *row = &table->rows[i];
        char base[32], current[32], change[32];
        format_number(base, sizeof base, row->base);
        format_number(current, sizeof current, row->current);
        format_change(change, sizeof change, row->change);
        bool bad = row->verdict == REGRESSION || row->verdict == MISSING;
        APPEND("| `%s` | %s | %s | %s | %s | %s%s%s | %s |\n", row->name, row->metric, base, current, change,
               bad ? "**" : "", verdict_names[row->verdict], bad ? "**" : "", row->note);
    }
    APPEND("\n%d regressions, %d missing, %d improved, %d new, %d unchanged\n", counts[REGRESSION], counts[MISSING],
           counts[IMPROVED], counts[NEW], counts[SAME]);
#undef APPEND
    char message[1024];
    int status = wakecert_write_file_atomic(path, text, length < capacity ? length : capacity - 1, message,
                                            sizeof message);
    free(text);
    if (status != 0) {
        fprintf(stderr, "wakecert compare: %s\n", message);
        return 2;
    }
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: wakecert compare BASE.json NEW.json [--max-regression 2%%] [--markdown FILE]\n"
                 "  exit 0: nothing regressed (improvements and noise pass); 1: an instruction count rose more\n"
                 "  than the threshold, a time rose beyond its measured noise, or a benchmark of BASE is\n"
                 "  missing from NEW; 2: bad usage or input\n");
}

int wakecert_compare_main(int argc, char **argv)
{
    const char *paths[2] = {NULL, NULL}, *markdown = NULL;
    int path_count = 0;
    double threshold = 0.02;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--max-regression") == 0 && value) {
            char *end = NULL;
            threshold = strtod(value, &end) / 100.0;
            if (!end || end == value || (*end && strcmp(end, "%") != 0) || !(threshold >= 0) || threshold > 10) {
                fprintf(stderr, "wakecert compare: --max-regression takes a percentage such as 2%%, not \"%s\"\n", value);
                return 2;
            }
            i++;
        } else if (strcmp(argv[i], "--markdown") == 0 && value) {
            markdown = argv[++i];
        } else if (argv[i][0] != '-' && path_count < 2) {
            paths[path_count++] = argv[i];
        } else {
            fprintf(stderr, "wakecert compare: bad argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (path_count != 2) {
        usage(stderr);
        return 2;
    }
    cJSON *base = NULL, *current = NULL;
    if (load_document(paths[0], &base) != 0)
        return 2;
    if (load_document(paths[1], &current) != 0) {
        cJSON_Delete(base);
        return 2;
    }
    struct table table = {0};
    int status = build_table(base, current, threshold, &table);
    if (status != 0) {
        fprintf(stderr, "wakecert compare: out of memory\n");
        status = 2;
        goto done;
    }
    int counts[5] = {0};
    printf("base %s (revision %s)\nnew  %s (revision %s)\n\n", paths[0],
           wakecert_json_string(base, "revision") ? wakecert_json_string(base, "revision") : "?", paths[1],
           wakecert_json_string(current, "revision") ? wakecert_json_string(current, "revision") : "?");
    printf("%-48s %-12s %14s %14s %9s  %-10s %s\n", "benchmark", "metric", "base", "new", "change", "verdict", "note");
    for (size_t i = 0; i < table.count; i++) {
        const struct row *row = &table.rows[i];
        char base_text[32], current_text[32], change[32];
        format_number(base_text, sizeof base_text, row->base);
        format_number(current_text, sizeof current_text, row->current);
        format_change(change, sizeof change, row->change);
        printf("%-48s %-12s %14s %14s %9s  %-10s %s\n", row->name, row->metric, base_text, current_text, change,
               verdict_names[row->verdict], row->note);
        counts[row->verdict]++;
    }
    printf("\n%d regressions, %d missing, %d improved, %d new, %d unchanged (instruction threshold +%.2f%%)\n",
           counts[REGRESSION], counts[MISSING], counts[IMPROVED], counts[NEW], counts[SAME], 100.0 * threshold);
    status = counts[REGRESSION] + counts[MISSING] > 0 ? 1 : 0;
    if (markdown && write_markdown(markdown, &table, paths[0], paths[1], threshold, counts) != 0)
        status = 2;
done:
    free(table.rows);
    cJSON_Delete(base);
    cJSON_Delete(current);
    return status;
}
