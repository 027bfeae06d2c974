/*
 * What the benchmark groups share: the options, the result list that becomes the JSON document, the
 * deterministic 10-minute stream every engine-level group runs on, the callgrind section markers and
 * the regression injector the gate's own test uses. Internal to bench/.
 *
 * Two kinds of figure come out of a group. Timed runs (the default) add results with bench_add: the
 * median, min and max of >= 5 repetitions on one pinned core. Instrumented runs (--callgrind, under
 * `valgrind --tool=callgrind --collect-atstart=no`, driven by bench/measure) run each measured loop
 * once between BENCH_CALLGRIND_BEGIN and BENCH_CALLGRIND_END: collection is switched on for exactly
 * that loop, the counts are dumped as the next numbered part file, and a line
 *   callgrind-part N NAME DIVISOR PER
 * on stdout tells bench/measure which part holds which benchmark and what to divide its instruction
 * total by (frames, seconds of audio). Setup, synthesis, planning and warm-up are never counted.
 */
#ifndef WAKECERT_BENCH_INTERNAL_H
#define WAKECERT_BENCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <valgrind/callgrind.h>
#include <wakecert/engine.h>

#define BENCH_MAX_ENGINES 8

struct bench_options {
    double seconds;            /* frontend/model: audio length per repetition */
    int repetitions;
    int callgrind;             /* one instrumented pass per benchmark instead of timed repetitions */
    double callgrind_seconds;  /* engine/harness/gate audio under callgrind (small: valgrind is ~50x slower) */
    double stream_seconds;     /* engine/harness: length of the fixed stream (600) */
    const char *engines[BENCH_MAX_ENGINES]; /* extra plugins given with --engine (the reference is always run) */
    int engine_count;
    long inject_work;          /* WAKECERT_BENCH_INJECT_REGRESSION: extra work units per measured step (tests) */
};

#define BENCH_MAX_RESULTS 160

struct bench_result {
    char name[96];
    char unit[24];
    char better[8];      /* "lower" (times, costs) or "higher" (throughputs, speed-up ratios) */
    char per[24];        /* what one instruction count is per: "frame", "audio_second" */
    double median, min, max;
    int repetitions;     /* 0: no timed figure (instruction-only or single-valued) */
    double instructions; /* < 0 when not measured */
};

struct bench_results {
    struct bench_result items[BENCH_MAX_RESULTS];
    int count;
};

/** Add a result from `count` repeated measurements (sorted in place), lower is better. Ignored past
 *  BENCH_MAX_RESULTS or when count < 1. Returns the entry (or NULL when ignored) so callers can set
 *  `better`. */
struct bench_result *bench_add(struct bench_results *results, const char *name, const char *unit, double *values,
                               int count);

/** bench_add, marking the figure "higher is better". */
struct bench_result *bench_add_higher(struct bench_results *results, const char *name, const char *unit,
                                      double *values, int count);

/** Monotonic wall time in nanoseconds. Cannot fail. */
double bench_now_ns(void);

/** CPU time (user + system) of the calling thread in seconds. Cannot fail. */
double bench_thread_cpu_seconds(void);

/** Print the callgrind part line for the section just ended and dump its counts (see the file
 *  comment). Part numbers count from 1 in the order of calls. Cannot fail. */
void bench_callgrind_part(const char *name, double divisor, const char *per);

#define BENCH_CALLGRIND_BEGIN() CALLGRIND_TOGGLE_COLLECT
#define BENCH_CALLGRIND_END(name, divisor, per)    \
    do {                                           \
        CALLGRIND_TOGGLE_COLLECT;                  \
        bench_callgrind_part(name, divisor, per);  \
    } while (0)

/** The regression injector: `units` * options->inject_work iterations of a loop the compiler cannot
 *  remove. Does nothing when inject_work is 0 (always, outside the gate's own test). Cannot fail. */
void bench_inject(const struct bench_options *options, long units);

/* ---- bench_stream.c: the fixed stream ---------------------------------------------------------- */

/** The benchmark stream: `seconds` of 16 kHz int16 audio, deterministic for a given espeak-ng
 *  version — espeak-ng speech in several voices (sentences with pauses, the wake word "alexa" from
 *  phonemes about every 20 s, so engines stream now and then) plus pink noise 15 dB below the speech.
 *  The 600 s master is built once and cached ($WAKECERT_CACHE_DIR/bench/stream-KEY.raw with a
 *  labels.csv + WAV corpus beside it for the harness); shorter requests take its beginning.
 *  *out is malloc'd. Returns 0 or a negative wakecert_error with a message. */
int bench_stream_audio(double seconds, int16_t **out, size_t *out_count, char *message, size_t message_size);

/** The directory of a one-file corpus (stream.wav + labels.csv) holding the first `seconds` of the
 *  stream, built into the cache on first use. Returns 0 or a negative wakecert_error. */
int bench_stream_corpus(double seconds, char *directory, size_t directory_size, char *message, size_t message_size);

/* ---- the groups: each returns 0 or a negative wakecert_error with a message ----------------------- */

int bench_frontend(const struct bench_options *options, struct bench_results *results, char *message,
                   size_t message_size);
int bench_model(const struct bench_options *options, struct bench_results *results, char *message,
                size_t message_size);
int bench_gate(const struct bench_options *options, struct bench_results *results, char *message,
               size_t message_size);
int bench_engine(const struct bench_options *options, struct bench_results *results, char *message,
                 size_t message_size);
int bench_harness(const struct bench_options *options, struct bench_results *results, char *message,
                  size_t message_size);
int bench_retention(const struct bench_options *options, struct bench_results *results, char *message,
                    size_t message_size);

/* ---- bench_engine.c: a host that only counts ------------------------------------------------------ */

/** What a benchmark's engine reported; the callbacks only count, so they cost next to nothing. */
struct bench_host_counts {
    long wakes, streams_opened, streams_closed, uploads, indicator_changes;
    long long uploaded_samples;
};

/** Callbacks (ctx = counts) for an engine under benchmark. Cannot fail. */
void bench_host_callbacks(struct bench_host_counts *counts, struct wakecert_host_callbacks *out);

/** Short label of an engine for benchmark names: "ref" for the reference ("ref" or its plugin path),
 *  else the plugin file's base name without "lib", "wakecert_" and ".so" ("pocketsphinx").
 *  Cannot fail; writes at most out_size bytes. */
void bench_engine_label(const char *path, char *out, size_t out_size);

#endif
