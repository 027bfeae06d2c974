/*
 * Mutant engines: the reference engine plus one realistic defect each, for testing that the harness
 * catches exactly that defect. A mutant is a plugin that loads the real reference plugin, wraps the
 * host's callbacks, and lets one small file (mutant_*.c) bend what passes through: an extra upload,
 * a shifted index, a late indicator... Everything else is the reference engine's real behaviour.
 */
#ifndef WAKECERT_TESTS_MUTANT_BASE_H
#define WAKECERT_TESTS_MUTANT_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wakecert/engine.h>

#define MUTANT_HISTORY_SAMPLES (16000 * 8)

struct mutant {
    const struct wakecert_engine_table *inner;
    wakecert_engine *inner_engine;
    struct wakecert_host_callbacks host;   /* the harness's callbacks */
    int64_t clock;                         /* samples fed so far */
    size_t chunk_count;                    /* samples in the process() call under way */
    int16_t history[MUTANT_HISTORY_SAMPLES]; /* the last samples fed, at index % size */
    bool muted;
    int64_t unmuted_at;                    /* clock when the microphone last came on (0 at start) */
    bool stream_open;
    int stream_reason;
    bool first_upload_pending;             /* the open stream has not uploaded yet */
    int indicator;                         /* last state the reference reported */
    int64_t stream_first;                  /* first sample the open stream uploaded (-1 before) */
    void *state;                           /* the mutant's own; freed at destroy */
};

/* Hooks a mutant file provides (any may be NULL via the defaults in mutant_base.c). Each returns true to
 * let the reference's original call through to the host, false to swallow it. */
struct mutant_hooks {
    const char *name;
    const char *defect;   /* one line: the promise it breaks and how */
    /* The configuration handed to the reference engine (default: the host's unchanged). */
    const char *(*config)(const char *host_config);
    void (*on_create)(struct mutant *mutant, const char *host_config);
    void (*on_destroy)(struct mutant *mutant);
    void (*after_process)(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first);
    bool (*on_upload)(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first);
    bool (*on_wake)(struct mutant *mutant, const char *keyword, float score, int64_t start, int64_t end);
    bool (*on_open)(struct mutant *mutant, int reason);
    bool (*on_close)(struct mutant *mutant, int reason);
    bool (*on_indicator)(struct mutant *mutant, int state, int tone);
    bool (*on_control)(struct mutant *mutant, const struct wakecert_control *control);
};

extern const struct mutant_hooks mutant_hooks;

/** Upload history [first, first + count) to the host, clamped to what was captured since the
 *  microphone last came on. Cannot fail (uploads nothing when nothing is held). */
void mutant_upload_history(struct mutant *mutant, int64_t first, int64_t count);

/** Copy `count` samples of history from index `first` into out; returns false if not held. */
bool mutant_history(const struct mutant *mutant, int64_t first, size_t count, int16_t *out);

#endif
