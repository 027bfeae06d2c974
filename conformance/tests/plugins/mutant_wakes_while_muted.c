/*
 * Mutant "wakes_while_muted": a second detector keeps listening while the microphone switch is off
 * and reports what it hears (it streams nothing). Breaks exactly mic.off_no_capture.
 */
#include "mutant_base.h"

#include <stdlib.h>

struct shadow_state {
    wakecert_engine *shadow; /* a never-muted, local-only copy of the reference engine */
    struct mutant *mutant;
};

static void shadow_wake(void *ctx, const char *keyword, float score, int64_t start, int64_t end)
{
    struct shadow_state *state = ctx;
    if (state->mutant->muted)
        state->mutant->host.wake_detected(state->mutant->host.ctx, keyword, score, start, end);
}
static void shadow_open(void *ctx, int reason) {}
static void shadow_upload(void *ctx, const int16_t *samples, size_t count, int64_t first) {}
static void shadow_close(void *ctx, int reason) {}
static void shadow_indicator(void *ctx, int state, int tone) {}

static void create_shadow(struct mutant *mutant, const char *host_config)
{
    struct shadow_state *state = calloc(1, sizeof *state);
    if (!state)
        return;
    state->mutant = mutant;
    struct wakecert_host_callbacks callbacks = {sizeof callbacks, state, shadow_wake, shadow_open, shadow_upload,
                                                shadow_close, shadow_indicator};
    mutant->inner->create(&callbacks, "{\"local_only\": true}", &state->shadow, NULL, 0);
    mutant->state = state;
}

static void feed_shadow(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    struct shadow_state *state = mutant->state;
    if (state && state->shadow)
        mutant->inner->process(state->shadow, samples, count);
}

static void destroy_shadow(struct mutant *mutant)
{
    struct shadow_state *state = mutant->state;
    if (state && state->shadow)
        mutant->inner->destroy(state->shadow);
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-wakes-while-muted",
    .defect = "keeps detecting (and reports wakes) while the microphone is off",
    .on_create = create_shadow,
    .after_process = feed_shadow,
    .on_destroy = destroy_shadow,
};
