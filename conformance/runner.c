/*
 * The run loop and the cloud simulator (see runner.h).
 *
 * Engine callbacks arrive synchronously from inside process()/control(); each is written to the
 * trace at once with the harness clock, except uploads, which are merged while they stay contiguous
 * and nothing else happens between them (a stream of 160-sample uploads becomes one line with one
 * hash). Provenance is checked per callback against the input the harness holds, before merging.
 *
 * A soak stream (runner.h) has no input held whole: it is rendered into a staging window as the clock
 * advances (input_span), and provenance reads a ring of the last RUN_SOAK_RING_SECONDS fed. Feeding it
 * allocates nothing per block or chunk; the window and ring are allocated (and the ring touched) once
 * when the stream opens.
 */
#define _POSIX_C_SOURCE 200809L
#include "runner.h"
#include "trace.h"

#include "engine_session.h"

#include "error.h"
#include "files.h"
#include "sha256.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

void run_options_default(struct run_options *options)
{
    options->engine_config = "{}";
    options->chunk = 160;
    options->cloud_delay_ms = 200;
    options->verification_window_ms = 1500;
    options->follow_up_timeout_ms = 4000;
    options->verification = CLOUD_VERIFY_ORACLE;
    options->engine_check_seconds = 600;
    options->engine_checks = true;
    options->progress = false;
    options->exec_command = NULL;
    options->seed = 0;
    options->selected = NULL;
    options->soak_directory = NULL;
    options->soak_hours = 0;
    options->soak_ring_seconds = RUN_SOAK_RING_SECONDS;
    options->session.isolation = SESSION_CHILD;
    options->session.sandbox = true;
    options->session.call_timeout_ms = 10000;
    options->session.memory_limit_bytes = (size_t)4 << 30;
}

/* A control the harness will deliver at `sample`. */
struct scheduled_control {
    int64_t sample;
    int kind;
    int timeout_ms;
    bool from_cloud;
};

/* How the simulated cloud behaves in a pass. */
enum cloud_behaviour {
    CLOUD_NORMAL = 0,     /* verify, StopCapture at request end, follow-ups */
    CLOUD_SILENT = 1,     /* network loss: never answers */
    CLOUD_REJECT_ALL = 2, /* rejects every wake stream after the cloud delay */
};

struct pass_spec {
    const char *name;
    int chunk;            /* 0: the run's chunk size */
    int behaviour;        /* enum cloud_behaviour */
    bool subset_only;     /* only the engine-check subset */
    int pad_seconds;      /* digital silence appended, so a stream left open has time to be seen */
    int copies;           /* the file played this many times back to back in one engine instance */
};

#define VERIFIER_BUFFER_SAMPLES (3 * WAKECERT_SAMPLE_RATE)
#define NETWORK_LOSS_PAD_SECONDS 20
#define BATCH_BELOW_CHUNK 160 /* passes with smaller chunks send audio in batches */

#define SOAK_BLOCK_SAMPLES WAKECERT_SAMPLE_RATE /* the stream is rendered and fed 1 s at a time */
#define SOAK_SEGMENTS 64                        /* kind changes the staging window can hold */
#define SOAK_KINDS TRACE_STREAM_KINDS
#define SOAK_PROGRESS_SECONDS 2.0               /* wall time between progress lines */

/* A stream being fed (the soak): rendered into a staging window block by block, every rendered sample
 * also written to a ring of the last ring_capacity samples, against which uploads are checked. */
struct stream_feed {
    struct wakecert_soak *soak;
    int16_t *window;            /* samples [window_start, window_start + window_count) of the stream */
    int64_t window_capacity, window_start, window_count;
    int16_t *ring;              /* sample i at ring[i % ring_capacity], for i in [rendered - capacity, rendered) */
    int64_t ring_capacity, rendered;
    struct {
        int64_t start;
        const char *kind;       /* points into the soak's pool (valid until the soak is closed) */
    } segments[SOAK_SEGMENTS];  /* where each kind of audio starts, over the window */
    size_t segment_count;
    struct {
        const char *kind;
        int64_t samples;
        size_t false_wakes;
    } kinds[SOAK_KINDS];        /* per kind: samples rendered, wakes reported (de-duplicated) */
    size_t kind_count;
    size_t false_wakes;
    int64_t last_wake;          /* sample of the last wake, for the 1 s duplicate window */
    double started, last_progress;
};

struct host_context {
    FILE *trace;
    const struct run_options *options;
    const char *pass;
    int chunk;
    int behaviour;
    const struct wakecert_engine_table *verifier; /* reference engine table (verifier mode) */
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
    int64_t served_until;       /* end of the speech the open stream serves (request or follow-up), or -1 */
    int64_t follow_up_after;    /* after the next StopCapture, look for a follow-up label from here; -1: none */
    bool expect_speech_due;     /* deliver ExpectSpeech now */
    const struct wakecert_corpus_event *follow_up; /* the follow-up the open/next follow-up stream serves */
    const struct wakecert_corpus_event *pending_follow_up; /* asked for with the ExpectSpeech about to go out */
    size_t uploads_seen;

    struct engine_session session;   /* the engine instance of the file being run */
    int64_t batch_start;             /* clock at the start of the batch being processed */
    size_t position;                 /* the file's place in the run's play order */
    int64_t copy_offset, copy_stride; /* where the first copy starts and how far apart copies are (doubled pass) */

    /* a stream (soak) instead of an in-memory file: input is NULL, input_count its length */
    const char *stream_directory;    /* the soak pool to render, or NULL */
    struct stream_feed *feed;        /* while the stream's file runs */
    int64_t stream_ring_samples, stream_window_samples;
    bool upload_too_old;             /* the merged upload's mismatch is a sample older than the ring */

    /* verifier mode: the stream's first uploaded samples, checked by a second detector */
    int16_t verifier_buffer[VERIFIER_BUFFER_SAMPLES];
    int64_t verifier_count;
    bool verifier_pending;      /* a wake stream awaits the verifier's decision */
    int64_t verifier_first;     /* first sample the stream uploaded */
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
    cJSON_AddStringToObject(line, "pass", host->pass);
    cJSON_AddNumberToObject(line, "sample", (double)sample);
    return line;
}

/* ---- the stream feed (soak) ---- */

static double wall_seconds(void);

/* The kind of audio at stream sample `sample` (within the window, or its last segment). Cannot fail. */
static const char *stream_kind_at(const struct stream_feed *feed, int64_t sample)
{
    for (size_t s = feed->segment_count; s > 0; s--)
        if (feed->segments[s - 1].start <= sample)
            return feed->segments[s - 1].kind;
    return feed->segment_count ? feed->segments[0].kind : "negative";
}

/* Free a feed and its soak. NULL-safe. */
static void stream_feed_close(struct stream_feed *feed)
{
    if (!feed)
        return;
    wakecert_soak_close(feed->soak);
    free(feed->window);
    free(feed->ring);
    free(feed);
}

/* Open the stream of `directory` for `total` samples with a staging window of window_capacity samples
 * and a ring of ring_capacity (>= window_capacity). The ring is touched whole here, so the harness's
 * memory is at its peak from the first block and does not grow with the hours played. Returns 0 or a
 * negative wakecert_error naming the pool. */
static int stream_feed_open(const char *directory, int64_t total, int64_t window_capacity, int64_t ring_capacity,
                            struct stream_feed **out, char *message, size_t message_size)
{
    *out = NULL;
    struct stream_feed *feed = calloc(1, sizeof *feed);
    if (!feed)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    feed->window = malloc((size_t)window_capacity * sizeof *feed->window);
    feed->ring = malloc((size_t)ring_capacity * sizeof *feed->ring);
    if (!feed->window || !feed->ring) {
        stream_feed_close(feed);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY,
                                  "%s: out of memory for the stream's ring (%lld samples)", directory,
                                  (long long)ring_capacity);
    }
    memset(feed->ring, 0xff, (size_t)ring_capacity * sizeof *feed->ring); /* touched (not calloc), see above */
    feed->window_capacity = window_capacity;
    feed->ring_capacity = ring_capacity;
    int status = wakecert_soak_open(directory, (double)total / (3600.0 * WAKECERT_SAMPLE_RATE), &feed->soak, message,
                                    message_size);
    if (status) {
        stream_feed_close(feed);
        return status;
    }
    int64_t rendered_total = wakecert_soak_total_samples(feed->soak);
    if (rendered_total != total) {
        stream_feed_close(feed);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL,
                                  "%s: the stream renders %lld samples, not the %lld announced", directory,
                                  (long long)rendered_total, (long long)total);
    }
    feed->started = feed->last_progress = wall_seconds();
    *out = feed;
    return 0;
}

/* Slide the window to start at `from` (keeping what it holds from there on) and render blocks into it
 * until it is full or the stream ends; each block also goes into the ring and its kind into the
 * segments and per-kind totals. Cannot fail. */
static void stream_feed_fill(struct stream_feed *feed, int64_t from)
{
    int64_t keep = feed->window_start + feed->window_count - from;
    if (keep > 0 && from > feed->window_start)
        memmove(feed->window, feed->window + (from - feed->window_start), (size_t)keep * sizeof *feed->window);
    feed->window_count = keep > 0 ? keep : 0;
    feed->window_start = from;
    size_t dropped = 0; /* segments wholly before the window (the last one starting before it stays) */
    while (dropped + 1 < feed->segment_count && feed->segments[dropped + 1].start <= from)
        dropped++;
    memmove(feed->segments, feed->segments + dropped, (feed->segment_count - dropped) * sizeof feed->segments[0]);
    feed->segment_count -= dropped;
    while (feed->window_count < feed->window_capacity) {
        int64_t room = feed->window_capacity - feed->window_count;
        int16_t *block = feed->window + feed->window_count;
        const char *kind = NULL;
        int64_t got = wakecert_soak_read(feed->soak, block, room < SOAK_BLOCK_SAMPLES ? room : SOAK_BLOCK_SAMPLES, &kind);
        if (got <= 0)
            break;
        for (int64_t done = 0; done < got;) { /* into the ring, in at most two pieces */
            int64_t at = (feed->rendered + done) % feed->ring_capacity;
            int64_t piece = feed->ring_capacity - at < got - done ? feed->ring_capacity - at : got - done;
            memcpy(feed->ring + at, block + done, (size_t)piece * sizeof *block);
            done += piece;
        }
        bool same_kind = feed->segment_count && strcmp(feed->segments[feed->segment_count - 1].kind, kind) == 0;
        if (!same_kind && feed->segment_count == SOAK_SEGMENTS) { /* cannot happen at these sizes; stay correct */
            memmove(feed->segments, feed->segments + 1, (SOAK_SEGMENTS - 1) * sizeof feed->segments[0]);
            feed->segment_count--;
        }
        if (!same_kind) {
            feed->segments[feed->segment_count].start = feed->rendered;
            feed->segments[feed->segment_count++].kind = kind;
        }
        size_t k = 0;
        while (k < feed->kind_count && strcmp(feed->kinds[k].kind, kind) != 0)
            k++;
        if (k == feed->kind_count && k < SOAK_KINDS)
            feed->kinds[feed->kind_count++].kind = kind;
        if (k < SOAK_KINDS)
            feed->kinds[k].samples += got;
        feed->rendered += got;
        feed->window_count += got;
    }
}

/* The input samples [start, end) as one contiguous buffer: the file's, or the stream's window (rendered
 * on demand). end - start never exceeds the window capacity. Cannot fail. */
static const int16_t *input_span(struct host_context *host, int64_t start, int64_t end)
{
    struct stream_feed *feed = host->feed;
    if (!feed)
        return host->input + start;
    if (end > feed->window_start + feed->window_count)
        stream_feed_fill(feed, start);
    return feed->window + (start - feed->window_start);
}

/* On a terminal, every SOAK_PROGRESS_SECONDS: hours done, speed, false wakes so far. Cannot fail. */
static void stream_progress(const struct host_context *host, bool last)
{
    struct stream_feed *feed = host->feed;
    double now = wall_seconds();
    if (!last && now - feed->last_progress < SOAK_PROGRESS_SECONDS)
        return;
    feed->last_progress = now;
    double hours = (double)host->clock / WAKECERT_SAMPLE_RATE / 3600.0;
    double elapsed = now - feed->started;
    fprintf(stderr, "\r%s: %.2f of %.2f h, %.0fx real time, %zu false wake%s so far   ", RUN_SOAK_ITEM_NAME, hours,
            (double)host->input_count / WAKECERT_SAMPLE_RATE / 3600.0, elapsed > 0 ? hours * 3600.0 / elapsed : 0.0,
            feed->false_wakes, feed->false_wakes == 1 ? "" : "s");
    if (last)
        fputc('\n', stderr);
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
    if (!host->upload_matches && host->upload_too_old) {
        char reason[96];
        snprintf(reason, sizeof reason, "older than the ring (the last %lld samples fed)",
                 (long long)host->feed->ring_capacity);
        cJSON_AddStringToObject(line, "mismatch_reason", reason);
    }
    write_line(host, line);
    host->upload_pending = false;
}

/* The first wake/button label at or after `from` (the start of the next request), or INT64_MAX. */
static int64_t next_request_start(const struct wakecert_corpus_file *file, int64_t from)
{
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < file->event_count; i++) {
        const struct wakecert_corpus_event *label = &file->events[i];
        if ((label->type == WAKECERT_EVENT_WAKE || label->type == WAKECERT_EVENT_BUTTON) && label->start >= from &&
            label->start < next)
            next = label->start;
    }
    return next;
}

/* The follow-up label the cloud asks for after speech ending at `after`, if any: a FOLLOW_UP event that
 * starts at or after it and before the next wake word or button press. */
static const struct wakecert_corpus_event *find_follow_up(const struct wakecert_corpus_file *file, int64_t after)
{
    int64_t limit = next_request_start(file, after);
    const struct wakecert_corpus_event *found = NULL;
    for (size_t i = 0; i < file->event_count; i++) {
        const struct wakecert_corpus_event *label = &file->events[i];
        if (label->type == WAKECERT_EVENT_FOLLOW_UP && label->start >= after && label->start < limit &&
            (!found || label->start < found->start))
            found = label;
    }
    return found;
}

static int64_t cloud_delay_samples(const struct host_context *host)
{
    return (int64_t)host->options->cloud_delay_ms * WAKECERT_SAMPLE_RATE / 1000;
}

/* Accept a stream whose speech ends at `speech_end`: StopCapture after it (never in the past). */
static void cloud_accept(struct host_context *host, int64_t speech_end)
{
    int64_t at = speech_end + cloud_delay_samples(host);
    host->stop_capture_at = at > host->clock ? at : host->clock;
    host->served_until = speech_end;
}

/* The labelled wake word within the verification window of a stream starting at `first`, or NULL. */
static const struct wakecert_corpus_event *labelled_wake_in_window(const struct host_context *host, int64_t first)
{
    int64_t window = (int64_t)host->options->verification_window_ms * WAKECERT_SAMPLE_RATE / 1000;
    const struct wakecert_corpus_file *file = host->file;
    for (size_t i = 0; i < file->event_count; i++) {
        const struct wakecert_corpus_event *label = &file->events[i];
        if (label->type == WAKECERT_EVENT_WAKE && label->end > first && label->start < first + window)
            return label;
    }
    return NULL;
}

static int64_t speech_end_of(const struct wakecert_corpus_event *label)
{
    return label->request_end > label->end ? label->request_end : label->end;
}

/* Cloud, on the first upload of a stream: decide how to answer it. */
static void cloud_on_first_upload(struct host_context *host, int64_t first)
{
    host->verification_done = true;
    if (host->behaviour == CLOUD_SILENT)
        return;
    const struct wakecert_corpus_file *file = host->file;
    if (host->stream_reason == WAKECERT_STREAM_WAKE) {
        if (host->behaviour == CLOUD_REJECT_ALL) {
            host->reject_at = host->clock + cloud_delay_samples(host);
            return;
        }
        if (host->options->verification == CLOUD_VERIFY_MODEL && host->verifier) {
            host->verifier_pending = true;
            host->verifier_first = first;
            host->verifier_count = 0;
            return;
        }
        const struct wakecert_corpus_event *label = labelled_wake_in_window(host, first);
        if (label)
            cloud_accept(host, speech_end_of(label));
        else
            host->reject_at = host->clock + cloud_delay_samples(host);
        return;
    }
    if (host->stream_reason == WAKECERT_STREAM_BUTTON) {
        const struct wakecert_corpus_event *pressed = NULL;
        for (size_t i = 0; i < file->event_count; i++)
            if (file->events[i].type == WAKECERT_EVENT_BUTTON && file->events[i].start <= host->stream_opened_at)
                pressed = &file->events[i];
        cloud_accept(host, pressed && pressed->request_end > 0 ? pressed->request_end
                                                               : host->stream_opened_at + 5 * WAKECERT_SAMPLE_RATE);
        return;
    }
    /* A follow-up stream: StopCapture when the follow-up speech ends; nothing if the user stays silent
     * (the engine must end the stream at the ExpectSpeech timeout). */
    if (host->follow_up && host->follow_up->end > host->follow_up->start)
        cloud_accept(host, host->follow_up->end);
    host->follow_up = NULL;
}

static void verifier_on_wake(void *ctx, const char *keyword, float score, int64_t start, int64_t end)
{
    bool *heard = ctx;
    *heard = true;
}
static void verifier_ignore_open(void *ctx, int reason) {}
static void verifier_ignore_upload(void *ctx, const int16_t *samples, size_t count, int64_t first) {}
static void verifier_ignore_close(void *ctx, int reason) {}
static void verifier_ignore_indicator(void *ctx, int state, int tone) {}

/* Verifier mode: once the stream has sent its pre-roll and the verification window, run the second
 * detector over exactly what was uploaded and accept or reject. Called between engine calls. */
static void cloud_run_verifier(struct host_context *host)
{
    int64_t needed = (int64_t)(host->options->verification_window_ms + 500) * WAKECERT_SAMPLE_RATE / 1000;
    if (needed > VERIFIER_BUFFER_SAMPLES)
        needed = VERIFIER_BUFFER_SAMPLES;
    if (!host->verifier_pending || (host->stream_open && host->verifier_count < needed))
        return;
    host->verifier_pending = false;
    if (!host->stream_open)
        return;
    bool heard = false;
    struct wakecert_host_callbacks callbacks = {sizeof callbacks, &heard, verifier_on_wake, verifier_ignore_open,
                                                verifier_ignore_upload, verifier_ignore_close, verifier_ignore_indicator};
    wakecert_engine *verifier = NULL;
    if (host->verifier->create(&callbacks, "{\"sensitivity\": 0.2, \"local_only\": true}", &verifier, NULL, 0) == 0) {
        host->verifier->process(verifier, host->verifier_buffer, (size_t)host->verifier_count);
        host->verifier->destroy(verifier);
    }
    if (!heard) {
        host->reject_at = host->clock + cloud_delay_samples(host);
        return;
    }
    const struct wakecert_corpus_event *label = labelled_wake_in_window(host, host->verifier_first);
    /* Verified: the request ends where it is labelled, or (a wake the labels do not know) 2 s from now. */
    cloud_accept(host, label ? speech_end_of(label) : host->clock + 2 * WAKECERT_SAMPLE_RATE);
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
    if (host->feed) {
        /* A stream has no wake words: every detection outside the 1 s duplicate window is a false wake,
         * charged to the kind of audio the chunk that produced it was of. */
        const char *kind = stream_kind_at(host->feed, host->clock - 1);
        cJSON_AddStringToObject(line, "stream_kind", kind);
        if (host->feed->false_wakes == 0 || host->clock - host->feed->last_wake > WAKECERT_SAMPLE_RATE) {
            host->feed->false_wakes++;
            for (size_t k = 0; k < host->feed->kind_count; k++)
                if (strcmp(host->feed->kinds[k].kind, kind) == 0)
                    host->feed->kinds[k].false_wakes++;
        }
        host->feed->last_wake = host->clock;
    }
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
    host->verifier_pending = false;
    host->stop_capture_at = host->reject_at = -1;
    host->served_until = -1;
}

static void on_audio_uploaded(void *ctx, const int16_t *samples, size_t count, int64_t first)
{
    struct host_context *host = ctx;
    if (count == 0)
        return;
    host->uploads_seen++;
    /* Provenance: the claimed indices must have been fed, and the samples must equal the input. */
    int64_t mismatch = -1;
    bool too_old = false;
    const struct stream_feed *feed = host->feed;
    int64_t oldest_kept = feed ? feed->rendered - feed->ring_capacity : 0;
    for (size_t i = 0; i < count; i++) {
        int64_t index = first + (int64_t)i;
        if (index < 0 || index >= host->clock || !samples) {
            mismatch = index;
            break;
        }
        if (feed && index < oldest_kept) {
            mismatch = index;
            too_old = true;
            break;
        }
        int16_t fed = feed ? feed->ring[index % feed->ring_capacity] : host->input[index];
        if (samples[i] != fed) {
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
        host->upload_too_old = false;
        host->upload_hash = wakecert_sha256_begin();
    }
    if (samples)
        wakecert_sha256_update(host->upload_hash, samples, count * sizeof *samples);
    host->upload_count += (int64_t)count;
    if (mismatch >= 0 && host->upload_matches) {
        host->upload_matches = false;
        host->upload_first_mismatch = mismatch;
        host->upload_too_old = too_old;
    }
    if (host->stream_open && !host->verification_done)
        cloud_on_first_upload(host, first);
    if (host->verifier_pending && samples) {
        size_t room = (size_t)(VERIFIER_BUFFER_SAMPLES - host->verifier_count);
        size_t take = count < room ? count : room;
        memcpy(host->verifier_buffer + host->verifier_count, samples, take * sizeof *samples);
        host->verifier_count += (int64_t)take;
    }
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
    host->verifier_pending = false;
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

/* During a batch: the next events belong to the call that ended `samples_done` samples into it. */
static void batch_subcall(void *ctx, int64_t samples_done)
{
    struct host_context *host = ctx;
    host->clock = host->batch_start + samples_done;
}

static void write_engine_failure(struct host_context *host, const struct engine_session *session)
{
    static const char *const kinds[] = {"none", "crash", "timeout", "violation", "protocol"};
    cJSON *line = event_line(host, "engine_failure", host->clock);
    cJSON_AddStringToObject(line, "kind", kinds[session->failure]);
    if (session->signal)
        cJSON_AddStringToObject(line, "signal", strsignal(session->signal));
    if (session->failure == SESSION_CRASH && !session->signal)
        cJSON_AddNumberToObject(line, "exit_status", session->exit_status);
    if (session->detail[0])
        cJSON_AddStringToObject(line, "detail", session->detail);
    write_line(host, line);
}

static int compare_scheduled(const void *a, const void *b)
{
    const struct scheduled_control *left = a, *right = b;
    return left->sample < right->sample ? -1 : left->sample > right->sample;
}

/* Time spent inside engine calls is read from the monotonic clock (a vDSO read costing nanoseconds;
 * the thread CPU clock is a system call, and reading it around a million 1-sample calls would cost
 * more than the engine). On an otherwise idle core the two agree. */
static double engine_clock_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
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
    cJSON_AddStringToObject(line, "pass", host->pass);
    cJSON_AddNumberToObject(line, "position", (double)host->position);
    cJSON_AddNumberToObject(line, "samples", (double)host->input_count);
    if (host->copy_stride > 0) {
        cJSON_AddNumberToObject(line, "copy_offset", (double)host->copy_offset);
        cJSON_AddNumberToObject(line, "copy_stride", (double)host->copy_stride);
    }
    cJSON_AddStringToObject(line, "kind", file->kind);
    cJSON_AddStringToObject(line, "condition", file->condition);
    if (file->voice[0])
        cJSON_AddStringToObject(line, "voice", file->voice);
    cJSON_AddStringToObject(line, "sha256", file->sha256);
    if (host->stream_directory) {
        cJSON *stream = cJSON_AddObjectToObject(line, "stream");
        cJSON_AddStringToObject(stream, "pool", host->stream_directory);
        cJSON_AddNumberToObject(stream, "hours", (double)host->input_count / WAKECERT_SAMPLE_RATE / 3600.0);
        cJSON_AddNumberToObject(stream, "block_samples", SOAK_BLOCK_SAMPLES);
        cJSON_AddNumberToObject(stream, "ring_samples", (double)host->stream_ring_samples);
    }
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

/* CPU and audio totals of one pass. */
struct pass_totals {
    size_t files;
    double audio_seconds;
    double engine_seconds;     /* monotonic time inside engine calls (as the harness sees them) */
    double child_cpu_seconds;  /* CPU time of the engine's child processes (isolated runs) */
    long child_peak_rss_kb;    /* largest child peak RSS (isolated runs) */
    size_t engine_errors;
};

static int deliver(struct host_context *host, struct engine_session *session, const struct scheduled_control *due,
                   struct pass_totals *totals)
{
    flush_upload(host);
    cJSON *line = event_line(host, "control", host->clock);
    cJSON_AddStringToObject(line, "control", engine_control_name(due->kind));
    if (due->kind == WAKECERT_CONTROL_EXPECT_SPEECH)
        cJSON_AddNumberToObject(line, "timeout_ms", due->timeout_ms);
    cJSON_AddStringToObject(line, "origin", due->from_cloud ? "cloud" : "corpus");
    write_line(host, line);
    struct wakecert_control control = {due->kind, due->timeout_ms};
    double call_started = engine_clock_seconds();
    int status = session_control(session, &control);
    totals->engine_seconds += engine_clock_seconds() - call_started;
    cloud_run_verifier(host);
    if (status == SESSION_FAILED)
        return -1;
    if (status != 0 && status != WAKECERT_ENGINE_ERROR_UNSUPPORTED) {
        write_engine_error(host, "control", status, NULL);
        return -1;
    }
    return 0;
}

/* The next control due at the current clock, if any: scripted ones first, then the cloud's. */
static bool next_due(struct host_context *host, const struct scheduled_control *scripted, size_t scripted_count,
                     size_t *next_scripted, struct scheduled_control *due)
{
    if (*next_scripted < scripted_count && scripted[*next_scripted].sample <= host->clock) {
        *due = scripted[(*next_scripted)++];
        return true;
    }
    if (host->expect_speech_due) {
        host->expect_speech_due = false;
        *due = (struct scheduled_control){host->clock, WAKECERT_CONTROL_EXPECT_SPEECH, host->options->follow_up_timeout_ms, true};
        return true;
    }
    if (host->stream_open && host->reject_at >= 0 && host->reject_at <= host->clock) {
        *due = (struct scheduled_control){host->reject_at, WAKECERT_CONTROL_CLOUD_REJECT, 0, true};
        host->reject_at = -1;
        return true;
    }
    if (host->stream_open && host->stop_capture_at >= 0 && host->stop_capture_at <= host->clock) {
        *due = (struct scheduled_control){host->stop_capture_at, WAKECERT_CONTROL_STOP_CAPTURE, 0, true};
        host->stop_capture_at = -1;
        return true;
    }
    return false;
}

/* Run one file through a fresh engine instance in the current pass. Returns 0, or
 * WAKECERT_ERROR_ENGINE if create failed. */
static int run_file(struct host_context *host, const struct loaded_engine *engine, struct pass_totals *totals,
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
    struct engine_session *session = &host->session;
    char engine_message[512] = "";
    host->clock = 0;
    double call_started = engine_clock_seconds();
    int status = session_open(session, &host->options->session, engine, host->options->exec_command, &callbacks,
                              host->options->engine_config, engine_message, sizeof engine_message);
    totals->engine_seconds += engine_clock_seconds() - call_started;
    if (status != 0 && status != SESSION_FAILED) {
        session_close(session);
        free(scripted);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_ENGINE,
                                  "engine %s refused to start (code %d): %s", engine->table->name, status,
                                  engine_message[0] ? engine_message : "no message");
    }

    /* A stream is opened after the engine's child is forked, so the child does not inherit the pool and
     * the ring (its memory figure stays the engine's own). */
    if (host->stream_directory && (status == 0 || status == SESSION_FAILED)) {
        int feed_status = stream_feed_open(host->stream_directory, host->input_count, host->stream_window_samples,
                                           host->stream_ring_samples, &host->feed, message, message_size);
        if (feed_status) {
            session_close(session);
            free(scripted);
            return feed_status;
        }
    }

    host->stream_open = false;
    host->stop_capture_at = host->reject_at = host->served_until = -1;
    host->expect_speech_due = false;
    host->follow_up = NULL;
    host->verifier_pending = false;
    size_t next_scripted = 0;
    bool failed = status == SESSION_FAILED;
    while (!failed) {
        struct scheduled_control due;
        while (!failed && next_due(host, scripted, scripted_count, &next_scripted, &due)) {
            /* A StopCapture that ends a request may be followed by the cloud's ExpectSpeech. */
            const struct wakecert_corpus_event *follow_up = NULL;
            if (due.kind == WAKECERT_CONTROL_STOP_CAPTURE && host->behaviour == CLOUD_NORMAL && host->served_until >= 0)
                follow_up = find_follow_up(file, host->served_until);
            if (due.kind == WAKECERT_CONTROL_EXPECT_SPEECH)
                host->follow_up = host->pending_follow_up;
            failed = deliver(host, session, &due, totals) != 0;
            if (follow_up && !host->stream_open) {
                host->pending_follow_up = follow_up;
                host->expect_speech_due = true;
            }
        }
        if (failed || host->clock >= host->input_count)
            break;
        /* The next chunk ends at the chunk size or at the next due control, whichever is first. */
        int64_t until = host->clock + host->chunk;
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
        call_started = engine_clock_seconds();
        if (host->chunk < BATCH_BELOW_CHUNK) {
            /* Tiny chunks go in batches (one round trip to an isolated engine), each call's events
             * stamped with its own clock; a batch never runs past a due control or the cloud delay. */
            int64_t batch_end = start + (cloud_delay_samples(host) > host->chunk ? cloud_delay_samples(host) : host->chunk);
            if (next_scripted < scripted_count && scripted[next_scripted].sample > host->clock &&
                scripted[next_scripted].sample < batch_end)
                batch_end = scripted[next_scripted].sample;
            if (host->stream_open && host->reject_at > host->clock && host->reject_at < batch_end)
                batch_end = host->reject_at;
            if (host->stream_open && host->stop_capture_at > host->clock && host->stop_capture_at < batch_end)
                batch_end = host->stop_capture_at;
            until = batch_end < host->input_count ? batch_end : host->input_count;
            host->batch_start = start;
            session->on_subcall = batch_subcall;
            status = session_process_batch(session, input_span(host, start, until), (size_t)(until - start),
                                           (size_t)host->chunk);
            session->on_subcall = NULL;
            if (status == 0 || status == SESSION_FAILED)
                host->clock = until;
        } else {
            const int16_t *span = input_span(host, start, until);
            host->clock = until;
            status = session_process(session, span, (size_t)(until - start));
        }
        if (host->feed && host->options->progress)
            stream_progress(host, false);
        totals->engine_seconds += engine_clock_seconds() - call_started;
        cloud_run_verifier(host);
        if (status == SESSION_FAILED)
            failed = true;
        else if (status != 0) {
            write_engine_error(host, "process", status, NULL);
            failed = true;
        }
    }
    call_started = engine_clock_seconds();
    session_close(session);
    totals->engine_seconds += engine_clock_seconds() - call_started;
    flush_upload(host);
    if (session->failure)
        write_engine_failure(host, session);
    if (host->options->session.isolation != SESSION_IN_PROCESS) {
        totals->child_cpu_seconds += session->cpu_seconds;
        if (session->peak_rss_kb > totals->child_peak_rss_kb)
            totals->child_peak_rss_kb = session->peak_rss_kb;
    }
    totals->engine_errors += failed;
    totals->files++;
    totals->audio_seconds += (double)host->clock / WAKECERT_SAMPLE_RATE;
    cJSON *line = event_line(host, "file_end", host->clock);
    if (host->feed) {
        if (host->options->progress)
            stream_progress(host, true);
        cJSON *hours = cJSON_AddObjectToObject(line, "stream_hours_by_kind");
        cJSON *wakes = cJSON_AddObjectToObject(line, "stream_false_wakes");
        for (size_t k = 0; k < host->feed->kind_count; k++) {
            cJSON_AddNumberToObject(hours, host->feed->kinds[k].kind,
                                    (double)host->feed->kinds[k].samples / WAKECERT_SAMPLE_RATE / 3600.0);
            cJSON_AddNumberToObject(wakes, host->feed->kinds[k].kind, (double)host->feed->kinds[k].false_wakes);
        }
        stream_feed_close(host->feed);
        host->feed = NULL;
    }
    write_line(host, line);
    free(scripted);
    return 0;
}

static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* Copies of a file played back to back in one instance start a whole multiple of this many samples
 * apart (4 s), the gap filled with noise floor. An engine that frames audio in hops dividing 64000
 * samples (10, 16, 20, 32, 40, 50 ms ...) then sees every copy at the same frame phase: a copy that
 * began mid-frame would be different input to it, and a wake word near its threshold could fairly
 * come out differently. */
#define COPY_ALIGNMENT_SAMPLES 64000

/* The audio and labels one pass plays for a file: `lead` samples of -60 dBFS noise floor, the file
 * `copies` times (copy c at lead + c * stride, stride = count rounded up to COPY_ALIGNMENT_SAMPLES when
 * copies > 1, the gaps noise floor; labels repeated at each copy's offset), then `pad` samples of
 * digital silence. *variant shares the file's strings; its events (and *out_samples) are malloc'd;
 * *out_stride is the stride (0 for a single copy). */
static int make_variant(const struct wakecert_corpus_file *file, const int16_t *samples, int64_t count, int64_t lead,
                        uint64_t noise_seed, int copies, int64_t pad, struct wakecert_corpus_file *variant,
                        int16_t **out_samples, int64_t *out_count, int64_t *out_stride, char *message,
                        size_t message_size)
{
    *variant = *file;
    int64_t stride = copies > 1 ? (count + COPY_ALIGNMENT_SAMPLES - 1) / COPY_ALIGNMENT_SAMPLES * COPY_ALIGNMENT_SAMPLES
                                : count;
    int64_t total = lead + (copies - 1) * stride + count + pad;
    int16_t *audio = calloc((size_t)total + 1, sizeof *audio);
    struct wakecert_corpus_event *events = calloc((size_t)copies * file->event_count + 1, sizeof *events);
    if (!audio || !events) {
        free(audio);
        free(events);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    }
    for (int64_t i = 0; i < lead + (copies - 1) * stride; i++)
        audio[i] = (int16_t)((int)(next_random(&noise_seed) % 115) - 57); /* about -60 dBFS */
    size_t event_count = 0;
    for (int c = 0; c < copies; c++) {
        int64_t offset = lead + c * stride;
        memcpy(audio + offset, samples, (size_t)count * sizeof *samples);
        for (size_t e = 0; e < file->event_count; e++) {
            struct wakecert_corpus_event event = file->events[e];
            event.start += offset;
            event.end += offset;
            if (event.request_end >= 0)
                event.request_end += offset;
            events[event_count++] = event;
        }
    }
    variant->events = events;
    variant->event_count = event_count;
    variant->samples = total;
    *out_samples = audio;
    *out_count = total;
    *out_stride = copies > 1 ? stride : 0;
    return 0;
}

static long peak_rss_kilobytes(void)
{
    struct rusage usage;
    return getrusage(RUSAGE_SELF, &usage) == 0 ? usage.ru_maxrss : 0;
}

/* Play one file (samples, count) in passes [first_pass, pass_count): a variant per pass (lead, copies,
 * padding as the pass asks), each through run_file. Subset-only passes are skipped unless in_subset.
 * Returns 0 or a negative wakecert_error. */
static int run_passes(struct host_context *host, const struct loaded_engine *engine, const struct pass_spec *passes,
                      size_t first_pass, size_t pass_count, const struct wakecert_corpus_file *file,
                      const int16_t *samples, int64_t count, int64_t lead, uint64_t noise_seed, bool in_subset,
                      struct pass_totals *totals, char *message, size_t message_size)
{
    const struct run_options *options = host->options;
    int status = 0;
    for (size_t p = first_pass; p < pass_count && status == 0; p++) {
        if (passes[p].subset_only && !in_subset)
            continue;
        if (passes[p].chunk == options->chunk && strcmp(passes[p].name, "main") != 0 &&
            strncmp(passes[p].name, "chunk_", 6) == 0)
            continue; /* the main pass already ran this chunk size */
        struct wakecert_corpus_file variant;
        int16_t *input = NULL;
        int64_t input_count = 0, stride = 0;
        status = make_variant(file, samples, count, lead, noise_seed, passes[p].copies,
                              (int64_t)passes[p].pad_seconds * WAKECERT_SAMPLE_RATE, &variant, &input, &input_count,
                              &stride, message, message_size);
        host->copy_offset = lead;
        host->copy_stride = stride;
        if (status)
            break;
        host->pass = passes[p].name;
        host->chunk = passes[p].chunk ? passes[p].chunk : options->chunk;
        host->behaviour = passes[p].behaviour;
        host->file = &variant;
        host->input = input;
        host->input_count = input_count;
        status = run_file(host, engine, &totals[p], message, message_size);
        free(variant.events);
        free(input);
    }
    return status;
}

/* The soak: the pool's stream as one negative item, RUN_SOAK_ITEM_NAME — the main pass fed block by block
 * from the renderer (never stored whole), then the engine-check passes on the stream's head (its first
 * engine_check_seconds, rendered again into memory: bounded by that option, not by the hours).
 * Returns 0 or a negative wakecert_error naming the pool. */
static int run_soak(struct host_context *host, const struct loaded_engine *engine, const struct pass_spec *passes,
                    size_t pass_count, struct pass_totals *totals, char *message, size_t message_size)
{
    const struct run_options *options = host->options;
    int64_t total = 0;
    int status = wakecert_soak_stream_samples(options->soak_directory, options->soak_hours, &total, message, message_size);
    if (status)
        return status;
    if (!(options->soak_ring_seconds >= 1 && options->soak_ring_seconds <= 24 * 3600.0))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE,
                                  "the soak ring must hold 1 s to 24 h of audio, not %g s", options->soak_ring_seconds);
    struct wakecert_corpus_file stream = {0};
    stream.path = (char *)RUN_SOAK_ITEM_NAME;
    stream.full_path = (char *)options->soak_directory;
    stream.samples = total;
    snprintf(stream.kind, sizeof stream.kind, "negative");
    snprintf(stream.condition, sizeof stream.condition, "soak");
    stream.snr_db = NAN;

    /* The window holds the longest span one engine call takes (a chunk, or a batch of small chunks up to
     * the cloud delay) plus a block; the ring at least the window. */
    int64_t span = options->chunk;
    if (options->chunk < BATCH_BELOW_CHUNK && cloud_delay_samples(host) > span)
        span = cloud_delay_samples(host);
    host->stream_window_samples = span + SOAK_BLOCK_SAMPLES;
    host->stream_ring_samples = (int64_t)llround(options->soak_ring_seconds * WAKECERT_SAMPLE_RATE);
    if (host->stream_ring_samples < host->stream_window_samples)
        host->stream_ring_samples = host->stream_window_samples;

    host->position = 0;
    host->pass = passes[0].name;
    host->chunk = options->chunk;
    host->behaviour = passes[0].behaviour;
    host->copy_offset = host->copy_stride = 0;
    host->file = &stream;
    host->input = NULL;
    host->input_count = total;
    host->stream_directory = options->soak_directory;
    status = run_file(host, engine, &totals[0], message, message_size);
    host->stream_directory = NULL;
    if (status || pass_count <= 1)
        return status;

    int64_t head = (int64_t)llround(options->engine_check_seconds * WAKECERT_SAMPLE_RATE);
    if (head > total)
        head = total;
    if (head <= 0)
        return 0;
    struct wakecert_soak *soak = NULL;
    status = wakecert_soak_open(options->soak_directory, (double)head / (3600.0 * WAKECERT_SAMPLE_RATE), &soak, message,
                                message_size);
    if (status)
        return status;
    int16_t *samples = malloc((size_t)head * sizeof *samples);
    int64_t count = 0, got;
    while (samples && count < head && (got = wakecert_soak_read(soak, samples + count, head - count, NULL)) > 0)
        count += got;
    wakecert_soak_close(soak);
    if (!samples)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory for the stream's head");
    stream.samples = count;
    status = run_passes(host, engine, passes, 1, pass_count, &stream, samples, count, 0, 1, true, totals, message,
                        message_size);
    free(samples);
    return status;
}

int run_corpus(const struct run_options *options, const struct wakecert_corpus *corpus,
               const struct loaded_engine *engine, const char *trace_path, struct run_summary *summary,
               char *message, size_t message_size)
{
    memset(summary, 0, sizeof *summary);
    if (options->chunk <= 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "--chunk must be at least 1");
    struct pass_spec passes[] = {
        {"main", 0, CLOUD_NORMAL, false, 0, 1},
        {"repeat", 0, CLOUD_NORMAL, true, 0, 1},
        {"doubled", 0, CLOUD_NORMAL, true, 0, 2},
        {"chunk_1", 1, CLOUD_NORMAL, true, 0, 1},
        {"chunk_512", 512, CLOUD_NORMAL, true, 0, 1},
        {"chunk_4000", 4000, CLOUD_NORMAL, true, 0, 1},
        {"network_loss", 0, CLOUD_SILENT, true, NETWORK_LOSS_PAD_SECONDS, 1},
        {"cloud_reject", 0, CLOUD_REJECT_ALL, true, 0, 1},
    };
    size_t pass_count = options->engine_checks ? sizeof passes / sizeof passes[0] : 1;
    struct pass_totals totals[sizeof passes / sizeof passes[0]];
    memset(totals, 0, sizeof totals);

    struct loaded_engine verifier = {0};
    if (options->verification == CLOUD_VERIFY_MODEL) {
        int status = engine_load("ref", &verifier, message, message_size);
        if (status)
            return status;
    }

    double wall_start = wall_seconds();
    struct wakecert_atomic_file output;
    int status = wakecert_atomic_open(&output, trace_path, message, message_size);
    if (status) {
        engine_unload(&verifier);
        return status;
    }
    struct host_context *host = calloc(1, sizeof *host);
    if (!host) {
        wakecert_atomic_abort(&output);
        engine_unload(&verifier);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    }
    host->trace = output.stream;
    host->options = options;
    host->verifier = verifier.table;

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
    cJSON_AddNumberToObject(begin, "follow_up_timeout_ms", options->follow_up_timeout_ms);
    cJSON_AddNumberToObject(begin, "seed", (double)options->seed);
    cJSON_AddStringToObject(begin, "verification", options->verification == CLOUD_VERIFY_MODEL ? "model" : "oracle");
    static const char *const isolation_names[] = {"in-process", "child", "exec"};
    cJSON_AddStringToObject(begin, "isolation", isolation_names[options->session.isolation]);
    cJSON_AddBoolToObject(begin, "sandbox", options->session.isolation != SESSION_IN_PROCESS && options->session.sandbox);
    cJSON *pass_names = cJSON_AddArrayToObject(begin, "passes");
    for (size_t p = 0; p < pass_count; p++)
        cJSON_AddItemToArray(pass_names, cJSON_CreateString(passes[p].name));
    write_line(host, begin);

    /* --seed: play the files in another order, each shifted by up to 1 s of noise floor (anti-gaming:
     * results must not depend on the order or the alignment of the audio). */
    size_t *order = malloc((corpus->file_count + 1) * sizeof *order);
    if (!order)
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    uint64_t random_state = options->seed ? options->seed * 0x9e3779b97f4a7c15ull + 1 : 0;
    for (size_t i = 0; order && i < corpus->file_count; i++)
        order[i] = i;
    for (size_t i = corpus->file_count; options->seed && i > 1; i--) {
        size_t j = (size_t)(next_random(&random_state) % i);
        size_t kept = order[i - 1];
        order[i - 1] = order[j];
        order[j] = kept;
    }
    double subset_seconds = 0;
    if (order && options->soak_directory) {
        status = run_soak(host, engine, passes, pass_count, totals, message, message_size);
        free(order);
        order = NULL;
    }
    for (size_t position = 0; order && position < corpus->file_count && status == 0; position++) {
        const struct wakecert_corpus_file *file = &corpus->files[order[position]];
        /* Everything that depends on the position is decided before the shard filter, so a file gets
         * the same subset membership, lead and noise whichever shard runs it. */
        bool in_subset = subset_seconds < options->engine_check_seconds;
        subset_seconds += (double)file->samples / WAKECERT_SAMPLE_RATE;
        int64_t lead = options->seed ? (int64_t)(next_random(&random_state) % WAKECERT_SAMPLE_RATE) : 0;
        uint64_t noise_seed = next_random(&random_state) | 1;
        if (options->selected && !options->selected[order[position]])
            continue;
        int16_t *samples = NULL;
        int64_t count = 0;
        status = wakecert_corpus_read_audio(file, &samples, &count, message, message_size);
        if (status)
            break;
        if (options->progress)
            fprintf(stderr, "\r[%zu/%zu] %-40.40s", position + 1, corpus->file_count, file->path);
        host->position = position;
        status = run_passes(host, engine, passes, 0, pass_count, file, samples, count, lead, noise_seed, in_subset, totals,
                            message, message_size);
        free(samples);
    }
    free(order);
    if (options->progress)
        fprintf(stderr, "\n");
    if (status == 0) {
        for (size_t p = 0; p < pass_count; p++) {
            if (totals[p].files == 0)
                continue;
            cJSON *end = cJSON_CreateObject();
            cJSON_AddStringToObject(end, "event", "pass_end");
            cJSON_AddStringToObject(end, "pass", passes[p].name);
            cJSON_AddNumberToObject(end, "files", (double)totals[p].files);
            cJSON_AddNumberToObject(end, "audio_seconds", totals[p].audio_seconds);
            bool isolated = options->session.isolation != SESSION_IN_PROCESS;
            cJSON_AddNumberToObject(end, "engine_seconds",
                                    isolated ? totals[p].child_cpu_seconds : totals[p].engine_seconds);
            cJSON_AddStringToObject(end, "engine_time", isolated ? "child CPU time (user + system, wait4)"
                                                                 : "monotonic time inside engine calls");
            cJSON_AddNumberToObject(end, "peak_rss_kb",
                                    isolated ? (double)totals[p].child_peak_rss_kb : (double)peak_rss_kilobytes());
            write_line(host, end);
        }
    }
    summary->files = totals[0].files;
    summary->audio_seconds = totals[0].audio_seconds;
    summary->engine_seconds =
        options->session.isolation != SESSION_IN_PROCESS ? totals[0].child_cpu_seconds : totals[0].engine_seconds;
    for (size_t p = 0; p < pass_count; p++)
        summary->engine_errors += totals[p].engine_errors;
    if (host->upload_hash) {
        char discard[WAKECERT_SHA256_HEX_SIZE];
        wakecert_sha256_finish(host->upload_hash, discard);
    }
    free(host);
    engine_unload(&verifier);
    if (status) {
        wakecert_atomic_abort(&output);
        return status;
    }
    status = wakecert_atomic_commit(&output, message, message_size);
    summary->wall_seconds = wall_seconds() - wall_start;
    return status;
}
