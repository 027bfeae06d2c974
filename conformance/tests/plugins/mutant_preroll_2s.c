/*
 * Mutant "preroll_2s": sends 2 s of audio before the reported wake start instead of 500 ms (it
 * prepends the 1.5 s the reference leaves out, but never audio from before the microphone last came
 * on). Breaks exactly upload.preroll_bounds.
 */
#include "mutant_base.h"


static bool prepend_extra_preroll(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    enum { extra = 24000 }; /* 1.5 s more than the reference's 500 ms */
    if (mutant->first_upload_pending && mutant->stream_reason == WAKECERT_STREAM_WAKE)
        mutant_upload_history(mutant, first - extra, extra);
    return true;
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-preroll-2s",
    .defect = "sends 2 s of pre-roll instead of 500 ms",
    .on_upload = prepend_extra_preroll,
};
