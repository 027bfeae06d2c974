/*
 * Mutant "nondeterministic": adds a little randomness (seeded from the clock and an address) to the
 * scores it reports, so the same audio twice gives different traces. Breaks exactly engine.determinism.
 */
#define _POSIX_C_SOURCE 200809L
#include "mutant_base.h"

#include <stdint.h>
#include <time.h>

static uint64_t random_state;

static bool jitter_score(struct mutant *mutant, const char *keyword, float score, int64_t start, int64_t end)
{
    if (random_state == 0) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        random_state = (uint64_t)now.tv_nsec ^ (uint64_t)(uintptr_t)mutant ^ 0x9e3779b97f4a7c15ull;
    }
    random_state ^= random_state << 13;
    random_state ^= random_state >> 7;
    random_state ^= random_state << 17;
    float jitter = (float)(random_state % 1000) * 1e-4f;
    mutant->host.wake_detected(mutant->host.ctx, keyword, score + jitter, start, end);
    return false;
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-nondeterministic",
    .defect = "reports randomly different scores for the same audio",
    .on_wake = jitter_score,
};
