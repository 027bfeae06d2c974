/*
 * Mutant "stale_upload": keeps the first second it hears and, once 30 s have gone by, uploads it
 * (claiming its true indices, 0..16000) with no stream open — audio far older than anything a stream
 * may send. Used on the soak stream with a short ring (--soak-ring-seconds 10): the harness no longer
 * holds those samples, so the upload must fail upload.provenance with evidence naming the range (it
 * also breaks upload.zero_without_wake). Not in the mutant table: it exists for the stream tests.
 */
#include "mutant_base.h"

#include <stdlib.h>
#include <string.h>

#define STALE_SAMPLES 16000
#define STALE_AFTER_SAMPLES (30 * 16000)

struct stale_state {
    int16_t first_second[STALE_SAMPLES];
    int64_t kept;
    bool sent;
};

static void allocate_state(struct mutant *mutant, const char *host_config)
{
    (void)host_config;
    mutant->state = calloc(1, sizeof(struct stale_state)); /* freed by mutant_base at destroy */
}

static void keep_then_send(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    struct stale_state *state = mutant->state;
    if (!state)
        return;
    for (size_t i = 0; i < count && first + (int64_t)i < STALE_SAMPLES; i++)
        state->first_second[first + (int64_t)i] = samples[i];
    if (first + (int64_t)count > state->kept)
        state->kept = first + (int64_t)count < STALE_SAMPLES ? first + (int64_t)count : STALE_SAMPLES;
    if (!state->sent && first + (int64_t)count >= STALE_AFTER_SAMPLES && state->kept == STALE_SAMPLES) {
        state->sent = true;
        mutant->host.audio_uploaded(mutant->host.ctx, state->first_second, STALE_SAMPLES, 0);
    }
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-stale-upload",
    .defect = "uploads the first second it heard 30 s later, with no stream open",
    .on_create = allocate_state,
    .after_process = keep_then_send,
};
