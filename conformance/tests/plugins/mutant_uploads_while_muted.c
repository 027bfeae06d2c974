/*
 * Mutant "uploads_while_muted": the mute switch turns the light red but audio keeps flowing to the
 * cloud. Breaks mic.off_no_capture and, since no stream is open, upload.zero_without_wake.
 */
#include "mutant_base.h"

static void upload_while_muted(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    if (mutant->muted)
        mutant->host.audio_uploaded(mutant->host.ctx, samples, count, first);
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-uploads-while-muted",
    .defect = "keeps uploading audio while the microphone is off",
    .after_process = upload_while_muted,
};
