/*
 * Mutant "late_close": keeps streaming for 3 s after the cloud's StopCapture before closing.
 * Breaks exactly stream.stop_capture_close.
 */
#include "mutant_base.h"

#include <stdlib.h>

struct late_close_state {
    int64_t stop_at; /* deliver the held StopCapture when the clock reaches this; -1: none held */
};

static void create_state(struct mutant *mutant, const char *host_config)
{
    struct late_close_state *state = calloc(1, sizeof *state);
    if (state)
        state->stop_at = -1;
    mutant->state = state;
}

static bool hold_stop_capture(struct mutant *mutant, const struct wakecert_control *control)
{
    struct late_close_state *state = mutant->state;
    if (control->kind != WAKECERT_CONTROL_STOP_CAPTURE || !state || !mutant->stream_open)
        return true;
    state->stop_at = mutant->clock + 3 * 16000;
    return false;
}

static void release_stop_capture(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    struct late_close_state *state = mutant->state;
    if (!state || state->stop_at < 0 || mutant->clock < state->stop_at)
        return;
    state->stop_at = -1;
    struct wakecert_control stop = {WAKECERT_CONTROL_STOP_CAPTURE, 0};
    mutant->inner->control(mutant->inner_engine, &stop);
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-late-close",
    .defect = "keeps streaming 3 s after StopCapture",
    .on_create = create_state,
    .on_control = hold_stop_capture,
    .after_process = release_stop_capture,
};
