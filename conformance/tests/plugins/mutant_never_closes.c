/*
 * Mutant "never_closes": when no StopCapture comes, it never ends the stream itself — it swallows its
 * own local-endpoint close and keeps sending audio. Breaks exactly stream.local_endpoint.
 */
#include "mutant_base.h"

#include <stdlib.h>

struct never_closes_state {
    bool streaming_on; /* the reference ended the stream; this mutant carries on */
};

static void create_state(struct mutant *mutant, const char *host_config)
{
    mutant->state = calloc(1, sizeof(struct never_closes_state));
}

static bool swallow_local_close(struct mutant *mutant, int reason)
{
    struct never_closes_state *state = mutant->state;
    if (reason != WAKECERT_CLOSE_LOCAL_ENDPOINT || !state)
        return true;
    state->streaming_on = true;
    return false;
}

static bool keep_light_on(struct mutant *mutant, int indicator, int tone)
{
    struct never_closes_state *state = mutant->state;
    return !(state && state->streaming_on && indicator == WAKECERT_INDICATOR_OFF);
}

static void keep_streaming(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    struct never_closes_state *state = mutant->state;
    if (state && state->streaming_on)
        mutant->host.audio_uploaded(mutant->host.ctx, samples, count, first);
}

static bool stop_for_real(struct mutant *mutant, const struct wakecert_control *control)
{
    struct never_closes_state *state = mutant->state;
    if (state && state->streaming_on &&
        (control->kind == WAKECERT_CONTROL_STOP_CAPTURE || control->kind == WAKECERT_CONTROL_CLOUD_REJECT ||
         control->kind == WAKECERT_CONTROL_MICROPHONE_OFF)) {
        state->streaming_on = false;
        int reason = control->kind == WAKECERT_CONTROL_STOP_CAPTURE  ? WAKECERT_CLOSE_STOP_CAPTURE
                     : control->kind == WAKECERT_CONTROL_CLOUD_REJECT ? WAKECERT_CLOSE_CLOUD_REJECT
                                                                      : WAKECERT_CLOSE_MICROPHONE_OFF;
        mutant->host.stream_closed(mutant->host.ctx, reason);
        mutant->host.indicator_changed(mutant->host.ctx, WAKECERT_INDICATOR_OFF, WAKECERT_TONE_NONE);
    }
    return true;
}

static void close_at_destroy(struct mutant *mutant)
{
    struct never_closes_state *state = mutant->state;
    if (state && state->streaming_on) {
        mutant->host.stream_closed(mutant->host.ctx, WAKECERT_CLOSE_DESTROY);
        mutant->host.indicator_changed(mutant->host.ctx, WAKECERT_INDICATOR_OFF, WAKECERT_TONE_NONE);
    }
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-never-closes",
    .defect = "keeps a stream open forever when no StopCapture comes",
    .on_create = create_state,
    .on_close = swallow_local_close,
    .on_indicator = keep_light_on,
    .after_process = keep_streaming,
    .on_control = stop_for_real,
    .on_destroy = close_at_destroy,
};
