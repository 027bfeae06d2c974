/*
 * Mutant "forged_index": labels its uploads with first-sample indices 10 ms later than the samples
 * really are. Breaks exactly upload.provenance.
 */
#include "mutant_base.h"

static bool shift_index(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    mutant->host.audio_uploaded(mutant->host.ctx, samples, count, first + 160);
    return false;
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-forged-index",
    .defect = "claims a first-sample index 160 samples off",
    .on_upload = shift_index,
};
