/*
 * Mutant "preroll_700ms": an off-by-200-ms bug — the upload starts 700 ms before the reported wake
 * start instead of 500 ms. Breaks exactly upload.preroll_bounds.
 */
#include "mutant_base.h"

static bool prepend_200_ms(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    if (mutant->first_upload_pending && mutant->stream_reason == WAKECERT_STREAM_WAKE)
        mutant_upload_history(mutant, first - 3200, 3200);
    return true;
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-preroll-700ms",
    .defect = "starts the upload 200 ms earlier than the 500 ms pre-roll",
    .on_upload = prepend_200_ms,
};
