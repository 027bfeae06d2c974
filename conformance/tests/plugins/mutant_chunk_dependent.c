/*
 * Mutant "chunk_dependent": only trusts detections made while being fed whole 10 ms chunks, so its
 * decisions depend on how the host chunks the audio. Breaks exactly engine.chunking_invariance.
 */
#include "mutant_base.h"

static bool wake_only_on_whole_chunks(struct mutant *mutant, const char *keyword, float score, int64_t start,
                                      int64_t end)
{
    return mutant->chunk_count == 160;
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-chunk-dependent",
    .defect = "drops detections unless fed whole 160-sample chunks",
    .on_wake = wake_only_on_whole_chunks,
};
