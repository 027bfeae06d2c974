/*
 * trace.jsonl: the record of a run, one JSON object per line, every engine event with the file and
 * the sample index (the harness's clock) at which it happened, plus what the harness did (controls it
 * delivered, the cloud's messages) and each file's labels. Scoring reads only this file, so a run can
 * be re-scored under another profile without running the engine again, and a vendor can see exactly
 * what their engine did.
 *
 * Lines ("event" field):
 *   run_begin   {engine, engine_version, engine_sha256, engine_path, engine_config, corpus, corpus_sha256, chunk,
 *                cloud_delay_ms, verification_window_ms, follow_up_timeout_ms, verification, passes:[...]}
 *   file_begin  {file, pass, position, samples, kind, condition, voice (when the manifest names one), sha256,
 *                labels:[{type, start, end, request_end, word}]}
 *               (position: the file's place in the run's play order, which shards keep)
 *   control     {file, sample, control, timeout_ms?, origin: "corpus"|"cloud"}
 *   wake        {file, sample, keyword, score, start, end, stream_kind?}
 *   stream_open {file, sample, reason}
 *   upload      {file, sample, first, count, sha256, matches_input, first_mismatch?, mismatch_reason?}
 *               (contiguous uploads with nothing between them are merged into one line)
 *   stream_close{file, sample, reason}
 *   indicator   {file, sample, state, tone}
 *   engine_error{file, sample, call, code, message?}
 *   engine_failure {file, sample, kind: crash|timeout|violation|protocol, signal?, exit_status?, detail?}
 *   file_end    {file, sample, stream_hours_by_kind?, stream_false_wakes?}
 *               (a stream: a negative item rendered on the fly, e.g. the soak stream "soak_stream", whose
 *               file_begin also carries "stream": {pool, hours, block_samples, ring_samples})
 *   pass_end    {pass, files, audio_seconds, engine_seconds, peak_rss_kb}
 * Every line between file_begin and file_end also carries the file's "pass" (see runner.h).
 */
#ifndef WAKECERT_CONFORMANCE_TRACE_H
#define WAKECERT_CONFORMANCE_TRACE_H

#include "corpus.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRACE_STREAM_KINDS 8

enum trace_event_type {
    TRACE_CONTROL = 1,
    TRACE_WAKE,
    TRACE_STREAM_OPEN,
    TRACE_UPLOAD,
    TRACE_STREAM_CLOSE,
    TRACE_INDICATOR,
    TRACE_ENGINE_ERROR,
    TRACE_ENGINE_FAILURE,     /* the isolated engine crashed, hung, broke the protocol or the sandbox */
};

struct trace_event {
    int type;                 /* enum trace_event_type */
    int64_t sample;           /* harness clock when it happened */
    int code;                 /* CONTROL: control kind; STREAM_OPEN: stream reason; STREAM_CLOSE: close reason;
                                 INDICATOR: state; ENGINE_ERROR: error code */
    int tone;                 /* INDICATOR */
    bool from_cloud;          /* CONTROL: sent by the cloud simulator (else scripted by the corpus) */
    int timeout_ms;           /* CONTROL expect_speech */
    char keyword[32];         /* WAKE */
    float score;              /* WAKE */
    int64_t start, end;       /* WAKE: reported word bounds */
    int64_t first, count;     /* UPLOAD: claimed first sample, number of samples */
    bool matches_input;       /* UPLOAD: the samples equal the input at the claimed indices */
    int64_t first_mismatch;   /* UPLOAD: first differing index, or -1 */
    char sha256[65];          /* UPLOAD: digest of the uploaded samples */
    char detail[96];          /* ENGINE_FAILURE: signal or system call (code: enum session_failure);
                                 WAKE on a stream: the kind of audio it was heard in ("" elsewhere);
                                 UPLOAD: why the input could not be compared, e.g. older than the ring */
};

struct trace_file {
    char *name;
    char pass[16];            /* "main", "repeat", "chunk_1", ... ("main" for traces without passes) */
    char kind[16];
    char condition[32];
    char voice[48];           /* the manifest's voice of the file ("" when it names none) */
    int64_t samples;          /* file length */
    int64_t processed;        /* samples actually fed (from file_end; less when the engine failed) */
    int64_t copy_offset;      /* doubled pass: where the first copy starts */
    int64_t copy_stride;      /* doubled pass: samples from one copy's start to the next (0: not recorded,
                                 the copies are back to back, as in traces before copy_stride) */
    bool ended;               /* a file_end line was seen */
    struct {
        char kind[16];
        double hours;
    } stream_kinds[TRACE_STREAM_KINDS]; /* a stream (soak_stream): hours played per kind of audio */
    size_t stream_kind_count;
    struct wakecert_corpus_event *labels;
    size_t label_count;
    struct trace_event *events;
    size_t event_count, event_capacity;
};

/* Totals a pass_end line reports. */
struct trace_pass {
    char name[16];
    double files, audio_seconds, engine_seconds, peak_rss_kb;
};

struct trace {
    char engine_name[128], engine_version[64], engine_sha256[65], engine_path[1024];
    char corpus_name[64], corpus_sha256[65];
    char engine_config[1024];
    int chunk;
    int cloud_delay_ms;
    int follow_up_timeout_ms;
    char isolation[16];       /* "child", "exec" or "in-process" */
    bool sandbox;
    struct trace_pass passes[16];
    size_t pass_count;
    struct trace_file *files;
    size_t file_count, file_capacity;
};

/** Read a trace.jsonl file. Returns 0, or WAKECERT_ERROR_IO / FORMAT with "trace.jsonl:LINE: ..." */
int trace_read(const char *path, struct trace *trace, char *message, size_t message_size);

void trace_free(struct trace *trace);

/** Drop every file record not of pass `pass` (e.g. keep only "main" for plots). Cannot fail. */
void trace_keep_pass(struct trace *trace, const char *pass);

/** Append an event to a file record (used by the reader and by tests building traces by hand).
 *  Returns 0 or -1 when out of memory. */
int trace_file_append(struct trace_file *file, const struct trace_event *event);

/** Append a file record; returns it or NULL when out of memory. */
struct trace_file *trace_add_file(struct trace *trace, const char *name);

#endif
