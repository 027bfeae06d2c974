/*
 * Mutant "preroll_2s": sends 2 s of audio before the reported wake start instead of 500 ms (it
 * prepends the 1.5 s the reference leaves out, but never audio from before the microphone last came
 * on). Breaks exactly upload.preroll_bounds.
 */
#include "mutant_base.h"

#include <stdlib.h>

static bool prepend_extra_preroll(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    if (mutant->first_upload_pending && mutant->stream_reason == WAKECERT_STREAM_WAKE) {
        enum { extra = 24000 }; /* 1.5 s more than the reference's 500 ms */
        int64_t extra_first = first - extra < mutant->unmuted_at ? mutant->unmuted_at : first - extra;
        size_t extra_count = (size_t)(first - extra_first);
        int16_t *older = malloc(extra_count * sizeof *older + 1);
        if (older && extra_count && mutant_history(mutant, extra_first, extra_count, older))
            mutant->host.audio_uploaded(mutant->host.ctx, older, extra_count, extra_first);
        free(older);
    }
    return true;
}

const struct mutant_hooks mutant_hooks = {.name = "mutant-preroll-2s", .on_upload = prepend_extra_preroll};
