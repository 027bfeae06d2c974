/*
 * Shard assignment and trace merging (see shard.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "shard.h"

#include "error.h"
#include "files.h"
#include "json.h"
#include "sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int shard_parse(const char *text, int *index, int *count, char *message, size_t message_size)
{
    char *end = NULL;
    long k = strtol(text, &end, 10);
    if (!end || end == text || *end != '/')
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE,
                                  "--shard takes K/N (e.g. 0/4, K from 0 to N-1), not \"%s\"", text);
    const char *rest = end + 1;
    long n = strtol(rest, &end, 10);
    if (!end || end == rest || *end || n < 1 || n > 100000 || k < 0 || k >= n)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE,
                                  "--shard %s: K must be from 0 to N-1 and N at least 1", text);
    *index = (int)k;
    *count = (int)n;
    return 0;
}

static int read_number(const char *name, long *out)
{
    const char *value = getenv(name);
    if (!value || !*value)
        return 0;
    char *end = NULL;
    *out = strtol(value, &end, 10);
    return end && *end == '\0' ? 1 : -1;
}

int shard_from_environment(int *index, int *count, char *message, size_t message_size)
{
    long k = 0, n = 0, minimum = 0, maximum = 0;
    int has_k = read_number("TEST_SHARD_INDEX", &k), has_n = read_number("TEST_TOTAL_SHARDS", &n);
    if (has_k || has_n) {
        if (has_k != 1 || has_n != 1 || n < 1 || k < 0 || k >= n)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE,
                                      "TEST_SHARD_INDEX/TEST_TOTAL_SHARDS must be numbers with 0 <= index < total");
        *index = (int)k;
        *count = (int)n;
        return 1;
    }
    int has_id = read_number("SLURM_ARRAY_TASK_ID", &k);
    if (!has_id)
        return 0;
    int has_count = read_number("SLURM_ARRAY_TASK_COUNT", &n);
    int has_min = read_number("SLURM_ARRAY_TASK_MIN", &minimum), has_max = read_number("SLURM_ARRAY_TASK_MAX", &maximum);
    if (has_id != 1 || has_count < 0 || has_min < 0 || has_max < 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "SLURM_ARRAY_TASK_* must be numbers");
    if (!has_min)
        minimum = 0;
    if (!has_count && has_max)
        n = maximum - minimum + 1;
    if ((!has_count && !has_max) || n < 1 || k - minimum < 0 || k - minimum >= n)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE,
                                  "SLURM_ARRAY_TASK_ID %ld does not fit the array (count %ld, min %ld): run the array "
                                  "as --array=0-(N-1)",
                                  k, n, minimum);
    *index = (int)(k - minimum);
    *count = (int)n;
    return 1;
}

struct file_order {
    size_t index;
    int64_t samples;
    char hash[WAKECERT_SHA256_HEX_SIZE];
};

static int by_duration_then_hash(const void *a, const void *b)
{
    const struct file_order *left = a, *right = b;
    if (left->samples != right->samples)
        return left->samples > right->samples ? -1 : 1;
    return strcmp(left->hash, right->hash);
}

size_t shard_select(const struct wakecert_corpus *corpus, const bool *eligible, int index, int count, bool *selected)
{
    size_t n = corpus->file_count, chosen = 0;
    struct file_order *order = calloc(n + 1, sizeof *order);
    double *load = calloc((size_t)count, sizeof *load);
    if (!order || !load) {
        free(order);
        free(load);
        return 0;
    }
    size_t eligible_count = 0;
    for (size_t i = 0; i < n; i++) {
        selected[i] = false;
        if (eligible && !eligible[i])
            continue;
        order[eligible_count].index = i;
        order[eligible_count].samples = corpus->files[i].samples;
        wakecert_sha256_buffer(corpus->files[i].path, strlen(corpus->files[i].path), order[eligible_count].hash);
        eligible_count++;
    }
    qsort(order, eligible_count, sizeof *order, by_duration_then_hash);
    for (size_t i = 0; i < eligible_count; i++) {
        int lightest = 0;
        for (int s = 1; s < count; s++)
            if (load[s] < load[lightest])
                lightest = s;
        load[lightest] += (double)order[i].samples + 1; /* +1: empty files still spread */
        if (lightest == index) {
            selected[order[i].index] = true;
            chosen++;
        }
    }
    free(order);
    free(load);
    return chosen;
}

/* ---- merging ----------------------------------------------------------------------------------- */

struct block {
    size_t position;
    int pass;          /* index in run_begin's passes */
    char *text;        /* the block's lines, file_begin .. file_end */
    size_t size;
    const char *source;
};

struct pass_total {
    double files, audio_seconds, engine_seconds, peak_rss_kb;
    char engine_time[96];
    bool seen;
};

static int by_position_then_pass(const void *a, const void *b)
{
    const struct block *left = a, *right = b;
    if (left->position != right->position)
        return left->position < right->position ? -1 : 1;
    return (left->pass > right->pass) - (left->pass < right->pass);
}

int shard_merge_traces(const char *const *trace_paths, size_t trace_count, const char *out_path, char *message,
                       size_t message_size)
{
    int status = 0;
    char *run_begin = NULL;
    cJSON *pass_names = NULL;
    struct block *blocks = NULL;
    size_t block_count = 0, block_capacity = 0;
    struct pass_total totals[16];
    memset(totals, 0, sizeof totals);
    char **texts = calloc(trace_count + 1, sizeof *texts);
    if (!texts)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    for (size_t t = 0; t < trace_count && !status; t++) {
        size_t size = 0;
        status = wakecert_read_file(trace_paths[t], &texts[t], &size, message, message_size);
        if (status)
            break;
        char *cursor = texts[t];
        struct block *open = NULL;
        long line_number = 0;
        while (*cursor && !status) {
            char *line = cursor;
            char *newline = strchr(cursor, '\n');
            size_t length = newline ? (size_t)(newline - cursor + 1) : strlen(cursor);
            cursor += length;
            line_number++;
            cJSON *object = cJSON_ParseWithLength(line, length);
            const char *event = object ? wakecert_json_string(object, "event") : NULL;
            if (!event) {
                status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s:%ld: not a trace line",
                                            trace_paths[t], line_number);
            } else if (strcmp(event, "run_begin") == 0) {
                if (!run_begin) {
                    run_begin = strndup(line, length);
                    pass_names = cJSON_Duplicate(cJSON_GetObjectItem(object, "passes"), 1);
                } else if (strlen(run_begin) != length || strncmp(run_begin, line, length) != 0)
                    status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                                "%s: from another run (its run_begin differs from %s's)", trace_paths[t],
                                                trace_paths[0]);
            } else if (strcmp(event, "pass_end") == 0) {
                const char *pass = wakecert_json_string(object, "pass");
                for (int p = 0; pass && p < cJSON_GetArraySize(pass_names) && p < 16; p++)
                    if (strcmp(cJSON_GetArrayItem(pass_names, p)->valuestring, pass) == 0) {
                        totals[p].seen = true;
                        totals[p].files += wakecert_json_number(object, "files", 0);
                        totals[p].audio_seconds += wakecert_json_number(object, "audio_seconds", 0);
                        totals[p].engine_seconds += wakecert_json_number(object, "engine_seconds", 0);
                        double rss = wakecert_json_number(object, "peak_rss_kb", 0);
                        if (rss > totals[p].peak_rss_kb)
                            totals[p].peak_rss_kb = rss;
                        const char *source = wakecert_json_string(object, "engine_time");
                        if (source)
                            snprintf(totals[p].engine_time, sizeof totals[p].engine_time, "%s", source);
                    }
            } else if (strcmp(event, "file_begin") == 0) {
                if (open)
                    status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                                "%s:%ld: a file begins inside another", trace_paths[t], line_number);
                else {
                    if (block_count == block_capacity) {
                        block_capacity = block_capacity ? 2 * block_capacity : 64;
                        blocks = realloc(blocks, block_capacity * sizeof *blocks);
                    }
                    open = &blocks[block_count++];
                    open->position = (size_t)wakecert_json_number(object, "position", 0);
                    open->pass = -1;
                    const char *pass = wakecert_json_string(object, "pass");
                    for (int p = 0; pass && p < cJSON_GetArraySize(pass_names); p++)
                        if (strcmp(cJSON_GetArrayItem(pass_names, p)->valuestring, pass) == 0)
                            open->pass = p;
                    open->text = line;
                    open->size = length;
                    open->source = trace_paths[t];
                }
            } else if (!open) {
                status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                            "%s:%ld: an event outside any file", trace_paths[t], line_number);
            } else {
                open->size += length;
                if (strcmp(event, "file_end") == 0)
                    open = NULL;
            }
            cJSON_Delete(object);
        }
        if (!status && open)
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s: ends in the middle of a file (a shard cut short?)", trace_paths[t]);
    }
    if (!status && !run_begin)
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "no trace to merge");
    if (!status) {
        qsort(blocks, block_count, sizeof *blocks, by_position_then_pass);
        for (size_t b = 1; b < block_count && !status; b++)
            if (blocks[b].position == blocks[b - 1].position && blocks[b].pass == blocks[b - 1].pass)
                status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                            "file at position %zu was run in both %s and %s (duplicated shards?)",
                                            blocks[b].position, blocks[b - 1].source, blocks[b].source);
    }
    struct wakecert_atomic_file out;
    if (!status)
        status = wakecert_atomic_open(&out, out_path, message, message_size);
    if (!status) {
        fputs(run_begin, out.stream);
        for (size_t b = 0; b < block_count; b++)
            fwrite(blocks[b].text, 1, blocks[b].size, out.stream);
        for (int p = 0; p < cJSON_GetArraySize(pass_names) && p < 16; p++) {
            if (!totals[p].seen)
                continue;
            cJSON *end = cJSON_CreateObject();
            cJSON_AddStringToObject(end, "event", "pass_end");
            cJSON_AddStringToObject(end, "pass", cJSON_GetArrayItem(pass_names, p)->valuestring);
            cJSON_AddNumberToObject(end, "files", totals[p].files);
            cJSON_AddNumberToObject(end, "audio_seconds", totals[p].audio_seconds);
            cJSON_AddNumberToObject(end, "engine_seconds", totals[p].engine_seconds);
            cJSON_AddStringToObject(end, "engine_time", totals[p].engine_time);
            cJSON_AddNumberToObject(end, "peak_rss_kb", totals[p].peak_rss_kb);
            char *text = cJSON_PrintUnformatted(end);
            fprintf(out.stream, "%s\n", text);
            cJSON_free(text);
            cJSON_Delete(end);
        }
        status = wakecert_atomic_commit(&out, message, message_size);
    }
    for (size_t t = 0; t < trace_count; t++)
        free(texts[t]);
    free(texts);
    free(blocks);
    free(run_begin);
    cJSON_Delete(pass_names);
    return status;
}
