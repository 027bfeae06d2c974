/*
 * Labelled corpora: loading a corpus directory (manifest.json of schema wakecert-corpus/1, or a
 * folder of WAV/FLAC files with a labels.csv), reading its audio as 16 kHz mono int16, and resolving
 * a corpus name (e.g. "smoke") to a cached build of the shipped recipe of that name.
 *
 * All positions are sample indices at 16 kHz from the start of the file; ranges are [start, end).
 * Labels are exact by construction (the generator concatenates separately synthesized pieces), never
 * guessed after the fact.
 */
#ifndef WAKECERT_CORPORA_CORPUS_H
#define WAKECERT_CORPORA_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#define WAKECERT_CORPUS_SCHEMA "wakecert-corpus/1"

/** Timed events of a file's timeline. */
enum wakecert_corpus_event_type {
    WAKECERT_EVENT_WAKE = 1,        /* a spoken wake word [start, end) addressed to the device; request_end if a request follows */
    WAKECERT_EVENT_CONFUSABLE = 2,  /* a word that sounds like the wake word [start, end); must not wake */
    WAKECERT_EVENT_MEDIA_WAKE = 3,  /* the wake word inside TV/radio audio [start, end); must not wake */
    WAKECERT_EVENT_MIC_OFF = 4,     /* microphone switched off at start, back on at end */
    WAKECERT_EVENT_BUTTON = 5,      /* action button pressed at start; request_end if a request follows */
    WAKECERT_EVENT_FOLLOW_UP = 6,   /* a follow-up request spoken without the wake word [start, end); empty
                                       (start == end) when the cloud asks for one and the user stays silent */
    WAKECERT_EVENT_REQUEST = 7,     /* request speech [start, end) (informational; the wake/button carries request_end) */
};

struct wakecert_corpus_event {
    int type;            /* enum wakecert_corpus_event_type */
    int64_t start;       /* sample index */
    int64_t end;         /* sample index (exclusive); == start for instantaneous events */
    int64_t request_end; /* WAKE/BUTTON: end of the request that follows, or -1 */
    char word[32];       /* WAKE/CONFUSABLE/MEDIA_WAKE: the word spoken */
};

struct wakecert_corpus_file {
    char *path;          /* as written in the manifest (relative to the corpus directory) */
    char *full_path;     /* corpus directory + path */
    char sha256[65];     /* of the file's bytes; "" for imported corpora until computed */
    int64_t samples;     /* length in samples at 16 kHz */
    char kind[16];       /* wake | confusable | negative | music | ambient | media */
    char condition[32];  /* clean | noise_10db | music_5db | reverb ... */
    double snr_db;       /* NAN when not applicable */
    char voice[48];      /* synthesizer voice, or "" */
    char note[128];      /* e.g. "resampled from 44100 Hz stereo" */
    struct wakecert_corpus_event *events;
    size_t event_count;
};

struct wakecert_corpus {
    char name[64];
    char *directory;
    char manifest_sha256[65]; /* sha256 of manifest.json bytes (identity of the corpus) */
    struct wakecert_corpus_file *files;
    size_t file_count;
};

/** Load a corpus from a directory holding manifest.json, or WAV/FLAC files with labels.csv.
 *  Returns 0 or a negative wakecert_error with a message naming the file and line at fault; on
 *  failure *corpus is left empty (safe to free). */
int wakecert_corpus_load(const char *directory, struct wakecert_corpus *corpus, char *message, size_t message_size);

/** Resolve `name_or_directory`: an existing directory is loaded as is; otherwise the shipped recipe
 *  corpora/recipes/NAME.json is built into the cache (once; later calls reuse it) and loaded.
 *  Progress goes to stderr when `verbose`. */
int wakecert_corpus_open(const char *name_or_directory, struct wakecert_corpus *corpus, int verbose, char *message,
                         size_t message_size);

/** Free everything the corpus owns. NULL-safe and idempotent. */
void wakecert_corpus_free(struct wakecert_corpus *corpus);

/** Read a file's audio as 16 kHz mono int16 into a malloc'd buffer (*out_count samples). Returns 0 or
 *  a negative wakecert_error naming the file: IO when it is not audio libsndfile opens, FORMAT when it
 *  is truncated (fewer frames than its header claims), empty, of another length than file->samples
 *  (when that is > 0: the manifest's or labels' length), at a sample rate outside 4-384 kHz, or
 *  holds NaN or infinity. Files at other rates or channel counts are converted; memory grows with the
 *  data actually read, never with what a header claims. */
int wakecert_corpus_read_audio(const struct wakecert_corpus_file *file, int16_t **out_samples, int64_t *out_count,
                               char *message, size_t message_size);

/** Build a recipe (JSON file) into out_directory, atomically (a temporary sibling renamed at the end).
 *  Deterministic: same recipe and package versions give the same sha256s. */
int wakecert_corpus_build(const char *recipe_path, const char *out_directory, int verbose, char *message,
                          size_t message_size);

/** Check every file against the manifest (exists, sha256, length). Returns 0, WAKECERT_ERROR_FORMAT on a
 *  mismatch (message names the first file), or another negative code. */
int wakecert_corpus_verify(const char *directory, char *message, size_t message_size);

/* ---- the soak stream (soak.c) ----
 * A soak pool directory (built from recipes/soak.json: a corpus whose manifest has a "stream" object)
 * renders 100+ hours of negative audio on the fly. The harness plays it as one long virtual file:
 * open, then read blocks until 0, scoring every detection as a false wake of the block's kind. */
struct wakecert_soak;

/** Open the stream of a soak pool directory; `hours` > 0 overrides the manifest's stream.hours (<= 0:
 *  use it). Loads every pool file into memory (about 115 MB per hour of pool). Returns 0 or a
 *  negative code naming the file at fault; *out is NULL on failure. */
int wakecert_soak_open(const char *directory, double hours, struct wakecert_soak **out, char *message,
                       size_t message_size);

/** The length in samples of the stream of a soak pool directory for `hours` (<= 0: the manifest's
 *  stream.hours), read from its manifest alone (the pool is not loaded). Returns 0, or
 *  WAKECERT_ERROR_FORMAT when the manifest has no "stream" (not a soak pool), USAGE for hours out of
 *  (0, 10000], IO when the manifest cannot be read. */
int wakecert_soak_stream_samples(const char *directory, double hours, int64_t *total, char *message,
                                 size_t message_size);

/** Render up to `max` next samples (16 kHz mono int16) into out; a read never spans two pool items,
 *  so the whole block is of one kind, stored in *kind ("negative", "music", ...; NULL at the end).
 *  Returns the count, 0 at the end of the stream. Deterministic. Cannot fail. */
int64_t wakecert_soak_read(struct wakecert_soak *soak, int16_t *out, int64_t max, const char **kind);

/** Length of the whole stream in samples. Cannot fail. */
int64_t wakecert_soak_total_samples(const struct wakecert_soak *soak);

/** Seconds of pool audio the stream draws from. Cannot fail. */
double wakecert_soak_pool_seconds(const struct wakecert_soak *soak);

/** Free the stream. NULL-safe. */
void wakecert_soak_close(struct wakecert_soak *soak);

#endif
