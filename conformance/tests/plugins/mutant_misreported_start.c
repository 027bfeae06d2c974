/*
 * Mutant "misreported_start": reports the wake word as starting 400 ms before it really does (and
 * sends 500 ms before that, so its pre-roll is consistent with what it reports). Breaks exactly
 * wake.index_accuracy.
 */
#include "mutant_base.h"

static bool report_early(struct mutant *mutant, const char *keyword, float score, int64_t start, int64_t end)
{
    mutant->host.wake_detected(mutant->host.ctx, keyword, score, start - 6400, end);
    return false;
}

static bool prepend_400_ms(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    if (mutant->first_upload_pending && mutant->stream_reason == WAKECERT_STREAM_WAKE)
        mutant_upload_history(mutant, first - 6400, 6400);
    return true;
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-misreported-start",
    .defect = "reports the wake word start 400 ms early",
    .on_wake = report_early,
    .on_upload = prepend_400_ms,
};
