/*
 * Reading trace.jsonl back into memory for scoring (see trace.h for the line format; the runner
 * writes it). Lines are parsed one at a time with cJSON; an unknown event name is an error, since a
 * trace wakecert cannot fully understand must not be scored as if it were complete.
 */
#define _POSIX_C_SOURCE 200809L
#include "trace.h"

#include "engine_loader.h"
#include "error.h"
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int trace_file_append(struct trace_file *file, const struct trace_event *event)
{
    if (file->event_count == file->event_capacity) {
        size_t capacity = file->event_capacity ? 2 * file->event_capacity : 64;
        struct trace_event *grown = realloc(file->events, capacity * sizeof *grown);
        if (!grown)
            return -1;
        file->events = grown;
        file->event_capacity = capacity;
    }
    file->events[file->event_count++] = *event;
    return 0;
}

struct trace_file *trace_add_file(struct trace *trace, const char *name)
{
    if (trace->file_count == trace->file_capacity) {
        size_t capacity = trace->file_capacity ? 2 * trace->file_capacity : 16;
        struct trace_file *grown = realloc(trace->files, capacity * sizeof *grown);
        if (!grown)
            return NULL;
        trace->files = grown;
        trace->file_capacity = capacity;
    }
    struct trace_file *file = &trace->files[trace->file_count++];
    memset(file, 0, sizeof *file);
    file->name = strdup(name);
    snprintf(file->pass, sizeof file->pass, "main");
    return file;
}

void trace_free(struct trace *trace)
{
    for (size_t i = 0; i < trace->file_count; i++) {
        free(trace->files[i].name);
        free(trace->files[i].labels);
        free(trace->files[i].events);
    }
    free(trace->files);
    memset(trace, 0, sizeof *trace);
}

void trace_keep_pass(struct trace *trace, const char *pass)
{
    size_t kept = 0;
    for (size_t i = 0; i < trace->file_count; i++) {
        if (strcmp(trace->files[i].pass, pass) == 0) {
            trace->files[kept++] = trace->files[i];
            continue;
        }
        free(trace->files[i].name);
        free(trace->files[i].labels);
        free(trace->files[i].events);
    }
    trace->file_count = kept;
}

static void copy_string(char *out, size_t out_size, const cJSON *object, const char *name)
{
    const char *value = wakecert_json_string(object, name);
    snprintf(out, out_size, "%s", value ? value : "");
}

static int label_type_parse(const char *name)
{
    static const char *const names[] = {NULL, "wake", "confusable", "media_wake", "mic_off", "button", "follow_up", "request"};
    for (int i = 1; i < (int)(sizeof names / sizeof names[0]); i++)
        if (name && strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

static int parse_labels(const cJSON *labels, struct trace_file *file)
{
    int count = cJSON_GetArraySize(labels);
    file->labels = calloc(count > 0 ? (size_t)count : 1, sizeof *file->labels);
    if (!file->labels)
        return -1;
    const cJSON *label;
    cJSON_ArrayForEach(label, labels)
    {
        struct wakecert_corpus_event *out = &file->labels[file->label_count];
        out->type = label_type_parse(wakecert_json_string(label, "type"));
        if (out->type < 0)
            return -2;
        out->start = (int64_t)wakecert_json_int64(label, "start", 0);
        out->end = (int64_t)wakecert_json_int64(label, "end", out->start);
        out->request_end = (int64_t)wakecert_json_int64(label, "request_end", -1);
        copy_string(out->word, sizeof out->word, label, "word");
        file->label_count++;
    }
    return 0;
}

int trace_read(const char *path, struct trace *trace, char *message, size_t message_size)
{
    memset(trace, 0, sizeof *trace);
    FILE *stream = fopen(path, "r");
    if (!stream)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: cannot open", path);
    char *line = NULL;
    size_t line_capacity = 0;
    long line_number = 0;
    int status = 0;
    struct trace_file *current = NULL;
    bool saw_run = false;
    while (getline(&line, &line_capacity, stream) >= 0) {
        line_number++;
        if (line[0] == '\n' || line[0] == '\0')
            continue;
        cJSON *object = cJSON_Parse(line);
        const char *event = object ? wakecert_json_string(object, "event") : NULL;
        if (!event) {
            cJSON_Delete(object);
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s:%ld: not a JSON object with an \"event\"", path, line_number);
            break;
        }
        if (strcmp(event, "run_begin") == 0) {
            saw_run = true;
            copy_string(trace->engine_name, sizeof trace->engine_name, object, "engine");
            copy_string(trace->engine_version, sizeof trace->engine_version, object, "engine_version");
            copy_string(trace->engine_sha256, sizeof trace->engine_sha256, object, "engine_sha256");
            copy_string(trace->engine_path, sizeof trace->engine_path, object, "engine_path");
            copy_string(trace->corpus_name, sizeof trace->corpus_name, object, "corpus");
            copy_string(trace->corpus_sha256, sizeof trace->corpus_sha256, object, "corpus_sha256");
            copy_string(trace->engine_config, sizeof trace->engine_config, object, "engine_config");
            trace->chunk = (int)wakecert_json_int64(object, "chunk", 160);
            trace->follow_up_timeout_ms = (int)wakecert_json_int64(object, "follow_up_timeout_ms", 0);
            copy_string(trace->isolation, sizeof trace->isolation, object, "isolation");
            trace->sandbox = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(object, "sandbox"));
            trace->cloud_delay_ms = (int)wakecert_json_int64(object, "cloud_delay_ms", 0);
            cJSON_Delete(object);
            continue;
        }
        if (strcmp(event, "pass_end") == 0 && saw_run) {
            if (trace->pass_count < sizeof trace->passes / sizeof trace->passes[0]) {
                struct trace_pass *pass = &trace->passes[trace->pass_count++];
                copy_string(pass->name, sizeof pass->name, object, "pass");
                pass->files = wakecert_json_number(object, "files", 0);
                pass->audio_seconds = wakecert_json_number(object, "audio_seconds", 0);
                pass->engine_seconds = wakecert_json_number(object, "engine_seconds", 0);
                pass->peak_rss_kb = wakecert_json_number(object, "peak_rss_kb", 0);
            }
            cJSON_Delete(object);
            continue;
        }
        const char *file_name = wakecert_json_string(object, "file");
        if (!saw_run || !file_name) {
            cJSON_Delete(object);
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s:%ld: %s", path, line_number,
                                        saw_run ? "event without a \"file\"" : "events before run_begin");
            break;
        }
        if (strcmp(event, "file_begin") == 0) {
            current = trace_add_file(trace, file_name);
            if (!current) {
                cJSON_Delete(object);
                status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "%s: out of memory", path);
                break;
            }
            copy_string(current->pass, sizeof current->pass, object, "pass");
            if (!current->pass[0])
                snprintf(current->pass, sizeof current->pass, "main");
            copy_string(current->kind, sizeof current->kind, object, "kind");
            copy_string(current->condition, sizeof current->condition, object, "condition");
            copy_string(current->voice, sizeof current->voice, object, "voice");
            current->samples = (int64_t)wakecert_json_int64(object, "samples", 0);
            current->copy_offset = (int64_t)wakecert_json_int64(object, "copy_offset", 0);
            current->copy_stride = (int64_t)wakecert_json_int64(object, "copy_stride", 0);
            if (current->copy_offset < 0 || current->copy_stride < 0)
                current->copy_offset = current->copy_stride = 0;
            int label_status = parse_labels(cJSON_GetObjectItemCaseSensitive(object, "labels"), current);
            cJSON_Delete(object);
            if (label_status) {
                status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s:%ld: bad labels", path,
                                            line_number);
                break;
            }
            continue;
        }
        if (!current || strcmp(current->name, file_name) != 0) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s:%ld: event for file %s outside its file_begin/file_end", path, line_number,
                                        file_name);
            cJSON_Delete(object); /* after the message: `file_name` points into it */
            break;
        }
        struct trace_event parsed = {0};
        parsed.sample = (int64_t)wakecert_json_int64(object, "sample", 0);
        parsed.first_mismatch = -1;
        bool known = true;
        if (strcmp(event, "file_end") == 0) {
            current->processed = parsed.sample;
            current->ended = true;
            /* A stream (soak): the hours it played of each kind of audio. */
            const cJSON *kind_hours;
            cJSON_ArrayForEach(kind_hours, cJSON_GetObjectItemCaseSensitive(object, "stream_hours_by_kind"))
            {
                size_t k = current->stream_kind_count;
                if (k >= TRACE_STREAM_KINDS || !kind_hours->string || !cJSON_IsNumber(kind_hours) ||
                    !isfinite(kind_hours->valuedouble) || kind_hours->valuedouble < 0)
                    continue;
                snprintf(current->stream_kinds[k].kind, sizeof current->stream_kinds[k].kind, "%s", kind_hours->string);
                current->stream_kinds[k].hours = kind_hours->valuedouble;
                current->stream_kind_count++;
            }
            cJSON_Delete(object);
            current = NULL;
            continue;
        } else if (strcmp(event, "control") == 0) {
            parsed.type = TRACE_CONTROL;
            parsed.code = engine_control_parse(wakecert_json_string(object, "control") ? wakecert_json_string(object, "control") : "");
            parsed.timeout_ms = (int)wakecert_json_int64(object, "timeout_ms", 0);
            const char *origin = wakecert_json_string(object, "origin");
            parsed.from_cloud = origin && strcmp(origin, "cloud") == 0;
            known = parsed.code > 0;
        } else if (strcmp(event, "wake") == 0) {
            parsed.type = TRACE_WAKE;
            copy_string(parsed.keyword, sizeof parsed.keyword, object, "keyword");
            parsed.score = (float)wakecert_json_number(object, "score", 0);
            parsed.start = (int64_t)wakecert_json_int64(object, "start", 0);
            parsed.end = (int64_t)wakecert_json_int64(object, "end", 0);
            copy_string(parsed.detail, sizeof parsed.detail, object, "stream_kind");
        } else if (strcmp(event, "stream_open") == 0) {
            parsed.type = TRACE_STREAM_OPEN;
            const char *reason = wakecert_json_string(object, "reason");
            parsed.code = reason ? engine_stream_reason_parse(reason) : -1;
            known = parsed.code > 0;
        } else if (strcmp(event, "upload") == 0) {
            parsed.type = TRACE_UPLOAD;
            parsed.first = (int64_t)wakecert_json_int64(object, "first", 0);
            parsed.count = (int64_t)wakecert_json_int64(object, "count", 0);
            parsed.matches_input = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(object, "matches_input"));
            parsed.first_mismatch = (int64_t)wakecert_json_int64(object, "first_mismatch", -1);
            copy_string(parsed.sha256, sizeof parsed.sha256, object, "sha256");
            copy_string(parsed.detail, sizeof parsed.detail, object, "mismatch_reason");
        } else if (strcmp(event, "stream_close") == 0) {
            parsed.type = TRACE_STREAM_CLOSE;
            const char *reason = wakecert_json_string(object, "reason");
            parsed.code = reason ? engine_close_reason_parse(reason) : -1;
            known = parsed.code > 0;
        } else if (strcmp(event, "indicator") == 0) {
            parsed.type = TRACE_INDICATOR;
            const char *state = wakecert_json_string(object, "state");
            parsed.code = state ? engine_indicator_parse(state) : -1;
            known = parsed.code >= 0;
        } else if (strcmp(event, "engine_failure") == 0) {
            static const char *const kinds[] = {"none", "crash", "timeout", "violation", "protocol"};
            const char *kind = wakecert_json_string(object, "kind");
            parsed.type = TRACE_ENGINE_FAILURE;
            parsed.code = 0;
            for (int k = 1; k < 5; k++)
                if (kind && strcmp(kind, kinds[k]) == 0)
                    parsed.code = k;
            known = parsed.code > 0;
            const char *signal_name = wakecert_json_string(object, "signal");
            const char *detail = wakecert_json_string(object, "detail");
            snprintf(parsed.detail, sizeof parsed.detail, "%s%s%s", signal_name ? signal_name : "",
                     signal_name && detail ? "; " : "", detail ? detail : "");
            if (!signal_name && !detail && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(object, "exit_status")))
                snprintf(parsed.detail, sizeof parsed.detail, "exited with status %d",
                         (int)wakecert_json_int64(object, "exit_status", 0));
        } else if (strcmp(event, "engine_error") == 0) {
            parsed.type = TRACE_ENGINE_ERROR;
            parsed.code = (int)wakecert_json_int64(object, "code", -6);
        } else {
            known = false;
        }
        if (!known) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s:%ld: unknown event or value in \"%s\" line", path, line_number, event);
            cJSON_Delete(object); /* after the message: `event` points into it */
            break;
        }
        cJSON_Delete(object);
        if (trace_file_append(current, &parsed) != 0) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "%s: out of memory", path);
            break;
        }
    }
    free(line);
    fclose(stream);
    if (status == 0 && !saw_run)
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: no run_begin line", path);
    if (status)
        trace_free(trace);
    return status;
}
