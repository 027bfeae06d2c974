/*
 * Mutant "reupload": after a stream closes, sends its first 0.5 s again ("retry") with no stream open.
 * Breaks exactly upload.zero_without_wake.
 */
#include "mutant_base.h"

static bool resend_after_close(struct mutant *mutant, int reason)
{
    int64_t first = mutant->stream_first;
    mutant->host.stream_closed(mutant->host.ctx, reason);
    if (first >= 0)
        mutant_upload_history(mutant, first, 8000);
    return false;
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-reupload",
    .defect = "re-uploads old audio after the stream closed",
    .on_close = resend_after_close,
};
