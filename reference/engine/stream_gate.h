/*
 * The stream gate: the part of the reference engine that decides what audio leaves the device.
 *
 * It is a small state machine over the sample clock — IDLE (listening locally, nothing sent),
 * STREAMING (a stream to the cloud is open and audio flows), MUTED (microphone off: nothing is even
 * kept) — plus a ring buffer of recent audio for the pre-roll. It turns the detector's wake
 * decisions and the host's controls into the ABI's callbacks, in the order a conforming device must
 * show them: indicator on before the stream opens and before the first upload; stream closed before
 * the indicator goes off. Every transition is followed by assert(stream_gate_invariants(gate)).
 *
 * Rules it implements (the AVS certification rules in REFERENCE-FACTS.md and the seed FAQ):
 * - a wake-opened stream starts exactly `preroll_samples` (8000 = 500 ms) before the wake word start
 *   the detector reports, or at the oldest audio held since the microphone came on if less precedes;
 * - a button-opened or follow-up stream starts at the press / the ExpectSpeech, with no pre-roll;
 * - StopCapture and cloud rejection close the stream at once, within the same control call;
 * - microphone off closes any stream, forgets all buffered audio, and ignores audio until it is on;
 * - a stream that no StopCapture ends is closed locally after `max_stream_samples`;
 * - in local-only mode wakes are reported but no stream is ever opened.
 */
#ifndef WAKECERT_REFERENCE_STREAM_GATE_H
#define WAKECERT_REFERENCE_STREAM_GATE_H

#include "ring_buffer.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <wakecert/engine.h>

enum stream_gate_state {
    STREAM_GATE_IDLE = 0,
    STREAM_GATE_STREAMING = 1,
    STREAM_GATE_MUTED = 2,
};

struct stream_gate_config {
    int64_t preroll_samples;     /* 8000 */
    int64_t ring_samples;        /* audio kept for pre-roll: must cover pre-roll + wake word + detection delay */
    int64_t max_stream_samples;  /* local endpoint when no StopCapture comes */
    bool local_only;             /* never stream audio */
    bool audible_tone;           /* play start/end tones with the indicator */
};

struct stream_gate {
    struct stream_gate_config config;
    struct wakecert_host_callbacks host;
    enum stream_gate_state state;
    int indicator;              /* last enum wakecert_indicator_state reported */
    int64_t clock;              /* samples fed so far (the sample clock) */
    struct ring_buffer ring;    /* recent audio; empty while muted */
    int stream_reason;          /* enum wakecert_stream_reason while STREAMING */
    int64_t stream_start;       /* first sample index of the open stream */
    int64_t next_upload;        /* first sample not yet uploaded in the open stream */
    int64_t stream_deadline;    /* clock at which the stream is ended locally (limit or follow-up timeout) */
    int deadline_close_reason;  /* enum wakecert_close_reason used at the deadline */
};

/** Fill with the defaults above (500 ms pre-roll, 4 s ring, 10 s local endpoint). Cannot fail. */
void stream_gate_config_default(struct stream_gate_config *config);

/** The defaults, then the keys "local_only", "audible_tone" (booleans), "preroll_ms" (0..2000) and
 *  "max_stream_ms" (1000..3600000) of an engine's JSON configuration object; other keys are left to
 *  the engine. Returns 0, or -1 with a message in error[error_size] naming the bad key (`out` then
 *  holds the defaults). (gate_config.c) */
int stream_gate_config_from_json(const cJSON *config, struct stream_gate_config *out, char *error, size_t error_size);

/** Initialise; the callbacks are copied. Returns 0 or -1 when out of memory. Calls no callback. */
int stream_gate_init(struct stream_gate *gate, const struct stream_gate_config *config,
                     const struct wakecert_host_callbacks *host);

/** Close any open stream (reason DESTROY), turn the indicator off, free the ring. */
void stream_gate_finish(struct stream_gate *gate);

/** Take in a chunk of audio: keep it for pre-roll, upload it if streaming, end a stream whose
 *  deadline passed. Returns false while muted (the caller must not run the detector on the chunk). */
bool stream_gate_accept_audio(struct stream_gate *gate, const int16_t *samples, size_t count);

/** The detector heard the wake word at [start, end) (sample clock). Reports the wake and, when idle
 *  and not local-only, opens a stream with pre-roll and uploads everything held since its start. */
void stream_gate_wake(struct stream_gate *gate, const char *keyword, float score, int64_t start, int64_t end);

/** Apply a host control. Returns 0, or WAKECERT_ENGINE_ERROR_INVALID_ARGUMENT for an unknown kind. */
int stream_gate_control(struct stream_gate *gate, const struct wakecert_control *control);

/** True when every invariant of the current state holds (used in asserts and tests). */
bool stream_gate_invariants(const struct stream_gate *gate);

/** A one-line description of the state for debugging ("STREAMING reason=wake start=..."). */
void stream_gate_describe(const struct stream_gate *gate, char *out, size_t out_size);

#endif
