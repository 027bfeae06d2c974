/*
 * The run loop and the cloud simulator (see runner.h).
 *
 * Engine callbacks arrive synchronously from inside process()/control(); each is written to the
 * trace at once with the harness clock, except uploads, which are merged while they stay contiguous
 * and nothing else happens between them (a stream of 160-sample uploads becomes one line with one
 * hash). Provenance is checked per callback against the input the harness holds, before merging.
 */
#define _POSIX_C_SOURCE 200809L
#include "runner.h"

#include "error.h"
#include "files.h"
#include "sha256.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void run_options_default(struct run_options *options)
{
    options->engine_config = "{}";
    options->chunk = 160;
    options->cloud_delay_ms = 200;
    options->verification_window_ms = 1500;
    options->progress = false;
}

/* A control the harness will deliver at `sample`. */
struct scheduled_control {
    int64_t sample;
    int kind;
    int timeout_ms;
    bool from_cloud;
};

struct host_context {
    FILE *trace;
    const struct run_options *options;
    const struct wakecert_corpus_file *file;
    const int16_t *input;
    int64_t input_count;
    int64_t clock;              /* samples fed so far, including the chunk being processed */

    /* upload run being merged */
    bool upload_pending;
    int64_t upload_sample, upload_first, upload_count, upload_first_mismatch;
    bool upload_matches;
    struct wakecert_sha256 *upload_hash;

    /* cloud */
    bool stream_open;
    int stream_reason;
    int64_t stream_opened_at;
    bool verification_done;
    int64_t stop_capture_at;    /* -1 when none scheduled */
    int64_t reject_at;          /* -1 when none scheduled */
    size_t uploads_seen;
};

static void write_line(struct host_context *host, cJSON *line)
{
    char *text = cJSON_PrintUnformatted(line);
    if (text) {
        fputs(text, host->trace);
        fputc('\n', host->trace);
        cJSON_free(text);
    }
    cJSON_Delete(line);
}

static cJSON *event_line(struct host_context *host, const char *event, int64_t sample)
{
    cJSON *line = cJSON_CreateObject();
    cJSON_AddStringToObject(line, "event", event);
    cJSON_AddStringToObject(line, "file", host->file->path);
    cJSON_AddNumberToObject(line, "sample", (double)sample);
    return line;
}

static void flush_upload(struct host_context *host)
{
    if (!host->upload_pending)
        return;
    char hex[WAKECERT_SHA256_HEX_SIZE];
    wakecert_sha256_finish(host->upload_hash, hex);
    host->upload_hash = NULL;
    cJSON *line = event_line(host, "upload", host->upload_sample);
    cJSON_AddNumberToObject(line, "first", (double)host->upload_first);
    cJSON_AddNumberToObject(line, "count", (double)host->upload_count);
    cJSON_AddStringToObject(line, "sha256", hex);
    cJSON_AddBoolToObject(line, "matches_input", host->upload_matches);
    if (!host->upload_matches)
        cJSON_AddNumberToObject(line, "first_mismatch", (double)host->upload_first_mismatch);
    write_line(host, line);
    host->upload_pending = false;
}

/* Cloud, on the first upload of a stream: decide whether to verify (schedule StopCapture at the
 * request's end) or reject. */
static void cloud_on_first_upload(struct host_context *host, int64_t first)
{
    host->verification_done = true;
    int64_t delay = (int64_t)host->options->cloud_delay_ms * WAKECERT_SAMPLE_RATE / 1000;
    int64_t window = (int64_t)host->options->verification_window_ms * WAKECERT_SAMPLE_RATE / 1000;
    const struct wakecert_corpus_file *file = host->file;
    if (host->stream_reason == WAKECERT_STREAM_WAKE) {
        for (size_t i = 0; i < file->event_count; i++) {
            const struct wakecert_corpus_event *label = &file->events[i];
            if (label->type != WAKECERT_EVENT_WAKE || label->end <= first || label->start >= first + window)
                continue;
            int64_t request_end = label->request_end > label->end ? label->request_end : label->end;
            host->stop_capture_at = request_end + delay > host->clock ? request_end + delay : host->clock;
            return;
        }
        host->reject_at = host->clock + delay;
        return;
    }
    if (host->stream_reason == WAKECERT_STREAM_BUTTON) {
        const struct wakecert_corpus_event *pressed = NULL;
        for (size_t i = 0; i < file->event_count; i++)
            if (file->events[i].type == WAKECERT_EVENT_BUTTON && file->events[i].start <= host->stream_opened_at)
                pressed = &file->events[i];
        int64_t end = pressed && pressed->request_end > 0 ? pressed->request_end
                                                          : host->stream_opened_at + 5 * WAKECERT_SAMPLE_RATE;
        host->stop_capture_at = end + delay > host->clock ? end + delay : host->clock;
        return;
    }
    /* Follow-up streams: the request is expected within 5 s. */
    host->stop_capture_at = host->stream_opened_at + 5 * WAKECERT_SAMPLE_RATE + delay;
}

static void on_wake(void *ctx, const char *keyword, float score, int64_t start, int64_t end)
{
    struct host_context *host = ctx;
    flush_upload(host);
    cJSON *line = event_line(host, "wake", host->clock);
    cJSON_AddStringToObject(line, "keyword", keyword ? keyword : "");
    cJSON_AddNumberToObject(line, "score", isfinite(score) ? round(score * 1e6) / 1e6 : 0);
    cJSON_AddNumberToObject(line, "start", (double)start);
    cJSON_AddNumberToObject(line, "end", (double)end);
    write_line(host, line);
}

static void on_stream_opened(void *ctx, int reason)
{
    struct host_context *host = ctx;
    flush_upload(host);
    cJSON *line = event_line(host, "stream_open", host->clock);
    cJSON_AddStringToObject(line, "reason", engine_stream_reason_name(reason));
    write_line(host, line);
    host->stream_open = true;
    host->stream_reason = reason;
    host->stream_opened_at = host->clock;
    host->verification_done = false;
    host->stop_capture_at = host->reject_at = -1;
}

static void on_audio_uploaded(void *ctx, const int16_t *samples, size_t count, int64_t first)
{
    struct host_context *host = ctx;
    if (count == 0)
        return;
    host->uploads_seen++;
    /* Provenance: the claimed indices must have been fed, and the samples must equal the input. */
    int64_t mismatch = -1;
    for (size_t i = 0; i < count; i++) {
        int64_t index = first + (int64_t)i;
        if (index < 0 || index >= host->clock || !samples || samples[i] != host->input[index]) {
            mismatch = index;
            break;
        }
    }
    bool contiguous = host->upload_pending && first == host->upload_first + host->upload_count;
    if (!contiguous) {
        flush_upload(host);
        host->upload_pending = true;
        host->upload_sample = host->clock;
        host->upload_first = first;
        host->upload_count = 0;
        host->upload_matches = true;
        host->upload_first_mismatch = -1;
        host->upload_hash = wakecert_sha256_begin();
    }
    if (samples)
        wakecert_sha256_update(host->upload_hash, samples, count * sizeof *samples);
    host->upload_count += (int64_t)count;
    if (mismatch >= 0 && host->upload_matches) {
        host->upload_matches = false;
        host->upload_first_mismatch = mismatch;
    }
    if (host->stream_open && !host->verification_done)
        cloud_on_first_upload(host, first);
}

static void on_stream_closed(void *ctx, int reason)
{
    struct host_context *host = ctx;
    flush_upload(host);
    cJSON *line = event_line(host, "stream_close", host->clock);
    cJSON_AddStringToObject(line, "reason", engine_close_reason_name(reason));
    write_line(host, line);
    host->stream_open = false;
    host->stop_capture_at = host->reject_at = -1;
}

static void on_indicator_changed(void *ctx, int state, int tone)
{
    struct host_context *host = ctx;
    flush_upload(host);
    cJSON *line = event_line(host, "indicator", host->clock);
    cJSON_AddStringToObject(line, "state", engine_indicator_name(state));
    cJSON_AddStringToObject(line, "tone", engine_tone_name(tone));
    write_line(host, line);
}

static void write_engine_error(struct host_context *host, const char *call, int code, const char *text)
{
    flush_upload(host);
    cJSON *line = event_line(host, "engine_error", host->clock);
    cJSON_AddStringToObject(line, "call", call);
    cJSON_AddNumberToObject(line, "code", code);
    if (text && *text)
        cJSON_AddStringToObject(line, "message", text);
    write_line(host, line);
}

static int compare_scheduled(const void *a, const void *b)
{
    const struct scheduled_control *left = a, *right = b;
    return left->sample < right->sample ? -1 : left->sample > right->sample;
}

static double thread_cpu_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return (double)now.tv_sec + now.tv_nsec / 1e9;
}

static double wall_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + now.tv_nsec / 1e9;
}

static void write_file_begin(struct host_context *host)
{
    const struct wakecert_corpus_file *file = host->file;
    static const char *const label_names[] = {"", "wake", "confusable", "media_wake", "mic_off", "button", "follow_up", "request"};
    cJSON *line = cJSON_CreateObject();
    cJSON_AddStringToObject(line, "event", "file_begin");
    cJSON_AddStringToObject(line, "file", file->path);
    cJSON_AddNumberToObject(line, "samples", (double)host->input_count);
    cJSON_AddStringToObject(line, "kind", file->kind);
    cJSON_AddStringToObject(line, "condition", file->condition);
    cJSON_AddStringToObject(line, "sha256", file->sha256);
    cJSON *labels = cJSON_AddArrayToObject(line, "labels");
    for (size_t i = 0; i < file->event_count; i++) {
        const struct wakecert_corpus_event *event = &file->events[i];
        cJSON *label = cJSON_CreateObject();
        cJSON_AddStringToObject(label, "type", event->type > 0 && event->type <= 7 ? label_names[event->type] : "unknown");
        cJSON_AddNumberToObject(label, "start", (double)event->start);
        cJSON_AddNumberToObject(label, "end", (double)event->end);
        if (event->request_end >= 0)
            cJSON_AddNumberToObject(label, "request_end", (double)event->request_end);
        if (event->word[0])
            cJSON_AddStringToObject(label, "word", event->word);
        cJSON_AddItemToArray(labels, label);
    }
    write_line(host, line);
}

/* Run one file through a fresh engine instance. Returns 0, or WAKECERT_ERROR_ENGINE if create failed. */
static int run_file(struct host_context *host, const struct loaded_engine *engine, struct run_summary *summary,
                    char *message, size_t message_size)
{
    const struct wakecert_corpus_file *file = host->file;
    write_file_begin(host);

    /* The corpus's scripted controls, in time order. */
    size_t scripted_count = 0;
    struct scheduled_control *scripted = calloc(2 * file->event_count + 1, sizeof *scripted);
    if (!scripted)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < file->event_count; i++) {
        const struct wakecert_corpus_event *event = &file->events[i];
        if (event->type == WAKECERT_EVENT_MIC_OFF) {
            scripted[scripted_count++] = (struct scheduled_control){event->start, WAKECERT_CONTROL_MICROPHONE_OFF, 0, false};
            scripted[scripted_count++] = (struct scheduled_control){event->end, WAKECERT_CONTROL_MICROPHONE_ON, 0, false};
        } else if (event->type == WAKECERT_EVENT_BUTTON) {
            scripted[scripted_count++] = (struct scheduled_control){event->start, WAKECERT_CONTROL_BUTTON, 0, false};
        }
    }
    qsort(scripted, scripted_count, sizeof *scripted, compare_scheduled);

    struct wakecert_host_callbacks callbacks = {sizeof callbacks, host, on_wake, on_stream_opened, on_audio_uploaded,
                                                on_stream_closed, on_indicator_changed};
    wakecert_engine *instance = NULL;
    char engine_message[512] = "";
    double cpu_before = thread_cpu_seconds();
    int status = engine->table->create(&callbacks, host->options->engine_config, &instance, engine_message,
                                       sizeof engine_message);
    summary->engine_cpu_seconds += thread_cpu_seconds() - cpu_before;
    if (status != 0 || !instance) {
        free(scripted);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_ENGINE,
                                  "engine %s refused to start (code %d): %s", engine->table->name, status,
                                  engine_message[0] ? engine_message : "no message");
    }

    size_t next_scripted = 0;
    bool failed = false;
    host->clock = 0;
    while (!failed) {
        /* Deliver every control due now: scripted ones first, then the cloud's. */
        for (;;) {
            struct scheduled_control due = {-1, 0, 0, false};
            if (next_scripted < scripted_count && scripted[next_scripted].sample <= host->clock)
                due = scripted[next_scripted++];
            else if (host->stream_open && host->reject_at >= 0 && host->reject_at <= host->clock) {
                due = (struct scheduled_control){host->reject_at, WAKECERT_CONTROL_CLOUD_REJECT, 0, true};
                host->reject_at = -1;
            } else if (host->stream_open && host->stop_capture_at >= 0 && host->stop_capture_at <= host->clock) {
                due = (struct scheduled_control){host->stop_capture_at, WAKECERT_CONTROL_STOP_CAPTURE, 0, true};
                host->stop_capture_at = -1;
            } else
                break;
            flush_upload(host);
            cJSON *line = event_line(host, "control", host->clock);
            cJSON_AddStringToObject(line, "control", engine_control_name(due.kind));
            if (due.kind == WAKECERT_CONTROL_EXPECT_SPEECH)
                cJSON_AddNumberToObject(line, "timeout_ms", due.timeout_ms);
            cJSON_AddStringToObject(line, "origin", due.from_cloud ? "cloud" : "corpus");
            write_line(host, line);
            struct wakecert_control control = {due.kind, due.timeout_ms};
            cpu_before = thread_cpu_seconds();
            status = engine->table->control(instance, &control);
            summary->engine_cpu_seconds += thread_cpu_seconds() - cpu_before;
            if (status != 0 && status != WAKECERT_ENGINE_ERROR_UNSUPPORTED) {
                write_engine_error(host, "control", status, NULL);
                failed = true;
                break;
            }
        }
        if (failed || host->clock >= host->input_count)
            break;
        /* The next chunk ends at the chunk size or at the next due control, whichever is first. */
        int64_t until = host->clock + host->options->chunk;
        if (until > host->input_count)
            until = host->input_count;
        if (next_scripted < scripted_count && scripted[next_scripted].sample < until &&
            scripted[next_scripted].sample > host->clock)
            until = scripted[next_scripted].sample;
        if (host->stream_open && host->reject_at > host->clock && host->reject_at < until)
            until = host->reject_at;
        if (host->stream_open && host->stop_capture_at > host->clock && host->stop_capture_at < until)
            until = host->stop_capture_at;
        int64_t start = host->clock;
        host->clock = until;
        cpu_before = thread_cpu_seconds();
        status = engine->table->process(instance, host->input + start, (size_t)(until - start));
        summary->engine_cpu_seconds += thread_cpu_seconds() - cpu_before;
        if (status != 0) {
            write_engine_error(host, "process", status, NULL);
            failed = true;
        }
    }
    cpu_before = thread_cpu_seconds();
    engine->table->destroy(instance);
    summary->engine_cpu_seconds += thread_cpu_seconds() - cpu_before;
    flush_upload(host);
    summary->engine_errors += failed;
    cJSON *line = event_line(host, "file_end", host->clock);
    write_line(host, line);
    free(scripted);
    return 0;
}

int run_corpus(const struct run_options *options, const struct wakecert_corpus *corpus,
               const struct loaded_engine *engine, const char *trace_path, struct run_summary *summary,
               char *message, size_t message_size)
{
    memset(summary, 0, sizeof *summary);
    if (options->chunk <= 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "--chunk must be at least 1");
    double wall_start = wall_seconds();
    struct wakecert_atomic_file output;
    int status = wakecert_atomic_open(&output, trace_path, message, message_size);
    if (status)
        return status;
    struct host_context host = {.trace = output.stream, .options = options};

    cJSON *begin = cJSON_CreateObject();
    cJSON_AddStringToObject(begin, "event", "run_begin");
    cJSON_AddStringToObject(begin, "engine", engine->table->name);
    cJSON_AddStringToObject(begin, "engine_version", engine->table->version);
    cJSON_AddStringToObject(begin, "engine_sha256", engine->sha256);
    cJSON_AddStringToObject(begin, "engine_path", engine->path);
    cJSON_AddStringToObject(begin, "engine_config", options->engine_config ? options->engine_config : "{}");
    cJSON_AddStringToObject(begin, "corpus", corpus->name);
    cJSON_AddStringToObject(begin, "corpus_sha256", corpus->manifest_sha256);
    cJSON_AddNumberToObject(begin, "chunk", options->chunk);
    cJSON_AddNumberToObject(begin, "cloud_delay_ms", options->cloud_delay_ms);
    cJSON_AddNumberToObject(begin, "verification_window_ms", options->verification_window_ms);
    write_line(&host, begin);

    for (size_t i = 0; i < corpus->file_count && status == 0; i++) {
        const struct wakecert_corpus_file *file = &corpus->files[i];
        int16_t *samples = NULL;
        int64_t count = 0;
        status = wakecert_corpus_read_audio(file, &samples, &count, message, message_size);
        if (status)
            break;
        if (options->progress)
            fprintf(stderr, "\r[%zu/%zu] %-40.40s", i + 1, corpus->file_count, file->path);
        host.file = file;
        host.input = samples;
        host.input_count = count;
        host.stream_open = false;
        host.stop_capture_at = host.reject_at = -1;
        status = run_file(&host, engine, summary, message, message_size);
        free(samples);
        summary->files++;
        summary->audio_seconds += (double)count / WAKECERT_SAMPLE_RATE;
    }
    if (options->progress)
        fprintf(stderr, "\n");
    if (status) {
        if (host.upload_hash) {
            char discard[WAKECERT_SHA256_HEX_SIZE];
            wakecert_sha256_finish(host.upload_hash, discard);
        }
        wakecert_atomic_abort(&output);
        return status;
    }
    status = wakecert_atomic_commit(&output, message, message_size);
    summary->wall_seconds = wall_seconds() - wall_start;
    return status;
}
