/*
 * The stream gate (see stream_gate.h for the rules). Uploads are sent straight out of the ring
 * buffer's memory, one contiguous piece per callback, so streaming costs no copy and no allocation.
 */
#include "stream_gate.h"

#include <assert.h>
#include <stdio.h>

void stream_gate_config_default(struct stream_gate_config *config)
{
    config->preroll_samples = WAKECERT_SAMPLE_RATE / 2;
    config->ring_samples = 4 * WAKECERT_SAMPLE_RATE;
    config->max_stream_samples = 10 * WAKECERT_SAMPLE_RATE;
    config->local_only = false;
    config->audible_tone = true;
}

static void set_indicator(struct stream_gate *gate, int state, int tone)
{
    if (gate->indicator == state)
        return;
    gate->indicator = state;
    gate->host.indicator_changed(gate->host.ctx, state, gate->config.audible_tone ? tone : WAKECERT_TONE_NONE);
}

/* Upload every held sample from next_upload up to the clock. */
static void upload_pending(struct stream_gate *gate)
{
    while (gate->next_upload < gate->clock) {
        const int16_t *piece = NULL;
        size_t count = ring_buffer_view(&gate->ring, gate->next_upload, (size_t)(gate->clock - gate->next_upload), &piece);
        if (count == 0) {
            /* Not held (older than the ring): skip forward to what is held. Cannot happen with a ring
             * longer than pre-roll + one chunk, but never upload samples we do not have. */
            gate->next_upload = ring_buffer_oldest_index(&gate->ring);
            if (gate->next_upload >= gate->clock)
                break;
            continue;
        }
        gate->host.audio_uploaded(gate->host.ctx, piece, count, gate->next_upload);
        gate->next_upload += (int64_t)count;
    }
}

static void open_stream(struct stream_gate *gate, int reason, int64_t start, int64_t deadline, int deadline_reason)
{
    set_indicator(gate, WAKECERT_INDICATOR_LISTENING, WAKECERT_TONE_START);
    gate->state = STREAM_GATE_STREAMING;
    gate->stream_reason = reason;
    gate->stream_start = start;
    gate->next_upload = start;
    gate->stream_deadline = deadline;
    gate->deadline_close_reason = deadline_reason;
    gate->host.stream_opened(gate->host.ctx, reason);
    upload_pending(gate);
    assert(stream_gate_invariants(gate));
}

static void close_stream(struct stream_gate *gate, int reason, int next_indicator)
{
    if (gate->state != STREAM_GATE_STREAMING)
        return;
    gate->state = next_indicator == WAKECERT_INDICATOR_MUTED ? STREAM_GATE_MUTED : STREAM_GATE_IDLE;
    gate->host.stream_closed(gate->host.ctx, reason);
    set_indicator(gate, next_indicator, next_indicator == WAKECERT_INDICATOR_OFF ? WAKECERT_TONE_END : WAKECERT_TONE_NONE);
    assert(stream_gate_invariants(gate));
}

int stream_gate_init(struct stream_gate *gate, const struct stream_gate_config *config,
                     const struct wakecert_host_callbacks *host)
{
    *gate = (struct stream_gate){0};
    gate->config = *config;
    gate->host = *host;
    gate->state = STREAM_GATE_IDLE;
    gate->indicator = WAKECERT_INDICATOR_OFF;
    int64_t ring = config->ring_samples;
    if (ring < config->preroll_samples + WAKECERT_SAMPLE_RATE)
        ring = config->preroll_samples + WAKECERT_SAMPLE_RATE;
    if (ring_buffer_init(&gate->ring, (size_t)ring, 0) != 0)
        return -1;
    assert(stream_gate_invariants(gate));
    return 0;
}

void stream_gate_finish(struct stream_gate *gate)
{
    close_stream(gate, WAKECERT_CLOSE_DESTROY, WAKECERT_INDICATOR_OFF);
    set_indicator(gate, WAKECERT_INDICATOR_OFF, WAKECERT_TONE_NONE);
    ring_buffer_free(&gate->ring);
}

bool stream_gate_accept_audio(struct stream_gate *gate, const int16_t *samples, size_t count)
{
    if (gate->state == STREAM_GATE_MUTED) {
        gate->clock += (int64_t)count; /* time passes; nothing is kept */
        ring_buffer_reset(&gate->ring, gate->clock);
        assert(stream_gate_invariants(gate));
        return false;
    }
    if (gate->state == STREAM_GATE_STREAMING && gate->clock + (int64_t)count >= gate->stream_deadline) {
        /* Upload only up to the deadline, then end the stream locally (in this call when the chunk
         * reaches the deadline exactly, so the close is never a chunk late). */
        size_t before_deadline = (size_t)(gate->stream_deadline > gate->clock ? gate->stream_deadline - gate->clock : 0);
        ring_buffer_push(&gate->ring, samples, before_deadline);
        gate->clock += (int64_t)before_deadline;
        upload_pending(gate);
        close_stream(gate, gate->deadline_close_reason, WAKECERT_INDICATOR_OFF);
        samples += before_deadline;
        count -= before_deadline;
    }
    ring_buffer_push(&gate->ring, samples, count);
    gate->clock += (int64_t)count;
    if (gate->state == STREAM_GATE_STREAMING)
        upload_pending(gate);
    assert(stream_gate_invariants(gate));
    return true;
}

void stream_gate_wake(struct stream_gate *gate, const char *keyword, float score, int64_t start, int64_t end)
{
    if (gate->state == STREAM_GATE_MUTED)
        return; /* the detector is not run while muted; this is a belt to those braces */
    gate->host.wake_detected(gate->host.ctx, keyword, score, start, end);
    if (gate->state != STREAM_GATE_IDLE || gate->config.local_only)
        return;
    int64_t first = start - gate->config.preroll_samples;
    int64_t oldest = ring_buffer_oldest_index(&gate->ring);
    if (first < oldest)
        first = oldest;
    if (first > gate->clock)
        first = gate->clock;
    open_stream(gate, WAKECERT_STREAM_WAKE, first, gate->clock + gate->config.max_stream_samples,
                WAKECERT_CLOSE_LOCAL_ENDPOINT);
}

int stream_gate_control(struct stream_gate *gate, const struct wakecert_control *control)
{
    switch (control->kind) {
    case WAKECERT_CONTROL_MICROPHONE_OFF:
        if (gate->state == STREAM_GATE_STREAMING)
            close_stream(gate, WAKECERT_CLOSE_MICROPHONE_OFF, WAKECERT_INDICATOR_MUTED);
        gate->state = STREAM_GATE_MUTED;
        set_indicator(gate, WAKECERT_INDICATOR_MUTED, WAKECERT_TONE_NONE);
        ring_buffer_reset(&gate->ring, gate->clock);
        break;
    case WAKECERT_CONTROL_MICROPHONE_ON:
        if (gate->state == STREAM_GATE_MUTED) {
            gate->state = STREAM_GATE_IDLE;
            ring_buffer_reset(&gate->ring, gate->clock);
            set_indicator(gate, WAKECERT_INDICATOR_OFF, WAKECERT_TONE_NONE);
        }
        break;
    case WAKECERT_CONTROL_BUTTON:
        if (gate->state == STREAM_GATE_IDLE && !gate->config.local_only)
            open_stream(gate, WAKECERT_STREAM_BUTTON, gate->clock, gate->clock + gate->config.max_stream_samples,
                        WAKECERT_CLOSE_LOCAL_ENDPOINT);
        break;
    case WAKECERT_CONTROL_CLOUD_REJECT:
        close_stream(gate, WAKECERT_CLOSE_CLOUD_REJECT, WAKECERT_INDICATOR_OFF);
        break;
    case WAKECERT_CONTROL_STOP_CAPTURE:
        close_stream(gate, WAKECERT_CLOSE_STOP_CAPTURE, WAKECERT_INDICATOR_OFF);
        break;
    case WAKECERT_CONTROL_EXPECT_SPEECH:
        if (gate->state == STREAM_GATE_IDLE && !gate->config.local_only) {
            int64_t timeout = (int64_t)(control->timeout_ms > 0 ? control->timeout_ms : 8000) * WAKECERT_SAMPLE_RATE / 1000;
            open_stream(gate, WAKECERT_STREAM_FOLLOW_UP, gate->clock, gate->clock + timeout, WAKECERT_CLOSE_TIMEOUT);
        }
        break;
    default:
        return WAKECERT_ENGINE_ERROR_INVALID_ARGUMENT;
    }
    assert(stream_gate_invariants(gate));
    return 0;
}

bool stream_gate_invariants(const struct stream_gate *gate)
{
    if (gate->ring.end_index != gate->clock)
        return false;
    switch (gate->state) {
    case STREAM_GATE_IDLE:
        return gate->indicator == WAKECERT_INDICATOR_OFF;
    case STREAM_GATE_STREAMING:
        return gate->indicator == WAKECERT_INDICATOR_LISTENING && !gate->config.local_only &&
               gate->stream_start <= gate->next_upload && gate->next_upload <= gate->clock &&
               gate->clock - gate->next_upload <= 0 && gate->clock <= gate->stream_deadline &&
               (gate->stream_reason == WAKECERT_STREAM_WAKE || gate->stream_reason == WAKECERT_STREAM_BUTTON ||
                gate->stream_reason == WAKECERT_STREAM_FOLLOW_UP);
    case STREAM_GATE_MUTED:
        return gate->indicator == WAKECERT_INDICATOR_MUTED && gate->ring.held == 0;
    }
    return false;
}

void stream_gate_describe(const struct stream_gate *gate, char *out, size_t out_size)
{
    static const char *const state_names[] = {"IDLE", "STREAMING", "MUTED"};
    snprintf(out, out_size, "%s clock=%lld indicator=%d reason=%d start=%lld next_upload=%lld deadline=%lld held=%zu",
             state_names[gate->state], (long long)gate->clock, gate->indicator, gate->stream_reason,
             (long long)gate->stream_start, (long long)gate->next_upload, (long long)gate->stream_deadline,
             gate->ring.held);
}
