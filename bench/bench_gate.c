/*
 * The gate benchmark group: the reference engine's stream gate (reference/engine/stream_gate.c) on
 * its own, without front end or detector — the part of every engine built on it that decides what
 * audio leaves the device. It takes the benchmark stream in 160-sample chunks (keeping the pre-roll
 * ring), and a script plays detector and cloud: a wake every 8 s reported 100-600 ms before the
 * current sample (the gate opens a stream and uploads 500 ms of pre-roll plus the backlog), then
 * StopCapture 3 s later. So the figure covers idle listening, streaming with uploads, and the
 * open/close transitions with their invariant checks, in fixed proportions that no change of
 * detector can move: this is one of the two detector-free counts the CI gate relies on (the other
 * is the front end).
 *
 * Unit: nanoseconds (timed) or instructions (callgrind) per second of audio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_internal.h"
#include "error.h"
#include "stream_gate.h"

#define CHUNK 160
#define PERIOD (8 * WAKECERT_SAMPLE_RATE)
#define STOP_AFTER (3 * WAKECERT_SAMPLE_RATE)
#define MAX_REPETITIONS 1000

/* One pass of the script over the audio; returns 0 or -1 when the gate cannot be initialised. */
static int run_script(const int16_t *audio, size_t count, struct bench_host_counts *counts,
                      const struct bench_options *options)
{
    struct wakecert_host_callbacks host;
    bench_host_callbacks(counts, &host);
    struct stream_gate gate;
    struct stream_gate_config config;
    stream_gate_config_default(&config);
    if (stream_gate_init(&gate, &config, &host) != 0)
        return -1;
    int64_t stop_at = -1;
    for (size_t at = 0; at < count; at += CHUNK) {
        size_t n = count - at < CHUNK ? count - at : CHUNK;
        int64_t before = gate.clock;
        stream_gate_accept_audio(&gate, audio + at, n);
        if (gate.clock / PERIOD > before / PERIOD) {
            stream_gate_wake(&gate, "alexa", 0.9f, gate.clock - WAKECERT_SAMPLE_RATE * 6 / 10,
                             gate.clock - WAKECERT_SAMPLE_RATE / 10);
            stop_at = gate.clock + STOP_AFTER;
        }
        if (stop_at >= 0 && gate.clock >= stop_at) {
            struct wakecert_control stop = {WAKECERT_CONTROL_STOP_CAPTURE, 0};
            stream_gate_control(&gate, &stop);
            stop_at = -1;
        }
        bench_inject(options, 1);
    }
    stream_gate_finish(&gate);
    return 0;
}

int bench_gate(const struct bench_options *options, struct bench_results *results, char *message,
               size_t message_size)
{
    int16_t *audio = NULL;
    size_t count = 0;
    int status = bench_stream_audio(options->callgrind ? options->callgrind_seconds : options->stream_seconds, &audio,
                                    &count, message, message_size);
    if (status != 0)
        return status;
    const double seconds = (double)count / WAKECERT_SAMPLE_RATE;
    struct bench_host_counts counts = {0};
    if (options->callgrind) {
        BENCH_CALLGRIND_BEGIN();
        status = run_script(audio, count, &counts, options);
        BENCH_CALLGRIND_END("gate.stream", seconds, "audio_second");
    } else {
        const int repetitions = options->repetitions > MAX_REPETITIONS ? MAX_REPETITIONS : options->repetitions;
        static double values[MAX_REPETITIONS];
        run_script(audio, count < 160000 ? count : 160000, &counts, options); /* warm-up */
        for (int r = 0; r < repetitions && status == 0; r++) {
            memset(&counts, 0, sizeof counts);
            double start = bench_now_ns();
            status = run_script(audio, count, &counts, options);
            values[r] = (bench_now_ns() - start) / seconds;
        }
        if (status == 0)
            bench_add(results, "gate.stream", "ns/audio_s", values, repetitions);
    }
    free(audio);
    if (status != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory for the stream gate");
    printf("note: gate script on %.0f s: %ld streams, %.1f s uploaded\n", seconds, counts.streams_opened,
           (double)counts.uploaded_samples / WAKECERT_SAMPLE_RATE);
    return 0;
}
