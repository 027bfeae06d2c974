/*
 * Mutant "leaky": streams ambient audio to the cloud while idle, before any wake word (it respects
 * the microphone switch). Breaks exactly upload.zero_without_wake.
 */
#include "mutant_base.h"

static void upload_while_idle(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    if (!mutant->stream_open && !mutant->muted)
        mutant->host.audio_uploaded(mutant->host.ctx, samples, count, first);
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-leaky",
    .defect = "streams ambient audio while idle, before any wake word",
    .after_process = upload_while_idle,
};
