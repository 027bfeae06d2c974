/*
 * Mutant "late_indicator": the light comes on 300 ms after the stream opens and audio starts to flow.
 * Breaks exactly indicator.on_while_streaming.
 */
#include "mutant_base.h"

#include <stdlib.h>

struct late_indicator_state {
    int64_t show_at; /* clock at which to show the held LISTENING state; -1: none held */
    int tone;
};

static void create_state(struct mutant *mutant, const char *host_config)
{
    struct late_indicator_state *state = calloc(1, sizeof *state);
    if (state)
        state->show_at = -1;
    mutant->state = state;
}

static bool hold_listening(struct mutant *mutant, int state_value, int tone)
{
    struct late_indicator_state *state = mutant->state;
    if (!state)
        return true;
    if (state_value == WAKECERT_INDICATOR_LISTENING) {
        state->show_at = mutant->clock + 4800;
        state->tone = tone;
        return false;
    }
    state->show_at = -1; /* the stream ended before the light came on */
    return true;
}

static void show_late(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    struct late_indicator_state *state = mutant->state;
    if (!state || state->show_at < 0 || mutant->clock < state->show_at)
        return;
    state->show_at = -1;
    mutant->host.indicator_changed(mutant->host.ctx, WAKECERT_INDICATOR_LISTENING, state->tone);
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-late-indicator",
    .defect = "turns the indicator on 300 ms after the upload starts",
    .on_create = create_state,
    .on_indicator = hold_listening,
    .after_process = show_late,
};
